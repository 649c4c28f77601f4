"""Red team B3-B5: return objects that lie. predict returns an object whose __eq__, __array__,
__array_function__ and __array_ufunc__ all claim equality; update returns an ndarray subclass whose
arithmetic and comparisons say "no difference". Expected: both fail (the grader rebuilds plain
arrays from bytes and never calls a method of anything the worker made)."""
import numpy as np


class AlwaysEqual:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __array_function__(self, func, types, args, kwargs):
        return True

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.zeros(1)

    def __len__(self):
        return 4

    __hash__ = object.__hash__


class NoDifference(np.ndarray):
    def __sub__(self, other):
        return np.zeros(self.shape)

    __rsub__ = __sub__

    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool)

    def __array_finalize__(self, obj):
        pass


def predict(X, w, b):
    return AlwaysEqual()


def update(w, b, x, y, lr):
    return np.zeros_like(w).view(NoDifference), 0.0
