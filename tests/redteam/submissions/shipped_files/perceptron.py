"""Red team B2: a folder that also ships conftest.py, sitecustomize.py, usercustomize.py and a numpy.py
that shadows NumPy. Only perceptron.py may reach the worker, and NumPy must be the real one: this
predict is right only when that holds, and says what it saw otherwise."""
import os

import numpy as np


def predict(X, w, b):
    extra = sorted(set(os.listdir(".")) & {"conftest.py", "sitecustomize.py", "usercustomize.py", "numpy.py"})
    if extra or not hasattr(np, "ndarray") or "site-packages" not in np.__file__ + "".join(np.__path__):
        raise RuntimeError(f"shadow files reached the worker: {extra}, numpy from {np.__file__}")
    return np.where(X @ w + b >= 0, 1.0, -1.0)
