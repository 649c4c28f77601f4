"""Turn a batch's ``results.jsonl`` into the CSV that an LMS gradebook imports.

* **Canvas**: the roster is Canvas's own gradebook export (columns ``Student``, ``ID``,
  ``SIS User ID``, ``SIS Login ID``, ``Section``). The output keeps those five columns and adds
  one for the assignment (its title, or ``--column``, e.g. ``Perceptron (4321)`` to update an
  existing Canvas assignment), with a ``Points Possible`` row.
* **Moodle**: the roster is a Moodle grades or participants export (``First name``,
  ``Last name``/``Surname``, ``ID number``, ``Email address``). The output has ``ID number``,
  ``Email address`` and the grade column; in Moodle's CSV grade import map ``ID number`` (or the
  email) to the user and the grade column to the assignment's grade item.
* **Moodle grading worksheet** (the assignment's "Download grading worksheet": ``Identifier``
  "Participant 4567", ``Full name``, ``Email address``, ``Status``, ``Grade``, ``Maximum Grade``,
  ...): the output is the same worksheet, every column and row kept, with ``Grade`` filled (scaled to
  the row's ``Maximum Grade`` unless ``scale`` is given) and an empty ``Feedback comments`` given
  the score; it goes back through the assignment's "Upload grading worksheet". The participant id
  is the one in the submission folders' names (``Jane Doe_4567_assignsubmission_file_``).

A result is matched to a roster row by the student id the batch found (Canvas user id, SIS id,
Moodle participant id, Gradescope ``sid`` or email) in any id column of the roster, then by name.
Results that match no one, and roster rows without a result, are reported: nothing is dropped
silently. Cells are neutralised against spreadsheet formula injection and escaped to one line, as
in ``grades.csv`` (:func:`grader.model.text.spreadsheet_cell`); the names reported are escaped too.
"""
from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..model.text import escape, spreadsheet_cell

CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_IDS = ("ID", "SIS User ID", "SIS Login ID")
MOODLE_IDS = ("ID number", "Email address", "Username", "User ID")
WORKSHEET_ID, WORKSHEET_GRADE, WORKSHEET_MAX = "Identifier", "Grade", "Maximum Grade"
WORKSHEET_FEEDBACK, WORKSHEET_PARTICIPANT = "Feedback comments", "Participant id"   # the latter: ours, not written
_PARTICIPANT = re.compile(r"^Participant\s+(\d+)$")


class ExportError(Exception):
    """A roster or results file that cannot be used; ``str()`` is one line naming the file."""


@dataclass
class Export:
    """The CSV text to write, and who could not be matched either way."""

    text: str
    matched: int
    unmatched_results: list[str] = field(default_factory=list)   # "student (name)" with no roster row
    missing: list[str] = field(default_factory=list)             # roster rows with no result


def _name_key(name: str) -> str:
    """A name reduced to lowercase letters, so "Doe, Jane", "Jane Doe" and "doejane" can meet."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return "".join(sorted(re.findall(r"[a-z]+", text)))


def read_results(out: Path) -> list[dict]:
    """The last row per student of ``out/results.jsonl`` (a damaged last line is skipped)."""
    path = out / "results.jsonl"
    if not path.is_file():
        raise ExportError(f"{path}: no such file (run grade batch with --out {out} first)")
    rows: dict[str, dict] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():   # a bad byte costs one line
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and row.get("student"):
            rows[str(row["student"])] = row
    return list(rows.values())


def read_roster(path: Path, required_any: tuple[str, ...]) -> tuple[list[str], list[dict[str, str]]]:
    """The roster's header and rows; one of ``required_any`` must be a column."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ExportError(f"{path}: cannot read the roster ({exc.__class__.__name__})") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not any(col in header for col in required_any):
        raise ExportError(f"{path}: the roster has none of the columns {', '.join(required_any)}")
    rows = [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in reader]
    rows = [r for r in rows if not r.get("Student", "").strip().startswith("Points Possible")]
    return header, rows


def _match(results: list[dict], roster: list[dict[str, str]], id_columns: tuple[str, ...],
           name_of) -> tuple[dict[int, dict], list[str]]:
    """Results by roster row index, and the results that matched no roster row."""
    by_id: dict[str, int] = {}
    by_name: dict[str, int] = {}
    for i, row in enumerate(roster):
        for col in id_columns:
            if row.get(col):
                by_id.setdefault(row[col].lower(), i)
        if name_of(row):
            by_name.setdefault(_name_key(name_of(row)), i)
    matched, unmatched = {}, []
    for result in results:
        for student in (str(result["student"]), *map(str, result.get("members") or ())):
            index = by_id.get(student.lower())
            if index is None and result.get("name") and not result.get("members"):
                index = by_name.get(_name_key(str(result["name"])))
            if index is None:
                unmatched.append(escape(f"{student}" + (f" ({result['name']})" if result.get("name") else ""), False))
            else:
                matched[index] = result
    return matched, unmatched


