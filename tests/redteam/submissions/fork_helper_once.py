"""Red team T4b: fork_helper's helper process, used for one timed sample only. The loop over rows
(about 100x the reference) runs in the helper for the first sample of predict_speed (the 2000-row
calls after the warm-up call) and in the worker for every other. That sample's low CPU time is the
minimum over samples, and only one sample shows the idle wall time, so a verdict that pairs the
minimum CPU time with an order statistic of the idle times taken across samples passes it. Expected
at both tiers: right answers, and predict_speed fails. At the strong tier fork is refused and every
call runs the loop in the worker."""
import mmap
import os
import struct

import numpy as np

SIZE = 1 << 22
_helper = {}


def _slow(X, w, b):
    out = np.empty(X.shape[0])
    for i in range(X.shape[0]):
        out[i] = 1.0 if float(X[i] @ w) + b >= 0 else -1.0
    return out


def _serve(shared, requests, replies):
    while os.read(requests, 1):
        rows, cols, b = struct.unpack_from("qqd", shared, 0)
        X = np.frombuffer(shared, dtype=np.float64, count=rows * cols, offset=24).reshape(rows, cols)
        w = np.frombuffer(shared, dtype=np.float64, count=cols, offset=24 + 8 * rows * cols)
        out = _slow(X, w, b)
        np.frombuffer(shared, dtype=np.float64, count=rows, offset=24 + 8 * (rows * cols + cols))[:] = out
        os.write(replies, b"!")
    os._exit(0)


def _start():
    shared = mmap.mmap(-1, SIZE)
    to_helper, helper_in = os.pipe()
    helper_out, from_helper = os.pipe()
    if os.fork() == 0:
        os.close(helper_in)
        os.close(helper_out)
        _serve(shared, to_helper, from_helper)
    os.close(to_helper)
    os.close(from_helper)
    _helper.update(shared=shared, send=helper_in, receive=helper_out)


try:                                  # at import: the fork costs no timed sample anything
    _start()
except OSError:                       # the strong tier refuses fork
    _helper["inline"] = True
_timed_calls = [0]
FIRST_SAMPLE = range(2, 2 + 8)       # predict_speed: one warm-up call, then samples of 8 calls


def predict(X, w, b):
    if X.shape[0] == 2000:
        _timed_calls[0] += 1
    if _timed_calls[0] not in FIRST_SAMPLE or X.shape[0] != 2000:
        return _slow(X, w, b)
    if _helper.get("inline") or 24 + 8 * (X.size + 2 * X.shape[0] + X.shape[1]) > SIZE:
        return _slow(X, w, b)
    shared, (rows, cols) = _helper["shared"], X.shape
    struct.pack_into("qqd", shared, 0, rows, cols, float(b))
    np.frombuffer(shared, dtype=np.float64, count=rows * cols, offset=24)[:] = X.ravel()
    np.frombuffer(shared, dtype=np.float64, count=cols, offset=24 + 8 * rows * cols)[:] = w
    os.write(_helper["send"], b"?")
    os.read(_helper["receive"], 1)
    return np.frombuffer(shared, dtype=np.float64, count=rows, offset=24 + 8 * (rows * cols + cols)).copy()
