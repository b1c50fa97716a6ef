"""Makes the TorchScript models of the serving tests, with the helper's
export: python3 models.py DIR. Each is a directory DIR/NAME.

    double  the first two columns of a 4-column row, times 2
    triple  the same, times 3
    broken  raises on every batch
    digits  64 pixel columns (p0..p63) in, their mean out: the shape of
            the quickstart's digits, for drift
"""
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "sdk", "python"))
import mltf  # noqa: E402


class Scale(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.k = k

    def forward(self, x):
        return x[:, :2] * self.k


class Mean(nn.Module):
    def forward(self, x):
        return x.mean(dim=1, keepdim=True)


class Broken(nn.Module):
    def forward(self, x):
        if x.shape[0] > 0:
            raise RuntimeError("broken on purpose")
        return x


out = sys.argv[1]
example = torch.ones(3, 4)
cols = ["a", "b", "c", "d"]
mltf.export_torchscript(Scale(2.0), example, columns=cols, directory=os.path.join(out, "double"))
mltf.export_torchscript(Scale(3.0), example, columns=cols, directory=os.path.join(out, "triple"))
mltf.export_torchscript(torch.jit.script(Broken()), example, columns=cols, directory=os.path.join(out, "broken"))
mltf.export_torchscript(Mean(), torch.ones(3, 64), columns=["p%d" % i for i in range(64)], directory=os.path.join(out, "digits"))