def _scores(matched: dict[int, dict]) -> dict[int, float]:
    return {i: float(result.get("score", 0.0)) for i, result in matched.items()}


def _write(header: list[str], rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([spreadsheet_cell(h) for h in header])
    writer.writerows([[spreadsheet_cell(c) for c in row] for row in rows])
    return buffer.getvalue()


def _points(value: float, max_score: float, scale: float | None) -> str:
    value = value / max_score * scale if scale and max_score else value
    return f"{value:.4g}" if value != int(value) else str(int(value))


def _feedback(result: dict, max_score: float) -> str:
    """The comment a worksheet row gets: the score and how many tests passed (no test's text)."""
    tests = result.get("tests") or []
    passed = sum(t.get("status") == "passed" for t in tests)
    return (f"Graded by dlgrade: {_points(float(result.get('score', 0.0)), max_score, None)}/"
            f"{_points(max_score, max_score, None)} ({passed} of {len(tests)} tests passed).")


def _worksheet_max(row: dict[str, str]) -> float | None:
    try:
        return float(row.get(WORKSHEET_MAX, "")) or None
    except ValueError:
        return None


def _moodle_worksheet(results: list[dict], header: list[str], roster: list[dict[str, str]],
                      max_score: float, scale: float | None) -> Export:
    """Moodle's grading worksheet with ``Grade`` (and an empty ``Feedback comments``) filled."""
    for row in roster:
        match = _PARTICIPANT.match(row.get(WORKSHEET_ID, ""))
        row[WORKSHEET_PARTICIPANT] = match[1] if match else ""
    matched, unmatched = _match(results, roster, (WORKSHEET_PARTICIPANT, "Email address"),
                                lambda r: r.get("Full name", ""))
    for i, result in matched.items():
        row = roster[i]
        row[WORKSHEET_GRADE] = _points(float(result.get("score", 0.0)), max_score, scale or _worksheet_max(row))
        if WORKSHEET_FEEDBACK in header and not row.get(WORKSHEET_FEEDBACK):   # a TA's own comment is kept
            row[WORKSHEET_FEEDBACK] = _feedback(result, max_score)
    missing = [r.get("Full name") or r.get(WORKSHEET_ID, "?") for i, r in enumerate(roster) if i not in matched]
    return Export(_write(header, [[r.get(c, "") for c in header] for r in roster]), matched=len(matched),
                  unmatched_results=unmatched, missing=missing)


def export(out: Path, to: str, roster_path: Path, column: str | None = None,
           scale: float | None = None) -> Export:
    """The gradebook CSV for ``to`` ("canvas" or "moodle") from the batch in ``out``. A Moodle
    roster with an ``Identifier`` column is a grading worksheet, filled in as Moodle re-imports it."""
    results = read_results(out)
    max_score = max((float(r.get("max_score", 0.0)) for r in results), default=0.0)
    title = column or (results[0].get("title") or results[0].get("assignment") if results else "Grade")
    if to == "canvas":
        _, roster = read_roster(roster_path, CANVAS_IDS)
        matched, unmatched = _match(results, roster, CANVAS_IDS, lambda r: r.get("Student", ""))
        scores = _scores(matched)
        header = [*CANVAS_IDENTITY, title]
        rows = [["Points Possible", "", "", "", "", _points(max_score, max_score, scale)]]
        rows += [[r.get(c, "") for c in CANVAS_IDENTITY] + [_points(scores[i], max_score, scale) if i in scores else ""]
                 for i, r in enumerate(roster)]
        missing = [roster[i].get("Student") or roster[i].get("ID", "?") for i in range(len(roster)) if i not in scores]
    elif to == "moodle":
        header_in, roster = read_roster(roster_path, (WORKSHEET_ID, *MOODLE_IDS))
        if WORKSHEET_ID in header_in:
            return _moodle_worksheet(results, header_in, roster, max_score, scale)
        last = "Last name" if "Last name" in header_in else "Surname"
        matched, unmatched = _match(results, roster, MOODLE_IDS,
                                    lambda r: f"{r.get('First name', '')} {r.get(last, '')}".strip())
        scores = _scores(matched)
        header = ["ID number", "Email address", title]
        rows = [[r.get("ID number", ""), r.get("Email address", ""), _points(scores[i], max_score, scale)]
                for i, r in enumerate(roster) if i in scores]
        missing = [f"{r.get('First name', '')} {r.get(last, '')}".strip() for i, r in enumerate(roster) if i not in scores]
    else:
        raise ExportError(f"unknown LMS {to!r} (canvas or moodle)")
    return Export(_write(header, rows), matched=len(scores), unmatched_results=unmatched, missing=missing)
