"""Render a :class:`~grader.model.results.Result` for people (terminal text, Markdown, HTML) and for
scripts (JSON).

Markdown and HTML have a *student view*: what a student may see of a result that includes hidden
tests. A hidden test then shows only its name, pass or fail and its points: never its message,
inputs or hint, which would give its inputs away. The student's printed output is left out too,
since it may echo a hidden test's inputs.

Every renderer starts from :meth:`Result.escaped`, so student text is shown, never acted on (see
:mod:`grader.model.text`): terminal text, JSON and HTML carry no control character, bidi override or lone
surrogate; Markdown puts messages and printed output in code blocks that nothing inside can close.
"""
from __future__ import annotations

import html
import json
import re
import textwrap
from dataclasses import dataclass

import click

from ..grading.compare import fmt
from ..model.results import Result, TestResult
from ..model.text import markdown_code_block, markdown_code_span, markdown_text

_STATUS_STYLE = {
    "passed": ("PASS", "green"),
    "failed": ("FAIL", "red"),
    "error": ("ERROR", "red"),
    "timeout": ("TIMEOUT", "magenta"),
    "crashed": ("CRASH", "magenta"),
}


def render_text(result: Result, color: bool, verbose: bool = False) -> str:
    """Per test a status line with points, then its message and hint indented; the score last.
    The sandbox line names the tier; ``verbose`` adds what it consists of (``result.isolation``)."""
    def style(text: str, **kw) -> str:
        return click.style(text, **kw) if color else text

    result = result.escaped()
    width = max((len(t.name) for t in result.tests), default=10)
    sandbox = result.isolation if verbose else isolation_tier(result.isolation)
    lines = [style(f"{result.assignment}: {result.title}", bold=True), f"submission: {result.submission}",
             f"sandbox: {sandbox}" + (f"; references on {result.device}" if result.device != "cpu" else ""), ""]
    for note in result.notes:
        lines.extend(textwrap.wrap("Note: " + note, width=100, subsequent_indent="      "))
    lines += [""] if result.notes else []
    for t in result.tests:
        label, colour = _STATUS_STYLE[t.status]
        lines.append(f"  {style(f'{label:<7}', fg=colour, bold=True)} {t.name:<{width}}  "
                     f"{fmt(t.score)}/{fmt(t.max_score)}{_labels(t)}")
        body = t.message if t.status != "passed" or t.kind == "performance" else ""
        for para in body.splitlines():
            lines.extend(textwrap.wrap(para, width=100, initial_indent=" " * 10, subsequent_indent=" " * 12,
                                       break_on_hyphens=False) or [""])
        if t.hint:
            lines.extend(textwrap.wrap("Hint: " + t.hint, width=100, initial_indent=" " * 10,
                                       subsequent_indent=" " * 16))
    lines += ["", style(_score_line(result, gap="  "), bold=True, fg="green" if result.all_passed else None)]
    if result.output.strip():
        lines += ["", "Your code printed (first lines):"]
        lines += ["  | " + ln for ln in result.output.strip().splitlines()[:20]]
    return "\n".join(lines)


def _labels(test: TestResult) -> str:
    """What a points column says beside the points: `` (hidden)``, `` (bonus)``, both or nothing."""
    return (" (hidden)" if test.visibility == "hidden" else "") + (" (bonus)" if test.bonus else "")


def isolation_tier(isolation: str) -> str:
    """The tier's name at the start of a result's ``isolation`` text ("strong: no network..." ->
    "strong"; see :mod:`grader.sandbox.isolation`, whose descriptions start with it)."""
    return re.split(r": | \(", isolation, maxsplit=1)[0].strip()


def render_json(result: Result, indent: int | None = 2) -> str:
    """The result as one strict JSON document (``Result.to_dict``: escaped text, finite numbers).
    ``indent=None`` writes it on one line, several times faster: only then does :mod:`json` use
    its C encoder, which matters to a batch that renders every row."""
    return json.dumps(result.to_dict(), indent=indent, allow_nan=False, default=_json_default)


def _json_default(value):
    if hasattr(value, "item"):          # numpy scalars in details
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


@dataclass(frozen=True)
class _Row:
    """One test as the Markdown and HTML views show it; ``message`` and ``hint`` may be empty."""

    name: str
    label: str
    points: str
    passed: bool
    labels: str                     # " (hidden)", " (bonus)": shown after the name
    message: str
    hint: str


