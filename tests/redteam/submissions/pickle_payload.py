"""Red team G4: an object array whose element pickles into a shell command. If the grader ever
unpickled what the worker sent, __MARKER__ would appear. Expected: failed, no marker."""
import os

import numpy as np


class Payload:
    def __reduce__(self):
        return (os.system, ("touch __MARKER__",))


def predict(X, w, b):
    out = np.empty(X.shape[0], dtype=object)
    out[:] = [Payload()] * X.shape[0]
    return out
