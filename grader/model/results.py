"""The one results model. Every front end (terminal, JSON, LMS formats) renders these objects:
one submission's :class:`Result`, and a batch's rows and :class:`BatchSummary`.

Much of a result's text comes from the student (messages, printed output, type names, the
submission's path): :meth:`Result.escaped` and :meth:`Result.to_dict` pass all of it through
:func:`grader.model.text.escape`, so that no renderer or writer meets a control character, a bidi
override or a lone surrogate, and every serialised result is strict JSON (non-finite figures in
``details`` become ``null``: their message says what they were).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import Any, Literal

from .text import escape

Status = Literal["passed", "failed", "error", "timeout", "crashed"]


@dataclass
class TestResult:
    """The verdict on one test. ``score`` is ``max_score`` when passed, else 0."""

    name: str
    function: str
    kind: str
    visibility: str
    status: Status
    score: float
    max_score: float
    message: str = ""
    hint: str | None = None          # the teaching hint, when a known mistake was recognised
    mistake: str | None = None       # that mistake's catalogue name
    details: dict[str, Any] = field(default_factory=dict)   # figures for appeals (errors, timings)
    bonus: bool = False              # extra credit: its score counts, its max_score not in the total

    def escaped(self) -> TestResult:
        """This verdict with its text escaped (:func:`grader.model.text.escape`): one line for names,
        several for the message and hint; ``details`` made JSON-safe."""
        return replace(self, name=escape(self.name, False), function=escape(self.function, False),
                       kind=escape(self.kind, False), visibility=escape(self.visibility, False),
                       message=escape(self.message), hint=None if self.hint is None else escape(self.hint),
                       mistake=None if self.mistake is None else escape(self.mistake, False),
                       details=json_safe(self.details))


@dataclass
class Result:
    """The grade of one submission on one assignment."""

    assignment: str
    title: str
    submission: str
    tests: list[TestResult]
    isolation: str
    output: str = ""                 # what the student's code printed (first 64 KiB per stream)
    duration_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)   # about the grading as a whole (substituted modules)
    device: str = "cpu"              # where the references ran: cpu, cuda: <GPU>, cuda simulator

    @property
    def score(self) -> float:
        """Every test's points, bonus tests' included: it may exceed :attr:`max_score`."""
        return sum(t.score for t in self.tests)

    @property
    def max_score(self) -> float:
        """The points of the tests that are not bonus."""
        return sum(t.max_score for t in self.tests if not t.bonus)

    @property
    def bonus_score(self) -> float:
        """The part of :attr:`score` that bonus tests earned."""
        return sum(t.score for t in self.tests if t.bonus)

    @property
    def all_passed(self) -> bool:
        """Every test passed that is not bonus: a missed bonus does not fail a submission."""
        return all(t.status == "passed" for t in self.tests if not t.bonus)

    def escaped(self) -> Result:
        """This result with every text escaped, ready for any renderer (see the module docstring)."""
        return replace(self, assignment=escape(self.assignment, False), title=escape(self.title, False),
                       submission=escape(self.submission, False), isolation=escape(self.isolation, False),
                       device=escape(self.device, False), output=escape(self.output),
                       notes=[escape(note) for note in self.notes], tests=[t.escaped() for t in self.tests])

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-safe plain data (escaped text, no NaN or infinity)."""
        shown = self.escaped()
        return {
            "assignment": shown.assignment,
            "title": shown.title,
            "submission": shown.submission,
            "score": json_safe(shown.score),
            "max_score": json_safe(shown.max_score),
            "isolation": shown.isolation,
            "device": shown.device,
            "duration_seconds": round(shown.duration_seconds, 4),
            "notes": list(shown.notes),
            "tests": [_fields(t) for t in shown.tests],
            "output": shown.output,
        }


def _fields(test: TestResult) -> dict[str, Any]:
    """An escaped verdict's fields as a dict. Not ``dataclasses.asdict``: that deep-copies
    ``details``, which :meth:`TestResult.escaped` has already rebuilt, at a cost a batch pays for
    every test of every row."""
    return {f.name: getattr(test, f.name) for f in fields(test)}


def json_safe(value: Any) -> Any:
    """``value`` (dicts, lists, tuples, strings, numbers) with every string escaped and every
    non-finite float as None, so that ``json.dumps(..., allow_nan=False)`` and a strict UTF-8
    writer accept it. NumPy scalars become Python numbers; other objects become their ``str``."""
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {escape(str(k)): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:      # a NumPy scalar
        return json_safe(value.item())
    return escape(str(value))


# --------------------------------------------------------------------------- a batch's rows

#: Row statuses. ``graded`` covers every score, crashes and timeouts of the student's code too.
GRADED, UNREADABLE, GRADER_ERROR = "graded", "unreadable", "grader-error"
EXIT_OK, EXIT_GRADER_ERRORS = 0, 1


@dataclass
class BatchSummary:
    total: int
    graded_now: int
    reused: int
    rows: list[dict]
    skipped: list[str]
    interrupted: int = 0                    # the signal that stopped the batch, else 0
    damaged_lines: int = 0
    stale_students: list[str] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        if self.interrupted:
            return 128 + self.interrupted
        return EXIT_GRADER_ERRORS if any(r["status"] == GRADER_ERROR for r in self.rows) else EXIT_OK

