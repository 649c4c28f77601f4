"""Student text is data in every renderer (issue 15, findings 8, 10, 11): Hypothesis puts hostile
strings (see ``hostile_text.py``) in every text field of a result and of a batch row, and each
renderer must neither crash nor pass on what it was given: its output parses in its own format,
no control character, bidi override or lone surrogate survives, HTML has no tag but its own, and a
Markdown code block cannot be closed by its content.
"""
from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import mistune
from click.testing import CliRunner
from hostile_text import FUZZ, assert_inert, hostile, results, strings_in
from hypothesis import given
from hypothesis import strategies as st

from grader.cli import main
from grader.course.batch import Progress
from grader.course.results_log import ResultsLog
from grader.render import lms
from grader.render.export import export
from grader.render.feedback import feedback_html, feedback_markdown, gradebook
from grader.render.reports import render_html, render_json, render_markdown, render_text

# The tags the HTML renderers write themselves; any other "<" came from the content.
OWN_TAGS = re.compile(r"<(/?)(div|style|h3|p|code|strong|table|thead|tbody|tr|th|td|pre|small|!DOCTYPE|html|"
                      r"head|meta|title|body)\b")


def assert_html_tags_are_ours(page: str) -> None:
    for match in re.finditer("<", page):
        assert OWN_TAGS.match(page, match.start()), page[match.start():match.start() + 40]


def assert_markdown_holds(markdown: str, blocks: int | None = None, course_markdown: bool = False) -> None:
    """Rendered (mistune, CommonMark), ``markdown`` has no raw HTML, link or image and one top
    heading at most outside its code blocks, and ``blocks`` code blocks when given. With
    ``course_markdown`` (a Gradescope hint: the course's own Markdown from the mistake catalogue,
    not student text) only the code blocks are checked."""
    rendered = mistune.html(markdown)
    outside = re.sub(r"<pre><code>.*?</code></pre>", "", rendered, flags=re.S)
    if not course_markdown:
        for tag in ("<a ", "<img", "<script"):
            assert tag not in outside, outside[:500]
        assert outside.count("<h1") <= 1, outside[:500]
    if blocks is not None:
        assert rendered.count("<pre><code>") == blocks, rendered[:500]


@FUZZ
@given(results)
def test_terminal_text_is_inert(result):
    text = render_text(result, color=False)
    assert_inert(text, "text")
    assert sum(line.startswith("Score:") for line in text.splitlines()) == 1     # ours, and no fake one
    coloured = render_text(result, color=True)
    assert_inert(re.sub(r"\x1b\[[0-9;]*m", "", coloured), "coloured text")     # only our own colours


@FUZZ
@given(results)
def test_json_is_strict_and_its_strings_inert(result):
    document = json.loads(render_json(result))
    for value in strings_in(document):
        assert_inert(value, "json")
    assert document["tests"][0]["details"]["max_abs_error"] is None          # inf: null, not a crash


@FUZZ
@given(results, st.booleans())
def test_markdown_and_html_reports_hold(result, student_view):
    markdown = render_markdown(result, student_view=student_view)
    assert_inert(markdown, "markdown")
    assert_markdown_holds(markdown)
    page = render_html(result, student_view=student_view)
    assert_inert(page, "html")
    assert_html_tags_are_ours(page)


@FUZZ
@given(results)
def test_gradescope_output_keeps_each_message_in_one_code_block(result):
    document = json.loads(json.dumps(lms.gradescope_results(result), allow_nan=False))
    for value in strings_in(document):
        assert_inert(value, "gradescope")
    for verdict, test in zip(result.tests, document["tests"]):
        shown = verdict.visibility != "hidden" and verdict.status != "passed"
        assert_markdown_holds(test["output"], blocks=1 if shown else 0, course_markdown=verdict.hint is not None)
    failure = lms.gradescope_failure(result.submission, result.isolation)
    assert_markdown_holds(failure["output"], blocks=0)
    assert_inert(json.dumps(failure, ensure_ascii=False), "gradescope failure")


