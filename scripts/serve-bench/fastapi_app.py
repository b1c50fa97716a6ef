"""The baseline of compare.sh: the same TorchScript model served by FastAPI
and uvicorn, answering the same Open Inference Protocol v2 JSON requests,
one request at a time per process (no batching).

    MLTF_MODEL_DIR=DIR uvicorn --app-dir scripts/serve-bench fastapi_app:app --workers 2
"""

import json
import os
from typing import List, Optional

import torch
from fastapi import FastAPI
from pydantic import BaseModel

torch.set_num_threads(1)
DIR = os.environ["MLTF_MODEL_DIR"]
with open(os.path.join(DIR, "serving.json")) as f:
    MANIFEST = json.load(f)
MODEL = torch.jit.load(os.path.join(DIR, MANIFEST["file"]), map_location="cpu")
MODEL.eval()
WIDTH = MANIFEST["inputs"][0]["shape"][-1]
NAME = os.environ.get("MLTF_MODEL_NAME", "digits")

app = FastAPI()


class Tensor(BaseModel):
    name: str
    shape: List[int]
    datatype: str
    data: List[float]


class InferRequest(BaseModel):
    id: Optional[str] = None
    inputs: List[Tensor]


@app.get("/v2/health/ready")
def ready():
    return {}


@app.post("/v2/models/%s/infer" % NAME)
def infer(req: InferRequest):
    t = req.inputs[0]
    x = torch.tensor(t.data, dtype=torch.float32).reshape(-1, WIDTH)
    with torch.inference_mode():
        y = MODEL(x)
    out = {"model_name": NAME, "outputs": [{"name": "output", "datatype": "FP32", "shape": list(y.shape), "data": y.flatten().tolist()}]}
    if req.id is not None:
        out["id"] = req.id
    return out
