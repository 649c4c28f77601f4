"""Grade a whole class: ``grade batch ASSIGNMENT SUBMISSIONS --out OUT``.

The parent process finds the submissions (:mod:`grader.submissions.collect`), skips those already graded
with the same checksum, and hands the rest to a pool of *grading processes*: trusted processes
(started with ``spawn``) that each call :func:`grade_one` on one submission at a time, which
starts the submission's own sandboxed worker. Grading processes are separate processes, not
threads, so that a grader that dies (a crash in a native library, memory) costs one row, not
the batch, and so that stopping one also stops its sandboxed worker (see :class:`_Pool`).

Nothing is lost: the parent alone writes ``OUT/results.jsonl``, one JSON line per submission,
appended and fsync'ed as each result arrives, so a batch killed at any moment (even ``kill -9``)
loses at most the line being written; a truncated last line is dropped when the batch runs
again. A run over the same ``OUT`` regrades only the submissions with no row, with a changed
checksum, or whose last grading hit a grader error. The gradebook, feedback pages and report
are regenerated from ``results.jsonl`` at the end, each written to a temporary file and renamed.
Ctrl-C (or SIGTERM) stops dispatching, stops the running graders and their workers, writes the
outputs for what finished and exits with 128 + the signal number.
"""
from __future__ import annotations

import contextlib
import shutil
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import filelock

from ..model.results import GRADED, GRADER_ERROR, UNREADABLE, BatchSummary, json_safe
from ..model.spec import Spec, load_spec
from ..model.text import escape
from ..render.feedback import write_outputs
from ..sandbox.client import isolation_tier
from ..submissions.collect import Collection, Entry, collect, submission_target
from ..submissions.student_files import LARGEST_READ_BYTES, copy_student_file
from .cluster import DaskPool
from .pool import _Pool
from .results_log import RESULTS_FILE, ResultsLog
from .similarity_report import SourceKeeper, run_similarity
from .task import _empty_row

STAGING = ".staging"             # inside OUT: submissions whose files must be renamed to be graded
LOCK_FILE = ".lock"
MAX_STAGED_BYTES = LARGEST_READ_BYTES    # a file copied to be graded: no reader takes a larger one

class BatchError(Exception):
    """The batch itself cannot run (OUT locked or not writable); one line."""


# --------------------------------------------------------------------------- one submission

# --------------------------------------------------------------------------- grading processes

def _make_pool(scheduler: str | None, jobs: int, spec_path: str, options: dict, limit_s: float):
    """The local pool of grading processes, or a Dask cluster's workers behind the same interface."""
    if scheduler is None:
        return _Pool(jobs, spec_path, options, limit_s)
    try:
        return DaskPool(scheduler, spec_path, options, limit_s)
    except (OSError, RuntimeError) as exc:          # unreachable scheduler, Dask not installed
        raise BatchError(f"--scheduler {scheduler}: {exc}".splitlines()[0]) from None


# --------------------------------------------------------------------------- the batch

@dataclass
class Job:
    entry: Entry
    checksum: str
    path: Path          # what grade_one reads: a file, or a folder


def needs_grading(previous: dict | None, checksum: str) -> bool:
    """Whether a submission must be graded, given its row from an earlier run (None: no row).

    A row is kept when it is for the same files (checksum) and is a real result: graded or
    unreadable. A grader error is tried again, since it may have been the grader's passing fault.
    """
    return not (previous and previous.get("checksum") == checksum and previous.get("status") in (GRADED, UNREADABLE))


def _stage(entry: Entry, dest: Path, files: tuple[str, ...]) -> Path:
    """The path to grade for ``entry``: in place where its files carry their own names, else
    copies under those names in ``dest`` (Canvas and Moodle prefix every file name), each of at
    most :data:`MAX_STAGED_BYTES`, never through a link. Raises OSError (StudentFileError)."""
    if entry.folder is not None:
        return submission_target(entry.folder, files)
    if len(entry.files) == 1:
        (name, path), = entry.files.items()
        if path.name == name:
            return path
    for name, path in entry.files.items():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        copy_student_file(path, target, MAX_STAGED_BYTES)
    if len(entry.files) == 1:
        return dest / next(iter(entry.files))
    return submission_target(dest, files)


