"""Turn what a student handed in into source text, one module per student file of the spec.

Accepted: a ``.py`` file (for a one-file assignment any name will do: it is graded as that file),
or a folder that holds the student's files (found at its top, or once anywhere below it), or a
``.zip`` of either (unpacked safely by :mod:`grader.submissions.archive`), or a Jupyter notebook: one ``.ipynb``
for the whole assignment, or ``<module>.ipynb`` in a folder in place of ``<module>.py`` (read
without running anything by :mod:`grader.submissions.notebook`). A file
that is missing, too large, not UTF-8, a symbolic link or not a regular file (a FIFO, a device) is
recorded as a problem of that module, so the tests of the other modules still run. Below the
path the user names, nothing is read through a link (:mod:`grader.submissions.student_files`).
"""
from __future__ import annotations

import os
import shutil
import stat
import tempfile
from pathlib import Path, PurePosixPath

from ..model.spec import Spec
from .archive import ArchiveError, extract
from .collect import submission_target
from .notebook import read_notebook_module, read_notebook_submission
from .student_files import StudentFileError, read_student_file, walk_student_folder
from .submission import IntakeError, Submission

MAX_SOURCE_BYTES = 2 * 1024 * 1024


def _read_source(path: Path, root: Path) -> tuple[str | None, str | None]:
    """``(text, problem)`` of a student's ``.py`` file below ``root``: never through a link, at most
    :data:`MAX_SOURCE_BYTES`, UTF-8."""
    try:
        data = read_student_file(path, MAX_SOURCE_BYTES, root)
    except OSError as exc:            # a link, a FIFO, too large (StudentFileError), or gone
        return None, str(exc) if isinstance(exc, StudentFileError) else f"{path.name}: {exc.strerror or exc}"
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, f"{path.name} is not UTF-8 text (byte {exc.start})"


def _find(folder: Path, filename: str) -> list[Path]:
    """Every entry named ``filename`` below ``folder`` that is not a folder, found without entering
    a linked folder; a link or a FIFO of that name is found too, so that its reader can say why it
    is refused rather than call the file missing."""
    try:
        top = os.lstat(folder / filename)
        if not stat.S_ISDIR(top.st_mode):
            return [folder / filename]
    except OSError:
        pass
    files, others = walk_student_folder(folder)
    return sorted(folder / name for name in [*files, *others]
                  if PurePosixPath(name).name == filename and "__MACOSX" not in PurePosixPath(name).parts)


def read_submission(spec: Spec, path: str | Path | None = None) -> Submission:
    """The student's sources for ``spec``: from ``path``, or the stubs in the assignment folder."""
    if path is None:
        path = spec.dir
    path = Path(path)
    if not os.path.lexists(path):
        raise IntakeError(f"{path}: no such file or folder")
    # The path as named is trusted when it is a folder (the user or the platform chose it);
    # everything below it, and a file named directly, is read without following links.
    is_file = not path.is_dir()
    root = path.parent if is_file else path
    if is_file and path.suffix.lower() == ".zip":
        return read_zip(spec, path)
    if is_file and path.suffix.lower() == ".ipynb":
        return read_notebook_submission(spec, path)
    sub = Submission(origin=str(path))
    if is_file:
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
            if os.path.lexists(own) and own.resolve() != provided.path:    # resolved, never read through
                targets[provided.module] = own
    for module, file in targets.items():
        if file.suffix == ".ipynb":
            text, problem = read_notebook_module(spec, file, root)
        else:
            text, problem = _read_source(file, root)
        if problem:                     # a provided module's problem: the course's version stands in
            sub.problems[module] = problem
        else:
            sub.sources[module] = text
    return sub


def read_zip(spec: Spec, zip_path: Path, root: Path | None = None) -> Submission:
    """The submission inside ``zip_path``: unpacked into a temporary folder and read from there.

    A zip holding a single notebook or a single inner file (and none of the assignment's files)
    is read as that file. Raises :class:`ArchiveError` (an IntakeError) when the zip is refused.
    """
    scratch = Path(tempfile.mkdtemp(prefix="dlgrade-zip-"))
    try:
        try:
            extract(zip_path, scratch, root=root)
        except ArchiveError as exc:
            raise ArchiveError(f"{zip_path.name}: {exc}") from None
        target = submission_target(scratch, spec.files)
        if target.is_file() and target.suffix.lower() == ".zip":
            raise ArchiveError(f"{zip_path.name}: holds only another zip ({target.name}); hand in the files")
        submission = read_submission(spec, target)
        submission.origin = str(zip_path)
        return submission
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
