"""mltf serving worker: serves one model version to mltf's front end.

    python3 mltf_worker.py --model DIR [--host 127.0.0.1] [--port 9000]

DIR holds serving.json (written by mltf.export_torchscript) and the module
it names. The worker speaks mltf's worker protocol (docs/deployments.md),
HTTP/1.1 with keep-alive, one batch at a time (a thread per connection, so
that health checks are answered while the front end's connection is open):

    GET  /v1/health/ready   200 once the model is loaded, 503 before
    GET  /v1/metadata       serving.json, as JSON
    POST /v1/infer          body: the rows, float32 little-endian, row-major;
                            header X-Shape: ROWS,COLS; X-Requests: how many
                            inference requests the rows are (1 when absent)
                            200: the outputs the same way (X-Shape: ROWS,...)
                            4xx/5xx: text/plain, what went wrong
    GET  /metrics           Prometheus counters: mltf_worker_requests_total,
                            mltf_worker_rows_total, mltf_worker_batches_total

The front end batches requests, so a worker sees batches of rows. Any
program that answers the same three calls can serve a version; /metrics is
what autoscale's target_rps scales on (docs/deployments.md).
"""

import argparse
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MANIFEST = "serving.json"


class Model:
    def __init__(self, directory):
        with open(os.path.join(directory, MANIFEST)) as f:
            self.manifest = json.load(f)
        fmt = self.manifest.get("format")
        if fmt != "torchscript":
            raise SystemExit("%s: format %r: this worker serves torchscript" % (MANIFEST, fmt))
        import torch

        torch.set_num_threads(int(os.environ.get("MLTF_WORKER_THREADS", "1")))
        self.torch = torch
        self.module = torch.jit.load(os.path.join(directory, self.manifest["file"]), map_location="cpu")
        self.module.eval()
        self.width = int(self.manifest["inputs"][0]["shape"][-1])
        self.warm_up()

    def warm_up(self):
        """Run the module a few times before saying ready: TorchScript's
        profiling executor optimizes on the first calls, which are slow."""
        torch = self.torch
        for rows in (1, 8, 32, 1, 8, 32):
            try:
                with torch.inference_mode():
                    self.module(torch.zeros(rows, self.width))
            except Exception:
                return  # a module that fails fails on requests too, visibly

    def infer(self, body, rows, cols):
        torch = self.torch
        if cols != self.width:
            raise ValueError("the model takes %d columns, got %d" % (self.width, cols))
        if len(body) != rows * cols * 4:
            raise ValueError("X-Shape %d,%d needs %d bytes, got %d" % (rows, cols, rows * cols * 4, len(body)))
        x = torch.frombuffer(bytearray(body), dtype=torch.float32).reshape(rows, cols)
        with torch.inference_mode():
            y = self.module(x)
        y = y.detach().to(torch.float32).contiguous()
        return y.numpy().tobytes(), ",".join(str(d) for d in y.shape)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else each answer waits for a delayed ACK
    model = None
    ready = threading.Event()
    # Counted for /metrics.
    counts = {"requests": 0, "rows": 0, "batches": 0}
    counts_lock = threading.Lock()

    def log_message(self, fmt, *args):  # requests are counted by the front end
        pass

    def reply(self, code, body, ctype="text/plain", headers=None):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self._headers_buffer.append(b"\r\n")
        self._headers_buffer.append(body)  # headers and body in one write
        self.flush_headers()

    def do_GET(self):
        if self.path == "/v1/health/ready":
            if self.ready.is_set():
                self.reply(200, "ready\n")
            else:
                self.reply(503, "loading\n")
        elif self.path == "/v1/health/live":
            self.reply(200, "live\n")
        elif self.path == "/v1/metadata" and self.ready.is_set():
            self.reply(200, json.dumps(self.model.manifest), "application/json")
        elif self.path == "/metrics":
            self.reply(200, "".join(
                "# HELP mltf_worker_%s_total %s\n# TYPE mltf_worker_%s_total counter\nmltf_worker_%s_total %d\n" % (k, h, k, k, self.counts[k])
                for k, h in (("requests", "Inference requests whose rows this worker answered."),
                             ("rows", "Rows this worker answered."), ("batches", "Batches this worker answered."))),
                "text/plain; version=0.0.4")
        else:
            self.reply(404, "no such path: %s\n" % self.path)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        if self.path != "/v1/infer":
            self.reply(404, "no such path: %s\n" % self.path)
            return
        if not self.ready.is_set():
            self.reply(503, "loading\n")
            return
        try:
            rows, cols = (int(v) for v in self.headers.get("X-Shape", "").split(","))
        except ValueError:
            self.reply(400, "X-Shape must be ROWS,COLS\n")
            return
        try:
            requests = int(self.headers.get("X-Requests") or 1)
        except ValueError:
            requests = 1
        with self.counts_lock:
            self.counts["requests"] += requests
            self.counts["rows"] += rows
            self.counts["batches"] += 1
        try:
            out, shape = self.model.infer(body, rows, cols)
        except ValueError as e:
            self.reply(400, "%s\n" % e)
            return
        except Exception as e:  # the model failed on this batch
            self.reply(500, "%s: %s\n" % (type(e).__name__, str(e).strip().splitlines()[-1] if str(e).strip() else ""))
            return
        self.reply(200, out, "application/octet-stream", {"X-Shape": shape})


def main():
    ap = argparse.ArgumentParser(description="mltf serving worker")
    ap.add_argument("--model", required=True, help="directory with serving.json")
    ap.add_argument("--host", default=os.environ.get("MLTF_WORKER_HOST", "127.0.0.1"))
    ap.add_argument("--port", type=int, default=int(os.environ.get("MLTF_WORKER_PORT", "9000")))
    a = ap.parse_args()
    # Exit on SIGTERM even as a container's process 1, which the kernel
    # spares the default action of signals it does not handle.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    # A thread per connection: the front end keeps its connection open
    # between batches, and a server that served one connection at a time
    # would leave the kubelet's health probes unanswered meanwhile (the pod
    # would turn unready, and be restarted).
    server = ThreadingHTTPServer((a.host, a.port), Handler)
    print("mltf worker listening on %s:%d, loading %s" % (a.host, server.server_address[1], a.model), flush=True)
    Handler.model = Model(a.model)
    Handler.ready.set()
    print("mltf worker ready", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
