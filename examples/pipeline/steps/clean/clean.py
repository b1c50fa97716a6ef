"""Drop the rows of the raw digits that cannot be used: a missing value, a
pixel outside 0..16 or a label outside 0..9. Reads MLTF_INPUT_RAW, writes
clean.csv under MLTF_OUTPUT_DIR."""

import csv
import os

src = os.environ["MLTF_INPUT_RAW"]
out = os.path.join(os.environ["MLTF_OUTPUT_DIR"], "clean.csv")
os.makedirs(os.path.dirname(out), exist_ok=True)
kept = dropped = 0
with open(src, newline="") as f, open(out, "w", newline="") as g:
    r, w = csv.reader(f), csv.writer(g)
    w.writerow(next(r))
    for row in r:
        try:
            pixels, label = [int(v) for v in row[:-1]], int(row[-1])
        except ValueError:
            dropped += 1
            continue
        if all(0 <= p <= 16 for p in pixels) and 0 <= label <= 9:
            w.writerow(row)
            kept += 1
        else:
            dropped += 1
print("kept %d rows, dropped %d" % (kept, dropped))
