"""Red team F3: start processes three ways: os.fork in a loop (50 children that sleep), a
multiprocessing pool and subprocess. The loops are bounded so that this file stays harmless on a
machine that allows fork (the basic tier). Expected: at the strong tier the first fork fails
(PermissionError); at every tier nothing the worker started survives the grade."""
import multiprocessing
import os
import subprocess
import sys
import time

import numpy as np


def predict(X, w, b):
    for _ in range(50):
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
    return np.where(X @ w + b >= 0, 1.0, -1.0)


def update(w, b, x, y, lr):
    pool = multiprocessing.get_context("fork").Pool(4)
    pool.map(abs, range(8))
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    subprocess.Popen(["sleep", "60"])
    err = y - (1.0 if x @ w + b >= 0 else -1.0)
    return w + lr * err * x, b + lr * err
