"""Red team B1: patch NumPy's comparison functions at import, then return a wrong answer.
Expected: failed (the grader compares in its own process, which never imports this file)."""
import numpy as np
import numpy.testing


def _always_true(*args, **kwargs):
    return True


def _never_raise(*args, **kwargs):
    return None


np.allclose = np.array_equal = np.array_equiv = np.isclose = _always_true
numpy.testing.assert_allclose = numpy.testing.assert_array_equal = _never_raise
numpy.testing.assert_array_almost_equal = numpy.testing.assert_equal = _never_raise


def predict(X, w, b):
    return np.zeros(X.shape[0])
