"""Red team A5/F1: ignore every catchable signal (SIGTERM, SIGINT, SIGALRM, SIGHUP, SIGXCPU...),
then loop forever. Expected: predict's tests time out (SIGKILL at the deadline); update passes."""
import signal

import numpy as np


def predict(X, w, b):
    for sig in signal.valid_signals():
        try:
            signal.signal(sig, signal.SIG_IGN)
        except (OSError, ValueError):
            pass                       # SIGKILL and SIGSTOP cannot be ignored
    while True:
        pass


def update(w, b, x, y, lr):
    err = y - (1.0 if x @ w + b >= 0 else -1.0)
    return w + lr * err * x, b + lr * err
