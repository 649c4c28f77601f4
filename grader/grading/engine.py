"""The grading function: one submission, one spec, one :class:`~grader.model.results.Result`.

Data flows one way: spec -> inputs (seeded, here) -> worker (student outputs) and references
(expected outputs, here) -> comparison and diagnosis -> results. A verdict rests only on what this
parent observes: the bytes a worker returns, the kernel's clocks, inputs the worker could not
predict. What a worker says about itself is advisory: the in-place-modification report
(``CallOutcome.mutated``) catches honest mistakes, and code that means to can silence it. Hidden
tests run last, after every public result is settled, and are sealed here, in one place (:func:`sealed`). Every front end (``grade check``,
batch grading, notebooks, LMS runners) calls :meth:`Grader.grade`; they differ only in rendering.
"""
from __future__ import annotations

import secrets
import time
from dataclasses import replace
from typing import Any

import numpy as np

from ..model.config import instructor_secret
from ..model.limits import Limits
from ..model.results import Result, TestResult
from ..model.spec import Provided, Spec, Test, load_spec
from ..sandbox.client import CallOutcome, isolation_tier
from ..sandbox.codec import FunctionRef, run_chain, to_plain
from ..sandbox.template import prepare_in_background
from ..submissions.intake import Submission
from .compare import Comparison, compare, describe
from .fixtures import Fixtures
from .inputs import InputMaker, copy_value
from .mistakes import Mistake, consolidate, diagnose, known_error
from .references import References, import_helper
from .session import WorkerSession
from .timing import WALL_SLACK, Noop, RequestFailed, calibrate, measure
from .wrong_answers import output_digest

MiB = 1 << 20
SMALL_INPUT = 40            # inputs with at most this many numbers in all are printed in messages


def _nbytes(value: Any) -> int:
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, (tuple, list)):
        return sum(_nbytes(v) for v in value)
    if isinstance(value, dict):
        return sum(_nbytes(v) for v in value.values())
    return 16


def _arrays(value: Any) -> list[np.ndarray]:
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, dict):
        return [a for v in value.values() for a in _arrays(v)]
    if isinstance(value, (list, tuple)):
        return [a for v in value for a in _arrays(v)]
    return []


def _shape_of(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return str(value.shape)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_shape_of(v)}" for k, v in value.items()) + "}"
    return f"={value!r}"


def show_inputs(args: dict[str, Any], kwargs: dict[str, Any]) -> str:
    """The inputs of a call, printed when small (arrays inside dicts count), else their shapes."""
    items = {**args, **kwargs}
    if sum(a.size for a in _arrays(list(items.values()))) <= SMALL_INPUT:
        shown = ", ".join(f"{k}={np.array2string(v, precision=4, separator=', ') if isinstance(v, np.ndarray) else repr(v)}"
                          for k, v in items.items())
        return f"Inputs: {shown}"
    return "Input shapes: " + ", ".join(
        f"{k} {_shape_of(v)}" if isinstance(v, (np.ndarray, dict)) else f"{k}={v!r}" for k, v in items.items())


def _error_message(function: str, error: dict, limits: Limits) -> tuple[str, str]:
    """(status, message) for an exception the student's function raised."""
    kind, text = error.get("type", "Error"), error.get("message", "")
    where = "".join(f"\n    at {line}" for line in error.get("traceback", []))
    if kind == "NotImplementedError":
        return "failed", f"Not implemented yet: {function} raises NotImplementedError."
    if kind == "MemoryError":
        return "error", f"{function} ran out of memory (the limit is {limits.memory_mb} MiB).{where}"
    return "error", f"{function} raised {kind}: {text}{where}"


