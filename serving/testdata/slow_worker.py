"""A worker that answers like mltf_worker.py, SLOW_WORKER_DELAY seconds
(default 0.3) late: a version with added latency, served through the
worker protocol, for the tests of analysis by p99.

    python3 slow_worker.py --model DIR --port N
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "sdk", "python"))
import mltf_worker  # noqa: E402

delay = float(os.environ.get("SLOW_WORKER_DELAY", "0.3"))
infer = mltf_worker.Model.infer


def slow(self, body, rows, cols):
    time.sleep(delay)
    return infer(self, body, rows, cols)


mltf_worker.Model.infer = slow
sys.exit(mltf_worker.main())
