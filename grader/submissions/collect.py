"""Find the submissions in a folder of a whole class, and who handed in each.

Layouts (documented with examples in ``docs/batch.md``), recognised entry by entry, so one
folder may mix them:

* **folder per student**: ``alice/perceptron.py`` -> student ``alice``;
* **loose files**: ``alice.py``, ``alice.ipynb``, ``alice.zip`` -> student ``alice``;
* **Canvas** bulk download: ``doejane_12345_67890_perceptron.py`` (also ``doejane_LATE_12345_...``)
  -> student ``12345`` (the Canvas user id); a student's several files are grouped, and the
  ``-1``, ``-2`` that Canvas appends to a resubmitted file's name are dropped;
* **Moodle** "download all submissions": folders ``Jane Doe_12345_assignsubmission_file_/``
  (or, without folders, files ``Jane Doe_12345_assignsubmission_file_perceptron.py``) -> student
  ``12345`` (Moodle's participant id for the assignment);
* **Gradescope** export: ``submission_metadata.yml`` beside folders ``submission_<id>/``
  -> the submitters' ``:sid:`` (else ``:email:``, else ``:name:``); a group submission counts for
  every member.

A subfolder that holds ``submission_metadata.yml``, or only Canvas- or Moodle-named entries, is an
export of its own and is searched the same way. Hidden files and ``__MACOSX`` are ignored; every
other file that fits no layout is reported in :attr:`Collection.skipped`, never dropped silently.
So are links, FIFOs and devices (never followed nor opened, :mod:`grader.submissions.student_files`), and
Canvas or Moodle names that could belong to more than one student (:class:`Ambiguous`): a name
is graded as a student's only when it can be read one way.
"""
from __future__ import annotations

import hashlib
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .student_files import LARGEST_READ_BYTES, StudentFileError, kind_of, student_file_chunks, walk_student_folder

SUBMISSION_SUFFIXES = (".py", ".ipynb", ".zip")

_CANVAS = re.compile(r"^(?P<name>[^_]+)_(?:LATE_)?(?P<id>\d+)_(?P<sub>\d+)_(?P<file>.+)$")
_CANVAS_IDS = re.compile(r"(?:^|_)(?:LATE_)?\d+_\d+_")       # where a Canvas name's ids could be
_CANVAS_RESUBMITTED = re.compile(r"^(?P<stem>.+?)-\d+(?P<suffix>\.[^.]+)$")
_MOODLE_MARK = re.compile(r"(?=_(\d+)_assignsubmission_(file|onlinetext)_)")   # overlapping, on purpose
GRADESCOPE_METADATA = "submission_metadata.yml"


@dataclass
class Entry:
    """One submission: who handed it in and which files make it up.

    ``files`` maps the name each file has in the submission (as the student named it, relative
    to the submission) to where it lies now. ``folder`` is set when the submission is a folder on
    disk holding exactly those files, so it can be graded in place.
    """

    student: str
    layout: str                                   # folder, file, canvas, moodle, gradescope
    files: dict[str, Path]
    source: str                                   # where it was found, relative to the class folder
    name: str = ""                                # the student's name, where the layout has it
    members: tuple[str, ...] = ()                 # the other students of a group submission
    folder: Path | None = None

    def checksum(self) -> str:
        """sha256 over the files' names and bytes, in name order: the resume key with the student.

        Each file is streamed (memory stays flat) and opened without following a link; a link, a
        FIFO or a device raises StudentFileError (an OSError). A file larger than
        :data:`~grader.submissions.student_files.LARGEST_READ_BYTES` counts by its name and size only: no
        reader takes it, whatever it holds, so its bytes cannot change a grade, and a sparse file
        of gigabytes costs no time on every resume either.
        """
        digest = hashlib.sha256()
        for name in sorted(self.files):
            _add_file(digest, name, self.files[name])
        return "sha256:" + digest.hexdigest()


def _add_file(digest: hashlib._Hash, name: str, path: Path) -> None:
    """Feed one file of a submission to ``digest``: its name, size and (unless it is larger than
    any reader takes) its bytes, in chunks."""
    with student_file_chunks(path) as (size, chunks):
        digest.update(name.encode("utf-8", "surrogateescape") + b"\0" + size.to_bytes(8, "little"))
        if size > LARGEST_READ_BYTES:
            digest.update(b"\0too large to be read")
            return
        read = 0
        for chunk in chunks:
            digest.update(chunk)
            read += len(chunk)
    if read != size:                     # the key must be of the bytes that were there
        raise StudentFileError(f"{name} changed while it was read; run the batch again")


@dataclass
class Collection:
    entries: list[Entry] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)     # "path: why", for the log and the report


def _ignored(path: Path) -> bool:
    return path.name.startswith(".") or path.name == "__MACOSX"


def _files_below(folder: Path) -> tuple[dict[str, Path], dict[str, str]]:
    """The regular files under ``folder`` by relative name, and every other entry there (a
    symbolic link, a FIFO, a device: ``name -> what it is``), which is never followed nor opened:
    a link to a file of the instructor's would hand its contents to student code."""
    files, others = walk_student_folder(folder)

    def kept(name: str) -> bool:
        return not any(_ignored(Path(part)) for part in Path(name).parts)

    return ({n: p for n, p in files.items() if kept(n)}, {n: what for n, what in others.items() if kept(n)})


