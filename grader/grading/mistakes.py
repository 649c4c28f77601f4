"""Turn a wrong output into a targeted hint: which classic mistake does it look like?

Each reference module may define ``MISTAKES``: a dict from a reference function's name to a list
of :class:`Mistake`, each a known-wrong variant (a *mutant*) of that function written as a student
would get it wrong. When a student's output fails, every mutant runs on the same inputs (in the
trusted parent); the first whose output matches the student's, and differs from the reference on
these inputs, names the mistake. Test inputs are chosen so that the mutants separate.

When no single mutant explains the output, two more rounds run before the generic detectors:

* **pairs**: a catalogue built with :func:`with_pairs` also holds the composition of every two of
  its mistakes that are one shared wrong-able implementation with different keywords changed
  (``functools.partial(_adam_variant, bias_correction=False)`` and ``..., eps_rule="inside"``).
  They run only when no single mistake fits, and only those whose two halves each change the
  output on the test's inputs (with a half that changes nothing the pair is the other half,
  already tried), so a correct-but-for-one submission never pays for them. A function with k
  composable mistakes has at most k(k − 1)/2 (Adam's catalogue: 26, each a plain-NumPy
  trajectory of a few milliseconds); a bundle stores the answers of those that run on its
  public tests.
* **one output of several**: a single mistake that reproduces some of the wrong outputs of a
  function returning several (Adam's ``next_w`` but not its ``config``) is named with that caveat.

Last, a few generic detectors look at the shape of the error: an output left all zeros, a scaled
copy, the transpose, the right values in the wrong shape. Nothing is named for an output whose
values agree with the reference (a failure of dtype alone): no mistake explains that.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .compare import compare, fmt
from .inputs import copy_value

#: Scale factors that usually mean something (a factor of N, 2, 1/2, a sign).
_MEANINGFUL_SCALES = (-1.0, 2.0, 0.5, 3.0, 1 / 3, 4.0, 0.25, 10.0, 0.1)


#: Joins the names of two mistakes made at once; never part of a single mistake's name.
PAIR = "+"


@dataclass(frozen=True)
class Mistake:
    """A known-wrong variant of a reference function, and the hint it deserves."""

    name: str
    hint: str
    fn: Callable[..., Any]

    @property
    def is_pair(self) -> bool:
        """Two catalogued mistakes at once (see :func:`with_pairs`); tried after the single ones."""
        return PAIR in self.name


def _composed(a: Mistake, b: Mistake) -> Mistake | None:
    """Both mistakes at once, where both are variants of one wrong-able implementation, written
    ``functools.partial(_adam_variant, bias_correction=False)``, that agree on the keywords they
    share and each change one the other does not."""
    fa, fb = a.fn, b.fn
    if not (isinstance(fa, functools.partial) and isinstance(fb, functools.partial)) or fa.func is not fb.func:
        return None
    shared = set(fa.keywords) & set(fb.keywords)
    if fa.args or fb.args or any(fa.keywords[k] != fb.keywords[k] for k in shared):
        return None
    if not (set(fa.keywords) - shared and set(fb.keywords) - shared):
        return None
    return Mistake(f"{a.name}{PAIR}{b.name}", f"Two mistakes at once. {a.hint} And: {b.hint}",
                   functools.partial(fa.func, **{**fa.keywords, **fb.keywords}))


def with_pairs(catalogue: dict[str, list[Mistake]], functions: list[str] | None = None) -> dict[str, list[Mistake]]:
    """The catalogue with, after each function's single mistakes (of ``functions``, default all),
    every composable pair of them (see :func:`variant`), in catalogue order."""
    out = {}
    for function, mistakes in catalogue.items():
        pairs = []
        if functions is None or function in functions:
            pairs = [m for i, a in enumerate(mistakes) for b in mistakes[i + 1:] if (m := _composed(a, b))]
        out[function] = [*mistakes, *pairs]
    return out


def _matches(got, candidate, rtol, atol, check_dtype) -> bool:
    return compare(got, candidate, rtol=rtol, atol=atol, check_dtype=check_dtype).ok


def like_expected(value, expected):
    """``value`` with each float array in ``expected``'s dtype (a mutant that computes in float64
    for a float32 test): compared with the student's output at the test's tolerance, not at
    float64's."""
    if isinstance(value, (tuple, list)) and isinstance(expected, (tuple, list)) and len(value) == len(expected):
        return type(value)(like_expected(v, e) for v, e in zip(value, expected))
    if isinstance(value, dict) and isinstance(expected, dict):
        return {k: like_expected(v, expected[k]) if k in expected else v for k, v in value.items()}
    if (isinstance(value, np.ndarray) and isinstance(expected, np.ndarray) and expected.dtype.kind == "f"
            and value.dtype.kind in "biuf" and value.dtype != expected.dtype):
        return value.astype(expected.dtype)
    return value


