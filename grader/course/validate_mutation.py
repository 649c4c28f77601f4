"""``grade validate``'s mutation coverage: the catalogued mistakes (reference ``MISTAKES``, see
:mod:`grader.grading.mistakes`) run against the test suite, in-process, on the inputs and answers
the engine would use, and judged by the engine's own comparison and diagnosis (no worker per
mutant: a whole assignment takes seconds).

Every mistake must fail a public test, fail a hidden test on every per-student draw (``seeds``
draws sampled), and be named by the hint of a test it fails. Mistakes whose outputs no test tells
apart are listed; a test tolerance that lets a mistake pass where the dtype's default would not
is a problem, as is a float32 test whose tolerance the reference computed in float64 misses.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..grading.compare import compare, tolerance
from ..grading.engine import Grader
from ..grading.inputs import copy_value
from ..grading.mistakes import Mistake, consolidate, like_expected
from ..model.spec import Spec, Test
from .validate_static import Problem, shown_path

_RAISED = object()          # a mutant that raised on the inputs: the student's test fails with an error


@dataclass
class Coverage:
    """How the tests treat one catalogued mistake."""

    function: str
    mistake: str
    public: list[str] = field(default_factory=list)          # public tests it fails
    hidden: list[str] = field(default_factory=list)          # hidden tests it fails (first draw)
    draws: int = 1                                           # per-student draws sampled
    draws_missed: int = 0                                    # draws on which no hidden test fails it
    named_by: list[str] = field(default_factory=list)        # tests whose hint names it (first draw)
    mistake_file: str = ""


def _label(catalogue: list[Mistake]) -> list[str]:
    """Each mistake's name, with #k where the catalogue holds several variants of one name."""
    counts: dict[str, int] = {}
    labels = []
    for m in catalogue:
        counts[m.name] = counts.get(m.name, 0) + 1
        labels.append(m.name if sum(x.name == m.name for x in catalogue) == 1 else f"{m.name}#{counts[m.name]}")
    return labels


def _catalogue(grader: Grader, tests: list[Test]) -> tuple[list[Mistake], str]:
    """The single mistakes the engine diagnoses these tests (one function's) with: the catalogue
    of their reference (of the reference module's entry under the function's name for a
    function checked by property tests alone), and the file it is in."""
    named = [t.reference for t in tests if t.reference] + [(t.prepare[0], t.function) for t in tests if t.prepare]
    for module, name in named:
        found = [m for m in grader.references.mistakes(module, name) if not m.is_pair]
        if found:
            return found, shown_path(grader.references.directory / f"{module}.py")
    return [], ""


def _output(grader: Grader, mistake: Mistake, test: Test, case: tuple) -> Any:
    try:
        with np.errstate(all="ignore"):
            out = grader.trusted_output(mistake.fn, test, case)
    except Exception:          # a mutant that cannot run on these inputs: the student's call would raise
        return _RAISED
    return like_expected(out, case[3]) if case[3] is not None else out


def _fails(grader: Grader, test: Test, case: tuple, out: Any, rtol=None, atol=None, own=True) -> bool:
    """Whether the test fails this output (at its own tolerance, or at ``rtol``/``atol`` when
    ``own`` is False)."""
    if out is _RAISED:
        return True
    if test.kind == "property":
        with np.errstate(all="ignore"):          # a mutant's diverging trajectory, checked
            return grader.judge(test, case, copy_value(out)).status != "passed"
    if own:
        rtol, atol = test.rtol, test.atol
    return not _agrees(out, case[3], rtol, atol)


def _pairs(got: Any, expected: Any, into: list) -> bool:
    """The (got, expected) numeric leaves of two outputs of the same structure; False where the
    structure, a shape or a kind of value differs (then :func:`compare` judges)."""
    if isinstance(expected, (tuple, list)):
        return isinstance(got, (tuple, list)) and len(got) == len(expected) and \
            all(_pairs(g, e, into) for g, e in zip(got, expected))
    if isinstance(expected, dict):
        return isinstance(got, dict) and got.keys() == expected.keys() and all(_pairs(got[k], e, into) for k, e in expected.items())
    if isinstance(expected, np.ndarray) and expected.ndim and expected.dtype.kind in "biuf":
        if not (isinstance(got, np.ndarray) and got.shape == expected.shape and got.dtype.kind in "biuf"):
            return False
    elif not (isinstance(expected, (int, float, np.number)) and isinstance(got, (int, float, np.number))):
        return False
    into.append((np.asarray(got), np.asarray(expected)))
    return True


