"""Reading files that a student supplied, in the trusted parent, without trusting their names.

A name in a student's folder may be a symbolic link (to ``/proc/self/environ``, to the
instructor's secret, to another student's work), a FIFO that blocks whoever opens it, a device,
or a sparse file of gigabytes. Every intake path (a file, a folder, a zip, a notebook, the LMS
runners' folders, ``grade batch`` checksums and staging) reads student files only through this
module, which guarantees:

* no link is followed anywhere below ``root`` (the folder the user or the platform named, which
  is trusted as given): each component is opened relative to its folder with ``O_NOFOLLOW``;
* only regular files are read: the entry is checked with ``lstat`` before it is opened (opening
  a FIFO or a device can block or act) and with ``fstat`` after (it may have been swapped);
* at most ``limit`` bytes are ever read; a larger file is one :class:`StudentFileError` line that
  names the file and the limit;
* checksums stream in :data:`CHUNK_BYTES` chunks, so memory stays flat whatever the file's size.
"""
from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path, PurePath

CHUNK_BYTES = 1 << 20
LARGEST_READ_BYTES = 64 << 20    # no reader takes a larger file (a zip, the largest, is capped to it)
_KINDS = {stat.S_IFLNK: "a symbolic link", stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFCHR: "a device",
          stat.S_IFBLK: "a device", stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a folder"}
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_FILE_FLAGS = (os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
               | getattr(os, "O_NONBLOCK", 0)       # a FIFO swapped in never blocks
               | getattr(os, "O_BINARY", 0))        # Windows: bytes as they are

#: Whether this platform opens a name relative to a folder's descriptor without following links
#: (POSIX). Windows can do neither: there each component is checked with ``lstat`` (a link or a
#: junction is refused) before the file is opened, and the file with ``fstat`` after. What is left
#: between the two is a race for someone on the same machine, and on Windows the grader runs on
#: the student's own laptop (docs/security.md, "Windows and macOS").
_RELATIVE_OPEN = hasattr(os, "O_NOFOLLOW") and {os.open, os.stat} <= os.supports_dir_fd


class StudentFileError(OSError):
    """A student's file that is not read; ``str()`` is one line naming the file and why."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unreadable file"


class StudentFileTooLarge(StudentFileError):
    """A student's file over the limit of what is read; ``str()`` names the file and the limit."""


def size_text(n: int) -> str:
    """``n`` bytes for people: ``512 bytes``, ``2 KiB``, ``3.0 GiB``."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift:
            value = n / (1 << shift)
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} bytes"


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words (``a symbolic link``, ``a FIFO (named pipe)``...)."""
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def _refuse(shown: str, mode: int) -> StudentFileError:
    return StudentFileError(f"{shown} is {kind_of(mode)}, not a regular file; hand in the file itself")


def _parts(path: Path, root: Path | None) -> tuple[Path, tuple[str, ...]]:
    """``root`` (default: the file's folder) and the components of ``path`` below it."""
    if root is None:
        return path.parent, (path.name,)
    parts = PurePath(os.path.relpath(path, root)).parts
    if not parts or parts[0] == "..":
        raise StudentFileError(f"{path} is not inside {root}")
    return root, parts


def open_student_file(path: Path, root: Path | None = None) -> int:
    """A read-only descriptor of the regular file ``path``, reached from ``root`` (default: its
    folder) without following any link below ``root``. The caller closes it.

    Raises :class:`StudentFileError` for a link, a FIFO, a device or a folder, and
    FileNotFoundError (an OSError) when it is missing.
    """
    base, parts = _parts(Path(path), root)
    shown = "/".join(parts)
    file_fd = _open_below(base, parts, shown) if _RELATIVE_OPEN else _open_by_name(base, parts, shown)
    mode = os.fstat(file_fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(file_fd)
        raise _refuse(shown, mode)
    return file_fd


def _open_below(base: Path, parts: tuple[str, ...], shown: str) -> int:
    """:func:`open_student_file` on POSIX: each component opened relative to its folder."""
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)    # the root as named: trusted
    try:
        for i, part in enumerate(parts[:-1]):
            mode = os.stat(part, dir_fd=fd, follow_symlinks=False).st_mode
            if not stat.S_ISDIR(mode):
                raise StudentFileError(f"{'/'.join(parts[:i + 1])} is {kind_of(mode)}, not a folder; "
                                       f"{shown} was not read")
            inner = os.open(part, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = inner
        mode = os.stat(parts[-1], dir_fd=fd, follow_symlinks=False).st_mode
        if not stat.S_ISREG(mode):
            raise _refuse(shown, mode)
        try:
            file_fd = os.open(parts[-1], _FILE_FLAGS, dir_fd=fd)
        except OSError as exc:                 # ELOOP: it became a link since the lstat
            raise StudentFileError(f"{shown} cannot be opened safely ({exc.strerror})") from None
    finally:
        os.close(fd)
    return file_fd


def _open_by_name(base: Path, parts: tuple[str, ...], shown: str) -> int:
    """:func:`open_student_file` where names cannot be opened relative to a folder (Windows):
    every component checked with ``lstat`` first (see :data:`_RELATIVE_OPEN`)."""
    here = Path(base)
    for i, part in enumerate(parts):
        here = here / part
        mode = _lstat_mode(here)
        if i < len(parts) - 1 and not stat.S_ISDIR(mode):
            raise StudentFileError(f"{'/'.join(parts[:i + 1])} is {kind_of(mode)}, not a folder; "
                                   f"{shown} was not read")
    if not stat.S_ISREG(mode):
        raise _refuse(shown, mode)
    return os.open(here, _FILE_FLAGS)


def _lstat_mode(path: Path) -> int:
    """``path``'s own mode, not its target's; a Windows junction (a reparse point) counts as a link."""
    st = os.lstat(path)
    return stat.S_IFLNK if getattr(st, "st_reparse_tag", 0) else st.st_mode


def read_student_file(path: Path, limit: int, root: Path | None = None) -> bytes:
    """The bytes of the student's regular file ``path`` (see :func:`open_student_file`), of at most
    ``limit`` bytes: a larger file is refused before its contents are read, and a file that grows
    (or lies about its size, as ``/proc`` files do) is never read past ``limit + 1`` bytes."""
    fd = open_student_file(path, root)
    with os.fdopen(fd, "rb", buffering=0) as f:
        size = os.fstat(fd).st_size
        shown = Path(path).name
        if size > limit:
            raise StudentFileTooLarge(f"{shown} is {size_text(size)}; the limit is {size_text(limit)}")
        chunks, got = [], 0
        while got <= limit:
            chunk = f.read(min(CHUNK_BYTES, limit + 1 - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        if got > limit:
            raise StudentFileTooLarge(f"{shown} is more than {size_text(limit)}; the limit is {size_text(limit)}")
        return b"".join(chunks)


@contextlib.contextmanager
def student_file_chunks(path: Path, root: Path | None = None) -> Iterator[tuple[int, Iterator[bytes]]]:
    """``(size, chunks)`` of the student's regular file ``path`` (see :func:`open_student_file`):
    its size as the kernel states it, and its bytes in chunks of :data:`CHUNK_BYTES`, read as
    they are consumed, so that hashing a file of gigabytes keeps memory flat."""
    fd = open_student_file(path, root)
    with os.fdopen(fd, "rb", buffering=0) as f:
        yield os.fstat(fd).st_size, iter(lambda: f.read(CHUNK_BYTES), b"")


def copy_student_file(path: Path, target: Path, limit: int) -> None:
    """Copy the student's regular file ``path`` (never through a link) to the new file ``target``,
    in chunks; StudentFileTooLarge when it holds more than ``limit`` bytes."""
    with student_file_chunks(path) as (size, chunks):
        if size > limit:
            raise StudentFileTooLarge(f"{path.name} is {size_text(size)}; the limit is {size_text(limit)}")
        copied = 0
        with open(target, "xb") as out:
            for chunk in chunks:
                copied += len(chunk)
                if copied > limit:
                    raise StudentFileTooLarge(f"{path.name} is more than {size_text(limit)}; "
                                              f"the limit is {size_text(limit)}")
                out.write(chunk)


def walk_student_folder(folder: Path) -> tuple[dict[str, Path], dict[str, str]]:
    """The regular files below ``folder`` by relative POSIX name, and every other entry that is not
    a folder (``name -> what it is``: a link, a FIFO...). Links to folders are not entered; the
    files are found by ``lstat`` alone, so nothing here follows a link or opens a file."""
    files: dict[str, Path] = {}
    others: dict[str, str] = {}
    for here, dirs, names in os.walk(folder, followlinks=False):
        base = Path(here)
        for name in sorted(dirs):
            if os.path.islink(base / name):
                others[(base / name).relative_to(folder).as_posix()] = kind_of(stat.S_IFLNK)
        for name in names:
            path = base / name
            try:
                mode = os.lstat(path).st_mode
            except OSError:
                continue                       # gone since the listing
            rel = path.relative_to(folder).as_posix()
            if stat.S_ISREG(mode):
                files[rel] = path
            else:
                others[rel] = kind_of(mode)
    return dict(sorted(files.items())), dict(sorted(others.items()))
