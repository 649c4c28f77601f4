"""Recording the references' answers on public tests: what a bundle's fixtures and the answer
cache of ``grade check`` store (:mod:`grader.grading.fixtures` is the format).

The answers are collected by grading the public tests once with a *decoy* submission, whose
functions return something that matches nothing, through :class:`~grader.grading.engine.Grader` with
references that note every call. The engine thus makes exactly the calls it makes for a wrong
answer (the expected output, then every mistake of the catalogue, trajectories step by step), and
a bundle answers the same calls from its fixtures.
"""
from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..model.spec import Spec, Test
from ..sandbox.codec import snapshot
from ..submissions.submission import Submission
from . import calibration
from .compare import compare
from .engine import Grader
from .fixtures import FixtureWriter, Unstorable, call_key, pack
from .inputs import InputMaker
from .mistakes import Mistake
from .references import References
from .timing import time_reference

CALIBRATION_RUNS = 7                # more than a check's: the release machine sets every ratio


_DECOY = '''"""Written by grade release: every function returns an answer that matches nothing."""


class _Decoy:
    def __getitem__(self, index):          # a trajectory carries parts of an output
        return self
'''


class ReleaseError(Exception):
    """A bundle cannot be built; ``str()`` is one line for the user."""


class _Recorded:
    """A reference function or mistake that notes each call: (test, function, mistake, key, output)."""

    def __init__(self, recorder: _RecordingReferences, function_name: str, mistake: int | None,
                 fn: Callable[..., Any]):
        self.recorder, self.function_name, self.mistake, self.fn = recorder, function_name, mistake, fn

    def __call__(self, *args, **kwargs):
        key = call_key(args, kwargs)            # before the call: a mutant may change its inputs
        out = self.fn(*args, **kwargs)
        self.recorder.log.append((self.recorder.test, self.function_name, self.mistake, key, snapshot(out)))
        return out


class _RecordingReferences:
    """The references, with every function and mistake that the engine asks for recorded, each
    call under the test whose inputs the engine made last (:class:`_LabellingInputs`)."""

    def __init__(self, references: References):
        self.references = references
        self.test = ""
        self.log: list[tuple[str, str, int | None, str, Any]] = []     # mistake: its catalogue index

    def function(self, module: str, name: str) -> _Recorded:
        return _Recorded(self, f"{module}.{name}", None, self.references.function(module, name))

    def mistakes(self, module: str, name: str) -> list[Mistake]:
        return [Mistake(m.name, m.hint, _Recorded(self, f"{module}.{name}", i, m.fn))
                for i, m in enumerate(self.references.mistakes(module, name))]

    def __getattr__(self, name: str) -> Any:        # the rest (the device...) as the references have it
        return getattr(self.references, name)


class _LabellingInputs:
    """The engine's input maker, telling the recorder which test the engine is on: it makes a
    test's inputs before anything else of that test."""

    def __init__(self, inputs: InputMaker, recorder: _RecordingReferences):
        self.inputs, self.recorder = inputs, recorder

    def for_test(self, test: Test, *args, **kwargs):
        self.recorder.test = test.name
        return self.inputs.for_test(test, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inputs, name)


def _stub_functions(path: Path) -> list[str]:
    if not path.is_file():
        return []
    return [s.name for s in ast.parse(path.read_text(encoding="utf-8")).body if isinstance(s, ast.FunctionDef)]


def _decoy(spec: Spec) -> Submission:
    """A submission whose every function (the stubs' and the tested ones) returns a decoy."""
    sources = {}
    for file, module in zip(spec.files, spec.modules):
        names = dict.fromkeys(_stub_functions(spec.dir / file) + [t.function for t in spec.tests if t.module == module])
        sources[module] = _DECOY + "".join(f"\n\ndef {n}(*args, **kwargs):\n    return _Decoy()\n" for n in names)
    return Submission(origin="decoy (grade release)", sources=sources)


def _storable(value: Any) -> bool:
    """Whether a bundle can hold ``value`` (see :func:`grader.grading.fixtures.pack`)."""
    try:
        pack(value, "value", {})
    except Unstorable:
        return False
    return True


def _reference_seconds(grader: Grader, reference: Callable[..., Any], test: Test) -> float:
    """The reference's CPU seconds per call on fresh draws, as :func:`grader.grading.timing.measure` times it
    (these draws need not be secret: only the reference's cost is kept)."""
    samples, calls = test.timing.get("samples", 5), test.timing.get("calls", 10)

    def draw(i: int) -> tuple[list, dict]:
        args, kwargs = grader.inputs.for_test(test, fresh_seed=i)
        return grader.bind(list(args.values())), grader.bind(kwargs)

    time_reference(reference, [draw(-1)])          # compile, fill caches
    best = min(time_reference(reference, [draw(s * calls + i) for i in range(calls)]) for s in range(samples))
    return max(best / calls, 1e-9)


def record_fixtures(spec: Spec, tests: list[Test], references: References) -> FixtureWriter:
    """Inputs, answers, mistakes' answers and reference costs of ``tests`` (public, runnable here)."""
    recorder = _RecordingReferences(references)
    grader = Grader(spec, references=recorder, secret="")   # public inputs do not depend on the secret
    inputs = grader.inputs
    inputs.resolve = references.function                   # generators draw inputs: not answers
    grader.inputs = _LabellingInputs(inputs, recorder)
    for outcome in grader.grade(_decoy(spec), tests).tests:
        if outcome.status != "failed":
            first = outcome.message.splitlines()[0] if outcome.message else ""
            raise ReleaseError(f"{spec.path}: test {outcome.name}: the release's decoy run ended as "
                               f"{outcome.status!r} ({first})")
    writer = FixtureWriter(spec.id, calibration.seconds(CALIBRATION_RUNS))
    for test in tests:
        args, kwargs = inputs.for_test(test)
        names = list(args)
        steps = inputs.steps_for(test, args)[1] if test.steps else []
        per_step = [{names[i]: v for i, v in step.items()} for step in steps]
        writer.add_test(test.name, args, kwargs, per_step)
        calls = [entry[1:] for entry in recorder.log if entry[0] == test.name]
        answers = {(f, key): out for f, mistake, key, out in calls if mistake is None}
        for function, mistake, key, out in calls:
            if mistake is None:
                if not _storable(out):
                    raise ReleaseError(f"{spec.path}: test {test.name}: the output of {function} cannot be "
                                       "stored in a bundle (arrays, numbers, strings, tuples, lists and dicts only)")
                writer.add_answer(test.name, function, key, out)
                continue
            same = (function, key) in answers and compare(out, answers[function, key], rtol=test.rtol,
                                                          atol=test.atol, check_dtype=False).ok
            # A trajectory needs every step. A mistake's answer that cannot be stored is left out:
            # the bundle then passes over that mistake, as the engine passes over one that fails.
            if (test.steps or not same) and _storable(out):
                writer.add_answer(test.name, function, key, out, mistake)
        if test.kind == "performance":
            seconds = _reference_seconds(grader, references.function(*test.reference), test)
            writer.add_cost(test.name, ".".join(test.reference), call_key(list(args.values()), kwargs), seconds)
    for module, name in dict.fromkeys(t.reference for t in tests if t.reference):
        writer.add_catalogue(f"{module}.{name}", references.mistakes(module, name))
    return writer
