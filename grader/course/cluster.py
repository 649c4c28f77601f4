"""Grade a batch on a Dask cluster, for when one machine is not enough (``grade batch --scheduler``).

The cluster runs the very function the local pool runs, :func:`grader.course.task.grade_one`, so the
results, the resume behaviour and the outputs are the same; only where the grading happens
changes. Each Dask task grades one submission, and inside it the student's code still runs in
its own sandboxed worker process on the Dask worker's machine.

Dask workers need not share a filesystem with the instructor: the assignment (with the
assignments it builds on and the references) travels once per worker as a zip, unpacked into a
cache folder named by its checksum, and each submission travels as its files' bytes. The
workers need dlgrade installed (``pip install dlgrade[dask]``), the same version as the batch.
"""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from ..model.spec import load_spec
from ..submissions.student_files import read_student_file, walk_student_folder
from .autograder import add_assignment
from .task import grade_one

MAX_SUBMISSION_BYTES = 64 * 1024 * 1024        # what one task may carry (the intake caps sources lower)


def pack_assignment(spec_path: str) -> bytes:
    """The assignment, those it builds on and the references, as a zip laid out like a checkout."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        add_assignment(archive, load_spec(spec_path))
    return buffer.getvalue()


def pack_submission(path: Path) -> tuple[str, dict[str, bytes]]:
    """("file" or "folder", relative name -> bytes) of a staged submission: its regular files,
    read without following a link (links, FIFOs and devices are not sent), at most
    :data:`MAX_SUBMISSION_BYTES` in all."""
    if not path.is_dir():
        return "file", {path.name: read_student_file(path, MAX_SUBMISSION_BYTES)}
    found, _ = walk_student_folder(path)
    files, total = {}, 0
    for name, item in found.items():
        if total + item.lstat().st_size > MAX_SUBMISSION_BYTES:
            raise ValueError(f"{path}: more than {MAX_SUBMISSION_BYTES >> 20} MiB to send")
        files[name] = read_student_file(item, MAX_SUBMISSION_BYTES - total, root=path)
        total += len(files[name])
    return "folder", files


def _unpacked(assignment_zip: bytes, digest: str) -> Path:
    """The assignment zip unpacked once per machine, into a folder named by its checksum."""
    root = Path(tempfile.gettempdir()) / "dlgrade-dask" / digest
    if not root.is_dir():
        root.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=root.parent, prefix=".unpack-"))
        with zipfile.ZipFile(io.BytesIO(assignment_zip)) as archive:
            archive.extractall(tmp)
        try:
            os.rename(tmp, root)
        except OSError:               # another task of this machine got there first
            shutil.rmtree(tmp, ignore_errors=True)
    return root


def grade_remote(assignment_zip: bytes, digest: str, spec_relpath: str, kind: str,
                 files: dict[str, bytes], student: str, options: dict) -> dict:
    """A Dask task: unpack, write the submission to a private folder, :func:`~grader.course.task.grade_one` it."""
    spec_path = _unpacked(assignment_zip, digest) / spec_relpath
    with tempfile.TemporaryDirectory(prefix="dlgrade-sub-") as tmp:
        for name, data in files.items():
            target = Path(tmp, "submission", name)
            if not target.resolve().is_relative_to(Path(tmp).resolve()):
                raise ValueError(f"unsafe file name {name!r}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        path = Path(tmp, "submission", next(iter(files))) if kind == "file" else Path(tmp, "submission")
        start = time.perf_counter()
        row = grade_one(str(spec_path), str(path), student, options)
        row["grader_seconds"] = round(time.perf_counter() - start, 4)
        return row


class DaskPool:
    """The batch's pool interface (``run``, ``close``) over a Dask scheduler at ``address``."""

    def __init__(self, address: str, spec_path: str, options: dict, limit_s: float):
        try:
            from distributed import Client  # optional (the dask extra), heavy: only with --scheduler
        except ImportError:
            raise RuntimeError("--scheduler needs Dask: pip install 'dlgrade[dask]'") from None
        self.client = Client(address, timeout="30s")
        self.options, self.limit_s = options, limit_s
        spec = load_spec(spec_path)
        packed = pack_assignment(spec_path)
        self.digest = hashlib.sha256(packed).hexdigest()[:16]
        self.spec_relpath = f"assignments/{spec.dir.name}/{spec.path.name}"
        self.assignment = self.client.scatter(packed, broadcast=True)
        self.futures: dict = {}

    def run(self, jobs: list[tuple[int, str, str]], stopping: Callable[[], bool]) -> Iterator[tuple[int, dict]]:
        """Yield (job id, row) for each of ``jobs`` (id, path, student) as the cluster finishes it."""
        from distributed import as_completed  # optional (the dask extra), heavy: only with --scheduler

        for job_id, path, student in jobs:
            try:
                kind, files = pack_submission(Path(path))
            except (OSError, ValueError) as exc:
                yield job_id, {"status": "unreadable", "reason": str(exc)}
                continue
            future = self.client.submit(grade_remote, self.assignment, self.digest, self.spec_relpath, kind, files,
                                        student, self.options, pure=False, key=f"dlgrade-{self.digest}-{job_id}")
            self.futures[future] = job_id
        for future in as_completed(list(self.futures)):
            if stopping():
                return
            job_id = self.futures.pop(future)
            try:
                yield job_id, future.result(timeout=self.limit_s)
            except Exception as exc:         # a lost worker or a grader bug costs one row, not the batch
                yield job_id, {"status": "grader-error", "reason": f"on the cluster: {type(exc).__name__}: {exc}"}

    def close(self, now: bool = False) -> None:
        if self.futures:
            self.client.cancel(list(self.futures))
        self.client.close()
