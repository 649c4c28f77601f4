"""What a student handed in, as the grader holds it: source text per module, and the problems
that kept a module out. The one type that every reader in this package returns.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field


class IntakeError(Exception):
    """The submission as a whole cannot be read (no such path, unsupported kind)."""


@dataclass
class Submission:
    origin: str                                        # what the user named, for reports
    sources: dict[str, str] = field(default_factory=dict)   # module -> source text
    problems: dict[str, str] = field(default_factory=dict)  # module -> why it has no source
    student: str | None = None                         # who handed it in, when known (batch, LMS)

    @property
    def checksum(self) -> str:
        """sha256 of the graded sources (module names and text): same code, same checksum."""
        digest = hashlib.sha256()
        for module in sorted(self.sources):
            text = self.sources[module].encode("utf-8", "surrogateescape")
            digest.update(f"{module}\0{len(text)}\0".encode())
            digest.update(text)
        return digest.hexdigest()

    @property
    def identity(self) -> str:
        """What per-student inputs are drawn for: the student when known, else the code itself."""
        return self.student or self.checksum
