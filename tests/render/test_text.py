"""grader.model.text: the one escaping function for student text, its Markdown, HTML and CSV forms, and
the comparison's figures where a student's huge output overflows float64 (issue 15)."""
from __future__ import annotations

import csv
import io

import mistune
import numpy as np
from hostile_text import FUZZ, assert_inert, hostile, long_hostile
from hypothesis import given

from grader.grading.compare import compare, describe
from grader.model.text import (
    escape,
    html_text,
    markdown_code_block,
    markdown_code_span,
    markdown_text,
    spreadsheet_cell,
)
from grader.sandbox.codec import Other, Scalar


def test_escape_writes_what_acts_as_python_escapes_and_keeps_the_rest():
    assert escape("\x1b[2J\x07\r\x00\x9b") == "\\x1b[2J\\x07\\x0d\\x00\\x9b"
    assert escape("a\u202eb\u2066\u2028\u2029\ufffe") == "a\\u202eb\\u2066\\u2028\\u2029\\ufffe"
    assert escape("bad \ud800 \udfff") == "bad \\ud800 \\udfff"
    assert escape("line 1\n\tline 2") == "line 1\n\tline 2"                  # multi-line text keeps these
    assert escape("line 1\n\tline 2", multiline=False) == "line 1\\x0a\tline 2"
    assert escape("Grüße, 你好, émoji 🎉 and a \\ backslash") == "Grüße, 你好, émoji 🎉 and a \\ backslash"
    assert escape(42) == "42"


@FUZZ
@given(long_hostile, hostile)
def test_escape_is_total_inert_and_idempotent(text, line):
    for multiline in (True, False):
        once = escape(text, multiline)
        assert_inert(once)
        assert escape(once, multiline) == once
    assert "\n" not in escape(line, multiline=False)
    shown = escape(text)                         # only "\n" breaks a line now (not CR, VT, U+2028...)
    assert shown.splitlines() == shown.removesuffix("\n").split("\n") or not shown


@FUZZ
@given(long_hostile)
def test_a_code_block_cannot_be_closed_from_inside(text):
    rendered = mistune.html("Before\n\n" + markdown_code_block(text) + "\n\n# After\n")
    assert rendered.count("<pre><code>") == 1 and rendered.endswith("<h1>After</h1>\n"), rendered[-300:]
    assert rendered.count("<h1>") == 1


@FUZZ
@given(hostile)
def test_inline_markdown_html_and_csv_hold(text):
    for inline in (markdown_text(text), markdown_code_span(text)):
        assert_inert(inline)
        rendered = mistune.html(f"Submission: {inline}\n")
        assert rendered.startswith("<p>Submission:") and rendered.count("<p>") == 1, rendered
        assert "<a " not in rendered and "<img" not in rendered and "<script" not in rendered
    page = html_text(text)
    assert "<" not in page and ">" not in page and '"' not in page
    cell = spreadsheet_cell(text)
    assert not cell.startswith(("=", "+", "-", "@", "\r")) and "\n" not in cell
    buffer = io.StringIO()
    csv.writer(buffer).writerow([cell, "x"])
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == [cell, "x"]


def test_type_names_from_the_student_are_escaped_by_describe():
    evil = "\x1b[2J\x1b]0;pwned\x07\nScore: 29/29"
    assert describe(Other(evil)) == "a \\x1b[2J\\x1b]0;pwned\\x07\\x0aScore: 29/29"
    assert describe(Scalar(np.array(1.0), evil)) == "a number (\\x1b[2J\\x1b]0;pwned\\x07\\x0aScore: 29/29)"


def test_an_overflowing_error_is_a_figure_above_the_largest_float_not_a_crash():
    """1.7e308 against 0.7 has a relative error beyond float64: the output is wrong, and the
    message says so with finite text; 1e308 against -1e308 overflows the difference but not the
    relative error (2)."""
    verdict = compare((np.full(3, 1.7e308), 1.7e308), (np.array([0.7, 0.5, -1.0]), -0.8))
    assert not verdict.ok and verdict.max_abs == 1.7e308 and verdict.max_rel == float("inf")
    assert "max rel error above 1.79769e+308" in verdict.message and "inf" not in verdict.message
    opposite = compare(np.array([1e308, 2.0]), np.array([-1e308, 2.0]))
    assert opposite.max_abs == float("inf") and opposite.max_rel == 2.0
    assert "max abs error above 1.79769e+308, max rel error 2;" in opposite.message


def test_figures_are_the_largest_over_every_output_not_the_last_ones():
    verdict = compare((np.array([1.0, 2.0]), 3.0), (np.array([1.0, 2.5]), 3.0))
    assert verdict.max_abs == 0.5 and verdict.max_rel == 0.2
