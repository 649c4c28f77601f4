"""Red team (issue 15, finding 12): finite outputs so large that their error relative to the small
expected values overflows to infinity (1.7e308 / 0.8). Expected: failed, a message about the
student's output with finite figures, and a result that every renderer writes (no traceback, no
"problem in the grader")."""
import numpy as np


def predict(X, w, b):
    return np.full(X.shape[0], 1.7e308)


def update(w, b, x, y, lr):
    return np.full_like(w, 1.7e308), 1.7e308
