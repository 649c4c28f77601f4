"""Red team A6: a thread that outlives the call: after predict returns it keeps running, printing,
and zeroing the arrays predict returned earlier (they were sent already). Expected: predict's
answers are graded as returned (right: passed), update still passes, and neither the worker nor
its thread survives the grade."""
import threading
import time

import numpy as np

_outputs = []


def _haunt():
    while True:
        for out in _outputs[:-1]:      # not the newest: it may not have been sent yet
            out[:] = 0.0
        print("still here", flush=True)
        time.sleep(0.005)


def predict(X, w, b):
    out = np.where(X @ w + b >= 0, 1.0, -1.0)
    _outputs.append(out)
    if not any(t.name == "haunt" for t in threading.enumerate()):
        threading.Thread(target=_haunt, name="haunt", daemon=True).start()
    return out


def update(w, b, x, y, lr):
    err = y - (1.0 if x @ w + b >= 0 else -1.0)
    return w + lr * err * x, b + lr * err
