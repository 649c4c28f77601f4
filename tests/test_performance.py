"""Performance verdicts: measured by the parent, vectorised passes, a Python loop fails."""
import subprocess
import sys
from pathlib import Path

import pytest

from grader.engine import Grader
from grader.intake import read_submission
from grader.spec import load_spec

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = ROOT / "tests" / "submissions" / "01_perceptron"


@pytest.fixture(scope="module")
def grader():
    spec = load_spec(ROOT / "assignments" / "01_perceptron")
    return Grader(spec)


def speed_result(grader, path):
    tests = grader.spec.select(["predict_speed"])
    return grader.grade(read_submission(grader.spec, path), tests).tests[0]


def test_vectorised_predict_passes_with_figures_for_appeals(grader):
    result = speed_result(grader, SUBMISSIONS / "correct.py")
    assert result.status == "passed", result.message
    details = result.details
    assert details["clock"] == "worker CPU time (kernel)"
    assert 0 <= details["ratio"] <= 25
    assert len(details["raw_s"]["student"]) == details["samples"] >= 5
    assert details["reference_s_per_call"] > 0


def test_python_loop_over_rows_fails(grader):
    result = speed_result(grader, SUBMISSIONS / "speed" / "loop_predict.py")
    assert result.status == "failed"
    assert result.details["ratio"] > 25
    assert "Python loops" in result.message


def test_verdicts_hold_on_a_loaded_machine(grader):
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        fast = speed_result(grader, SUBMISSIONS / "correct.py")
        slow = speed_result(grader, SUBMISSIONS / "speed" / "loop_predict.py")
    finally:
        busy.kill()
        busy.wait()
    assert fast.status == "passed", fast.message
    assert slow.status == "failed", slow.message


def test_a_wrong_answer_is_not_timed(grader, tmp_path):
    wrong = tmp_path / "wrong.py"
    wrong.write_text((SUBMISSIONS / "correct.py").read_text().replace(">= 0, 1.0, -1.0", ">= 0, 1.0, 0.0"))
    result = speed_result(grader, wrong)
    assert result.status == "failed"
    assert result.message.startswith("Not timed")
    assert "ratio" not in result.details
