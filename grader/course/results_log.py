"""``OUT/results.jsonl``, the batch's durable record: one row per student, appended as results come,
read back to resume a batch (:mod:`grader.course.batch`) and to compare what was graded
(:mod:`grader.course.similarity_report`)."""
from __future__ import annotations

import json
import os
from pathlib import Path

from ..model.results import json_safe
from ..render.files import atomic_write

RESULTS_FILE = "results.jsonl"


class ResultsLog:
    """``OUT/results.jsonl``: one JSON object per line, appended durably; the last row per student wins."""

    def __init__(self, path: Path):
        self.path = path

    def load(self) -> tuple[dict[str, dict], int]:
        """The latest row per student, and how many damaged lines were dropped.

        A last line without its newline is what a kill left half-written: the file is cut back to
        the last complete line so that appending goes on cleanly.
        """
        if not self.path.exists():
            return {}, 0
        data = self.path.read_bytes()
        complete = data.rfind(b"\n") + 1
        damaged = int(complete < len(data))
        if damaged:
            with open(self.path, "r+b") as f:
                f.truncate(complete)
                os.fsync(f.fileno())
        rows: dict[str, dict] = {}
        for line in data[:complete].splitlines():
            try:
                row = json.loads(line)
            except ValueError:
                damaged += 1
                continue
            if isinstance(row, dict) and isinstance(row.get("student"), str):
                rows[row["student"]] = row
            else:
                damaged += 1
        return rows, damaged

    def append(self, row: dict) -> None:
        """Add ``row`` durably. Its text is escaped and its numbers made finite first
        (:func:`grader.model.results.json_safe`): a lone surrogate in a student's exception, or a folder
        name that is not UTF-8, can be neither encoded nor resumed from."""
        line = _json_line(row).encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            view = memoryview(line)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)

    def rewrite(self, rows: list[dict]) -> None:
        atomic_write(self.path, "".join(_json_line(r) for r in rows))


def _json_line(row: dict) -> str:
    return json.dumps(json_safe(row), allow_nan=False, ensure_ascii=False) + "\n"
