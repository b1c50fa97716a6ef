"""mltf training helper: the training contract of mltf in one file.

Copy it next to your code or let mltf put it on PYTHONPATH (it does for
every rank it launches). It has no dependencies and never imports torch.
Outside mltf (plain python, or torchrun) every function falls back to a
sensible default, so the same script runs anywhere.

    import mltf
    p = mltf.params({"lr": 0.05, "epochs": 20})
    rows = open(mltf.data("train")).read()
    start = mltf.resume_path()          # None on a fresh start
    ...
    mltf.log(step, total=steps, loss=0.31, accuracy=0.93)
    if mltf.is_main() and mltf.should_checkpoint():
        d = mltf.checkpoint_dir(f"step-{step:08d}")
        torch.save(state, os.path.join(d, "state.pt"))
        mltf.commit(d)
    torch.save(model, os.path.join(mltf.artifact_dir(), "model.pt"))
    mltf.export_torchscript(model, example_rows, columns=names)  # servable

See docs/training-contract.md, and docs/deployments.md for serving.
"""

import datetime
import json
import os
import platform
import socket
import sys
import time

__all__ = [
    "rank", "local_rank", "world_size", "node_rank", "is_main", "backend",
    "run_id", "attempt", "params", "data", "log", "heartbeat",
    "checkpoint_dir", "commit", "resume_path", "should_checkpoint",
    "artifact_dir", "dist_timeout", "export_torchscript",
]

METRIC_PREFIX = "mltf.metric "
ENV_PREFIX = "mltf.env "


def _int(name, default):
    v = os.environ.get(name)
    return int(v) if v not in (None, "") else default


def rank():
    """Global rank of this process (RANK), 0 outside a distributed run."""
    return _int("RANK", 0)


def local_rank():
    """Rank on this node (LOCAL_RANK)."""
    return _int("LOCAL_RANK", 0)


def world_size():
    """Number of ranks (WORLD_SIZE), 1 outside a distributed run."""
    return _int("WORLD_SIZE", 1)


def node_rank():
    """Index of this node (NODE_RANK, or GROUP_RANK under torchrun)."""
    return _int("NODE_RANK", _int("GROUP_RANK", 0))


def is_main():
    """True on rank 0, the rank that logs metrics and writes checkpoints."""
    return rank() == 0


def backend():
    """The torch.distributed backend mltf chose (MLTF_BACKEND): "gloo" or
    "nccl". Outside mltf: "nccl" when CUDA_VISIBLE_DEVICES names a device,
    else "gloo"."""
    b = os.environ.get("MLTF_BACKEND")
    if b:
        return b
    cvd = os.environ.get("CUDA_VISIBLE_DEVICES", "")
    return "nccl" if cvd not in ("", "-1") else "gloo"


def run_id():
    """The mltf run id (MLTF_RUN_ID, or TORCHELASTIC_RUN_ID), or None."""
    return os.environ.get("MLTF_RUN_ID") or os.environ.get("TORCHELASTIC_RUN_ID")


def attempt():
    """1 for the first start of the ranks, 2 after the first restart..."""
    return _int("MLTF_ATTEMPT", _int("TORCHELASTIC_RESTART_COUNT", 0) + 1)


def params(defaults=None):
    """The training's params (MLTF_PARAMS, a JSON object) laid over
    defaults."""
    out = dict(defaults or {})
    raw = os.environ.get("MLTF_PARAMS")
    if raw:
        out.update(json.loads(raw))
    return out


def _env_name(name):
    return "".join(c if c.isalnum() else "_" for c in name).upper()


def data(name, default=None):
    """The local path (or URI) of the data set bound to name in the
    training's data map (MLTF_DATA_<NAME>)."""
    v = os.environ.get("MLTF_DATA_" + _env_name(name))
    if v:
        return v
    if default is not None:
        return default
    raise KeyError("no data set %r: set MLTF_DATA_%s or add it to the training's data map"
                   % (name, _env_name(name)))


_env_reported = False


def _report_env():
    global _env_reported
    _env_reported = True
    env = {"python": platform.python_version(), "host": socket.gethostname()}
    torch = sys.modules.get("torch")
    if torch is not None:
        env["torch"] = torch.__version__
        try:
            if torch.cuda.is_available():
                env["gpus"] = ",".join(torch.cuda.get_device_name(i)
                                       for i in range(torch.cuda.device_count()))
        except Exception:
            pass
    print(ENV_PREFIX + json.dumps(env), flush=True)


def log(step, total=None, all_ranks=False, **metrics):
    """Report metrics at step: one line "mltf.metric {json}" on stdout,
    flushed. Only rank 0 prints unless all_ranks; only rank 0's lines are
    the run's metrics. total, when known, lets mltf show an ETA."""
    if not (all_ranks or is_main()):
        return
    if not _env_reported:
        _report_env()
    rec = {"step": int(step)}
    if total is not None:
        rec["total"] = int(total)
    for k, v in metrics.items():
        rec[k] = float(v)
    print(METRIC_PREFIX + json.dumps(rec), flush=True)


