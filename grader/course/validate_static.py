"""``grade validate``'s checks that need no submission: the spec, its references, inputs, points,
visibility, data files, and hidden tests that are public tests under another name.

Each check returns :class:`Problem` lines; none raises for a bad assignment.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..grading.engine import Grader
from ..model.spec import Spec, SpecError, Test

#: The identity hidden tests are drawn for where one draw stands for all (static checks, naming).
FIRST_DRAW = "validate-0"


def shown_path(path: Path) -> str:
    """``path`` relative to the working folder when it is inside it (a problem line stays short)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Problem:
    """One thing to fix: the file, the test (or "" for the assignment) and what to do."""

    file: str
    test: str
    text: str

    def line(self) -> str:
        return f"{self.file}: {self.test}: {self.text}" if self.test else f"{self.file}: {self.text}"


def structure(spec: Spec) -> list[Problem]:
    """Points and visibility: some public and some hidden tests, no test worth 0; the stubs exist."""
    file = str(spec.path)
    problems = [Problem(file, t.name, "is worth 0 points: give it points or remove it")
                for t in spec.tests if t.points <= 0]
    for visibility, why in (("public", "students get no feedback before grading"),
                            ("hidden", "nothing checks work that only fits the public inputs")):
        if not any(t.visibility == visibility for t in spec.tests):
            problems.append(Problem(file, "", f"no {visibility} test: {why}; add one"))
    problems += [Problem(str(spec.dir / f), "", "the stub named in files: is missing; write it")
                 for f in spec.files if not (spec.dir / f).is_file()]
    return problems


def data_files(spec: Spec) -> list[Problem]:
    """Files the spec declares (a ``data:`` list of paths, where the spec has one) must exist."""
    raw = yaml.safe_load(spec.path.read_text(encoding="utf-8")) or {}
    declared = raw.get("data_files") or (raw["data"] if isinstance(raw.get("data"), list) else [])
    return [Problem(str(spec.path), "", f"data file {name} does not exist next to the spec; add it or remove it")
            for name in declared if isinstance(name, str) and not (spec.dir / name).exists()]


def _referenced(test: Test, spec: Spec) -> list[tuple[str, str]]:
    """The reference functions a test names: its reference, its check's preparation, its property
    check when that is not a helper's, and generators in references."""
    named = [r for r in (test.reference, test.prepare) if r]
    if test.property and test.property[0] not in spec.helpers:
        named.append(test.property)
    values = [*(test.inputs.values() if isinstance(test.inputs, dict) else ()), *test.kwargs.values()]
    named += [tuple(v["generate"].split(".")) for v in values
              if isinstance(v, dict) and "." in str(v.get("generate", ""))]
    return named


def references_and_inputs(spec: Spec, grader: Grader) -> tuple[list[Problem], dict[str, tuple]]:
    """Every reference function exists; every test's inputs can be drawn and its reference runs on
    them (compiling it). Returns the problems and each sound test's case for the first draw."""
    problems, cases = [], {}
    for test in spec.tests:
        where = f"{spec.path}:{test.line}" if test.line else str(spec.path)
        try:
            for module, name in _referenced(test, spec):
                grader.references.function(module, name)
        except SpecError as exc:
            problems.append(Problem(where, test.name, f"{exc.reason} ({exc.path}): write it or fix the name"))
            continue
        try:
            args, kwargs = grader.inputs.for_test(test, student=FIRST_DRAW)
        except Exception as exc:    # an author's generator may raise anything
            problems.append(Problem(where, test.name, f"its inputs cannot be drawn ({type(exc).__name__}: {exc}); "
                                                      "fix the generator or its parameters"))
            continue
        try:
            cases[test.name] = grader.case(test, FIRST_DRAW)
        except Exception as exc:    # a reference that does not compile or raises on these inputs
            shown = f"{test.reference[0]}.{test.reference[1]}" if test.reference else "the reference"
            problems.append(Problem(where, test.name, f"{shown} fails on the test's inputs "
                                                      f"({type(exc).__name__}: {str(exc)[:200]}); fix the reference"))
    return problems, cases


def _without_seeds(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_seeds(v) for k, v in value.items() if k != "seed"}
    return value


def _same(a: Any, b: Any) -> bool:
    """Equal drawn inputs: arrays by value, dicts and lists item by item."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape \
            and a.dtype == b.dtype and np.array_equal(a, b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def renamed_public(spec: Spec, cases: dict[str, tuple]) -> list[Problem]:
    """A hidden test whose inputs are a public test's of the same function, as written (seeds
    aside) or as drawn, checks nothing the public tests do not: a problem."""
    problems = []
    public = [t for t in spec.tests if t.visibility == "public"]
    for test in (t for t in spec.tests if t.visibility == "hidden"):
        for other in (p for p in public if p.function == test.function and p.module == test.module):
            written = (_without_seeds(test.inputs), _without_seeds(test.kwargs)) == \
                      (_without_seeds(other.inputs), _without_seeds(other.kwargs))
            drawn = test.name in cases and other.name in cases and \
                _same(cases[test.name][:2], cases[other.name][:2])
            if written or drawn:
                problems.append(Problem(f"{spec.path}:{test.line}", test.name,
                                        f"is the public test {other.name} under another name (same inputs); "
                                        "give it other inputs (other shapes, edge cases, drawn per student)"))
                break
    return problems
