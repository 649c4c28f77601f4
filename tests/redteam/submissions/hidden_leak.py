"""Red team T5: record the inputs of the hidden test (predict_hidden: X of shape (60, 2)), print
them, and raise them in a later *public* test's exception (update_on_mistake), where students read
messages in full. Expected: the hidden test shows only pass or fail and points, and no message,
hint, detail or captured output a student sees holds the recorded inputs (the marker
``HIDDEN-INPUT``)."""
import numpy as np

_seen = []


def predict(X, w, b):
    if X.shape == (60, 2):
        _seen.append(X.tolist())
        print("HIDDEN-INPUT", X.tolist(), flush=True)
    return np.where(X @ w + b >= 0, 1.0, -1.0)


def update(w, b, x, y, lr):
    if _seen:
        raise ValueError(f"HIDDEN-INPUT {_seen}")
    err = y - (1.0 if x @ w + b >= 0 else -1.0)
    return w + lr * err * x, b + lr * err