def _row(entry: Entry, checksum: str, result: dict) -> dict:
    """A results.jsonl row: who and what (student, checksum...), then the grading result."""
    return {"student": entry.student, "name": entry.name, "members": list(entry.members),
            "layout": entry.layout, "source": entry.source, "checksum": checksum,
            **result, "submission": entry.source}


def _key(student: str) -> str:
    """A student's id as results.jsonl holds it (escaped: ids come from file and folder names)."""
    return escape(student)


def _record(log: ResultsLog, row: dict, spec: Spec, tests: list[str] | None) -> dict:
    """Append ``row`` to the log and return it as written (escaped, finite); a row that cannot be
    written becomes that student's grader-error row (regraded next run), so that one result never
    stops the batch."""
    try:
        safe = json_safe(row)
        log.append(safe)
        return safe
    except (ValueError, TypeError, RecursionError) as exc:
        identity = {k: row[k] for k in ("student", "name", "members", "layout", "source", "checksum") if k in row}
        failed = {**identity, **_empty_row(spec, tests, GRADER_ERROR, f"the result could not be recorded "
                                             f"({type(exc).__name__}: {exc})"), "submission": row.get("source", "")}
        failed = json_safe(failed)
        log.append(failed)
        return failed


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    """OUT, created if needed, for one batch at a time: two writers would interleave their rows.

    The lock is ``filelock``'s (``flock`` on POSIX, ``msvcrt.locking`` on Windows): the system
    drops it when its process ends, however it ends."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(out / LOCK_FILE, timeout=0)
        lock.acquire()
    except filelock.Timeout:
        raise BatchError(f"{out}: another grade batch is writing here") from None
    except OSError as exc:
        raise BatchError(f"{out}: cannot write there ({exc.strerror or exc})") from None
    try:
        yield
    finally:
        lock.release()


@contextlib.contextmanager
def _stop_signals() -> Iterator[list[int]]:
    """SIGINT and SIGTERM set a flag the first time (the batch stops cleanly); a second SIGINT
    interrupts at once."""
    received: list[int] = []

    def handler(signum, frame):
        if received and signum == signal.SIGINT:
            raise KeyboardInterrupt
        received.append(signum)

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield received
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def run_batch(spec_path: Path, submissions: Path, out: Path, *, jobs: int, resume: bool = True,
              tests: list[str] | None = None, log_stream=None, bar: bool | None = None,
              scheduler: str | None = None, similarity: bool = False) -> BatchSummary:
    """Grade every submission in ``submissions`` into ``out``; see the module docstring.

    Progress goes to ``log_stream`` (a bar when it is a terminal, or when ``bar``). With
    ``scheduler`` (a Dask scheduler's address) the grading runs on that cluster
    (:mod:`grader.course.cluster`); everything else is the same. Raises SpecError for a bad spec and
    BatchError when ``out`` is in use by another batch or the scheduler cannot be reached. The
    sources of what was graded are kept for :mod:`grader.course.similarity_report`; with ``similarity``
    its report is written too.
    """

    spec = load_spec(spec_path)
    selected = spec.select(tests, include_hidden=True)     # unknown test names fail before any work
    isolation_tier()                          # DLGRADE_ISOLATION=strong that cannot be met: stop now
    found: Collection = collect(submissions)
    with _locked(out), _stop_signals() as received:
        log = ResultsLog(out / RESULTS_FILE)
        previous, damaged = log.load() if resume else ({}, 0)
        if not resume:
            log.rewrite([])
        staging = out / STAGING
        shutil.rmtree(staging, ignore_errors=True)
        rows: dict[str, dict] = {}              # by _key(student), as in results.jsonl
        todo: list[Job] = []
        sources = SourceKeeper(spec, out)         # what grade similarity compares, kept as results come
        for index, entry in enumerate(found.entries):
            if received:
                break
            key = _key(entry.student)
            try:
                checksum = entry.checksum()
                if needs_grading(previous.get(key), checksum):
                    todo.append(Job(entry, checksum, _stage(entry, staging / str(index), spec.files)))
                else:
                    rows[key] = previous[key]
            except OSError as exc:            # a file that went, a link or FIFO swapped in, too large to stage
                rows[key] = _record(log, _row(entry, "", _empty_row(spec, tests, UNREADABLE, f"{entry.source}: {exc}")),
                                    spec, tests)
        keys = [_key(e.student) for e in found.entries]
        summary = BatchSummary(total=len(found.entries), graded_now=0, reused=len(rows), rows=[],
                               skipped=found.skipped, damaged_lines=damaged,
                               stale_students=sorted(set(previous) - set(keys)))
        if todo and not received:
            progress = Progress(len(todo), stream=log_stream, bar=bar)
            limit_s = 120 + 4 * sum((t.timeout or spec.limits.wall_seconds) for t in selected)
            pool = _make_pool(scheduler, min(jobs, len(todo)), str(spec.path), {"tests": tests}, limit_s)
            try:
                work = [(i, str(job.path), job.entry.student) for i, job in enumerate(todo)]
                for job_id, result in pool.run(work, stopping=lambda: bool(received)):
                    job = todo[job_id]
                    if result["status"] != GRADED:       # fill in score 0 of the maximum
                        result = {**_empty_row(spec, tests, result["status"], result["reason"]), **result}
                    row = rows[_key(job.entry.student)] = _record(log, _row(job.entry, job.checksum, result),
                                                                  spec, tests)
                    sources.keep(job.checksum, job.path)
                    summary.graded_now += 1
                    progress.update(job.entry.student, row)
            finally:
                pool.close(now=bool(received))
                progress.finish()
        summary.interrupted = received[0] if received else 0
        # A submission not regraded before a stop keeps its previous row (and its old checksum,
        # so the next run regrades it); students no longer in SUBMISSIONS go.
        summary.rows = [rows.get(k) or previous[k] for k in keys if k in rows or k in previous]
        log.rewrite(summary.rows)
        write_outputs(spec, summary, out)
        if similarity:
            run_similarity(out, summary.rows)
        shutil.rmtree(staging, ignore_errors=True)
    return summary


# --------------------------------------------------------------------------- progress

def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 \
        else f"{seconds // 60}:{seconds % 60:02d}"


class Progress:
    """Progress on ``stream``: a one-line bar on a terminal, else a log line per submission."""

    def __init__(self, total: int, stream=None, bar: bool | None = None):
        self.total, self.stream = total, stream
        self.bar = stream is not None and (stream.isatty() if bar is None else bar)
        self.done = self.problems = 0
        self.start = time.monotonic()

    def update(self, student: str, row: dict) -> None:
        """Count ``row`` and show it. The student's id and the row's reason come from file names and
        the submission's own text: they are escaped to one line (:func:`grader.model.text.escape`)."""
        self.done += 1
        problem = row["status"] != GRADED or any(t["status"] in ("timeout", "crashed") for t in row["tests"])
        self.problems += problem
        if self.stream is None:
            return
        elapsed = time.monotonic() - self.start
        if self.bar:
            eta = elapsed / self.done * (self.total - self.done)
            width = 30
            filled = width * self.done // max(self.total, 1)
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}  "
                              f"problems {self.problems}  elapsed {_clock(elapsed)}  ETA {_clock(eta)} ")
        else:
            score = f"{row['score']:g}/{row['max_score']:g}"
            why = f": {escape(row['reason'], multiline=False)}" if row["status"] != GRADED else ""
            self.stream.write(f"[{self.done}/{self.total}] {escape(student, multiline=False)}: {score} "
                              f"({escape(row['status'], multiline=False)}{why}) "
                              f"{row.get('grader_seconds', 0):.1f} s\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.bar and self.stream is not None:
            self.stream.write("\n")
            self.stream.flush()
