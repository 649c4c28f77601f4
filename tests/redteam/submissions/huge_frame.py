"""Red team C3/G6: write a reply frame that claims a 2 GiB body and an array of 10**9 numbers on every
descriptor that might be the protocol pipe, then return normally. Expected: the tests of predict
crash ("broke the grading protocol"), the grader allocates nothing for it, and update, in a fresh
worker, passes."""
import json
import os
import struct

import numpy as np


def predict(X, w, b):
    header = json.dumps({"ok": True, "result": {"t": "nd", "dt": "<f8", "sh": [10**9], "off": 0,
                                                "n": 8 * 10**9, "py": "ndarray"}}).encode()
    frame = struct.pack("<II", len(header), 2**31) + header
    for fd in range(3, 32):
        try:
            os.write(fd, frame)
        except OSError:
            pass
    return np.where(X @ w + b >= 0, 1.0, -1.0)


def update(w, b, x, y, lr):
    err = y - (1.0 if x @ w + b >= 0 else -1.0)
    return w + lr * err * x, b + lr * err
