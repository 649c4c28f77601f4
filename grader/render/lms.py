"""One result, rendered for the pipelines that run the grader: Gradescope, PrairieLearn, JUnit.

Each renderer takes a :class:`~grader.model.results.Result` (the same one ``grade check`` prints) and
returns that platform's own format; nothing here grades. What a student may see follows the
same rule everywhere: a hidden test shows its name, pass or fail, its points and the mistake hint,
never its message, which names its inputs.

* Gradescope: ``results.json`` as its autograder specification defines it (``tests[]`` with
  ``score``, ``max_score``, ``status``, ``visibility``...; ``leaderboard`` for performance tests
  that ask for one). Schema: ``schemas/gradescope-results.schema.json``.
* PrairieLearn external grader: ``score`` in 0..1, ``tests[]`` with ``points``/``max_points``.
* JUnit XML for CI runners (GitHub Classroom, GitLab): one ``testcase`` per test, points as
  properties.

Student text is data here too: each renderer starts from :meth:`Result.escaped` (no control
character, bidi override or lone surrogate, so the JSON is strict UTF-8 and the XML is XML 1.0),
and Gradescope's Markdown shows a message in a code block that nothing inside it can close.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any, Literal

from ..model.results import Result, TestResult
from ..model.text import escape, markdown_code_block, markdown_text

HiddenVisibility = Literal["hidden", "after_due_date", "after_published"]

#: What a hidden test's status says to a student, in words (its message names its inputs).
_HIDDEN_VERDICT = {
    "passed": "Passed.",
    "failed": "Not passed.",
    "error": "Not passed: your code raised an error.",
    "timeout": "Not passed: your code ran out of time.",
    "crashed": "Not passed: your code crashed the worker.",
}


def _student_view(test: TestResult) -> tuple[str, str]:
    """(message, hint) a student may read: all of it for public tests; for hidden ones the
    verdict and the hint only."""
    if test.visibility == "hidden":
        return _HIDDEN_VERDICT.get(test.status, "Not passed."), test.hint or ""
    if test.status == "passed" and test.kind != "performance":
        return "Passed.", ""
    return test.message or test.status, test.hint or ""


def _markdown(test: TestResult) -> str:
    """A test's output for Gradescope: the message in a code block, the hint (the course's own
    Markdown, from the mistake catalogue) after it."""
    message, hint = _student_view(test)
    body = message if test.visibility == "hidden" or message == "Passed." else markdown_code_block(message)
    return body + (f"\n\n**Hint:** {escape(hint, multiline=False)}" if hint else "")


def _plain(test: TestResult) -> str:
    message, hint = _student_view(test)
    return message + (f"\nHint: {hint}" if hint else "")


def _shown_name(test: TestResult) -> str:
    """A test's name as an LMS lists it: a bonus test says so, since its points are extra."""
    return f"{test.name} (bonus)" if test.bonus else test.name


def gradescope_results(result: Result, *, hidden_visibility: HiddenVisibility = "after_published",
                       leaderboard: tuple[str, ...] = ()) -> dict[str, Any]:
    """Gradescope's ``results.json`` for ``result``.

    ``hidden_visibility`` is when students see hidden tests; ``leaderboard`` names performance
    tests whose time ratio to the reference goes on the leaderboard (lower is better). ``score``
    includes bonus tests' points, so it may exceed the other tests' maxima (Gradescope accepts it).
    """
    result = result.escaped()
    tests = []
    for number, t in enumerate(result.tests, start=1):
        tests.append({
            "name": _shown_name(t), "number": str(number), "score": t.score, "max_score": t.max_score,
            "status": "passed" if t.status == "passed" else "failed",
            "output": _markdown(t), "output_format": "md",
            "visibility": "visible" if t.visibility == "public" else hidden_visibility,
            "tags": [t.function, t.kind, *(["bonus"] if t.bonus else [])],
        })
    notes = "".join(f"**Note:** {markdown_text(note)}\n\n" for note in result.notes)
    passed = sum(t.status == "passed" for t in result.tests)
    out: dict[str, Any] = {
        "score": result.score,
        "execution_time": round(result.duration_seconds, 3),
        "output": f"{notes}{passed} of {len(result.tests)} tests passed. Graded with isolation: {result.isolation}.",
        "output_format": "md",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {"assignment": result.assignment, "isolation": result.isolation},
    }
    board = [{"name": t.name, "value": round(t.details["ratio"], 3), "order": "asc"}
             for t in result.tests if t.name in leaderboard and isinstance(t.details.get("ratio"), (int, float))]
    if board:
        out["leaderboard"] = board
    return out


def gradescope_failure(reason: str, isolation: str = "") -> dict[str, Any]:
    """A valid ``results.json`` for a submission that could not be graded at all: score 0 and why."""
    return {"score": 0.0, "execution_time": 0.0, "output_format": "md", "stdout_visibility": "hidden",
            "output": f"Your submission could not be graded: {markdown_text(reason)}", "tests": [],
            "extra_data": {"error": escape(reason, multiline=False), "isolation": escape(isolation, multiline=False)}}


def prairielearn_results(result: Result) -> dict[str, Any]:
    """PrairieLearn's external-grader ``results.json``: ``score`` is the fraction of the maximum, at
    most 1 (PrairieLearn's range: bonus points make up for missed ones, and show in ``tests[]``)."""
    result = result.escaped()
    total = result.max_score
    return {
        "gradable": True,
        "score": min(1.0, result.score / total) if total else 0.0,
        "message": " ".join(result.notes),
        "output": result.output,
        "tests": [{"name": _shown_name(t), "description": t.function, "points": t.score, "max_points": t.max_score,
                   "message": _plain(t), "output": ""} for t in result.tests],
        "extra_data": {"assignment": result.assignment, "isolation": result.isolation},
    }


def prairielearn_failure(reason: str) -> dict[str, Any]:
    """PrairieLearn's form for a submission that cannot be graded (shown to the student)."""
    return {"gradable": False, "score": 0.0,
            "message": f"Your submission could not be graded: {escape(reason, multiline=False)}",
            "output": "", "tests": []}


def junit_xml(result: Result) -> str:
    """JUnit XML: one testsuite, one testcase per test (points in properties)."""
    result = result.escaped()
    failures = sum(t.status == "failed" for t in result.tests)
    errors = sum(t.status in ("error", "timeout", "crashed") for t in result.tests)
    suite = ET.Element("testsuite", name=result.assignment, tests=str(len(result.tests)),
                       failures=str(failures), errors=str(errors), skipped="0",
                       time=f"{result.duration_seconds:.3f}")
    props = ET.SubElement(suite, "properties")
    for name, value in (("score", result.score), ("max_score", result.max_score), ("isolation", result.isolation)):
        ET.SubElement(props, "property", name=name, value=str(value))
    for t in result.tests:
        case = ET.SubElement(suite, "testcase", classname=f"{result.assignment}.{t.function}", name=t.name,
                             time=f"{t.details.get('call_seconds') or 0.0:.3f}")
        case_props = ET.SubElement(case, "properties")
        for name, value in (("points", t.score), ("max_points", t.max_score), ("visibility", t.visibility),
                            *([("bonus", "true")] if t.bonus else [])):
            ET.SubElement(case_props, "property", name=name, value=str(value))
        if t.status != "passed":
            tag = "failure" if t.status == "failed" else "error"
            text = _plain(t)
            node = ET.SubElement(case, tag, type=t.mistake or t.status, message=text.splitlines()[0][:200])
            node.text = text
    ET.indent(suite)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"