def _plain_files(found: Collection, folder: Path, rel: str) -> tuple[dict[str, Path], bool]:
    """The regular files under ``folder`` (``rel`` from the class folder), and whether anything
    else was left out (reported: then the files are copied to be graded, never read in place)."""
    files, others = _files_below(folder)
    found.skipped += [f"{rel}{name}: {what}; not part of the submission" for name, what in others.items()]
    return files, bool(others)


@dataclass(frozen=True)
class LmsName:
    """What a Canvas or Moodle name says: whose it is and which file (Moodle: ``plugin`` too)."""

    layout: str          # canvas or moodle
    student: str         # Canvas user id, Moodle participant id
    name: str
    file: str            # the file's own name; "" for a Moodle folder
    plugin: str = ""     # Moodle: file or onlinetext


class Ambiguous(str):
    """Why an LMS-looking name cannot be read as one student's: it goes to the list of files that
    need a look, never to a guessed student."""


def _moodle_name(text: str, is_dir: bool) -> LmsName | Ambiguous | None:
    """``<name>_<id>_assignsubmission_<plugin>_<file>``, strictly: the marker appears once (Moodle
    turns ``_`` in names into spaces, and a student's file name or name that holds another marker
    could claim another participant), and a folder's name ends with it."""
    marks = list(_MOODLE_MARK.finditer(text))
    if not marks:
        return None
    ids = ", ".join(dict.fromkeys(m[1] for m in marks))
    if len(marks) > 1:
        return Ambiguous(f"ambiguous Moodle name (it names participants {ids}); not graded: needs a look")
    mark = marks[0]
    rest = text[mark.start() + len(f"_{mark[1]}_assignsubmission_{mark[2]}_"):]
    if mark.start() == 0 or (is_dir and rest):
        return Ambiguous(f"ambiguous Moodle name (participant {ids}?); not graded: needs a look")
    return LmsName("moodle", mark[1], text[:mark.start()], rest, mark[2])


def _canvas_file_name(text: str) -> LmsName | Ambiguous | None:
    """``<name>_[LATE_]<user id>_<submission id>_<file>``, strictly: the name has no ``_``, and a
    file name that itself begins with ids (``23456_999_x.py``) could be the rest of a name that
    claims another student's id, so it is ambiguous."""
    match = _CANVAS.match(text)
    if match is None:
        found = _CANVAS_IDS.search(text)
        return Ambiguous("ambiguous Canvas name (its ids cannot be told apart); not graded: needs a look") \
            if found and found.start() > 0 else None
    if _CANVAS_IDS.match(match["file"]):
        return Ambiguous(f"ambiguous Canvas name (user {match['id']}, or a name that goes on into "
                         f"{match['file']}?); not graded: needs a look")
    return LmsName("canvas", match["id"], match["name"], _canvas_name(match["file"]))


def lms_name(path: Path) -> LmsName | Ambiguous | None:
    """What the name of ``path`` (an entry of a class folder, not a link) says about its student:
    a Moodle folder or file, a Canvas file, an LMS-looking name that is :class:`Ambiguous`, or None."""
    is_dir = path.is_dir()
    moodle = _moodle_name(path.name, is_dir)
    if moodle is not None or is_dir:
        return moodle
    return _canvas_file_name(path.name)


def _canvas_name(original: str) -> str:
    """The name the student gave the file: Canvas appends -1, -2... when a file is resubmitted."""
    match = _CANVAS_RESUBMITTED.match(original)
    return match["stem"] + match["suffix"] if match else original


def _is_export_entry(path: Path) -> bool:
    """A Canvas file, or a Moodle file or folder (ambiguous ones too: they are listed, not graded)."""
    return not path.is_symlink() and lms_name(path) is not None


def _is_export_folder(folder: Path) -> bool:
    if (folder / GRADESCOPE_METADATA).is_file():
        return True
    children = [c for c in folder.iterdir() if not _ignored(c)]
    return bool(children) and all(_is_export_entry(c) for c in children)


