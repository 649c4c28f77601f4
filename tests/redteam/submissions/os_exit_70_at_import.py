"""Red team A5: os._exit(70) at import: the status the sandbox used for "could not be set up".
Expected: every test crashed, blamed on the student's code (it exited with status 70 while being
imported), never "the sandbox could not be set up", and the remembered isolation verdict stays."""
import os

os._exit(70)


def predict(X, w, b):
    return X @ w + b


def update(w, b, x, y, lr):
    return w, b
