"""Red team E2: remember outputs by input, and be slow on anything new (a 20 ms stall), hoping that
the timed calls repeat inputs it has seen. Expected: right answers, but predict_speed fails: the
grader times fresh inputs, so every timed call is a slow miss."""
import hashlib
import time

import numpy as np

_seen = {}


def predict(X, w, b):
    key = hashlib.sha1(X.tobytes() + w.tobytes() + np.float64(b).tobytes()).hexdigest()
    if key not in _seen:
        end = time.process_time() + 0.02
        while time.process_time() < end:
            pass
        _seen[key] = np.where(X @ w + b >= 0, 1.0, -1.0)
    return _seen[key].copy()
