"""report.html's "Submissions that need a look": every row that a person should open, and only those."""
from __future__ import annotations

from pathlib import Path

from grader.model.results import BatchSummary
from grader.model.spec import load_spec
from grader.render.feedback import class_report

ROOT = Path(__file__).resolve().parents[2]
SPEC = load_spec(ROOT / "assignments" / "01_perceptron")
NOT_IMPORTED = ("perceptron.py could not be imported: SyntaxError: expected ':' (perceptron.py, line 1)\n"
                "    at perceptron.py, line 1: def predict(w, b, x)")


def _row(student: str, status: str = "graded", reason: str = "", tests: list[tuple[str, str]] = (),
         message: str = "") -> dict:
    """A results.jsonl row with ``tests`` as (name, status) pairs, each with ``message``."""
    return {"student": student, "source": f"{student}.py", "status": status, "reason": reason,
            "score": 0.0, "max_score": 2.0 * len(tests), "grader_seconds": 0.1, "duration_seconds": 0.1,
            "tests": [{"name": name, "status": test_status, "message": message, "mistake": None, "hint": None}
                      for name, test_status in tests]}


def _needs_a_look(rows: list[dict]) -> str:
    page = class_report(SPEC, BatchSummary(total=len(rows), graded_now=len(rows), reused=0, rows=rows, skipped=[]),
                        ["predict_small", "predict_random"])
    return page.split("<h2>Submissions that need a look</h2>")[1].split("<h2>")[0]


def test_a_submission_that_could_not_be_imported_needs_a_look():
    """A syntax error is a graded row (0/29, every test an error): nothing in it was graded."""
    section = _needs_a_look([_row("syntax", tests=[("predict_small", "error"), ("predict_random", "error")],
                                  message=NOT_IMPORTED),
                             _row("fine", tests=[("predict_small", "passed"), ("predict_random", "failed")])])
    assert "<td>syntax</td>" in section
    assert "every test ended in an error: perceptron.py could not be imported: SyntaxError" in section
    assert "def predict(w, b, x)" not in section             # the first line of the message only
    assert "<td>fine</td>" not in section


def test_error_rows_need_a_look():
    section = _needs_a_look([_row("broken", "grader-error", "RuntimeError: the pool died"),
                             _row("garbage", "unreadable", "garbage.zip: not a valid zip archive")])
    assert "<td>broken</td>" in section and "RuntimeError: the pool died" in section
    assert "<td>garbage</td>" in section and "not a valid zip archive" in section


def test_a_function_that_raises_on_some_tests_is_ordinary_feedback():
    """A student's own exception in some tests is their bug, which the feedback explains: no look needed."""
    section = _needs_a_look([_row("raises", tests=[("predict_small", "error"), ("predict_random", "passed")],
                                  message="predict raised ZeroDivisionError")])
    assert "<td>raises</td>" not in section and "None: every submission" in section
