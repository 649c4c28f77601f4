"""Turn a wrong output into a targeted hint: which classic mistake does it look like?

Each reference module may define ``MISTAKES``: a dict from a reference function's name to a list
of :class:`Mistake`, each a known-wrong variant (a *mutant*) of that function written as a student
would get it wrong. When a student's output fails, every mutant runs on the same inputs (in the
trusted parent); the first whose output matches the student's, and differs from the reference on
these inputs, names the mistake. Test inputs are chosen so that the mutants separate.

When no catalogued mutant matches, a few generic detectors look at the shape of the error: a
scaled copy, the transpose, the right values in the wrong shape.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .compare import compare, fmt
from .inputs import copy_value

#: Scale factors that usually mean something (a factor of N, 2, 1/2, a sign).
_MEANINGFUL_SCALES = (-1.0, 2.0, 0.5, 3.0, 1 / 3, 4.0, 0.25, 10.0, 0.1)


@dataclass(frozen=True)
class Mistake:
    """A known-wrong variant of a reference function, and the hint it deserves."""

    name: str
    hint: str
    fn: Callable[..., Any]


def _matches(got, candidate, rtol, atol, check_dtype) -> bool:
    return compare(got, candidate, rtol=rtol, atol=atol, check_dtype=check_dtype).ok


def diagnose(got, expected, args: list, kwargs: dict, catalogue: list[Mistake], *,
             rtol: float | None = None, atol: float | None = None) -> list[tuple[str, str]]:
    """Every ``(mistake name, hint)`` whose mutant explains ``got``, in catalogue order; else the
    generic hint, if any. The grader picks among several with :func:`consolidate`."""
    found = []
    for mistake in catalogue:
        try:
            with np.errstate(all="ignore"):
                candidate = mistake.fn(*copy_value(list(args)), **copy_value(dict(kwargs)))
        except Exception:            # a mutant that cannot run on these inputs says nothing
            continue
        if _matches(candidate, expected, rtol, atol, False):
            continue                 # these inputs do not separate this mutant from the reference
        if _matches(got, candidate, rtol, atol, False):
            found.append((mistake.name, mistake.hint))
    if found:
        return found
    fallback = generic(got, expected)
    return [fallback] if fallback else []


def consolidate(candidates: list[list[tuple[str, str]]]) -> list[tuple[str, str] | None]:
    """One mistake per failed test of one function: the candidate that explains the most of them.

    A test's inputs may not separate two mistakes (both reproduce the output) while another
    test's do; one student most likely made one mistake, so the one seen most across the
    function's tests wins, ties going to catalogue order.
    """
    counts: dict[str, int] = {}
    for options in candidates:
        for name, _ in options:
            counts[name] = counts.get(name, 0) + 1
    return [max(options, key=lambda o: counts[o[0]]) if options else None for options in candidates]


def generic(got, expected) -> tuple[str, str] | None:
    """Hints that need no catalogue: scale, transpose, reshape (first array output only)."""
    if isinstance(expected, tuple):
        for g, e in zip(got if isinstance(got, (tuple, list)) else (), expected):
            found = generic(g, e)
            if found:
                return found
        return None
    if not isinstance(got, np.ndarray) or not isinstance(expected, np.ndarray) or expected.ndim == 0:
        return None
    if got.dtype.kind not in "biuf" or expected.dtype.kind not in "biuf":
        return None
    g, e = got.astype(np.float64), expected.astype(np.float64)
    if g.shape == e.shape[::-1] and e.ndim == 2 and e.shape[0] != e.shape[1] and np.allclose(g, e.T):
        return "transposed", "Your output is the transpose of the expected one: check the order of the axes."
    if g.shape != e.shape and g.size == e.size and np.allclose(g.ravel(), e.ravel()):
        return "reshaped", (f"The values are right but the shape is {g.shape}, not {e.shape}: "
                            "reshape the result back.")
    if g.shape == e.shape and np.all(np.isfinite(g)) and np.any(e != 0):
        k = float(np.vdot(g, e) / np.vdot(e, e))
        if not np.isclose(k, 1.0) and np.allclose(g, k * e, rtol=1e-6, atol=1e-9):
            named = next((s for s in _MEANINGFUL_SCALES if np.isclose(k, s, rtol=1e-6)), None)
            if named == -1.0:
                return "sign", "Your output has the opposite sign of the expected one: check the sign of the update or gradient."
            return "scaled", (f"Your output is {fmt(k)} times the expected one: look for a factor"
                              f"{' ' + fmt(named) if named else ''} (a mean vs a sum, a missing 1/2, a learning rate).")
    return None