@FUZZ
@given(results)
def test_prairielearn_and_junit_parse(result):
    for document in (lms.prairielearn_results(result), lms.prairielearn_failure(result.submission)):
        for value in strings_in(json.loads(json.dumps(document, allow_nan=False))):
            assert_inert(value, "prairielearn")
    xml = lms.junit_xml(result)
    assert_inert(xml, "junit")
    suite = ET.fromstring(xml.encode("utf-8"))                              # XML 1.0, well-formed
    assert len(suite.findall("testcase")) == len(result.tests)


def _row(result, student: str, reason: str, status: str) -> dict:
    """A results.jsonl row as grade batch writes it, with hostile identity and reason."""
    row = json.loads(render_json(result))
    if status != "graded":
        row["tests"] = []
    return {**row, "student": student, "name": reason[:50], "members": [], "source": student + ".py",
            "checksum": "x", "status": status, "reason": reason}


@FUZZ
@given(results, hostile, hostile, st.sampled_from(["graded", "unreadable", "grader-error"]))
def test_batch_log_gradebook_and_feedback_hold(tmp_path_factory, result, student, reason, status):
    row = _row(result, student, reason, status)
    log = ResultsLog(tmp_path_factory.mktemp("log") / "results.jsonl")
    log.append(row)
    log.append({**row, "student": student + "2"})
    rows, damaged = log.load()
    assert damaged == 0 and len(rows) == 2
    for value in strings_in(list(rows.values())):
        assert_inert(value, "results.jsonl")
    kept = list(rows.values())
    table = list(csv.reader(io.StringIO(gradebook(kept, [t["name"] for t in kept[0]["tests"]]))))
    assert len(table) == 1 + len(kept)
    for line in table[1:]:
        assert not line[0].startswith(("=", "+", "-", "@", "\r")) and "\n" not in line[0]
        assert_inert(",".join(line), "grades.csv")
    markdown, page = feedback_markdown(kept[0]), feedback_html(kept[0])
    assert_inert(markdown, "feedback.md")
    assert_markdown_holds(markdown)
    assert_inert(page, "feedback.html")
    assert_html_tags_are_ours(page)
    stream = io.StringIO()
    progress = Progress(2, stream=stream, bar=False)
    progress.update(student, {**row, "score": 0.0, "max_score": 1.0})
    assert_inert(stream.getvalue(), "batch log")
    assert stream.getvalue().count("\n") == 1


ROSTER = "Student,ID,SIS User ID,SIS Login ID,Section\n\"Doe, Jane\",1001,S-1001,jdoe,A\n"


@FUZZ
@given(st.lists(st.tuples(hostile, hostile, hostile), min_size=1, max_size=3))
def test_grade_export_writes_a_csv_and_an_inert_report(tmp_path_factory, people):
    out = tmp_path_factory.mktemp("batch")
    lines = [json.dumps({"student": student or "s", "name": name, "title": title, "assignment": "a",
                         "score": 1.0, "max_score": 2.0, "status": "graded"}) for student, name, title in people]
    (out / "results.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    roster = Path(out / "roster.csv")
    roster.write_text(ROSTER, encoding="utf-8")
    done = export(out, "canvas", roster, scale=None)
    table = list(csv.reader(io.StringIO(done.text)))
    assert len(table) == 3 and len({len(line) for line in table}) == 1
    for line in table:
        assert_inert(",".join(line), "export")
        assert not any(cell.startswith(("=", "+", "-", "@", "\r")) for cell in line)
    run = CliRunner().invoke(main, ["export", str(out), "--to", "canvas", "--roster", str(roster)])
    assert run.exit_code == (0 if done.matched else 1), run.output     # 1: no one matched, one line says so
    assert_inert(run.output, "grade export")