def _rows(result: Result, student_view: bool) -> list[_Row]:
    rows = []
    for t in result.tests:
        hidden = t.visibility == "hidden"
        passed = t.status == "passed"
        if hidden and student_view:      # name, pass/fail and points only
            label, message, hint = ("PASS" if passed else "FAIL"), "", ""
        else:
            label = _STATUS_STYLE[t.status][0]
            message = t.message if not passed or t.kind == "performance" else ""
            hint = t.hint or ""
            if t.mistake and not student_view:
                hint = f"{hint} [mistake: {t.mistake}]".strip()
        rows.append(_Row(t.name, label, f"{fmt(t.score)}/{fmt(t.max_score)}", passed, _labels(t), message, hint))
    return rows


def _printed(result: Result, student_view: bool) -> str:
    """The student's printed output, where this view may show it (first 20 lines)."""
    if student_view and any(t.visibility == "hidden" for t in result.tests):
        return ""
    return "\n".join(result.output.strip().splitlines()[:20])


def _score_line(result: Result, gap: str = " ") -> str:
    """``Score: 40/38 (20 of 22 tests passed; 2 bonus points)``: bonus points are in the score,
    not in the maximum."""
    passed = sum(t.status == "passed" for t in result.tests)
    bonus = f"; {fmt(result.bonus_score)} bonus points" if any(t.bonus for t in result.tests) else ""
    return f"Score: {fmt(result.score)}/{fmt(result.max_score)}{gap}({passed} of {len(result.tests)} tests passed{bonus})"


def render_markdown(result: Result, student_view: bool) -> str:
    """A Markdown report: the score, a table of tests, then what went wrong in each failed test.

    Messages (which may hold the student's own exception text) go in code blocks, so nothing in
    them is read as Markdown or HTML.
    """
    result = result.escaped()
    rows = _rows(result, student_view)
    lines = [f"# {markdown_text(result.assignment)}: {markdown_text(result.title)}", "",
             f"Submission: {markdown_code_span(result.submission)}", "", f"**{_score_line(result)}**", "",
             "| Test | Status | Points |", "| --- | --- | ---: |"]
    for row in rows:
        lines.append(f"| {markdown_text(row.name)}{row.labels} | {row.label} | {row.points} |")
    details = [row for row in rows if row.message or row.hint]
    if details:
        lines += ["", "## Details"]
    for row in details:
        lines += ["", f"### {markdown_text(row.name)}: {row.label}"]
        if row.message:
            lines += ["", markdown_code_block(row.message)]
        if row.hint:
            lines += ["", f"**Hint:** {markdown_text(row.hint)}"]
    printed = _printed(result, student_view)
    if printed:
        lines += ["", "## Your code printed (first lines)", "", markdown_code_block(printed)]
    return "\n".join(lines) + "\n"


_HTML_STYLE = """
.dlgrade{font-family:system-ui,sans-serif;font-size:14px;color:#222}
.dlgrade table{border-collapse:collapse;margin:.5em 0}
.dlgrade th,.dlgrade td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
.dlgrade th{background:#f3f3f3}
.dlgrade td.points{text-align:right;white-space:nowrap}
.dlgrade .status{font-weight:bold;white-space:nowrap}
.dlgrade .ok{color:#1a7f37}.dlgrade .bad{color:#c62828}
.dlgrade pre{white-space:pre-wrap;margin:0;font-size:12px}
""".strip()


def render_html(result: Result, student_view: bool) -> str:
    """A self-contained HTML fragment (its own scoped ``<style>``): the score and a table with, per
    test, its name, status, points, message and hint. Everything from the result is escaped."""
    e = html.escape
    result = result.escaped()
    body = []
    for row in _rows(result, student_view):
        labels = f" <small>{e(row.labels.strip())}</small>" if row.labels else ""
        body.append(
            f'<tr class="{"passed" if row.passed else "not-passed"}"><td>{e(row.name)}{labels}</td>'
            f'<td class="status {"ok" if row.passed else "bad"}">{e(row.label)}</td>'
            f'<td class="points">{e(row.points)}</td>'
            f'<td class="message">{f"<pre>{e(row.message)}</pre>" if row.message else ""}</td>'
            f'<td class="hint">{e(row.hint)}</td></tr>')
    printed = _printed(result, student_view)
    printed_html = (f"<p>Your code printed (first lines):</p><pre>{e(printed)}</pre>" if printed else "")
    return (f'<div class="dlgrade"><style>{_HTML_STYLE}</style>'
            f"<h3>{e(result.assignment)}: {e(result.title)}</h3>"
            f"<p>Submission: <code>{e(result.submission)}</code></p>"
            f"<p><strong>{e(_score_line(result))}</strong></p>"
            "<table><thead><tr><th>Test</th><th>Status</th><th>Points</th><th>Message</th><th>Hint</th></tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>{printed_html}</div>")
