"""The checks and statistics mltf computes for the transactions dataset
(providers/data/datagen), done with pandas: types and nulls of the six
columns, amount >= 0, label in {0, 1}, country matching ^[A-Z]{2}$, unique
ids (with --unique), and per column count, nulls, min, max, mean, stddev,
quantiles p05..p95 and top values. Prints one line: rows, seconds, MB/s.

    /usr/bin/python3 pandas_validate.py FILE.csv [--unique]
"""
import os
import sys
import time

import pandas as pd


def main():
    path = sys.argv[1]
    unique = "--unique" in sys.argv[2:]
    start = time.perf_counter()
    df = pd.read_csv(path, dtype={"id": "int64", "amount": "float64", "label": "int64",
                                  "country": "string", "score": "float64", "ts": "string"})
    failures = []
    for col in df.columns:
        if df[col].isna().any():
            failures.append(f"{col}: nulls")
    ts = pd.to_datetime(df["ts"], format="%Y-%m-%dT%H:%M:%SZ", errors="coerce", utc=True)
    if ts.isna().any():
        failures.append("ts: not a timestamp")
    if (df["amount"] < 0).any():
        failures.append("amount: below min")
    if (~df["label"].isin([0, 1])).any():
        failures.append("label: not in values")
    if (~df["country"].str.fullmatch(r"[A-Z]{2}")).any():
        failures.append("country: regex")
    if unique:
        dup = df["id"].duplicated()
        if dup.any():
            failures.append(f"id: {int(dup.sum())} duplicates")
    qs = [0.05, 0.25, 0.5, 0.75, 0.95]
    stats = {}
    for col in ["id", "amount", "label", "score"]:
        s = df[col]
        stats[col] = (s.count(), s.isna().sum(), s.min(), s.max(), s.mean(), s.std(ddof=0), s.quantile(qs).tolist())
    secs = ts.astype("int64") / 1e9
    stats["ts"] = (secs.count(), ts.isna().sum(), secs.min(), secs.max(), secs.mean(), secs.std(ddof=0), secs.quantile(qs).tolist())
    stats["country"] = df["country"].value_counts().head(20).to_dict()
    stats["label_top"] = df["label"].value_counts().to_dict()
    elapsed = time.perf_counter() - start
    if failures:
        print("failures:", failures, file=sys.stderr)
        sys.exit(1)
    size = os.path.getsize(path)
    print(f"pandas {pd.__version__}: {len(df)} rows in {elapsed:.2f} s, {size / 1e6 / elapsed:.1f} MB/s")


if __name__ == "__main__":
    main()
