"""Red team G7: crash the worker: a segmentation fault through ctypes (predict), abort() (update).
Expected: crashed tests with the signal named; the grader goes on."""
import ctypes
import os

import numpy as np


def predict(X, w, b):
    ctypes.string_at(0)


def update(w, b, x, y, lr):
    os.abort()