def _output_of(mistake: Mistake, args: list, kwargs: dict) -> tuple[bool, Any]:
    """(ran, output) of a mutant on copies of the inputs; a mutant that cannot run says nothing."""
    try:
        with np.errstate(all="ignore"):
            return True, mistake.fn(*copy_value(list(args)), **copy_value(dict(kwargs)))
    except Exception:
        return False, None


def diagnose(got, expected, args: list, kwargs: dict, catalogue: list[Mistake], *,
             rtol: float | None = None, atol: float | None = None, names: tuple[str, ...] | None = None,
             trajectory: bool = False, check_dtype: bool = False) -> list[tuple[str, str]]:
    """Every ``(mistake name, hint)`` whose mutant explains ``got``, in catalogue order: single
    mistakes first, then pairs, then one mistake that explains some of several outputs (with that
    caveat); else the generic hint, if any. The grader picks among several with :func:`consolidate`.

    ``names``: the outputs' names, for messages; ``trajectory``: ``got`` and ``expected`` hold one
    output per step (each a tuple of ``names``); ``check_dtype``: the test's, whose message then
    names a wrong dtype and nothing else of that output, so a hint says the values differ too."""
    if _matches(got, expected, rtol, atol, False):
        return []                    # right values, wrong dtype: no mistake explains that
    found = _explained(got, expected, args, kwargs, catalogue, rtol, atol, names, trajectory)
    if found and check_dtype and _dtype_differs(got, expected):     # the message names the dtype only: say what else
        found = [(name, _BESIDES_DTYPE + hint) for name, hint in found]
    return found


_BESIDES_DTYPE = "Besides the dtype, your values differ from the expected ones too. "


def _dtype_differs(got, expected) -> bool:
    """Whether an array of ``got`` has another dtype than its counterpart in ``expected``."""
    if isinstance(expected, (tuple, list)) and isinstance(got, (tuple, list)):
        return any(_dtype_differs(g, e) for g, e in zip(got, expected))
    if isinstance(expected, dict) and isinstance(got, dict):
        return any(_dtype_differs(got[k], e) for k, e in expected.items() if k in got)
    return isinstance(got, np.ndarray) and isinstance(expected, np.ndarray) and got.dtype != expected.dtype


def _explained(got, expected, args, kwargs, catalogue, rtol, atol, names, trajectory) -> list[tuple[str, str]]:
    """The rounds of :func:`diagnose`: single mistakes, pairs, one output of several, generic."""
    found, differing = [], []
    for rounds in ([m for m in catalogue if not m.is_pair], [m for m in catalogue if m.is_pair]):
        separating = {m.name for m, _ in differing}
        for mistake in rounds:
            if mistake.is_pair and not set(mistake.name.split(PAIR)) <= separating:
                continue             # one half changes nothing here: the pair is the other half
            ran, candidate = _output_of(mistake, args, kwargs)
            candidate = like_expected(candidate, expected)
            if not ran or _matches(candidate, expected, rtol, atol, False):
                continue             # these inputs do not separate this mutant from the reference
            if not mistake.is_pair:
                differing.append((mistake, candidate))
            if _matches(got, candidate, rtol, atol, False):
                found.append((mistake.name, mistake.hint))
        if found:
            return found
    partly = _one_of_several(got, expected, differing, names, trajectory, rtol, atol)
    if partly:
        return [partly]
    fallback = generic(got, expected, names)
    return [fallback] if fallback else []


def _outputs(value, trajectory: bool) -> list[list] | None:
    """The outputs of a function that returns several, each as the list of its values per step
    (one step unless ``trajectory``); None for a single output or a malformed one."""
    steps = list(value) if trajectory and isinstance(value, (tuple, list)) else [value]
    if not steps or not all(isinstance(s, (tuple, list)) for s in steps):
        return None
    count = len(steps[0])
    if count < 2 or any(len(s) != count for s in steps):
        return None
    return [[s[i] for s in steps] for i in range(count)]


def _one_of_several(got, expected, candidates: list[tuple[Mistake, Any]], names, trajectory: bool,
                    rtol, atol) -> tuple[str, str] | None:
    """The single mistake that reproduces the most of the wrong outputs (at least one, at every
    step), named with the caveat of the wrong outputs it does not explain; None if none
    reproduces any."""
    wanted, have = _outputs(expected, trajectory), _outputs(got, trajectory)
    if wanted is None or have is None or len(have) != len(wanted):
        return None

    def same(a: list, b: list) -> bool:
        return len(a) == len(b) and all(_matches(x, y, rtol, atol, False) for x, y in zip(a, b))

    wrong = [i for i in range(len(wanted)) if not same(have[i], wanted[i])]
    best: tuple[Mistake, list[int]] | None = None
    for mistake, candidate in candidates:
        its = _outputs(candidate, trajectory)
        if its is None or len(its) != len(wanted):
            continue
        explained = [i for i in wrong if not same(its[i], wanted[i]) and same(have[i], its[i])]
        if explained and (best is None or len(explained) > len(best[1])):
            best = (mistake, explained)
    if best is None:
        return None
    mistake, explained = best

    def label(i: int) -> str:
        return names[i] if names and i < len(names) else f"output {i + 1}"

    rest = [label(i) for i in wrong if i not in explained]
    if not rest:                     # it explains every wrong output (the others it gets wrong, you not)
        return mistake.name, mistake.hint
    return mistake.name, (f"{mistake.hint} (This explains {', '.join(label(i) for i in explained)}; "
                          f"{', '.join(rest)} differ{'s' if len(rest) == 1 else ''} too.)")


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


