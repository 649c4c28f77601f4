"""What a batch leaves in OUT besides ``results.jsonl``, all rebuilt from its rows.

* ``grades.csv``: the gradebook, one line per student (every member of a group), the total, the
  maximum, the row's status and one column per test. Text cells that a spreadsheet would run as a
  formula (starting with ``= + - @``, tab or CR) get a leading apostrophe (OWASP's advice).
* ``feedback/<student>.md`` and ``.html``: what the student may see (the *student view* of
  :mod:`grader.render.reports`: hidden tests show their name, pass or fail and points only).
* ``report.html``: the instructor's summary: counts, a score histogram and the pass rate per test
  (matplotlib, PNG inside the page), the most frequent mistakes, the slowest submissions, and the
  submissions and files that need a look.

Every file is written to a temporary name and renamed, so a reader never sees half a file.
Student text (ids from file names, reasons, messages) is escaped in every one of them
(:mod:`grader.model.text`): one line in CSV cells and tables, Markdown that cannot become a link or a
heading, HTML entities.
"""
from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
from collections import Counter
from dataclasses import fields
from pathlib import Path

from ..grading.compare import fmt
from ..model.results import BatchSummary, Result, TestResult
from ..model.spec import Spec
from ..model.text import html_text, markdown_code_span, markdown_text
from ..model.text import spreadsheet_cell as neutralise
from .files import atomic_write
from .reports import render_html, render_markdown

GRADES_FILE, REPORT_FILE, FEEDBACK_DIR = "grades.csv", "report.html", "feedback"
_TEST_FIELDS = {f.name for f in fields(TestResult)}


def feedback_name(student: str) -> str:
    """A file name for ``student``: safe characters only; a short hash keeps altered ids distinct."""
    safe = re.sub(r"[^A-Za-z0-9._@+-]", "_", student).lstrip(".")[:80]
    if safe != student or not safe:
        safe = f"{safe or 'student'}-{hashlib.sha256(student.encode('utf-8', 'surrogateescape')).hexdigest()[:8]}"
    return safe


def result_from_row(row: dict) -> Result:
    """The :class:`Result` inside a results.jsonl row (fields this version does not know are dropped)."""
    tests = [TestResult(**{k: v for k, v in t.items() if k in _TEST_FIELDS}) for t in row.get("tests", [])]
    return Result(assignment=row.get("assignment", ""), title=row.get("title", ""),
                  submission=row.get("submission", ""), tests=tests, isolation=row.get("isolation", ""),
                  output=row.get("output", ""), duration_seconds=row.get("duration_seconds", 0.0))


def _students(row: dict) -> list[str]:
    return [row["student"], *row.get("members", [])]


# --------------------------------------------------------------------------- gradebook

