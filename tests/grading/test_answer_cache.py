"""The answer cache of ``grade check``: the references' answers on the public tests, kept on disk.

A check from stored answers must grade exactly as the references do (the same statuses, messages,
mistakes and hints), must not import the references when no property check needs them, and must
record again whenever anything the answers depend on changes.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from grader.grading import answer_cache
from grader.grading.engine import Grader, grade
from grader.model.spec import load_spec
from grader.submissions.intake import read_submission

ROOT = Path(__file__).resolve().parents[2]
NO_NUMBA = "import sys; sys.modules['numba'] = None; from grader.cli import main; main(sys.argv[1:])"


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """A private answer cache for one test (the user's own is left alone)."""
    root = tmp_path / "answers"
    monkeypatch.setattr(answer_cache, "cache_root", lambda: root)
    monkeypatch.delenv("DLGRADE_ANSWER_CACHE", raising=False)
    monkeypatch.setenv("DLGRADE_DEVICE", "auto")
    return root


def _assignment(folder: Path, reference: str, spec_extra: str = "") -> Path:
    """A one-test assignment whose reference is plain NumPy (no compiling)."""
    files = {
        "assignment.yaml": f"""
            id: tiny
            title: Tiny
            files: [ops.py]
            references: refs
            tests:
              - {{name: double, function: double, reference: ops.double, inputs: {{x: [1.0, -2.0, 3.5]}}, points: 1}}
            {spec_extra}""",
        "ops.py": "def double(x):\n    return 2 * x\n",
        "refs/__init__.py": "",
        "refs/ops.py": reference,
    }
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(textwrap.dedent(text))
    return folder


DOUBLE = "import numpy as np\n\ndef double(x):\n    return 2 * np.asarray(x)\n"


def _check(folder: Path) -> tuple[int, str]:
    """``grade check --format json`` in a new process: a reference changed on disk is imported
    afresh, as it is for a user."""
    done = subprocess.run([sys.executable, "-c", "import sys; from grader.grading import answer_cache; "
                           f"answer_cache.cache_root = lambda: __import__('pathlib').Path({str(answer_cache.cache_root())!r}); "
                           "from grader.cli import main; main(sys.argv[1:])", "check", str(folder), "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT)
    return done.returncode, done.stdout + done.stderr


def _comparable(result) -> list[tuple]:
    """What a student sees of each test, less the timings of a performance test's message."""
    return [(t.name, t.status, t.score, t.mistake, t.hint, t.message if t.kind != "performance" else "")
            for t in result.tests]


# --------------------------------------------------------------------------- same verdicts

CASES = [
    ("02_activations", "correct.py"), ("02_activations", "mistakes/softmax__no_max_shift.py"),
    ("02_activations", "mistakes/relu_backward__derivative_at_zero_is_1.py"),
    ("03_losses", "correct.py"), ("03_losses", "mistakes/binary_cross_entropy_grad__not_divided_by_n.py"), ("07_optimizers", "mistakes/adagrad__eps_inside_sqrt.py"),
    ("04_backprop", "correct"), ("06_pooling", "correct.py"), ("07_optimizers", "correct.py"),
]


@pytest.mark.parametrize("assignment, submission", CASES, ids=lambda v: v)
def test_stored_answers_grade_the_public_tests_like_the_references(assignment, submission, cache):
    spec = load_spec(ROOT / "assignments" / assignment)
    path = ROOT / "tests" / "data" / "submissions" / assignment / submission
    if not path.exists():
        pytest.fail(f"missing sample submission {path}")
    public = spec.select(None, include_hidden=False)
    live = grade(spec, read_submission(spec, path))
    recorded, again = answer_cache.answers(spec, public), answer_cache.answers(spec, public)
    assert isinstance(recorded, answer_cache.CachedAnswers) and isinstance(again, answer_cache.CachedAnswers)
    first = grade(spec, read_submission(spec, path), references=recorded)
    stored = grade(spec, read_submission(spec, path), references=again)
    assert _comparable(first) == _comparable(stored) == _comparable(live)
    assert len(list(cache.iterdir())) >= 1


def test_a_wrong_earlier_module_is_replaced_from_stored_answers_too(cache, tmp_path):
    """04 grades the student's own activations.py on 02's public tests: from 02's stored answers."""
    spec = load_spec(ROOT / "assignments" / "04_backprop")
    work = tmp_path / "work"
    work.mkdir()
    for f in (ROOT / "tests" / "data" / "submissions" / "04_backprop" / "correct").iterdir():
        if f.suffix == ".py":
            (work / f.name).write_text(f.read_text())
    relu = ROOT / "tests" / "data" / "submissions" / "02_activations" / "mistakes" / "relu__input_modified.py"
    (work / "activations.py").write_text(relu.read_text())
    live = grade(spec, read_submission(spec, work))
    answers = answer_cache.answers(spec, spec.select(None, include_hidden=False))
    assert isinstance(answers, answer_cache.CachedAnswers)
    stored = grade(spec, read_submission(spec, work), references=answers)
    assert _comparable(stored) == _comparable(live)
    assert stored.notes == live.notes and any("02_activations" in note for note in stored.notes)
    assert {p.name.split("-")[0] for p in cache.iterdir()} >= {"02_activations", "04_backprop"}


def test_a_speed_verdict_from_stored_answers_says_where_the_reference_time_comes_from(cache, tmp_path):
    """In the repository there is no bundle: the clock names the answers recorded on this machine."""
    spec_extra = ("  - {name: double_speed, kind: performance, function: double, reference: ops.double, "
                  "inputs: {x: {generate: uniform, shape: [1000]}}, timing: {max_ratio: 1000, samples: 5, calls: 2}, points: 1}")
    spec = load_spec(_assignment(tmp_path / "tiny", DOUBLE, spec_extra))
    stored = answer_cache.answers(spec, spec.select(None, include_hidden=False))
    assert isinstance(stored, answer_cache.CachedAnswers)
    [speed] = grade(spec, read_submission(spec), tests=["double_speed"], references=stored).tests
    assert speed.status == "passed", speed.message
    assert "bundle" not in speed.details["clock"]
    assert "recorded on this machine" in speed.details["clock"]


# --------------------------------------------------------------------------- when it applies

def test_only_public_tests_on_the_cpu_use_stored_answers(monkeypatch):
    spec = load_spec(ROOT / "assignments" / "02_activations")
    public, everything = spec.select(None, False), spec.select(None, True)
    monkeypatch.setenv("DLGRADE_DEVICE", "auto")
    assert answer_cache.applies(spec, public)
    assert not answer_cache.applies(spec, everything)           # hidden inputs differ per student
    monkeypatch.setenv("DLGRADE_DEVICE", "cuda")
    assert not answer_cache.applies(spec, public)               # the answers were computed on the CPU
    monkeypatch.setenv("DLGRADE_DEVICE", "auto")
    monkeypatch.setenv("DLGRADE_ANSWER_CACHE", "0")
    assert not answer_cache.applies(spec, public)


def test_batch_graders_never_use_stored_answers():
    spec = load_spec(ROOT / "assignments" / "02_activations")
    assert not isinstance(Grader(spec).references, answer_cache.CachedAnswers)


# --------------------------------------------------------------------------- keys and recording

def test_a_changed_reference_is_recorded_again(cache, tmp_path):
    folder = _assignment(tmp_path / "tiny", DOUBLE)
    assert _check(folder)[0] == 0
    [first] = cache.iterdir()
    reference = folder / "refs" / "ops.py"
    before = reference.stat().st_mtime
    reference.write_text(DOUBLE.replace("2 * ", "3 * "))
    # Dated 2 s later, as an edit by hand is: Python's bytecode cache (and Numba's) tell a changed
    # source by its size and its mtime in whole seconds, and this edit keeps the size, so within
    # the same second the next run would import the old bytecode.
    os.utime(reference, (before + 2, before + 2))
    code, output = _check(folder)
    assert code == 1 and '"status": "failed"' in output          # the new reference's answers
    [second] = cache.iterdir()                                   # the stale answers are gone
    assert second != first


def test_the_students_file_is_not_part_of_the_key(cache, tmp_path):
    folder = _assignment(tmp_path / "tiny", DOUBLE)
    spec = load_spec(folder)
    before = answer_cache.key(spec)
    (folder / "ops.py").write_text("def double(x):\n    return x + x  # edited\n")
    assert answer_cache.key(load_spec(folder)) == before
    (folder / "assignment.yaml").write_text((folder / "assignment.yaml").read_text() + "\n# a comment\n")
    assert answer_cache.key(load_spec(folder)) != before


def test_stored_answers_need_no_numba(cache, tmp_path):
    """After one check has recorded, the next one answers without importing the references."""
    folder = _assignment(tmp_path / "tiny", "import numba\n" + DOUBLE)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg"), "NUMBA_CACHE_DIR": str(tmp_path / "numba"),
           "DLGRADE_DEVICE": "auto"}
    env.pop("DLGRADE_ANSWER_CACHE", None)
    first = subprocess.run([sys.executable, "-m", "grader.cli", "check", str(folder)], env=env,
                           capture_output=True, text=True, cwd=ROOT)
    assert first.returncode == 0, first.stderr
    again = subprocess.run([sys.executable, "-c", NO_NUMBA, "check", str(folder)], env=env,
                           capture_output=True, text=True, cwd=ROOT)
    assert again.returncode == 0, again.stderr
    assert "1/1" in again.stdout
    blocked = subprocess.run([sys.executable, "-c", NO_NUMBA, "check", str(folder)],
                             env={**env, "DLGRADE_ANSWER_CACHE": "0"}, capture_output=True, text=True, cwd=ROOT)
    assert blocked.returncode != 0                               # without the cache it does need them


@pytest.mark.parametrize("assignment", ["03_losses", "04_backprop"])
def test_property_checks_from_stored_answers_need_no_numba_either(assignment, tmp_path):
    """Property checks are plain NumPy and their reference work (prepare) is a stored answer, so
    a check of an assignment with public property tests runs with Numba unimportable too."""
    from grader.grading.references import _use_private_numba_cache

    _use_private_numba_cache()                  # the compiled references are reused, not rebuilt
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg"), "DLGRADE_DEVICE": "auto"}
    env.pop("DLGRADE_ANSWER_CACHE", None)
    solution = ROOT / "tests" / "data" / "submissions" / assignment / "correct"
    solution = solution if solution.is_dir() else solution.with_suffix(".py")
    check = ["check", str(ROOT / "assignments" / assignment), "-s", str(solution)]
    first = subprocess.run([sys.executable, "-m", "grader.cli", *check], env=env, capture_output=True,
                           text=True, cwd=ROOT)
    assert first.returncode == 0, first.stdout[-2000:] + first.stderr
    again = subprocess.run([sys.executable, "-c", NO_NUMBA, *check], env=env, capture_output=True,
                           text=True, cwd=ROOT)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr
    assert again.stdout.splitlines()[-1] == first.stdout.splitlines()[-1]        # the same score line
    assert "PASS" in again.stdout and "property" not in again.stderr


def test_damaged_answers_are_recorded_again(cache, tmp_path):
    folder = _assignment(tmp_path / "tiny", DOUBLE)
    assert _check(folder)[0] == 0
    [stored] = cache.iterdir()
    (stored / "fixtures.npz").write_bytes(b"not a zip")
    assert _check(folder)[0] == 0                                # graded by the references meanwhile
    assert _check(folder)[0] == 0
    assert (next(cache.iterdir()) / "fixtures.npz").read_bytes()[:2] == b"PK"


def test_answers_that_cannot_be_stored_leave_the_check_to_the_references(cache, tmp_path):
    """A reference whose output a bundle cannot hold (an object) is marked, not retried, and the
    check still grades."""
    folder = _assignment(tmp_path / "tiny", "def double(x):\n    return {1, 2}\n")
    (folder / "ops.py").write_text("def double(x):\n    return {1, 2}\n")
    code, output = _check(folder)
    [stored] = cache.iterdir()
    assert (stored / answer_cache.UNUSABLE).is_file() and not (stored / "fixtures.npz").exists()
    assert '"status"' in output and code in (0, 1)
    assert answer_cache.answers(load_spec(folder), load_spec(folder).tests) is None