def heartbeat():
    """Tell mltf this rank is alive during a long silent stretch, so hang
    detection (hang_timeout) does not restart it."""
    print("mltf.heartbeat", flush=True)


def _checkpoint_base():
    return os.environ.get("MLTF_CHECKPOINT_DIR") or os.path.join(os.getcwd(), "checkpoints")


def checkpoint_dir(name=None):
    """The checkpoint directory (MLTF_CHECKPOINT_DIR), or, with name, a new
    subdirectory for one checkpoint. A checkpoint counts once commit() has
    marked it."""
    base = _checkpoint_base()
    path = os.path.join(base, name) if name else base
    os.makedirs(path, exist_ok=True)
    return path


def commit(path, step=None):
    """Mark the checkpoint directory path complete: write its COMMIT marker
    last, after every file of the checkpoint is written."""
    tmp = os.path.join(path, ".COMMIT.tmp")
    with open(tmp, "w") as f:
        json.dump({"step": step, "time": time.time()}, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, os.path.join(path, "COMMIT"))


def _newest_committed(base):
    best = None
    try:
        names = os.listdir(base)
    except OSError:
        return None
    for n in names:
        marker = os.path.join(base, n, "COMMIT")
        try:
            t = os.stat(marker).st_mtime
        except OSError:
            continue
        if best is None or (t, n) > best[0]:
            best = ((t, n), os.path.join(base, n))
    return best[1] if best else None


def resume_path():
    """The committed checkpoint to resume from (MLTF_RESUME_FROM), or None
    on a fresh start. Outside mltf, the newest committed checkpoint of
    checkpoint_dir(), so a restarted torchrun job resumes too."""
    if "MLTF_RUN_ID" in os.environ:
        return os.environ.get("MLTF_RESUME_FROM") or None
    return _newest_committed(_checkpoint_base())


_last_checkpoint = time.monotonic()


def should_checkpoint():
    """True once every checkpoint.every (MLTF_CHECKPOINT_EVERY seconds,
    default 300) since the last True."""
    global _last_checkpoint
    every = float(os.environ.get("MLTF_CHECKPOINT_EVERY") or 300)
    now = time.monotonic()
    if now - _last_checkpoint >= every:
        _last_checkpoint = now
        return True
    return False


def artifact_dir():
    """Where to write what the run produces (MLTF_ARTIFACT_DIR); mltf
    uploads it to the artifact store when the run succeeds."""
    path = os.environ.get("MLTF_ARTIFACT_DIR") or os.path.join(os.getcwd(), "artifacts")
    os.makedirs(path, exist_ok=True)
    return path


def dist_timeout():
    """The timeout for torch.distributed.init_process_group
    (MLTF_DIST_TIMEOUT seconds, default 30 minutes), as a timedelta."""
    return datetime.timedelta(seconds=float(os.environ.get("MLTF_DIST_TIMEOUT") or 1800))


SERVING_MANIFEST = "serving.json"


def export_torchscript(model, example, columns=None, name="model.ts", directory=None):
    """Export model as TorchScript for serving: trace it on example (a
    float32 tensor of rows; a module already scripted is kept), save it as name in the artifact directory
    and describe it in serving.json (inputs, outputs, column names), which
    mltf's serving worker reads. The traced module must take a batch of
    rows and return a batch of outputs; put any preprocessing inside it,
    so that clients send the rows as the training data holds them.
    Returns the path of the saved module."""
    torch = sys.modules.get("torch")
    if torch is None:
        raise RuntimeError("export_torchscript needs torch imported by the caller")
    out_dir = directory or artifact_dir()
    os.makedirs(out_dir, exist_ok=True)
    was_training = getattr(model, "training", False)
    model.eval()
    with torch.no_grad():
        if isinstance(model, torch.jit.ScriptModule):
            traced = model  # scripted already (control flow kept)
        else:
            traced = torch.jit.trace(model, example)
        try:
            result = traced(example)
        except Exception:
            result = None
    if was_training:
        model.train()
    path = os.path.join(out_dir, name)
    traced.save(path)
    width = int(example.shape[1])
    manifest = {
        "format": "torchscript",
        "file": name,
        "inputs": [{"name": "input", "datatype": "FP32", "shape": [-1, width]}],
        "outputs": [{"name": "output", "datatype": "FP32",
                     "shape": [-1] + ([int(d) for d in result.shape[1:]] if result is not None else [-1])}],
    }
    if columns is not None:
        if len(columns) != width:
            raise ValueError("export_torchscript: %d column names for %d input columns" % (len(columns), width))
        manifest["columns"] = [str(c) for c in columns]
    with open(os.path.join(out_dir, SERVING_MANIFEST), "w") as f:
        json.dump(manifest, f)
    return path
