"""Compare a student's output with the expected one, and say exactly where and by how much it differs.

Order of checks: type (array, number, tuple, dict, None), then shape, then dtype, then NaN/inf where
the expected value is finite, then the tolerance ``|got - expected| <= atol + rtol * |expected|``.
The first failure of each output becomes a one-paragraph message for the student.

Where a student's huge but finite output makes an error overflow float64 (1.7e308 against an
expected 0.5), that is the student's output being wrong: the message says "max rel error above
1.79769e+308", the figure is infinity here and null once serialised (strict JSON has no
infinity; :func:`grader.model.results.json_safe`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..model.text import escape
from ..sandbox.codec import Other, Scalar

#: Default (rtol, atol) by the expected output's dtype; a test may set its own.
DEFAULT_TOLERANCE = {
    np.dtype(np.float64): (1e-6, 1e-8),
    np.dtype(np.float32): (1e-4, 1e-5),
    np.dtype(np.float16): (1e-2, 1e-3),
}
EXACT = (0.0, 0.0)
LARGEST = float(np.finfo(np.float64).max)      # an error beyond this overflowed


@dataclass
class Comparison:
    """The verdict on one output (or a tuple of them). ``problems`` is empty when it matches."""

    problems: list[str] = field(default_factory=list)
    max_abs: float | None = None       # the largest error over every output; inf: it overflowed
    max_rel: float | None = None       # (JSON writers turn inf into null: grader.model.results.json_safe)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def message(self) -> str:
        shown = self.problems[:2]
        more = len(self.problems) - len(shown)
        return " ".join(shown) + (f" (and {more} more output(s) differ)" if more else "")


def fmt(x) -> str:
    """A number as a student wants to read it."""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    return f"{float(x):.6g}"


def tolerance(expected: np.ndarray, rtol: float | None, atol: float | None) -> tuple[float, float]:
    default = DEFAULT_TOLERANCE.get(expected.dtype, EXACT)
    return (default[0] if rtol is None else rtol, default[1] if atol is None else atol)


def describe(value) -> str:
    """What kind of thing a value is, in words, for 'returned X, expected Y' messages.

    The type names of Scalars and Others come from the student's objects: they are escaped
    (:func:`grader.model.text.escape`), as a class named with terminal escapes would otherwise put them
    into every report."""
    if value is None:
        return "None"
    if isinstance(value, Scalar):
        return f"a number ({escape(value.typename, multiline=False)})"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}, dtype {value.dtype}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} item(s)"
    if isinstance(value, dict):
        return "a dict"
    if isinstance(value, Other):
        return f"a {escape(value.typename, multiline=False)}"
    if isinstance(value, (int, float, np.generic)):
        return f"a number ({type(value).__name__})"
    return f"a {type(value).__name__}"


def _is_number(value) -> bool:
    """A plain number as the parent has it (references and mistakes return these)."""
    return isinstance(value, (int, float, np.generic)) or (isinstance(value, np.ndarray) and value.ndim == 0)


def _as_array(value) -> np.ndarray:
    return value.value if isinstance(value, Scalar) else np.asarray(value)


def compare(got, expected, *, rtol: float | None = None, atol: float | None = None,
            check_dtype: bool = True, names: tuple[str, ...] | None = None, name: str = "output") -> Comparison:
    """Compare ``got`` (decoded from the worker) with ``expected`` (computed in the parent)."""
    result = Comparison()
    _compare(got, expected, rtol, atol, check_dtype, names, name, result)
    return result


def _compare(got, expected, rtol, atol, check_dtype, names, name, result: Comparison) -> None:
    if isinstance(expected, tuple):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            result.problems.append(f"{name}: returned {describe(got)}, expected a tuple of {len(expected)} "
                                   f"values{' (' + ', '.join(names) + ')' if names else ''}.")
            return
        for i, (g, e) in enumerate(zip(got, expected)):
            part = names[i] if names and i < len(names) else f"{name}[{i}]"
            _compare(g, e, rtol, atol, check_dtype, None, part, result)
        return
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            result.problems.append(f"{name}: returned {describe(got)}, expected a dict with keys "
                                   f"{', '.join(map(repr, expected))}.")
            return
        for key, value in expected.items():
            if key not in got:
                result.problems.append(f"{name}: has no key {key!r} (expected {describe(value)}); "
                                       f"is the value stored back into the dict?")
            else:
                _compare(got[key], value, rtol, atol, check_dtype, None, f"{name}[{key!r}]", result)
        return
    if isinstance(expected, str):
        if got != expected:
            result.problems.append(f"{name}: returned {describe(got) if not isinstance(got, str) else repr(got)}, "
                                   f"expected {expected!r}.")
        return
    if expected is None:
        if got is not None:
            result.problems.append(f"{name}: returned {describe(got)}, expected None.")
        return
    if got is None:
        result.problems.append(f"{name}: returned None (a missing `return`?), expected "
                               f"{describe(expected) if not _is_number(expected) else 'a number'}.")
        return
    if _is_number(expected):
        if not (isinstance(got, Scalar) or _is_number(got)):
            extra = " Use float(...) or .item() to return a single number." if isinstance(got, np.ndarray) and got.size == 1 else ""
            result.problems.append(f"{name}: returned {describe(got)}, expected a single number.{extra}")
            return
        _compare_values(_as_array(got), np.asarray(expected), rtol, atol, name, result)
        return
    expected = np.asarray(expected)
    if not isinstance(got, np.ndarray):
        hint = " Convert it with np.asarray(...)." if isinstance(got, (list, tuple)) else ""
        result.problems.append(f"{name}: returned {describe(got)}, expected a NumPy array of shape {expected.shape}.{hint}")
        return
    if got.shape != expected.shape:
        result.problems.append(f"{name}: shape {got.shape}, expected {expected.shape}.")
        return
    if check_dtype and got.dtype != expected.dtype:
        result.problems.append(f"{name}: dtype {got.dtype}, expected {expected.dtype}.")
        return
    if got.dtype.kind not in "biuf":
        result.problems.append(f"{name}: dtype {got.dtype} is not numeric.")
        return
    _compare_values(got, expected, rtol, atol, name, result)


@dataclass(frozen=True)
class _Figures:
    """The largest errors of one output; infinity where an error of two finite values overflowed."""

    max_abs: float | None
    max_rel: float | None


def _largest(errors: np.ndarray, where: np.ndarray, overflowed: np.ndarray) -> float | None:
    """The largest finite error in ``where``; inf when one of ``overflowed`` did; None for none."""
    if overflowed.any():
        return float("inf")
    finite = where & np.isfinite(errors)
    return float(errors[finite].max()) if finite.any() else None


def _figures(g: np.ndarray, e: np.ndarray, diff: np.ndarray, rel: np.ndarray) -> _Figures:
    """Errors where both values are finite (an infinite one there overflowed float64). An error
    relative to an exact 0 means nothing and is left out."""
    both = np.isfinite(g) & np.isfinite(e)
    nonzero = e != 0
    return _Figures(max_abs=_largest(diff, both, both & ~np.isfinite(diff)),
                    max_rel=_largest(rel, both & nonzero, both & nonzero & ~np.isfinite(rel)))


def _record(result: Comparison, figures: _Figures) -> None:
    """Fold one output's figures into the comparison's: the largest over every output."""
    result.max_abs = max(filter(lambda x: x is not None, (result.max_abs, figures.max_abs)), default=None)
    result.max_rel = max(filter(lambda x: x is not None, (result.max_rel, figures.max_rel)), default=None)


def _compare_values(got: np.ndarray, expected: np.ndarray, rtol, atol, name, result: Comparison) -> None:
    rtol, atol = tolerance(expected, rtol, atol)
    g = got.astype(np.float64)
    e = expected.astype(np.float64)
    if np.array_equal(g, e) and np.isfinite(e).all():      # the common case, at a fifth of the cost
        _record(result, _Figures(0.0 if e.size else None, 0.0 if (e != 0).any() else None))
        return
    where = "" if e.ndim == 0 else " at {}"
    bad_nan = np.isnan(g) & ~np.isnan(e)
    bad_inf = np.isinf(g) & np.isfinite(e)
    for mask, what in ((bad_nan, "NaN"), (bad_inf, "inf")):
        if mask.any():
            idx = tuple(int(i) for i in np.argwhere(mask)[0])
            result.problems.append(
                f"{name}: {int(mask.sum())} {what} value(s) where the expected output is finite; first"
                f"{where.format(list(idx))}: got {fmt(g[idx])}, expected {fmt(e[idx])}.")
            return
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        diff = np.abs(g - e)
        close = np.isclose(g, e, rtol=rtol, atol=atol, equal_nan=True)
        rel = diff / np.abs(e)
        lost = ~np.isfinite(diff) & np.isfinite(g) & np.isfinite(e)    # 1e308 - (-1e308): rel is 2
        if lost.any():
            rel = np.where(lost, np.abs(g / e - 1.0), rel)
    figures = _figures(g, e, diff, rel)
    _record(result, figures)
    if close.all():
        return
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):     # exact tolerance divides by 0
        excess = np.where(close, 0.0, diff / (atol + rtol * np.abs(e)))
    # NaN where the expected value is NaN (a mutant's overflow) and the student's is not: the worst.
    idx = tuple(int(i) for i in np.unravel_index(np.argmax(np.nan_to_num(excess, nan=np.inf)), e.shape))
    count = int((~close).sum())
    elements = f"{count} of {e.size} elements differ; worst" if e.ndim else "value differs"
    result.problems.append(
        f"{name}: {elements}{where.format(list(idx))}: got {fmt(g[idx])}, expected {fmt(e[idx])} "
        f"({_errors(figures)}tolerance rtol={rtol:g}, atol={atol:g}).")


def _errors(figures: _Figures) -> str:
    """ "max abs error A, max rel error R; " for the figures that exist ("above 1.79769e+308"
    where one overflowed; none when every difference is against an exact 0 or a non-finite value)."""
    parts = [f"max {kind} error {fmt(value) if value <= LARGEST else 'above ' + fmt(LARGEST)}"
             for kind, value in (("abs", figures.max_abs), ("rel", figures.max_rel)) if value is not None]
    return ", ".join(parts) + "; " if parts else ""
