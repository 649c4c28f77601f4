"""References without Numba (issue 18): a reference may be a plain NumPy function, and the grader
calls it as it calls an ``@njit`` one, for numeric, performance and property tests, for mistake
hints, from stored answers (``grade check``) and in a student bundle (``grade release``)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.grading.engine import Grader
from grader.model.spec import load_spec
from grader.submissions.intake import read_submission

REFERENCE = '''"""A plain NumPy reference: no Numba anywhere."""
import numpy as np

from grader.authoring import Mistake


def scale_rows(x, factor):
    """Each row of x (N, D) divided by its largest |value|, times factor."""
    return factor * x / np.abs(x).max(axis=1, keepdims=True)


MISTAKES = {"scale_rows": [Mistake("column_max", "Divide each row by its own largest |value| (axis=1).",
                                   lambda x, factor: factor * x / np.abs(x).max(axis=0, keepdims=True))]}
'''
CHECK = '''import numpy as np


def bounded(args, output, bound=1.0):
    ok = bool(np.all(np.abs(output) <= bound * abs(args["factor"]) + 1e-12))
    return ok, "every |value| is within factor" if ok else "a value is larger than factor"
'''
SPEC = """id: 99_plain
title: A plain NumPy reference
files: [rows.py]
references: refs
tests:
  - {name: scale_small, function: scale_rows, reference: plain.scale_rows, points: 2,
     inputs: {x: [[1.0, -4.0, 2.0], [3.0, 0.5, -1.0]], factor: 2.0}}
  - {name: scale_bounded, kind: property, function: scale_rows, property: checks.bounded, points: 1,
     inputs: {x: {generate: normal, shape: [5, 4]}, factor: 3.0}}
  - name: scale_speed
    kind: performance
    function: scale_rows
    reference: plain.scale_rows
    inputs: {x: {generate: uniform, low: -1.0, high: 1.0, shape: [1000, 100]}, factor: 1.5}
    timing: {max_ratio: 20, samples: 5, calls: 5}
    points: 1
  - {name: scale_hidden, visibility: hidden, function: scale_rows, reference: plain.scale_rows, points: 2,
     inputs: {x: {generate: normal, shape: [4, 6]}, factor: -1.0}}
"""
STUB = "def scale_rows(x, factor):\n    raise NotImplementedError\n"
CORRECT = "import numpy as np\n\n\ndef scale_rows(x, factor):\n    return factor * x / np.abs(x).max(axis=1, keepdims=True)\n"
MISTAKEN = "import numpy as np\n\n\ndef scale_rows(x, factor):\n    return factor * x / np.abs(x).max(axis=0, keepdims=True)\n"


@pytest.fixture
def assignment(tmp_path) -> Path:
    folder = tmp_path / "99_plain"
    (folder / "refs").mkdir(parents=True)
    (folder / "refs" / "__init__.py").write_text("")
    (folder / "refs" / "plain.py").write_text(REFERENCE)
    (folder / "refs" / "checks.py").write_text(CHECK)
    (folder / "assignment.yaml").write_text(SPEC)
    (folder / "rows.py").write_text(STUB)
    (tmp_path / "correct.py").write_text(CORRECT)
    (tmp_path / "mistaken.py").write_text(MISTAKEN)
    return folder


def test_a_plain_numpy_reference_grades_numeric_property_performance_and_hidden_tests(assignment):
    spec = load_spec(assignment)
    grader = Grader(spec)
    tests = spec.select(None, include_hidden=True)
    result = grader.grade(read_submission(spec, assignment.parent / "correct.py"), tests, reveal_hidden=True)
    assert {t.name: t.status for t in result.tests} == {t.name: "passed" for t in tests}
    assert result.score == result.max_score == 6
    [speed] = [t for t in result.tests if t.name == "scale_speed"]
    assert speed.details["ratio"] < 20

    wrong = grader.grade(read_submission(spec, assignment.parent / "mistaken.py"), tests, reveal_hidden=True)
    named = {t.name: t.mistake for t in wrong.tests if t.status == "failed"}
    assert named["scale_small"] == named["scale_hidden"] == "column_max"


def test_grade_check_and_release_of_a_plain_numpy_reference_never_import_numba(assignment, tmp_path):
    """The same grading from the CLI, with Numba made unimportable: the first check records the
    answers, the second answers from them, and the bundle records the reference's cost."""
    no_numba = "import sys; sys.modules['numba'] = None; from grader.cli import main; main(sys.argv[1:])"
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    for _ in range(2):          # untimed tests: the timing of a plain reference is the test above's
        done = subprocess.run([sys.executable, "-c", no_numba, "check", str(assignment), "-s",
                               str(assignment.parent / "correct.py"), "-t", "scale_small", "-t", "scale_bounded",
                               "--format", "json"],
                              capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        assert json.loads(done.stdout)["score"] == 3
    done = subprocess.run([sys.executable, "-c", no_numba, "release", str(assignment), "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    bundle = tmp_path / "out" / "99_plain"
    result = CliRunner().invoke(main, ["check", str(bundle), "-s", str(assignment.parent / "mistaken.py"),
                                       "--format", "json"])
    report = json.loads(result.stdout)
    assert [t["mistake"] for t in report["tests"] if t["name"] == "scale_small"] == ["column_max"]
