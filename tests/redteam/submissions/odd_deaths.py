"""Red team A7: deaths with odd statuses: a real-time signal that has no name in Python's
signal.Signals (SIGRTMIN+6), and os._exit(-1) (status 255).
Expected: both tests crashed, each message naming what the student's code did; the grader goes on."""
import os
import signal


def predict(X, w, b):
    os.kill(os.getpid(), signal.SIGRTMIN + 6)


def update(w, b, x, y, lr):
    os._exit(-1)
