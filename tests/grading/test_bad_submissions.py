"""Broken submissions: each problem gets the right status and a clear message, and the run goes on.

Every file in ``tests/data/submissions/01_perceptron/bad/`` is the correct solution with one problem in
one function (or in the whole file). For each, the tests of the broken function(s) must end in
the exact status with a message that names the problem, and the tests of every other function
must still pass: a crash or a timeout costs a fresh worker, never the rest of the grade. After
each grade no worker process, process group, scratch directory, output thread or descriptor may
be left behind.
"""
from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import jsonschema
import pytest

from grader.grading.engine import Grader
from grader.model.spec import load_spec
from grader.render.reports import render_json, render_text
from grader.sandbox import client as sandbox
from grader.submissions.intake import read_submission

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = ROOT / "assignments" / "01_perceptron"
BAD = ROOT / "tests" / "data" / "submissions" / "01_perceptron" / "bad"
FUNCTIONS = ("predict", "update", "train", "linear_sgd_epoch")
ALL = frozenset(FUNCTIONS)
WALL = 2.0          # seconds per call in this file, so that endless loops end quickly
RESULT_SCHEMA = json.loads((ROOT / "grader" / "model" / "schemas" / "result.schema.json").read_text())


@dataclasses.dataclass(frozen=True)
class Case:
    file: str
    functions: frozenset[str]        # whose tests are affected; the others must pass
    status: str                      # of every affected test
    needles: tuple[str, ...]         # each must be in every affected test's message
    max_seconds: float = 20.0        # the whole grade


CASES = [
    Case("syntax_error", ALL, "error",
         ("could not be imported", "SyntaxError", "line 9", "def update(w, b, x, y, lr)")),
    Case("missing_train", frozenset({"train"}), "error", ("perceptron.py has no function 'train'",)),
    Case("raises_in_predict", frozenset({"predict"}), "error",
         ("predict raised ZeroDivisionError", "perceptron.py, line 6, in predict", "1 // 0")),
    Case("wrong_shape_predict", frozenset({"predict"}), "failed", ("shape (", ", 1), expected (",)),
    Case("wrong_dtype_update", frozenset({"update"}), "failed", ("w_new: dtype float32, expected float64",)),
    Case("nan_linear_sgd", frozenset({"linear_sgd_epoch"}), "failed",
         ("NaN value(s) where the expected output is finite", "got nan")),
    Case("endless_train", frozenset({"train"}), "timeout", ("No answer within 1 s", "endless loop"),
         max_seconds=1 + WALL + 4),  # train_small's own 1-s timeout, once: train's later tests are not waited for
    Case("endless_when_timed_predict", frozenset({"predict"}), "timeout",
         ("While timing", "No answer within 2 s")),
    Case("exit_in_update", frozenset({"update"}), "crashed", ("Your code exited with status 3 during the call",)),
    Case("memory_predict", frozenset({"predict"}), "error",
         ("predict ran out of memory", "1024 MiB", "np.ones((20000, 20000))")),
    Case("print_flood_predict", frozenset({"predict"}), "crashed",
         ("Printed more than 8 MiB of output", "stopped")),
    Case("mutates_input_predict", frozenset({"predict"}), "failed",
         ("predict modified its input X", "first change at [0, 0]", "X.copy()")),
    Case("sys_exit_at_import", ALL, "error",
         ("perceptron.py could not be imported: SystemExit", "line 6, in <module>: sys.exit()")),
    Case("os_exit_at_import", ALL, "crashed", ("Importing your code", "your code exited with status 0 at import")),
    Case("endless_import", ALL, "timeout", ("Importing your code", "no answer within 2 s"),
         max_seconds=2 * WALL + 4),  # one timeout, not one per test
    Case("returns_list_predict", frozenset({"predict"}), "failed",
         ("returned a list of", "expected a NumPy array", "np.asarray")),
    Case("returns_none_linear_sgd", frozenset({"linear_sgd_epoch"}), "failed",
         ("returned None", "missing `return`")),
]
# Cases where only part of the tests of the affected function fail (the others pass).
PARTLY = {"endless_when_timed_predict": {"predict_speed"}, "endless_train": {"train_small"}}
# Cases where the function's tests after the one that timed out are marked "not run" at once.
NOT_RUN = {"endless_train": ("train", "train_small")}


@pytest.fixture(scope="module")
def spec():
    loaded = load_spec(ASSIGNMENT)
    return dataclasses.replace(loaded, limits=dataclasses.replace(loaded.limits, wall_seconds=WALL))


@pytest.fixture(scope="module")
def grader(spec):
    """One Grader for the file, warmed up on the correct solution (references compiled, expected
    values cached), so that nothing the parent opens once for good counts as a leak below."""
    graded = Grader(spec)
    result = graded.grade(read_submission(spec, BAD.parent / "correct.py"), spec.select(None))
    assert result.all_passed, [(t.name, t.message) for t in result.tests if t.status != "passed"]
    return graded


@pytest.fixture
def workers(monkeypatch):
    """Every Worker started during the test: its pid and scratch directory."""
    started: list[sandbox.Worker] = []
    original = sandbox.Worker._start

    def start(self):
        original(self)
        started.append(self)

    monkeypatch.setattr(sandbox.Worker, "_start", start)
    return started