def _agrees(got: Any, expected: Any, rtol: float | None, atol: float | None) -> bool:
    """``compare(got, expected, check_dtype=False).ok``, decided with one ``isclose`` per dtype of
    the expected values where both are plain numbers and arrays of one structure (a trajectory of
    a hundred steps of dicts costs the full comparison a second per mistake and draw)."""
    leaves: list[tuple[np.ndarray, np.ndarray]] = []
    if not _pairs(got, expected, leaves):
        return compare(got, expected, rtol=rtol, atol=atol, check_dtype=False).ok
    by_dtype: dict[np.dtype, list[tuple[np.ndarray, np.ndarray]]] = {}
    for g, e in leaves:
        by_dtype.setdefault(e.dtype, []).append((g, e))
    with np.errstate(all="ignore"):
        for dtype, group in by_dtype.items():
            r, a = tolerance(group[0][1], rtol, atol)
            g = np.concatenate([x.astype(np.float64).ravel() for x, _ in group])
            e = np.concatenate([y.astype(np.float64).ravel() for _, y in group])
            if not np.isclose(g, e, rtol=r, atol=a, equal_nan=True).all():
                return False
    return True


def _named(tests: list[Test], cases: dict[str, tuple], outs: dict[int, dict[str, Any]],
           first: dict[str, dict[int, bool]], catalogue: list[Mistake], i: int) -> list[str]:
    """The tests whose hint names mistake ``i`` when a student's output is its output: the
    engine's diagnosis (:func:`grader.grading.mistakes.diagnose`: every single mistake whose output
    differs from the answer and matches this one; pairs never run, as this one matches) from the
    outputs already computed, then its consolidation across a function's failed tests (public and
    hidden apart, as the engine does). Property tests give no hint."""
    named = []
    for group in ("public", "hidden"):
        failing = [t for t in tests if t.visibility == group and t.kind != "property"
                   and outs[i][t.name] is not _RAISED and first[t.name][i]]
        options = [[(m.name, m.hint) for j, m in enumerate(catalogue)
                    if outs[j][t.name] is not _RAISED and first[t.name][j]
                    and compare(outs[i][t.name], outs[j][t.name], rtol=t.rtol, atol=t.atol, check_dtype=False).ok]
                   for t in failing]
        named += [t.name for t, chosen in zip(failing, consolidate(options)) if chosen and chosen[0] == catalogue[i].name]
    return named


def _missed_draws(grader: Grader, hidden: list[Test], catalogue: list[Mistake], first: dict[str, dict[int, bool]],
                  seeds: int) -> dict[int, int]:
    """For each mistake (by index), on how many of ``seeds`` per-student draws no hidden test fails
    it. The first draw is ``first``'s; a test without per-student inputs fails a mistake on every
    draw or on none; the tests of a draw stop at the first that fails it."""
    per_student = [t for t in hidden if grader.inputs.per_student(t)]
    always = {i for i in range(len(catalogue)) if any(first[t.name][i] for t in hidden if t not in per_student)}
    missed = {i: 0 if i in always or any(first[t.name][i] for t in per_student) else 1 for i in range(len(catalogue))}
    for draw in range(1, seeds if per_student else 1):
        cases = {t.name: grader.case(t, f"validate-{draw}") for t in per_student}
        for i, mistake in enumerate(catalogue):
            if i not in always and not any(_fails(grader, t, cases[t.name], _output(grader, mistake, t, cases[t.name]))
                                           for t in per_student):
                missed[i] += 1
    return missed


def _float32_tolerance(spec: Spec, grader: Grader, test: Test, case: tuple) -> list[Problem]:
    """A float32 test: the reference computed in float64 on the same inputs must agree with the
    float32 answer within the test's tolerance (else a correct float64-internal solution fails)."""
    args, kwargs, chain, expected = case
    if chain is not None or test.kind == "property" or test.reference is None:
        return []
    up = {k: v.astype(np.float64) if isinstance(v, np.ndarray) and v.dtype == np.float32 else v
          for k, v in {**args, **kwargs}.items()}
    if all(up[k] is v for k, v in {**args, **kwargs}.items()):
        return []
    try:
        wide = grader.trusted_output(grader.references.function(*test.reference), test,
                                     ({k: up[k] for k in args}, {k: up[k] for k in kwargs}, None, expected))
    except Exception:
        return []          # a float32-only reference: nothing to compare
    verdict = compare(like_expected(wide, expected), expected, rtol=test.rtol, atol=test.atol, check_dtype=False)
    if verdict.ok:
        return []
    return [Problem(f"{spec.path}:{test.line}", test.name,
                    f"the reference in float64 and in float32 differ by {verdict.max_abs:.3g} (max abs), beyond "
                    "the test's tolerance: loosen rtol/atol to float32's rounding")]


def _indistinct(grader: Grader, tests: list[Test], cases: dict, outs: dict[int, dict[str, Any]],
                labels: list[str], catalogue: list[Mistake]) -> list[list[str]]:
    """Groups of differently named mistakes whose outputs agree on every test (first draw)."""
    groups: list[list[int]] = []
    for i in range(len(catalogue)):
        for group in groups:
            j = group[0]
            if catalogue[i].name != catalogue[j].name and all(
                    _agree(outs[i][t.name], outs[j][t.name], t, cases[t.name]) for t in tests):
                group.append(i)
                break
        else:
            groups.append([i])
    return [[labels[i] for i in g] for g in groups if len(g) > 1]


