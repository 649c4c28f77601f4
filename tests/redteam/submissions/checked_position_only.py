"""Red team T3: do the work (a Python loop over rows, about 100x the reference) only in the timed
call whose output will be checked, found by reading the worker's request (the old ``run`` request
said which one it kept); every other call returns zeros at once. Expected: predict_speed fails
(a wrong answer among the timed outputs, or the slow speed): the worker is never told which
output is checked, because the parent chooses after all of them have arrived."""
import sys

import numpy as np

_state = {"keep": None, "count": 0}


def _slow(X, w, b):
    out = np.empty(X.shape[0])
    for i in range(X.shape[0]):
        out[i] = 1.0 if float(X[i] @ w) + b >= 0 else -1.0
    return out


def predict(X, w, b):
    index, keep = _state["count"], _state["keep"]
    _state["count"] += 1
    if keep is None or index == keep:
        return _slow(X, w, b)
    return np.zeros(X.shape[0])


def _hijack():
    for module in list(sys.modules.values()):
        session = getattr(module, "_Session", None)
        if session is None:
            continue
        for op in ("run", "time"):
            original = getattr(session, op, None)
            if original is None:
                continue
            def spy(self, header, *rest, _original=original):
                _state["keep"], _state["count"] = header.get("keep", header.get("check")), 0
                try:
                    return _original(self, header, *rest)
                finally:
                    _state["keep"] = None
            setattr(session, op, spy)


_hijack()