def gradebook(rows: list[dict], test_names: list[str]) -> str:
    """grades.csv as text: student, name, total, max, status, then the points of each test. The
    total includes bonus points (it may exceed max); a bonus test's column says ``(bonus)``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    bonus = {t["name"] for row in rows for t in row.get("tests", []) if t.get("bonus")}
    writer.writerow(["student", "name", "total", "max", "status",
                     *(f"{n} (bonus)" if n in bonus else n for n in test_names)])
    for row in rows:
        points = {t["name"]: fmt(t["score"]) for t in row.get("tests", [])}
        for student in _students(row):
            writer.writerow([neutralise(student), neutralise(row.get("name", "")), fmt(row["score"]),
                             fmt(row["max_score"]), neutralise(row["status"]),
                             *(points.get(n, "0") for n in test_names)])
    return buffer.getvalue()


# --------------------------------------------------------------------------- student feedback

def _not_graded_text(row: dict) -> str:
    if row["status"] == "unreadable":
        return f"Your submission could not be read: {row['reason']}"
    return "Your submission could not be graded because of a problem in the grader, not in your code. Your instructor will look into it."


def feedback_markdown(row: dict) -> str:
    if row["status"] == "graded":
        return render_markdown(result_from_row(row), student_view=True)
    return (f"# {markdown_text(row.get('assignment', ''))}: {markdown_text(row.get('title', ''))}\n\n"
            f"Submission: {markdown_code_span(row['source'])}\n\n"
            f"**Score: 0/{fmt(row['max_score'])}**\n\n{markdown_text(_not_graded_text(row))}\n")


def feedback_html(row: dict) -> str:
    """A complete page (the student view of :func:`grader.render.reports.render_html`)."""
    e = html_text
    if row["status"] == "graded":
        body = render_html(result_from_row(row), student_view=True)
    else:
        body = (f'<div class="dlgrade"><h3>{e(row.get("assignment", ""))}: {e(row.get("title", ""))}</h3>'
                f"<p>Submission: <code>{e(row['source'])}</code></p>"
                f"<p><strong>Score: 0/{e(fmt(row['max_score']))}</strong></p><p>{e(_not_graded_text(row))}</p></div>")
    return _page(f"Feedback: {row.get('assignment', '')}", body)


def _page(title: str, body: str, style: str = "") -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html_text(title, False)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<style>{style}</style></head>\n<body>\n{body}\n</body></html>\n")


# --------------------------------------------------------------------------- the class report

def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _charts(rows: list[dict], test_names: list[str], max_score: float) -> tuple[str, str]:
    """(histogram of totals, pass rate per test) as PNG data URIs."""
    import matplotlib  # heavy (~0.5 s): only when a batch draws its charts
    matplotlib.use("Agg")
    from matplotlib.figure import Figure  # no pyplot: no global state, no GUI

    totals = [r["score"] for r in rows]
    max_score = max([max_score, *totals])           # bonus points may take a total past the maximum
    hist = Figure(figsize=(6, 3))
    ax = hist.subplots()
    whole = float(max_score).is_integer() and max_score <= 60
    bins = [b - 0.5 for b in range(int(max_score) + 2)] if whole else 20
    ax.hist(totals, bins=bins, range=None if whole else (0, max_score or 1), color="#4472c4", edgecolor="white")
    ax.set_xlabel(f"total score (of {fmt(max_score)})")
    ax.set_ylabel("submissions")
    ax.set_title("Score distribution")

    rates = _pass_rates(rows, test_names)
    bars = Figure(figsize=(6, 0.3 * len(test_names) + 1.2))
    ax = bars.subplots()
    ax.barh(test_names[::-1], [100 * rates[n] for n in test_names[::-1]], color="#70ad47")
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of graded submissions that passed")
    ax.set_title("Pass rate per test")
    return _png(hist), _png(bars)


def _pass_rates(rows: list[dict], test_names: list[str]) -> dict[str, float]:
    graded = [r for r in rows if r["status"] == "graded"]
    passed = Counter(t["name"] for r in graded for t in r["tests"] if t["status"] == "passed")
    return {n: passed[n] / len(graded) if graded else 0.0 for n in test_names}


def _table(header: list[str], body: list[list[str]], empty: str) -> str:
    """An HTML table from text cells (escaped here)."""
    if not body:
        return f"<p>{html_text(empty)}</p>"
    head = "".join(f"<th>{html_text(h)}</th>" for h in header)
    lines = "".join("<tr>" + "".join(f"<td>{html_text(c, multiline=False)}</td>" for c in cells) + "</tr>"
                    for cells in body)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{lines}</tbody></table>"


_REPORT_STYLE = """
body{font-family:system-ui,sans-serif;font-size:14px;color:#222;max-width:1100px;margin:1em auto;padding:0 1em}
table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3} img{max-width:100%}
""".strip()


def _nothing_graded(row: dict) -> bool:
    """Whether every test of a graded row ended in an error: the submission could not be imported,
    or its file is missing (a syntax error, a misnamed upload), so its 0 says nothing of its code."""
    return bool(row["tests"]) and all(t["status"] == "error" for t in row["tests"])


def _first_line(row: dict) -> str:
    """The first line of the row's first test message (why the tests ended in an error)."""
    return next((t["message"].splitlines()[0] for t in row["tests"] if t["message"].strip()), "no message")