def _proc_stat() -> list[tuple[int, int, int, str]]:
    """(pid, ppid, pgrp, state) of every process we can see."""
    rows = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            text = Path("/proc", entry, "stat").read_text()
        except OSError:
            continue                       # it went away meanwhile
        fields = text.rsplit(")", 1)[1].split()
        rows.append((int(entry), int(fields[1]), int(fields[2]), fields[0]))
    return rows


def _open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def assert_nothing_left(started: list[sandbox.Worker], fds_before: set[str]) -> None:
    assert started, "no worker was started"
    pids = {w.proc.pid for w in started}
    for pid, ppid, pgrp, state in _proc_stat():
        assert not (ppid == os.getpid() and pid in pids), f"worker {pid} left behind (state {state})"
        assert pgrp not in pids, f"process {pid} of a worker's process group {pgrp} is still there"
    for w in started:
        assert w.proc.returncode is not None, "a worker was never reaped"
        assert not os.path.exists(w.scratch), f"scratch directory {w.scratch} was not removed"
    drains = [d for w in started for d in w._drains if d.is_alive()]
    assert not drains, f"{len(drains)} output-drain thread(s) still running"
    leaked = _open_fds() - fds_before
    assert not leaked, f"file descriptors left open: {sorted(leaked)}"


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc (Linux)")
@pytest.mark.parametrize("case", CASES, ids=[c.file for c in CASES])
def test_bad_submission(case: Case, spec, grader, workers):
    path = BAD / f"{case.file}.py"
    assert path.is_file()
    fds_before = _open_fds()
    tests = spec.select(None)
    result = grader.grade(read_submission(spec, path), tests)

    assert [t.name for t in result.tests] == [t.name for t in tests]   # every test has a verdict
    affected = [t for t in result.tests if t.function in case.functions
                and t.name in PARTLY.get(case.file, {t.name})]
    assert affected, "the case affects no test"
    for t in result.tests:
        if t in affected:
            assert t.status == case.status, f"{t.name}: {t.status}: {t.message}"
            assert t.score == 0
            for needle in case.needles:
                assert needle in t.message, f"{t.name}: {needle!r} not in {t.message!r}"
            assert "Traceback" not in t.message and "importlib" not in t.message
        elif t.function == NOT_RUN.get(case.file, ("",))[0]:
            assert (t.status, t.score) == ("error", 0), f"{t.name}: {t.status}: {t.message}"
            assert t.message.startswith(f"Not run: {t.function} timed out in test {NOT_RUN[case.file][1]}")
        else:
            assert t.status == "passed", f"{t.name} ({t.function}) should pass: {t.status}: {t.message}"
            assert t.score == t.max_score
    assert result.duration_seconds < case.max_seconds
    assert_nothing_left(workers, fds_before)
    # Every front end can render it: valid JSON for scripts, a status line per test for people.
    jsonschema.Draft202012Validator(RESULT_SCHEMA).validate(json.loads(render_json(result)))
    text = render_text(result, color=False)
    assert all(f" {t.name} " in text for t in result.tests) and "Score: " in text


def test_each_bad_file_has_a_case():
    files = {p.stem for p in BAD.glob("*.py")} - {"forged_reply_predict"}   # in test_codec.py
    assert files == {c.file for c in CASES}


def test_crash_then_fresh_worker(spec, grader, workers):
    """After a crash each later test runs in a fresh worker: one worker per crashed test, plus one."""
    result = grader.grade(read_submission(spec, BAD / "exit_in_update.py"), spec.select(None))
    crashed = sum(t.status == "crashed" for t in result.tests)
    assert crashed == 3
    assert len(workers) == crashed + 1


def test_flood_output_is_kept_but_bounded(spec, grader):
    result = grader.grade(read_submission(spec, BAD / "print_flood_predict.py"), spec.select(None))
    assert result.output.startswith("debug debug")
    assert len(result.output) <= 2 * sandbox.Worker.KEEP_OUTPUT


def test_a_function_that_timed_out_is_not_waited_for_again(spec, grader, workers):
    """After train times out in its first test, its other tests are marked at once, each with a
    message naming that test, instead of each waiting out the wall time: one worker is lost to
    the loop, and a fresh one grades linear_sgd_epoch."""
    result = grader.grade(read_submission(spec, BAD / "endless_train.py"), spec.select(None))
    first, *rest = [t for t in result.tests if t.function == "train"]
    assert first.status == "timeout" and rest
    for t in rest:
        assert (t.status, t.score) == ("error", 0), f"{t.name}: {t.status}: {t.message}"
        assert t.message.startswith(f"Not run: train timed out in test {first.name}"), t.message
    assert len(workers) == 2


def test_fatal_import_is_tried_once(spec, grader, workers):
    """An import that hangs is one timeout for the whole submission, not one per test."""
    result = grader.grade(read_submission(spec, BAD / "endless_import.py"), spec.select(None))
    assert {t.status for t in result.tests} == {"timeout"}
    assert len(workers) == 1