def _agree(a: Any, b: Any, test: Test, case: tuple) -> bool:
    if a is _RAISED or b is _RAISED:
        return a is b
    if test.kind == "property" or case[3] is None:
        return compare(a, b, check_dtype=False).ok
    return compare(a, b, rtol=test.rtol, atol=test.atol, check_dtype=False).ok


def coverage(spec: Spec, grader: Grader, cases: dict[str, tuple], seeds: int
             ) -> tuple[list[Problem], list[Coverage], list[list[str]]]:
    """The mutation check of every function with a catalogue: problems, one row per mistake, and
    the groups of mistakes no test tells apart."""
    problems, rows, alike = [], [], []
    functions: dict[tuple[str, str], list[Test]] = {}
    for t in spec.tests:
        if t.name in cases:
            functions.setdefault((t.module, t.function), []).append(t)
    for (_, function), tests in functions.items():
        catalogue, file = _catalogue(grader, tests)
        if not catalogue:
            continue
        labels = _label(catalogue)
        outs = {i: {t.name: _output(grader, m, t, cases[t.name]) for t in tests} for i, m in enumerate(catalogue)}
        first = {t.name: {i: _fails(grader, t, cases[t.name], outs[i][t.name]) for i in outs} for t in tests}
        hidden = [t for t in tests if t.visibility == "hidden"]
        missed = _missed_draws(grader, hidden, catalogue, first, seeds)
        draws = seeds if any(grader.inputs.per_student(t) for t in hidden) else 1
        for i in range(len(catalogue)):
            row = Coverage(function, labels[i], mistake_file=file, draws=draws, draws_missed=missed[i],
                           public=[t.name for t in tests if t.visibility == "public" and first[t.name][i]],
                           hidden=[t.name for t in hidden if first[t.name][i]])
            row.named_by = _named(tests, cases, outs, first, catalogue, i)
            rows.append(row)
            problems += _row_problems(spec, row, hidden, constant=all(not t.inputs and not t.kwargs for t in tests))
            problems += _loose(spec, grader, tests, cases, outs[i], labels[i], function)
        groups = _indistinct(grader, tests, cases, outs, labels, catalogue)
        alike += [[f"{function}.{n}" for n in g] for g in groups]
        in_group = {n for g in groups for n in g}
        problems += [Problem(str(spec.path), function, f"mistake {row.mistake} fails {', '.join(row.public + list(row.hidden))} "
                                                       f"but no test's hint names it ({row.mistake_file}); give it inputs "
                                                       "where its output is its own (a numeric test, not only a property)")
                     for row in rows[-len(catalogue):]
                     if (row.public or row.hidden) and not row.named_by and row.mistake not in in_group]
    for t in spec.tests:
        if t.name in cases:
            problems += _float32_tolerance(spec, grader, t, cases[t.name])
    return problems, rows, alike


def _row_problems(spec: Spec, row: Coverage, hidden: list[Test], constant: bool = False) -> list[Problem]:
    """``constant``: the function takes no inputs (a kernel's values); a hidden test of it could only
    repeat the public one, so none is asked for."""
    where, what = str(spec.path), f"mistake {row.mistake} of {row.function} (catalogued in {row.mistake_file})"
    out = []
    if not row.public:
        out.append(Problem(where, row.function, f"{what} fails no public test; add a public test whose inputs separate it"))
    if not constant and not row.hidden and row.draws_missed == row.draws:
        out.append(Problem(where, row.function, f"{what} fails no hidden test; add a hidden test whose inputs separate it"))
    elif not constant and row.draws_missed:
        names = ", ".join(t.name for t in hidden) or "none"
        out.append(Problem(where, ", ".join(t.name for t in hidden), f"{what} passes every hidden test ({names}) on "
                           f"{row.draws_missed} of {row.draws} per-student draws; choose inputs that separate it on "
                           "every draw (fixed edge values, more elements, or a seeded edge case)"))
    return out


def _loose(spec: Spec, grader: Grader, tests: list[Test], cases: dict, outs: dict[str, Any], label: str,
           function: str) -> list[Problem]:
    """Tests whose own tolerance lets the mistake pass where the dtype's default would fail it."""
    return [Problem(f"{spec.path}:{t.line}", t.name,
                    f"its tolerance (rtol={t.rtol}, atol={t.atol}) lets mistake {label} of {function} pass, which the "
                    "default tolerance would fail; tighten it")
            for t in tests if t.kind != "property" and (t.rtol is not None or t.atol is not None)
            and not _fails(grader, t, cases[t.name], outs[t.name])
            and _fails(grader, t, cases[t.name], outs[t.name], None, None, own=False)]