class Grader:
    """Grades submissions against one spec. Expected outputs are computed once and reused
    (except for inputs drawn per student, which differ by submission)."""

    def __init__(self, spec: Spec, references: References | Fixtures | None = None, secret: str | None = None,
                 *, start_workers: bool = True):
        if start_workers:                     # not in a process that forks graders: threads, a child
            prepare_in_background()           # the isolation probe and the template start meanwhile
        self.spec = spec
        if spec.fixtures is not None and references is None:   # a student bundle: stored answers
            references = Fixtures(spec)
        if isinstance(references, Fixtures):
            self.references, self.inputs = references, references.inputs
        else:
            self.references = references or References(spec.references_dir)
            self.inputs = InputMaker(spec, self.references.function,
                                     instructor_secret() if secret is None else secret)
        self._expected: dict[str, Any] = {}
        self._helper_sources = {m: h.path.read_text(encoding="utf-8") for m, h in spec.helpers.items()}
        self._earlier: dict[str, tuple[Grader, list[Test]]] = {}    # assignments this one builds on
        self._noops: dict[str, Noop] = {}     # performance test -> its no-op (no student code involved)

    def grade(self, submission: Submission, tests: list[Test], *, reveal_hidden: bool = False) -> Result:
        """Grade ``submission`` on ``tests``. Every public test runs, and its result and the output
        printed so far are taken, before the worker receives any hidden input: nothing a student
        reads (messages, timings, hints, printed output) can come from a worker that has seen a
        hidden input. The hidden tests run last, in the same worker (a second worker per
        submission cost a batch about 5 ms each, and bought nothing: the public results are
        settled before). Hidden results are *sealed* (pass or fail and points only,
        :func:`sealed`) and what the code printed during them is dropped, unless
        ``reveal_hidden``: only the instructor's ``grade check --hidden`` reveals them (and all
        of the printed output)."""
        start = time.perf_counter()
        device = self.device                        # a bad --device fails here, before any test
        submission, notes = self._provide(submission)
        limits = self.spec.limits
        if device.startswith("cuda:") and any(t.device == "cuda" for t in tests):
            limits = replace(limits, memory_mb=None)    # CUDA reserves far more address space than it uses
        public = [t for t in tests if t.visibility != "hidden"]
        hidden = [t for t in tests if t.visibility == "hidden"]
        session = WorkerSession(submission, limits, self._helper_sources, self._worker_env(tests))
        by_name, output = {}, ""
        stuck: dict[str, str] = {}          # function -> the test in which a call of it timed out
        try:
            self._calibrate(tests, submission, session)
            for group in (public, hidden):
                results = [self._not_run(test, stuck) or self._run(test, submission, session, stuck)
                           for test in group]
                self._consolidate(results)      # within a group: a hidden result never names a public one's mistake
                if group is public:
                    output = session.printed()      # before any hidden input reaches the worker
                elif not reveal_hidden:
                    results = [sealed(r) for r in results]
                by_name.update((r.name, r) for r in results)
        finally:
            printed = session.close()
        if reveal_hidden:               # the instructor's view: everything the code printed
            output = printed
        return Result(assignment=self.spec.id, title=self.spec.title, submission=submission.origin,
                      tests=[by_name[t.name] for t in tests], isolation=isolation_tier(), output=output,
                      device=device, duration_seconds=time.perf_counter() - start, notes=notes)

    def load_references(self) -> None:
        """Import the references and run each on its test's inputs (Numba loads its compiled code
        then), keeping the expected outputs that are the same for every student; no worker starts.
        A batch's parent calls it once before it forks its grading processes, which then share
        all of it, memory and start-up, instead of each loading Numba again."""
        for test in self.spec.tests:
            if test.reference:
                args, kwargs = self.inputs.for_test(test, student="warm-up")
                chain = self.inputs.steps_for(test, args, "warm-up") if test.steps else None
                self._expected_for(test, args, kwargs, chain)

    def _calibrate(self, tests: list[Test], submission: Submission, session: WorkerSession) -> None:
        """Each performance test's no-op (:func:`grader.grading.timing.calibrate`), measured on the
        session's worker before it imports the student's code, so the student cannot inflate it.
        It depends on the inputs' sizes and this machine only, so it is measured once per grader
        (a batch's grading process measures it on its first submission)."""
        for test in tests:
            if test.kind != "performance" or session.worker is None or test.module in submission.problems:
                continue
            if test.name not in self._noops:
                args, kwargs = self.inputs.for_test(test, student=submission.identity)
                expected = self._expected_for(test, args, kwargs, None)
                try:
                    self._noops[test.name] = calibrate(
                        session.worker, list(args.values()), kwargs, expected, samples=3,
                        calls=test.timing.get("calls", 10), max_reply=4 * _nbytes(expected) + MiB,
                        wall_seconds=test.timeout or self.spec.limits.wall_seconds)
                except RequestFailed:       # nothing to subtract: the verdict can only be stricter
                    if not session.worker.alive:
                        session.retire()
                    continue
            session.calibrations[test.name] = self._noops[test.name]

    # ---------------------------------------------------------------- earlier assignments

    def _provide(self, submission: Submission) -> tuple[Submission, list[str]]:
        """The submission with the course's version of each earlier module that is missing or
        wrong, and a note to the student for each one replaced."""
        sources, notes = dict(submission.sources), []
        for provided in self.spec.provides:
            own = sources.get(provided.module)
            if own is None:
                notes.append(f"{provided.module}.py is not in your submission: the course's version was used.")
            else:
                failing = self._earlier_failures(provided, own, submission)
                if not failing:
                    continue
                notes.append(f"Your {provided.module}.py fails {failing[0]}'s tests ({', '.join(failing[1:])}): "
                             f"the course's version was used instead, so that mistake is not charged twice. "
                             f"Fix it in {failing[0]}.")
            sources[provided.module] = provided.path.read_text(encoding="utf-8")
        return (replace(submission, sources=sources) if notes else submission), notes

    def _earlier_failures(self, provided: Provided, source: str, submission: Submission) -> list[str]:
        """[earlier assignment id, failing test...] for the student's own module, or [] if it passes."""
        if provided.module not in self._earlier:
            spec = load_spec(provided.assignment)
            tests = [t for t in spec.tests if t.module == provided.module and t.visibility == "public"
                     and t.kind == "numeric" and (not provided.functions or t.function in provided.functions)]
            stored = self.references.earlier_answers(spec, tests)   # a check from stored answers: theirs too
            self._earlier[provided.module] = (Grader(spec, stored, secret=self.inputs.secret), tests)
        earlier, tests = self._earlier[provided.module]
        own = Submission(origin=submission.origin, sources={provided.module: source}, student=submission.student)
        failing = [t.name for t in earlier.grade(own, tests).tests if t.status != "passed"]
        return [earlier.spec.id, *failing] if failing else []

    # ---------------------------------------------------------------- one test

    @property
    def device(self) -> str:
        """Where the references run (and the student's CUDA kernels, when a GPU is used)."""
        if not hasattr(self, "_device"):
            known = getattr(self.references, "device", None)
            used = {t.reference[0] for t in self.spec.tests if t.reference}
            self._device = "cpu" if not callable(known) else (
                known() if any(t.device == "cuda" for t in self.spec.tests) else known(used))
        return self._device

    def _worker_env(self, tests: list[Test]) -> dict[str, str]:
        """Tests of the student's own CUDA kernels run in Numba's simulator unless a GPU is in use."""
        if any(t.device == "cuda" for t in tests) and not self.device.startswith("cuda:"):
            return {"NUMBA_ENABLE_CUDASIM": "1"}
        return {}

    def _result(self, test: Test, status: str, message: str, **extra) -> TestResult:
        return TestResult(name=test.name, function=test.function, kind=test.kind, visibility=test.visibility,
                          status=status, score=test.points if status == "passed" else 0.0,
                          max_score=test.points, message=message, bonus=test.bonus, **extra)

    def bind(self, value: Any) -> Any:
        """Inputs for a trusted call: each :class:`FunctionRef` becomes the reference's function of
        that name, or the helper module's; arrays are copied so the call cannot change them."""
        if isinstance(value, FunctionRef):
            helper = self.spec.helpers.get(value.module)
            if helper is not None:
                return getattr(import_helper(helper.path), value.name)
            return self.references.function(value.module, value.name)
        if isinstance(value, (list, tuple)):
            return type(value)(self.bind(v) for v in value)
        if isinstance(value, dict):
            return {k: self.bind(v) for k, v in value.items()}
        return copy_value(value)

    def _trusted_call(self, fn, args: dict, kwargs: dict, chain) -> Any:
        """``fn`` on the test's inputs, or run as a trajectory when ``chain`` is given."""
        if chain is None:
            return fn(*self.bind(list(args.values())), **self.bind(kwargs))
        carry, per_step = chain
        return run_chain(fn, self.bind(list(args.values())), self.bind(kwargs), carry, self.bind(per_step))

    def _expected_for(self, test: Test, args: dict, kwargs: dict, chain) -> Any:
        if self.inputs.per_student(test):          # differs by submission: not worth caching
            return self._trusted_call(self.references.function(*test.reference), args, kwargs, chain)
        if test.name not in self._expected:
            self._expected[test.name] = self._trusted_call(self.references.function(*test.reference),
                                                           args, kwargs, chain)
        return self._expected[test.name]

    def case(self, test: Test, student: str = "") -> tuple[dict, dict, Any, Any]:
        """``(args, kwargs, chain, expected)``: the inputs of ``test`` as drawn for ``student`` (an
        identity), a trajectory's chain (None for a single call) and the reference's answer (None
        for a property test). ``grade validate`` runs the catalogued mistakes on it in-process."""
        args, kwargs = self.inputs.for_test(test, student=student)
        chain = self.inputs.steps_for(test, args, student) if test.steps else None
        expected = self._expected_for(test, args, kwargs, chain) if test.reference else None
        return args, kwargs, chain, expected

    def trusted_output(self, fn, test: Test, case: tuple[dict, dict, Any, Any]) -> Any:
        """What trusted ``fn`` (a catalogued mistake) returns on ``case`` (see :meth:`case`), run as
        the test runs the student's function (a trajectory step by step)."""
        args, kwargs, chain, _ = case
        return self._trusted_call(fn, args, kwargs, chain)

    def judge(self, test: Test, case: tuple[dict, dict, Any, Any], got: Any) -> TestResult:
        """The verdict the engine gives ``got`` as the output of ``test`` on ``case``: the numeric
        comparison and the mistake diagnosis, or the property check. No worker, no timing."""
        args, kwargs, chain, expected = case
        if test.kind == "property":
            return self._property(test, args, kwargs, got)
        return self._numeric(test, args, kwargs, expected, got, chain)

    def _not_run(self, test: Test, stuck: dict[str, str]) -> TestResult | None:
        """The result of a test whose function already timed out in an earlier test: an endless
        loop would only wait out the limit again (40 s a submission for 4 tests of 10 s)."""
        if test.function not in stuck:
            return None
        return self._result(test, "error", f"Not run: {test.function} timed out in test {stuck[test.function]}, "
                            f"so its other tests are not run (each would wait out the time limit again).")

    def _run(self, test: Test, submission: Submission, session: WorkerSession, stuck: dict[str, str]) -> TestResult:
        """One test's result; a call that timed out adds its function to ``stuck``."""
        if test.module in submission.problems:
            return self._result(test, "error", submission.problems[test.module] + ".")
        args, kwargs, chain, expected = self.case(test, submission.identity)
        budget = 4 * _nbytes(expected) + 1 * MiB
        wall = test.timeout or self.spec.limits.wall_seconds
        outcome = session.run(lambda w: w.call(test.module, test.function, list(args.values()), kwargs,
                                               list(args), max_reply=budget, wall_seconds=wall, chain=chain))
        problem = self._outcome_problem(test, outcome, session)
        if problem:
            if outcome.status == "timeout" and session.fatal is None:    # the call, not the import
                stuck[test.function] = test.name
            return problem
        if outcome.mutated:     # advisory: the worker's own report, which hostile code can silence
            first = outcome.mutated[0]
            at = f" (first change at {first['index']})" if first.get("index") else ""
            return self._result(test, "failed",
                                f"{test.function} modified its input {first['name']}{at}. Work on a copy "
                                f"(e.g. {first['name'].split(' ')[0]}.copy()) and leave the inputs unchanged.",
                                mistake="input_modified",
                                hint="In-place operations such as `x[x < 0] = 0`, `x -= ...` or `x *= ...` change the "
                                     "caller's array. Compute into a new array (np.where, np.maximum, x - ...) instead.")
        if test.kind == "property":
            result = self._property(test, args, kwargs, outcome.value)
        elif test.kind == "performance":
            result = self._performance(test, args, kwargs, expected, outcome.value, session, submission)
        else:
            result = self._numeric(test, args, kwargs, expected, outcome.value, chain)
        result.details["call_seconds"] = round(outcome.wall_seconds, 6)
        if test.device == "cuda":
            result.details["device"] = self.device if self.device.startswith("cuda:") else "cuda simulator"
        return result

    def _outcome_problem(self, test: Test, outcome: CallOutcome, session: WorkerSession) -> TestResult | None:
        if outcome.status == "ok":
            return None
        if outcome.status in ("timeout", "crashed"):
            return self._result(test, outcome.status, outcome.reason[:1].upper() + outcome.reason[1:] + ".")
        import_error = session.import_errors.get(test.module)
        if import_error:
            lines = "".join(f"\n    at {line}" for line in import_error["traceback"])
            return self._result(test, "error", f"{test.module}.py could not be imported: "
                                f"{import_error['type']}: {import_error['message']}{lines}")
        if outcome.missing:
            said = (outcome.error or {}).get("message", "")
            if f"function {test.function!r}" in said or not said:
                return self._result(test, "error", f"{test.module}.py has no function {test.function!r}.")
            return self._result(test, "error", f"{said}; {test.function} is called with it as an input.")
        status, message = _error_message(test.function, outcome.error, self.spec.limits)
        mistake, hint = known_error(outcome.error) or (None, None)
        return self._result(test, status, message, mistake=mistake, hint=hint, details={"error": outcome.error})

    def _numeric(self, test: Test, args: dict, kwargs: dict, expected: Any, got: Any, chain=None) -> TestResult:
        if chain is None:
            verdict = compare(got, expected, rtol=test.rtol, atol=test.atol, check_dtype=test.check_dtype,
                              names=test.outputs)
            shown = show_inputs(args, kwargs) if not verdict.ok else ""    # printing arrays is slow
        else:
            verdict, shown = self._compare_steps(test, args, kwargs, expected, got, chain)
        details = {"max_abs_error": verdict.max_abs, "max_rel_error": verdict.max_rel}
        if verdict.ok:
            return self._result(test, "passed", "", details=details)
        catalogue = self.references.mistakes(*test.reference)
        if chain is not None:               # a mutant is judged on its whole trajectory too
            catalogue = [Mistake(m.name, m.hint, self._chained(m.fn, chain)) for m in catalogue]
        found = diagnose(got, expected, self.bind(list(args.values())), self.bind(kwargs), catalogue,
                         rtol=test.rtol, atol=test.atol, names=test.outputs,
                         trajectory=chain is not None, check_dtype=test.check_dtype)
        mistake, hint = found[0] if found else (None, None)
        if not self.inputs.per_student(test):   # the same inputs for all: same bytes, same wrong code
            details["wrong_output"] = output_digest(got)
        if len(found) > 1:                  # settled across the function's tests by _consolidate
            details["mistake_candidates"] = [list(option) for option in found]
        return self._result(test, "failed", f"{verdict.message}\n{shown}",
                            hint=hint, mistake=mistake, details=details)

    @staticmethod
    def _consolidate(results: list[TestResult]) -> None:
        """Where a failed test's output fits several mistakes, name the one that the function's
        other failed tests point to as well (see :func:`grader.grading.mistakes.consolidate`)."""
        by_function: dict[str, list[TestResult]] = {}
        for r in results:
            if r.mistake is not None:
                by_function.setdefault(r.function, []).append(r)
        for group in by_function.values():
            options = [[tuple(o) for o in r.details.pop("mistake_candidates", [[r.mistake, r.hint]])] for r in group]
            for r, chosen in zip(group, consolidate(options)):
                r.mistake, r.hint = chosen

    def _chained(self, fn, chain):
        carry, per_step = chain
        return lambda *args, **kwargs: run_chain(fn, list(args), kwargs, carry, self.bind(per_step))

    def _compare_steps(self, test: Test, args: dict, kwargs: dict, expected: tuple, got: Any,
                       chain) -> tuple[Comparison, str]:
        """Compare a trajectory step by step; the verdict is the first step that differs."""
        steps = len(expected)
        if not isinstance(got, (tuple, list)) or len(got) != steps:
            return Comparison([f"returned {describe(got)} for a trajectory of {steps} steps."]), show_inputs(args, kwargs)
        worst = Comparison()
        for k, (g, e) in enumerate(zip(got, expected)):
            verdict = compare(g, e, rtol=test.rtol, atol=test.atol, check_dtype=test.check_dtype, names=test.outputs)
            worst.max_abs = max(filter(None, (worst.max_abs, verdict.max_abs)), default=None)
            worst.max_rel = max(filter(None, (worst.max_rel, verdict.max_rel)), default=None)
            if not verdict.ok:
                names = dict(enumerate(args))
                fresh = {names[i]: v for i, v in chain[1][k].items()}
                where = (f"Step {k + 1} of {steps} (each step's input is the previous step's output"
                         f"{'; this step also gets ' + show_inputs(fresh, {}).split(': ', 1)[1] if fresh else ''}): ")
                worst.problems = [where + verdict.message]
                first = {name: chain[1][0].get(i, value) for i, (name, value) in enumerate(args.items())}
                return worst, "At the first step: " + show_inputs(first, kwargs)
        return worst, ""

    def _property(self, test: Test, args: dict, kwargs: dict, got: Any) -> TestResult:
        check = self.bind(FunctionRef(*test.property))      # a helper module's check, else the references
        prepared = {}
        if test.prepare:        # the references' share, from the inputs alone: an answer like any other
            prepare = self.references.function(*test.prepare)
            prepared["prepared"] = prepare(copy_value({**args, **kwargs}), **test.params)
        try:
            ok, message = check(copy_value({**args, **kwargs}), to_plain(got), **test.params, **prepared)
        except Exception as exc:       # the output was not even the right kind of thing
            ok, message = False, f"the output ({describe(got)}) could not be checked: {type(exc).__name__}: {exc}"
        return self._result(test, "passed" if ok else "failed", "" if ok else f"{message}\n{show_inputs(args, kwargs)}")

    def _performance(self, test: Test, args: dict, kwargs: dict, expected: Any, got: Any,
                     session: WorkerSession, submission: Submission) -> TestResult:
        first = self._numeric(test, args, kwargs, expected, got)
        if first.status != "passed":
            first.message = "Not timed, because the output is wrong: " + first.message
            return first
        reference = self.references.function(*test.reference)

        def draw() -> tuple[list, dict]:       # seeds the worker cannot predict, new every grading
            a, k = self.inputs.for_test(test, fresh_seed=secrets.randbits(128), student=submission.identity)
            return list(a.values()), k

        def stored() -> tuple[list, dict]:      # a bundle's one input set with a known answer
            return copy_value(list(args.values())), copy_value(kwargs)

        problem = session.ready()
        if problem:
            return self._outcome_problem(test, problem, session)
        try:
            timing, checks = measure(session.worker, test.module, test.function, reference, draw,
                                     session.calibrations.get(test.name, Noop(0.0, 0.0)),
                                     samples=test.timing.get("samples", 5), calls=test.timing.get("calls", 10),
                                     max_reply=4 * _nbytes(expected) + MiB,
                                     wall_seconds=test.timeout or self.spec.limits.wall_seconds,
                                     known=stored if isinstance(self.references, Fixtures) else None,
                                     max_ratio=test.timing["max_ratio"])
        except RequestFailed as failed:
            if not session.worker.alive:
                session.retire()
            problem = self._outcome_problem(test, failed.outcome, session)
            problem.message = "While timing: " + problem.message
            return problem
        for check in checks:
            (a, k), want = check.inputs, check.expected
            if want is None:
                want = reference(*copy_value(a), **copy_value(k))
            if check.got is None or not compare(check.got, want, rtol=test.rtol, atol=test.atol,
                                                check_dtype=test.check_dtype).ok:
                return self._result(test, "failed", "A timed call returned a wrong result: the speed does not "
                                    "count unless every answer is right.", details=timing.as_details())
        limit = test.timing["max_ratio"]
        summary = (f"{timing.ratio:.1f}x the reference's time ({timing.student * 1e3:.3g} ms vs "
                   f"{timing.reference * 1e3:.3g} ms per call, {timing.clock}; limit {limit:g}x).")
        if timing.busy_ratio > limit * WALL_SLACK:
            summary += (f" Counting the wall time in which your worker waited idle, {timing.busy_ratio:.1f}x "
                        f"(limit {limit * WALL_SLACK:g}x): work done outside your function's process counts too.")
        elif timing.ratio <= limit:
            return self._result(test, "passed", summary, details=timing.as_details())
        return self._result(test, "failed", summary + " Replace Python loops over elements with "
                            "whole-array NumPy operations.", details=timing.as_details())


def sealed(result: TestResult) -> TestResult:
    """A hidden test's result as a student may see it: its name, pass or fail, and points. The
    message, hint, mistake and figures all came from a worker that saw the hidden inputs."""
    passed = result.status == "passed"
    return TestResult(name=result.name, function=result.function, kind=result.kind, visibility=result.visibility,
                      status="passed" if passed else "failed", score=result.score, max_score=result.max_score,
                      message="Passed." if passed else "Not passed (a hidden test: only its result is shown).",
                      bonus=result.bonus)


def grade(spec: Spec, submission: Submission, *, tests: list[str] | None = None, include_hidden: bool = False,
          references: References | Fixtures | None = None, reveal_hidden: bool = False) -> Result:
    """Grade one submission: the entry point every front end uses. ``references``: the spec's own
    by default; ``grade check`` passes the answers stored on disk (:mod:`grader.grading.answer_cache`).
    Hidden tests are sealed unless ``reveal_hidden`` (the instructor's ``grade check --hidden``)."""
    return Grader(spec, references).grade(submission, spec.select(tests, include_hidden), reveal_hidden=reveal_hidden)
