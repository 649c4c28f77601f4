"""Turn what a student handed in into source text, one module per student file of the spec.

Accepted: a ``.py`` file (for a one-file assignment any name will do: it is graded as that file),
or a folder that holds the student's files (found at its top, or once anywhere below it), or a
``.zip`` of either (unpacked safely by :mod:`grader.archive`), or a Jupyter notebook: one ``.ipynb``
for the whole assignment, or ``<module>.ipynb`` in a folder in place of ``<module>.py`` (read
without running anything by :mod:`grader.notebook`). A file
that is missing, too large or not UTF-8 is recorded as a problem of that module, so the tests of
the other modules still run.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from .spec import Spec

MAX_SOURCE_BYTES = 2 * 1024 * 1024


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


def _read_source(path: Path) -> tuple[str | None, str | None]:
    size = path.stat().st_size
    if size > MAX_SOURCE_BYTES:
        return None, f"{path.name} is {size // 1024} KiB; the limit is {MAX_SOURCE_BYTES // 1024} KiB"
    try:
        return path.read_text(encoding="utf-8"), None
    except UnicodeDecodeError as exc:
        return None, f"{path.name} is not UTF-8 text (byte {exc.start})"


def _find(folder: Path, filename: str) -> list[Path]:
    top = folder / filename
    if top.is_file():
        return [top]
    return sorted(p for p in folder.rglob(filename) if p.is_file() and "__MACOSX" not in p.parts)


def read_submission(spec: Spec, path: str | Path | None = None) -> Submission:
    """The student's sources for ``spec``: from ``path``, or the stubs in the assignment folder."""
    if path is None:
        path = spec.dir
    path = Path(path)
    if not path.exists():
        raise IntakeError(f"{path}: no such file or folder")
    if path.is_file() and path.suffix.lower() == ".zip":
        from .archive import read_zip        # imported here: archive imports this module
        return read_zip(spec, path)
    if path.is_file() and path.suffix.lower() == ".ipynb":
        from .notebook import read_notebook_submission    # imported here: notebook imports this module
        return read_notebook_submission(spec, path)
    sub = Submission(origin=str(path))
    if path.is_file():
        if path.suffix != ".py":
            raise IntakeError(f"{path}: unsupported submission type {path.suffix or '(none)'}; "
                              "hand in a .py file, a notebook (.ipynb), a .zip or a folder")
        if len(spec.files) == 1:
            targets = {spec.modules[0]: path}
        elif path.name in spec.files:
            targets = {path.stem: path}
        else:
            raise IntakeError(f"{path}: this assignment has several files ({', '.join(spec.files)}); "
                              "name one of them or hand in a folder")
        for module in spec.modules:
            if module not in targets:
                sub.problems[module] = f"{module}.py is not in the submission"
    else:
        targets = {}
        for filename, module in zip(spec.files, spec.modules):
            found = _find(path, filename) or _find(path, f"{module}.ipynb")
            if len(found) == 1:
                targets[module] = found[0]
            elif not found:
                sub.problems[module] = f"{filename} is not in the submission"
            else:
                sub.problems[module] = f"{filename} appears {len(found)} times in the submission ({found[0]}, {found[1]}, ...)"
        for provided in spec.provides:            # optional, at the top only: the course's version stands in
            own = path / f"{provided.module}.py"
            if own.is_file() and own.resolve() != provided.path:
                targets[provided.module] = own
    for module, file in targets.items():
        if file.suffix == ".ipynb":
            from .notebook import read_notebook_module
            text, problem = read_notebook_module(spec, file)
        else:
            text, problem = _read_source(file)
        if problem and module in spec.modules:
            sub.problems[module] = problem
        else:
            sub.sources[module] = text
    return sub
