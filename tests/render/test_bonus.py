"""Bonus tests (``bonus: true`` in the spec) in every renderer: their points add to the score and
not to the maximum, a missed bonus does not fail the submission, and every view labels them."""
from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

from grader.model import results
from grader.render.feedback import gradebook
from grader.render.lms import gradescope_results, junit_xml, prairielearn_results
from grader.render.reports import render_html, render_json, render_markdown, render_text


def _test(name: str, status: str, points: float, bonus: bool = False) -> results.TestResult:
    return results.TestResult(name=name, function="f", kind="numeric", visibility="public", status=status,
                      score=points if status == "passed" else 0.0, max_score=points,
                      message="" if status == "passed" else "wrong", bonus=bonus)


def result_of(*tests: results.TestResult) -> results.Result:
    return results.Result(assignment="a", title="A", submission="s.py", tests=list(tests), isolation="basic")


EARNED = result_of(_test("core", "passed", 4), _test("extra", "passed", 2, bonus=True))
MISSED = result_of(_test("core", "passed", 4), _test("extra", "error", 2, bonus=True))


def test_bonus_points_add_to_the_score_not_to_the_maximum():
    assert (EARNED.score, EARNED.max_score, EARNED.bonus_score) == (6, 4, 2)
    assert (MISSED.score, MISSED.max_score) == (4, 4)
    assert EARNED.all_passed and MISSED.all_passed           # exit 0: every non-bonus test passed
    assert not result_of(_test("core", "failed", 4), _test("extra", "passed", 2, bonus=True)).all_passed


def test_text_markdown_and_html_label_bonus_tests():
    text = render_text(EARNED, color=False)
    assert "extra  2/2 (bonus)" in text and "core   4/4\n" in text + "\n"
    assert text.splitlines()[-1] == "Score: 6/4  (2 of 2 tests passed; 2 bonus points)"
    assert "| extra (bonus) | PASS | 2/2 |" in render_markdown(EARNED, student_view=False)
    assert "extra <small>(bonus)</small>" in render_html(EARNED, student_view=True)


def test_json_marks_bonus_tests_and_gives_the_maximum_without_them():
    data = json.loads(render_json(EARNED))
    assert (data["score"], data["max_score"]) == (6, 4)
    assert [t["bonus"] for t in data["tests"]] == [False, True]


def test_gradescope_score_may_exceed_the_maximum_and_bonus_tests_say_so():
    data = gradescope_results(EARNED)
    assert data["score"] == 6
    extra = data["tests"][1]
    assert extra["name"] == "extra (bonus)" and "bonus" in extra["tags"] and extra["score"] == 2
    assert "bonus" not in data["tests"][0]["tags"]


def test_prairielearn_and_junit_count_bonus_points_on_top():
    pl = prairielearn_results(EARNED)
    assert pl["score"] == 1.0 and pl["tests"][1]["name"] == "extra (bonus)" and pl["tests"][1]["points"] == 2
    assert prairielearn_results(result_of(_test("core", "failed", 4), _test("extra", "passed", 2, bonus=True)))["score"] == 0.5
    suite = ET.fromstring(junit_xml(MISSED).split("\n", 1)[1])
    props = {p.get("name"): p.get("value") for p in suite.find("properties")}
    assert float(props["max_score"]) == 4 and float(props["score"]) == 4
    extra = suite.findall("testcase")[1]
    assert {p.get("name"): p.get("value") for p in extra.find("properties")}["bonus"] == "true"


def test_the_gradebook_labels_bonus_columns_and_its_total_includes_them():
    row = {"student": "s1", "name": "", "status": "graded", **EARNED.to_dict()}
    table = list(csv.reader(io.StringIO(gradebook([row], ["core", "extra"]))))
    assert table[0] == ["student", "name", "total", "max", "status", "core", "extra (bonus)"]
    assert table[1][2:4] == ["6", "4"]
