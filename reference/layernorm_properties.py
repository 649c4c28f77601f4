"""Property checks of assignment 08 (layer normalisation): plain NumPy, so that ``grade check``
runs them from stored answers without Numba (see reference/properties.py and docs/spec.md)."""
from __future__ import annotations

import numpy as np


def rows_normalised(args: dict, output, tol: float = 1e-6) -> tuple[bool, str]:
    """`layernorm_forward` output with γ = 1 and β = 0: every row has mean 0 and variance
    σ²/(σ² + ε) (1 less the share of eps), σ² being that row's biased variance in ``args["x"]``,
    each within ``tol``."""
    x = np.asarray(args["x"], dtype=np.float64)
    got = np.asarray(output, dtype=np.float64)
    if got.shape != x.shape:
        return False, f"The output has shape {got.shape}; it must have the shape of x, {x.shape}."
    if not np.all(np.isfinite(got)):
        return False, "The output holds NaN or inf values."
    var = x.var(axis=1)
    expected_var = var / (var + args.get("eps", 1e-5))
    mean_error = np.abs(got.mean(axis=1))
    var_error = np.abs(got.var(axis=1) - expected_var)
    if mean_error.max() > tol or var_error.max() > tol:
        row = int(np.argmax(np.maximum(mean_error, var_error)))
        return False, (f"With gamma = 1 and beta = 0 every row of the output must have mean 0 and variance "
                       f"σ²/(σ² + eps) ≈ 1; row {row} has mean {got[row].mean():.3g} and variance "
                       f"{got[row].var():.6g}. Normalise each row over its features (axis=1).")
    return True, f"every row has mean 0 and variance 1 within {tol:g}"
