"""The one results model. Every front end (terminal, JSON, LMS formats) renders these objects."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

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
        return sum(t.score for t in self.tests)

    @property
    def max_score(self) -> float:
        return sum(t.max_score for t in self.tests)

    @property
    def all_passed(self) -> bool:
        return all(t.status == "passed" for t in self.tests)

    def to_dict(self) -> dict[str, Any]:
        return {
            "assignment": self.assignment,
            "title": self.title,
            "submission": self.submission,
            "score": self.score,
            "max_score": self.max_score,
            "isolation": self.isolation,
            "device": self.device,
            "duration_seconds": round(self.duration_seconds, 4),
            "notes": list(self.notes),
            "tests": [asdict(t) for t in self.tests],
            "output": self.output,
        }
