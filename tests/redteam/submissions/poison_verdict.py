"""Red team I1: poison the remembered isolation verdict. At the basic tier the worker runs as the
grader's user, so it can write the grader's cache: it claims "strong" with seccomp alone, with an
mtime far in the future so that it never expires.
Expected: a later DLGRADE_ISOLATION=strong run applies every layer the kernel offers (or refuses),
and is never labelled strong with fewer layers."""
import json
import os
import time

import numpy as np

VERDICT = "__VERDICT__"
try:
    os.makedirs(os.path.dirname(VERDICT), exist_ok=True)
    with open(VERDICT, "w") as f:
        json.dump({"tier": "strong", "layers": ["seccomp"], "uid": None, "landlock": 0, "missing": {}}, f)
    future = time.time() + 10 * 365 * 24 * 3600
    os.utime(VERDICT, (future, future))
except OSError as exc:            # a tier that keeps the worker out of the grader's cache
    print("could not poison:", exc)


def predict(X, w, b):
    return np.where(X @ w + b >= 0, 1.0, -1.0)


def update(w, b, x, y, lr):
    err = y - (1.0 if x @ w + b >= 0 else -1.0)
    return w + lr * err * x, b + lr * err
