"""Unpack a student's ``.zip`` safely, and read it as a submission.

A zip is untrusted input. Before anything is written, every member is checked: no absolute path,
no ``..`` component, no drive letter, no link or device (the Unix mode in ``external_attr``), no
encrypted member, no name twice, at most :data:`MAX_FILES` files and :data:`MAX_TOTAL_BYTES`
uncompressed, and no member that inflates more than :data:`MAX_RATIO` times (a compression
bomb). Before :mod:`zipfile` reads the archive's directory (a Python object per entry), the zip
itself is checked: a regular file, not a link (:mod:`grader.submissions.student_files`), of at most
:data:`MAX_ZIP_BYTES`, whose directory lists at most :data:`MAX_MEMBERS` entries in at most
:data:`MAX_DIRECTORY_BYTES`, so that 300,000 empty folders cost nothing to refuse. The sizes in the headers are the sender's word, but :mod:`zipfile` never inflates more
than a member's declared size and checks its CRC, so they bound what is written. Anything refused
raises :class:`ArchiveError` with a one-line reason: a refusal by the checks writes nothing; a
damaged member (bad CRC) stops the unpacking where it is. macOS metadata (``__MACOSX/``, ``._*``)
is skipped.
"""
from __future__ import annotations

import os
import shutil
import stat
import zipfile
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from .student_files import LARGEST_READ_BYTES, StudentFileError, open_student_file, size_text
from .submission import IntakeError

MiB = 1 << 20
MAX_FILES = 200                 # members that are files
MAX_TOTAL_BYTES = 32 * MiB      # uncompressed, all members together
MAX_RATIO = 200                 # uncompressed / compressed, for members over RATIO_FLOOR
RATIO_FLOOR = 1 * MiB           # small members may compress well (a file of zeros); they cannot hurt
MAX_MEMBERS = 2000              # entries of every kind (folders and macOS junk too)
MAX_DIRECTORY_BYTES = 2 * MiB   # the central directory, which zipfile reads whole
MAX_ZIP_BYTES = LARGEST_READ_BYTES     # the archive itself: room for stored members and headers


class ArchiveError(IntakeError):
    """A zip that is refused or cannot be read; ``str()`` is the one-line reason."""


def _safe_name(info: zipfile.ZipInfo) -> PurePosixPath:
    """The member's relative path, or ArchiveError when it could escape the target folder."""
    raw = info.filename
    if "\x00" in raw:
        raise ArchiveError(f"member {raw!r} has a NUL byte in its name")
    name = raw.replace("\\", "/")            # zips made on Windows may use backslashes
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise ArchiveError(f"member {raw!r} has an absolute path")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise ArchiveError(f"member {raw!r} points outside the archive (..)")
    return PurePosixPath(*parts) if parts else PurePosixPath(".")


def _is_junk(path: PurePosixPath) -> bool:
    return "__MACOSX" in path.parts or path.name.startswith("._") or path.name == ".DS_Store"


def plan(archive: zipfile.ZipFile, *, max_files: int = MAX_FILES,
         max_bytes: int = MAX_TOTAL_BYTES) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    """The file members to extract, with their safe relative paths; ArchiveError if any is refused."""
    if len(archive.infolist()) > MAX_MEMBERS:        # a directory that lied about its count
        raise ArchiveError(f"it has {len(archive.infolist())} entries; the limit is {MAX_MEMBERS}")
    members, seen, total = [], set(), 0
    for info in archive.infolist():
        path = _safe_name(info)
        kind = stat.S_IFMT(info.external_attr >> 16)     # 0 when made without Unix modes (Windows)
        if kind == stat.S_IFLNK:
            raise ArchiveError(f"member {info.filename!r} is a symbolic link")
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise ArchiveError(f"member {info.filename!r} is not a plain file or folder")
        if info.is_dir() or kind == stat.S_IFDIR or _is_junk(path):
            continue
        if info.flag_bits & 0x1:
            raise ArchiveError(f"member {info.filename!r} is encrypted")
        if path in seen:
            raise ArchiveError(f"member {info.filename!r} appears twice")
        seen.add(path)
        if len(seen) > max_files:
            raise ArchiveError(f"more than {max_files} files")
        total += info.file_size
        if total > max_bytes:
            raise ArchiveError(f"more than {max_bytes // MiB} MiB when unpacked")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise ArchiveError(f"member {info.filename!r} inflates {info.file_size // max(info.compress_size, 1)} "
                               f"times (a compression bomb?)")
        members.append((info, path))
    return members


def check_directory(file: BinaryIO) -> None:
    """ArchiveError unless the zip's central directory is small: at most :data:`MAX_MEMBERS`
    entries in :data:`MAX_DIRECTORY_BYTES`. Read with zipfile's own ``_EndRecData``, the function
    ``ZipFile`` uses to find the directory, so the figures checked are the ones it will trust."""
    end = zipfile._EndRecData(file)
    if end is None:
        raise ArchiveError("not a valid zip archive (no end of central directory)")
    entries, size = end[zipfile._ECD_ENTRIES_TOTAL], end[zipfile._ECD_SIZE]
    if entries > MAX_MEMBERS:
        raise ArchiveError(f"it has {entries} entries; the limit is {MAX_MEMBERS}")
    if size > MAX_DIRECTORY_BYTES:
        raise ArchiveError(f"its list of entries takes {size_text(size)}; the limit is {size_text(MAX_DIRECTORY_BYTES)}")
    file.seek(0)


def extract(zip_path: Path, dest: Path, *, max_files: int = MAX_FILES, max_bytes: int = MAX_TOTAL_BYTES,
            root: Path | None = None) -> list[Path]:
    """Unpack the student's ``zip_path`` (below ``root``, default its folder: never through a link)
    into the existing folder ``dest``; the paths of the files written."""
    try:
        fd = open_student_file(zip_path, root)
    except StudentFileError as exc:
        raise ArchiveError(str(exc)) from None
    except OSError as exc:
        raise ArchiveError(f"cannot open it: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as file:
        size = os.fstat(fd).st_size
        if size > MAX_ZIP_BYTES:
            raise ArchiveError(f"it is {size_text(size)}; the limit is {size_text(MAX_ZIP_BYTES)}")
        return _extract_open(file, dest, max_files, max_bytes)


def _extract_open(file: BinaryIO, dest: Path, max_files: int, max_bytes: int) -> list[Path]:
    """:func:`extract` on the opened zip ``file``."""
    try:
        check_directory(file)
        with zipfile.ZipFile(file) as archive:
            members = plan(archive, max_files=max_files, max_bytes=max_bytes)
            written = []
            for info, relative in members:
                target = dest.joinpath(*relative.parts)
                if target.parent.exists() and not target.parent.is_dir():
                    raise ArchiveError(f"member {info.filename!r} is inside a file of the same name")
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as src, open(target, "xb") as out:
                    shutil.copyfileobj(src, out)
                written.append(target)
            return written
    except zipfile.BadZipFile as exc:
        raise ArchiveError(f"not a valid zip archive ({exc})") from None
    except (zipfile.LargeZipFile, NotImplementedError, RuntimeError, EOFError, ValueError) as exc:
        raise ArchiveError(f"cannot unpack: {exc}") from None
    except FileExistsError as exc:
        raise ArchiveError(f"member {Path(exc.filename).name!r} clashes with another member") from None
    except OSError as exc:       # a bad CRC is a BadZipFile (above); this is the disk
        raise ArchiveError(f"cannot unpack: {exc.strerror or exc}") from None
