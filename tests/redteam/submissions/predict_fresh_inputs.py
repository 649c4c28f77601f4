"""Red team T2: a Python loop over rows (about 100x the reference) that answers from a table built
at import time (untimed): it redraws the "fresh" timed inputs from the public recipe
(``stable_seed(spec id, "tests", test, argument)`` and the sample number). Expected: right
answers, predict_speed fails: the parent draws timed inputs from seeds it makes unpredictably."""
import hashlib

import numpy as np

_table = {}


def _slow(X, w, b):
    out = np.empty(X.shape[0])
    for i in range(X.shape[0]):
        out[i] = 1.0 if float(X[i] @ w) + b >= 0 else -1.0
    return out


def _seed(*parts):
    return int.from_bytes(hashlib.sha256("/".join(parts).encode()).digest()[:4], "little")


def _build(samples=64):
    base = {name: _seed("01_perceptron", "tests", "predict_speed", name) for name in ("X", "w")}
    for fresh in range(-1, samples):
        X = np.random.default_rng(_seed(str(base["X"]), str(fresh))).normal(0.0, 1.0, size=(2000, 16))
        w = np.random.default_rng(_seed(str(base["w"]), str(fresh))).normal(0.0, 1.0, size=(16,))
        _table[X.tobytes()[:256] + w.tobytes()] = np.where(X @ w + 0.1 >= 0, 1.0, -1.0)


def predict(X, w, b):
    hit = _table.get(X.tobytes()[:256] + np.asarray(w).tobytes())
    return hit.copy() if hit is not None and b == 0.1 else _slow(X, w, b)


_build()
