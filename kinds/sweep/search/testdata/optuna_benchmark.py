"""Optuna's TPE on the functions of quality_test.go, for comparison.

Prints, for Branin and Hartmann-6, the median over seeds 0..9 of the best
value after 50 and 100 sequential trials, with Optuna's default TPESampler
(seeded). Run by scripts/compare-optuna.sh; needs python3-optuna.
"""
import math
import statistics
import sys
import time

import warnings

import optuna

warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)

optuna.logging.set_verbosity(optuna.logging.WARNING)


def branin(trial):
    x1 = trial.suggest_float("x1", -5, 10)
    x2 = trial.suggest_float("x2", 0, 15)
    b, c, t = 5.1 / (4 * math.pi ** 2), 5 / math.pi, 1 / (8 * math.pi)
    return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


ALPHA = [1.0, 1.2, 3.0, 3.2]
A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
     [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
     [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]


def hartmann6(trial):
    x = [trial.suggest_float(f"x{j}", 0, 1) for j in range(6)]
    return -sum(ALPHA[i] * math.exp(-sum(A[i][j] * (x[j] - P[i][j] * 1e-4) ** 2 for j in range(6)))
                for i in range(4))


def main():
    multivariate = "--multivariate" in sys.argv
    print(f"optuna {optuna.__version__} TPESampler(seed=s{', multivariate=True' if multivariate else ''}), seeds 0..9")
    for name, fn in [("branin", branin), ("hartmann6", hartmann6)]:
        at = {50: [], 100: []}
        start = time.time()
        for seed in range(10):
            sampler = optuna.samplers.TPESampler(seed=seed, multivariate=multivariate)
            study = optuna.create_study(sampler=sampler)
            study.optimize(fn, n_trials=100)
            values = [t.value for t in study.trials]
            for n in at:
                at[n].append(min(values[:n]))
        print(f"{name:10s} median best @50 {statistics.median(at[50]):.3f}  @100 {statistics.median(at[100]):.3f}"
              f"  ({time.time() - start:.1f}s)")


if __name__ == "__main__":
    main()
