"""Two-view features on the development draws of scripts/explore/dev-draws.ts (issue 13).

    node scripts/explore/dev-draws.ts --dump-draws D.json --dump-features DIR > RUN.log
    /usr/bin/python3 scripts/explore/two-view.py D.json DIR RUN.log

View 1: the automatic tap (PaddleOCR rec's 120-d sequence features) of the strip padded to 320,
mean and max over the steps that cover the digit. View 2: the backbone's last feature map
(480 x 3 x w/4, before the neck pools its height away) of the digit padded only to its own width,
averaged on a 3 x 4 grid. Each view is L2-normalised, concatenated, centred and scaled by one
deviation (the head's own normalisation), and fitted with scikit-learn's LogisticRegression(C=1)
on each draw; the difference to the cross-validated choice of `hub train` on the same draws
(RUN.log) is paired, with its standard error.
"""
import json
import sys

import numpy as np
from sklearn.linear_model import LogisticRegression

draws_file, dump_dir, run_log = sys.argv[1:4]


def load(name):
    meta = json.load(open(f"{dump_dir}/{name}.json"))
    data = np.fromfile(f"{dump_dir}/{name}.f32", dtype=np.float32)
    return data.reshape(meta["rows"], meta["dim"]), np.array(meta["labels"])


def l2(x):
    return x / (np.linalg.norm(x, axis=1, keepdims=True) + 1e-12)


strip, labels = load("full-transpose_51_tmp_0")
steps = strip.reshape(len(strip), 40, 120)[:, :6]  # 48 of 320 columns: steps 0-5 cover the digit
view1 = np.concatenate([steps.mean(1), steps.max(1)], 1)
backbone, _ = load("tight-p2o_Add_231")
n = len(backbone)
view2 = backbone.reshape(n, 480, 3, 4, 3).mean(4).reshape(n, -1)  # 12 columns -> 4 bins of 3

drawn = json.load(open(draws_file))
chosen = next(json.loads(l.split(" ", 2)[2]) for l in open(run_log) if l.startswith("mean"))
test = np.concatenate([np.arange(c * 200 + 100, c * 200 + 200) for c in range(10)])
for name, features in [("view 1 alone", view1), ("two views", np.concatenate([l2(view1), l2(view2)], 1))]:
    accuracies = []
    for seed in sorted(drawn, key=int):
        train = np.array(drawn[seed])
        x = l2(features)
        x = x - x[train].mean(0)
        x = x / x[train].std()
        head = LogisticRegression(C=1.0, max_iter=3000).fit(x[train], labels[train])
        accuracies.append((head.predict(x[test]) == labels[test]).mean())
    diff = np.array(accuracies) - np.array(chosen)
    print(
        f"{name:14s} {np.mean(accuracies) * 100:.2f}%  vs the cross-validated choice ({np.mean(chosen) * 100:.2f}%): "
        f"{diff.mean() * 100:+.2f} ± {diff.std(ddof=1) / np.sqrt(len(diff)) * 100:.2f} points"
    )
