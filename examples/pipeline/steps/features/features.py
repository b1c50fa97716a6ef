"""Features of the clean digits: the 64 pixels plus the mean of each of the
image's 8 rows (in the pixels' 0..16 range). Reads MLTF_INPUT_CLEAN, writes
features.csv under MLTF_OUTPUT_DIR with the label last."""

import csv
import os

src = os.environ["MLTF_INPUT_CLEAN"]
out = os.path.join(os.environ["MLTF_OUTPUT_DIR"], "features.csv")
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(src, newline="") as f, open(out, "w", newline="") as g:
    r, w = csv.reader(f), csv.writer(g)
    header = next(r)
    w.writerow(header[:-1] + ["row%d" % i for i in range(8)] + [header[-1]])
    for row in r:
        pixels = [int(v) for v in row[:-1]]
        means = ["%.3f" % (sum(pixels[8 * i:8 * i + 8]) / 8.0) for i in range(8)]
        w.writerow(row[:-1] + means + [row[-1]])
