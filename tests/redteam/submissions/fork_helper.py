"""Red team T4: a Python loop over rows (about 100x the reference) run in a forked helper process,
whose CPU time is not the worker's; the worker only waits on a pipe. At the strong tier fork is
refused and the loop runs in the worker itself. Expected at both tiers: right answers, and
predict_speed fails: the parent bounds wall time as well as the worker's CPU time."""
import os

import numpy as np


def _slow(X, w, b):
    out = np.empty(X.shape[0])
    for i in range(X.shape[0]):
        out[i] = 1.0 if float(X[i] @ w) + b >= 0 else -1.0
    return out


def predict(X, w, b):
    try:
        read_end, write_end = os.pipe()
        pid = os.fork()
    except OSError:                       # the strong tier refuses fork
        return _slow(X, w, b)
    if pid == 0:
        os.close(read_end)
        data = _slow(X, w, b).tobytes()
        while data:
            data = data[os.write(write_end, data):]
        os._exit(0)
    os.close(write_end)
    chunks = []
    while True:
        chunk = os.read(read_end, 1 << 16)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read_end)
    os.waitpid(pid, 0)
    return np.frombuffer(b"".join(chunks), dtype=np.float64).copy()