def generic(got, expected, names: tuple[str, ...] | None = None,
            label: str = "Your output") -> tuple[str, str] | None:
    """Hints that need no catalogue: all zeros, scale, transpose, reshape (first array output that
    has one; ``names`` name a tuple's outputs, a trajectory's steps pass them on)."""
    if isinstance(expected, tuple):
        for i, (g, e) in enumerate(zip(got if isinstance(got, (tuple, list)) else (), expected)):
            if isinstance(e, tuple):                    # a step of a trajectory: its outputs are named
                found = generic(g, e, names, label)
            else:
                found = generic(g, e, None, names[i] if names and i < len(names) else label)
            if found:
                return found
        return None
    if not isinstance(got, np.ndarray) or not isinstance(expected, np.ndarray) or expected.ndim == 0:
        return None
    if got.dtype.kind not in "biuf" or expected.dtype.kind not in "biuf":
        return None
    g, e = got.astype(np.float64), expected.astype(np.float64)
    if g.shape == e.shape and not np.any(g) and np.any(e):
        return "never_assigned", (f"{label} is all zeros where the expected values are not: it was never "
                                  "assigned, or never accumulated into. Look for an array made with np.zeros "
                                  "and left unfilled, a `+=` into a copy or a local name that is not the array "
                                  "returned, or a backward pass that returns its zero initialisation.")
    if g.shape == e.shape[::-1] and e.ndim == 2 and e.shape[0] != e.shape[1] and np.allclose(g, e.T):
        return "transposed", f"{label} is the transpose of the expected one: check the order of the axes."
    if g.shape != e.shape and g.size == e.size and np.allclose(g.ravel(), e.ravel()):
        return "reshaped", (f"{label}: the values are right but the shape is {g.shape}, not {e.shape}: "
                            "reshape the result back.")
    if g.shape == e.shape and np.all(np.isfinite(g)) and np.any(e != 0):
        k = float(np.vdot(g, e) / np.vdot(e, e))
        if not np.isclose(k, 1.0) and np.allclose(g, k * e, rtol=1e-6, atol=1e-9):
            named = next((s for s in _MEANINGFUL_SCALES if np.isclose(k, s, rtol=1e-6)), None)
            if named == -1.0:
                return "sign", f"{label} has the opposite sign of the expected one: check the sign of the update or gradient."
            return "scaled", (f"{label} is {fmt(k)} times the expected one: look for a factor"
                              f"{' ' + fmt(named) if named else ''} (a mean vs a sum, a missing 1/2, a learning rate).")
    return None


#: Exceptions whose message says which well-known mistake raised them: (type, part of the message,
#: mistake name, hint). The message is the student's exception's, so it only ever picks a hint.
_KNOWN_ERRORS = (
    ("TypeError", "only 0-dimensional arrays can be converted to Python scalars", "array_to_scalar_numpy2",
     "NumPy 2 converts only a 0-d array to a number: int(a), float(a) or math.exp(a) of an array of shape "
     "(1,) or (1, 1) raise this TypeError (NumPy 1 allowed it). Take the element first, a.item() or "
     "a[0], or reduce without keepdims=True."),
    ("TypeError", "only length-1 arrays can be converted to Python scalars", "array_to_scalar",
     "int(), float() and the math module take one number, not an array of several: use the NumPy "
     "function on the whole array (np.exp, np.floor, .astype(int)), or take one element with .item()."),
    ("AttributeError", "was removed in the NumPy 2.0 release", "numpy2_removed_name",
     "This name is gone from NumPy 2 (old code, e.g. np.float_, np.int0, np.product): the error says what "
     "replaces it."),
)


def known_error(error: dict | None) -> tuple[str, str] | None:
    """``(mistake name, hint)`` for an exception the student's code raised, when its type and
    message are those of a well-known mistake (see ``_KNOWN_ERRORS``); else None.

    ``error``: the worker's error record, ``{"type": ..., "message": ...}``."""
    kind, message = (error or {}).get("type", ""), (error or {}).get("message", "")
    return next(((name, hint) for k, part, name, hint in _KNOWN_ERRORS
                 if kind == k and isinstance(message, str) and part in message), None)
