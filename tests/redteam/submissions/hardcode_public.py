"""Red team H1/E3: hard-code the public tests' answers (recognised by shape) and return junk for
anything else. Expected: the public predict_small passes, the hidden predict_hidden fails."""
import numpy as np


def predict(X, w, b):
    if X.shape == (4, 3):
        return np.array([-1.0, -1.0, 1.0, 1.0])
    return np.ones(X.shape[0])