def _gradescope(folder: Path, rel: str, found: Collection) -> None:
    try:
        metadata = yaml.safe_load((folder / GRADESCOPE_METADATA).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        found.skipped.append(f"{rel}{GRADESCOPE_METADATA}: unreadable ({str(exc).splitlines()[0]}); "
                             "its submissions were not graded")
        return
    if not isinstance(metadata, dict):
        found.skipped.append(f"{rel}{GRADESCOPE_METADATA}: not a mapping of submission folders")
        return
    listed = set()
    for key, info in metadata.items():
        sub = folder / str(key)
        listed.add(str(key))
        submitters = info.get(":submitters") if isinstance(info, dict) else None
        ids = [str(s.get(":sid") or s.get(":email") or s.get(":name") or "").strip()
               for s in (submitters or []) if isinstance(s, dict)]
        ids = [i for i in ids if i]
        if not sub.is_dir() or not ids:
            found.skipped.append(f"{rel}{key}: {'no such folder' if not sub.is_dir() else 'no submitter'} "
                                 f"(listed in {GRADESCOPE_METADATA})")
            continue
        names = [str(s.get(":name") or "") for s in submitters if isinstance(s, dict)]
        files, linked = _plain_files(found, sub, f"{rel}{key}/")
        found.entries.append(Entry(student=ids[0], layout="gradescope", files=files, source=f"{rel}{key}/",
                                   name=" & ".join(n for n in names if n), members=tuple(ids[1:]),
                                   folder=None if linked else sub))
    for child in sorted(folder.iterdir()):
        if not _ignored(child) and child.name != GRADESCOPE_METADATA and child.name not in listed:
            found.skipped.append(f"{rel}{child.name}: not listed in {GRADESCOPE_METADATA}")


def _scan(folder: Path, rel: str, found: Collection, depth: int) -> None:
    """Add the submissions directly in ``folder`` (``rel`` is its path from the class folder)."""
    if (folder / GRADESCOPE_METADATA).is_file():
        _gradescope(folder, rel, found)
        return
    grouped: dict[tuple[str, str], Entry] = {}      # (layout, id) -> entry, for Canvas and Moodle

    def group(layout: str, student: str, name: str, child: Path, files: dict[str, Path]) -> None:
        entry = grouped.get((layout, student))
        if entry is None:
            entry = grouped[(layout, student)] = Entry(student=student, layout=layout, files={},
                                                       source=f"{rel}{child.name}", name=name)
            found.entries.append(entry)
        else:
            entry.source += f", {child.name}"
        for file_name, path in files.items():
            if file_name in entry.files:
                found.skipped.append(f"{rel}{child.name}: a second file named {file_name} for student {student}")
            else:
                entry.files[file_name] = path

    for child in sorted(folder.iterdir()):
        if _ignored(child):
            continue
        mode = child.lstat().st_mode
        if not (stat.S_ISDIR(mode) or stat.S_ISREG(mode)):       # never followed nor opened
            found.skipped.append(f"{rel}{child.name}: {kind_of(mode)}; not a submission")
            continue
        lms = lms_name(child)
        if isinstance(lms, Ambiguous):
            found.skipped.append(f"{rel}{child.name}: {lms}")
        elif lms and lms.plugin == "onlinetext":
            found.skipped.append(f"{rel}{child.name}: Moodle online text is not code; not graded")
        elif lms and child.is_dir():
            group(lms.layout, lms.student, lms.name, child, _plain_files(found, child, f"{rel}{child.name}/")[0])
        elif lms and lms.file:
            group(lms.layout, lms.student, lms.name, child, {lms.file: child})
        elif child.is_dir() and depth == 0 and _is_export_folder(child):
            _scan(child, f"{rel}{child.name}/", found, depth + 1)
        elif child.is_dir():
            files, linked = _plain_files(found, child, f"{rel}{child.name}/")
            found.entries.append(Entry(student=child.name, layout="folder", files=files, source=f"{rel}{child.name}/",
                                       folder=None if linked else child))
        elif child.suffix.lower() in SUBMISSION_SUFFIXES:
            found.entries.append(Entry(student=child.stem, layout="file", files={child.name: child},
                                       source=f"{rel}{child.name}"))
        else:
            found.skipped.append(f"{rel}{child.name}: not a submission (expected a folder, "
                                 f"{', '.join(SUBMISSION_SUFFIXES)} or an LMS download)")


def collect(root: Path) -> Collection:
    """Every submission under the class folder ``root``, in a stable order, and what was skipped.

    Two submissions that claim the same student are both kept out of the list (and reported):
    grading either one would be a guess.
    """
    found = Collection()
    _scan(Path(root), "", found, depth=0)
    by_student: dict[str, list[Entry]] = {}
    for entry in found.entries:
        for student in (entry.student, *entry.members):
            by_student.setdefault(student, []).append(entry)
    clashes = {student: entries for student, entries in by_student.items() if len(entries) > 1}
    dropped = {id(e) for entries in clashes.values() for e in entries}
    for student, entries in sorted(clashes.items()):
        found.skipped.append(f"{' and '.join(e.source for e in entries)}: all claim student {student}; "
                             "none was graded (keep one)")
    found.entries = sorted((e for e in found.entries if id(e) not in dropped), key=lambda e: e.student)
    return found


def submission_target(folder: Path, files: tuple[str, ...]) -> Path:
    """What to grade in a submission folder: the folder itself when it holds any of the
    assignment's ``files``; else its only notebook, zip, or (for a one-file assignment) ``.py``."""
    present, _ = _files_below(folder)
    if any(Path(name).name in files for name in present):
        return folder
    for suffix in (".ipynb", ".zip", ".py"):
        candidates = [path for name, path in present.items() if name.lower().endswith(suffix)]
        if len(candidates) == 1 and (suffix != ".py" or len(files) == 1):
            return candidates[0]
    return folder
