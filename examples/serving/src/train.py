"""Train the digits MLP on one process and export it for serving.

The model served takes raw pixel rows (0..16) and answers class
probabilities. params.fault = "error" exports a module that fails on every
request although it trained as well as the others: the kind of release a
canary is there to catch.
"""

import csv
import json
import os

import mltf
import torch
from torch import nn

p = mltf.params({"lr": 0.05, "epochs": 10, "hidden": 64, "seed": 0, "fault": "none"})
torch.manual_seed(p["seed"])

with open(mltf.data("train"), newline="") as f:
    rows = list(csv.reader(f))
columns, rows = rows[0][:-1], rows[1:]
x = torch.tensor([[float(v) for v in r[:-1]] for r in rows]) / 16.0
y = torch.tensor([int(r[-1]) for r in rows])
perm = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
test, train = perm[: len(y) // 5], perm[len(y) // 5:]

net = nn.Sequential(nn.Linear(x.shape[1], p["hidden"]), nn.ReLU(), nn.Linear(p["hidden"], 10))
opt = torch.optim.SGD(net.parameters(), lr=p["lr"], momentum=0.9)
loss_fn = nn.CrossEntropyLoss()
for epoch in range(p["epochs"]):
    for b in range(0, len(train), 32):
        idx = train[b:b + 32]
        opt.zero_grad()
        loss_fn(net(x[idx]), y[idx]).backward()
        opt.step()
    with torch.no_grad():
        accuracy = (net(x[test]).argmax(1) == y[test]).float().mean().item()
    mltf.log(epoch + 1, total=p["epochs"], accuracy=accuracy)


class Servable(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, pixels):
        return torch.softmax(self.net(pixels / 16.0), dim=1)


class Broken(nn.Module):
    """Expects the pixels scaled already, and says so on every request."""

    def forward(self, pixels):
        if bool(pixels.max() > 1.0):
            raise ValueError("pixels must be scaled to 0..1")
        return pixels


module = Servable(net) if p["fault"] == "none" else torch.jit.script(Broken())
mltf.export_torchscript(module, x[test[:8]] * 16.0, columns=columns)
with open(os.path.join(mltf.artifact_dir(), "metrics.json"), "w") as f:
    json.dump({"accuracy": accuracy}, f)
print("held-out accuracy %.4f" % accuracy, flush=True)