def class_report(spec: Spec, summary: BatchSummary, test_names: list[str]) -> str:
    """report.html: the instructor's view of the whole batch."""
    rows = summary.rows
    e = html_text
    max_score = max((r["max_score"] for r in rows), default=0.0)
    statuses = Counter(r["status"] for r in rows)
    with_status = {s: sum(any(t["status"] == s for t in r["tests"]) for r in rows) for s in ("timeout", "crashed", "error")}
    graded_totals = [r["score"] for r in rows if r["status"] == "graded"]
    mean = sum(graded_totals) / len(graded_totals) if graded_totals else 0.0
    counts = [["submissions", str(len(rows))],
              ["graded", str(statuses["graded"])],
              ["unreadable", str(statuses["unreadable"])],
              ["grader errors", str(statuses["grader-error"])],
              ["with a test that timed out", str(with_status["timeout"])],
              ["with a test that crashed the worker", str(with_status["crashed"])],
              ["with a test that raised an error", str(with_status["error"])],
              ["mean score of graded", f"{fmt(mean)} / {fmt(max_score)}"],
              ["graded in this run / reused from before", f"{summary.graded_now} / {summary.reused}"]]
    if summary.interrupted:
        counts.append(["stopped early", f"by signal {summary.interrupted}: run grade batch again to finish"])

    histogram, pass_rates = _charts(rows, test_names, max_score)
    rates = _pass_rates(rows, test_names)
    hidden = {t.name for t in spec.tests if t.visibility == "hidden"}
    rate_rows = [[n + (" (hidden)" if n in hidden else ""), f"{100 * rates[n]:.0f}%"] for n in test_names]

    students: dict[tuple[str, str], set[str]] = {}    # (mistake, hint) -> who made it
    tests: dict[tuple[str, str], set[str]] = {}       # (mistake, hint) -> where it showed
    for r in rows:
        for t in r["tests"]:
            if t.get("mistake"):
                key = (t["mistake"], t.get("hint") or "")
                students.setdefault(key, set()).add(r["student"])
                tests.setdefault(key, set()).add(t["name"])
    frequent = sorted(students, key=lambda k: (-len(students[k]), k))[:10]
    mistake_rows = [[str(len(students[k])), k[0], ", ".join(sorted(tests[k])), k[1]] for k in frequent]

    slowest = sorted(rows, key=lambda r: r.get("grader_seconds", r.get("duration_seconds", 0.0)), reverse=True)[:10]
    slow_rows = [[r["student"], f"{r.get('grader_seconds', 0.0):.2f}", f"{r.get('duration_seconds', 0.0):.2f}",
                  ", ".join(t["name"] for t in r["tests"] if t["status"] in ("timeout", "crashed")) or "-"]
                 for r in slowest]
    attention = [[r["student"], r["source"], r["status"], r["reason"]] for r in rows if r["status"] != "graded"]
    attention += [[r["student"], r["source"], "graded", f"every test ended in an error: {_first_line(r)}"]
                  for r in rows if r["status"] == "graded" and _nothing_graded(r)]
    attention += [[r["student"], r["source"], "graded", f"{t['name']}: {t['status']}"]
                  for r in rows if r["status"] == "graded" for t in r["tests"] if t["status"] in ("timeout", "crashed")]
    skipped = [[line] for line in summary.skipped]
    skipped += [[f"{s}: has a row from an earlier run but no submission now; dropped"] for s in summary.stale_students]

    body = (f"<h1>{e(spec.id)}: {e(spec.title)}</h1>"
            f"<h2>Summary</h2>{_table(['', 'count'], counts, '')}"
            f"<h2>Score distribution</h2><img alt=\"Histogram of total scores\" src=\"{histogram}\">"
            f"<h2>Pass rate per test</h2><img alt=\"Pass rate per test\" src=\"{pass_rates}\">"
            f"{_table(['test', 'passed'], rate_rows, 'No tests.')}"
            f"<h2>Most frequent mistakes</h2>"
            f"{_table(['submissions', 'mistake', 'tests', 'hint'], mistake_rows, 'No catalogued mistake was recognised.')}"
            f"<h2>Slowest submissions</h2>"
            f"{_table(['student', 'grading (s)', 'engine (s)', 'timed out or crashed'], slow_rows, 'None.')}"
            f"<h2>Submissions that need a look</h2>"
            f"{_table(['student', 'source', 'status', 'why'], attention, 'None: every submission was graded without a timeout or crash.')}"
            f"<h2>Files that were not graded</h2>{_table(['file and reason'], skipped, 'None.')}")
    return _page(f"Batch report: {spec.id}", body, _REPORT_STYLE)


# --------------------------------------------------------------------------- all of it

def write_outputs(spec: Spec, summary: BatchSummary, out: Path) -> None:
    """grades.csv, feedback/ and report.html in ``out``, from ``summary.rows``."""
    known = [t.name for t in spec.tests]
    in_rows = {t["name"] for r in summary.rows for t in r["tests"]}
    test_names = [n for n in known if n in in_rows] or [t.name for t in spec.select(None, True)]
    atomic_write(out / GRADES_FILE, gradebook(summary.rows, test_names))
    folder = out / FEEDBACK_DIR
    folder.mkdir(exist_ok=True)
    written = set()
    for row in summary.rows:
        markdown, page = feedback_markdown(row), feedback_html(row)
        for student in _students(row):
            name = feedback_name(student)
            atomic_write(folder / f"{name}.md", markdown)
            atomic_write(folder / f"{name}.html", page)
            written |= {f"{name}.md", f"{name}.html"}
    for old in folder.iterdir():                   # students no longer in the batch
        if old.is_file() and old.suffix in (".md", ".html") and old.name not in written:
            old.unlink()
    atomic_write(out / REPORT_FILE, class_report(spec, summary, test_names))
