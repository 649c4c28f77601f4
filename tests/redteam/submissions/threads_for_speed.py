"""Red team E4: do 100 times the reference's work, spread over 8 threads (NumPy releases the GIL),
so that wall-clock time hides it on a many-core machine, and check that BLAS was left
multi-threaded. Expected: right answers, predict_speed fails (the grader counts the CPU time of
every thread), and BLAS runs one thread (the answer says if not)."""
import os
import threading

import numpy as np


def predict(X, w, b):
    if os.environ.get("OPENBLAS_NUM_THREADS") != "1" or os.environ.get("OMP_NUM_THREADS") != "1":
        raise RuntimeError("BLAS threads were not pinned to 1")
    def burn():
        for _ in range(12):
            np.sort(np.abs(X @ w + b) + X[:, 0])
    threads = [threading.Thread(target=burn) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return np.where(X @ w + b >= 0, 1.0, -1.0)
