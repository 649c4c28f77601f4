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
import ctypes
import fcntl
import json
import multiprocessing
import multiprocessing.connection
import os
import shutil
import signal
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from ..submissions.collect import Collection, Entry, collect, submission_target
from ..model.results import json_safe
from ..sandbox.client import isolation_tier
from ..model.spec import Spec, load_spec
from ..submissions.student_files import LARGEST_READ_BYTES, copy_student_file
from ..model.text import escape

RESULTS_FILE = "results.jsonl"
STAGING = ".staging"             # inside OUT: submissions whose files must be renamed to be graded
LOCK_FILE = ".lock"
MAX_STAGED_BYTES = LARGEST_READ_BYTES    # a file copied to be graded: no reader takes a larger one

#: Row statuses. ``graded`` covers every score, crashes and timeouts of the student's code too.
GRADED, UNREADABLE, GRADER_ERROR = "graded", "unreadable", "grader-error"
EXIT_OK, EXIT_GRADER_ERRORS = 0, 1


class BatchError(Exception):
    """The batch itself cannot run (OUT locked or not writable); one line."""


# --------------------------------------------------------------------------- one submission

_graders: dict[str, Any] = {}     # spec path -> Grader, one per grading process


def _grader(spec_path: str):
    """The grading process's one Grader for this spec: its expected outputs and drawn inputs,
    the same for every student, are computed for the first submission and reused after."""
    if spec_path not in _graders:
        from ..grading.engine import Grader
        _graders[spec_path] = Grader(load_spec(spec_path))
    return _graders[spec_path]


def grade_one(spec_path: str, submission_path: str, student: str, options: dict) -> dict:
    """Grade one submission in this (trusted) process: the ``grade check --format json`` document
    plus ``status`` (graded, unreadable or grader-error) and ``reason``. Never raises for a bad
    submission; hidden tests are included (instructor mode). ``options``: ``tests`` (names or None).
    """
    from ..submissions.intake import IntakeError, read_submission
    from ..render.reports import render_json

    grader = _grader(spec_path)
    spec, tests = grader.spec, options.get("tests")
    try:
        submission = read_submission(spec, submission_path)
    except IntakeError as exc:
        return _empty_row(spec, tests, UNREADABLE, str(exc))
    if not submission.sources:               # not one file could be read: nothing to grade
        return _empty_row(spec, tests, UNREADABLE, "; ".join(submission.problems.values()))
    submission.student = student
    try:
        result = grader.grade(submission, spec.select(tests, include_hidden=True))
        row = json.loads(render_json(result))
    except Exception as exc:          # a bug in the grader must cost one row, not the batch
        return _empty_row(spec, tests, GRADER_ERROR, f"{type(exc).__name__}: {exc}")
    return {"status": GRADED, "reason": "", **row}


def _warm_up(spec_path: str) -> None:
    """Grade the assignment's own stub once, so that loading the references (Numba's cache) is not
    charged to the first real submission, whose timing the report compares with the others."""
    from ..submissions.intake import read_submission

    grader = _grader(spec_path)
    with contextlib.suppress(Exception):         # only a head start: real grading reports problems
        grader.grade(read_submission(grader.spec, grader.spec.dir), grader.spec.select(None, include_hidden=True))


def _empty_row(spec: Spec, tests: list[str] | None, status: str, reason: str) -> dict:
    """The row of a submission that has no test results: score 0 of the tests' maximum."""
    selected = spec.select(tests, include_hidden=True)
    return {"status": status, "reason": reason.splitlines()[0] if reason else status,
            "assignment": spec.id, "title": spec.title, "submission": "", "score": 0.0,
            "max_score": sum(t.points for t in selected), "isolation": "", "duration_seconds": 0.0,
            "tests": [], "output": ""}


# --------------------------------------------------------------------------- results.jsonl

class ResultsLog:
    """``OUT/results.jsonl``: one JSON object per line, appended durably; the last row per student wins."""

    def __init__(self, path: Path):
        self.path = path

    def load(self) -> tuple[dict[str, dict], int]:
        """The latest row per student, and how many damaged lines were dropped.

        A last line without its newline is what a kill left half-written: the file is cut back to
        the last complete line so that appending goes on cleanly.
        """
        if not self.path.exists():
            return {}, 0
        data = self.path.read_bytes()
        complete = data.rfind(b"\n") + 1
        damaged = int(complete < len(data))
        if damaged:
            with open(self.path, "r+b") as f:
                f.truncate(complete)
                os.fsync(f.fileno())
        rows: dict[str, dict] = {}
        for line in data[:complete].splitlines():
            try:
                row = json.loads(line)
            except ValueError:
                damaged += 1
                continue
            if isinstance(row, dict) and isinstance(row.get("student"), str):
                rows[row["student"]] = row
            else:
                damaged += 1
        return rows, damaged

    def append(self, row: dict) -> None:
        """Add ``row`` durably. Its text is escaped and its numbers made finite first
        (:func:`grader.model.results.json_safe`): a lone surrogate in a student's exception, or a folder
        name that is not UTF-8, can be neither encoded nor resumed from."""
        line = _json_line(row).encode("utf-8")
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            view = memoryview(line)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)

    def rewrite(self, rows: list[dict]) -> None:
        atomic_write(self.path, "".join(_json_line(r) for r in rows))


def _json_line(row: dict) -> str:
    return json.dumps(json_safe(row), allow_nan=False, ensure_ascii=False) + "\n"


def atomic_write(path: Path, text: str) -> None:
    """Write ``path`` whole or not at all: a temporary file beside it, fsync'ed, then renamed."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# --------------------------------------------------------------------------- grading processes

_PR_SET_PDEATHSIG = 1


def _stop_with_parent(parent_pid: int) -> None:
    """Linux: ask the kernel to send SIGTERM when the batch process dies (even by kill -9)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent_pid:           # the parent died before the request above
        sys.exit(0)


def _exit_on_sigterm(signum, frame) -> None:
    # SystemExit unwinds grade(): its ``finally`` closes the sandboxed worker (kills its group).
    raise SystemExit(128 + signum)


def _serve(conn, spec_path: str, options: dict, parent_pid: int) -> None:
    """A grading process: receive (job id, path, student), send back (job id, row), until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)          # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    _stop_with_parent(parent_pid)
    _warm_up(spec_path)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        job_id, path, student = job
        start = time.perf_counter()
        row = grade_one(spec_path, path, student, options)
        row["grader_seconds"] = round(time.perf_counter() - start, 4)
        try:
            conn.send((job_id, row))
        except (BrokenPipeError, OSError):
            return


@dataclass
class _Process:
    proc: Any
    conn: Any
    job: int | None = None
    since: float = 0.0


class _Pool:
    """``jobs`` grading processes, one submission each at a time.

    Results come back in completion order through ``run``. A process that dies, or that takes
    longer than ``limit_s`` on one submission, is replaced and its submission gets a grader-error
    row. ``close`` SIGTERMs the busy ones, which unwinds their grading and closes their workers.
    """

    def __init__(self, jobs: int, spec_path: str, options: dict, limit_s: float):
        self.ctx = multiprocessing.get_context("spawn")
        self.args = (spec_path, options, os.getpid())
        self.limit_s = limit_s
        self.processes = [self._start() for _ in range(jobs)]

    def _start(self) -> _Process:
        parent_conn, child_conn = self.ctx.Pipe()
        proc = self.ctx.Process(target=_serve, args=(child_conn, *self.args), daemon=True,
                                name="dlgrade-grader")
        proc.start()
        child_conn.close()
        return _Process(proc, parent_conn)

    def _retire(self, p: _Process, terminate: bool) -> None:
        """Wait for ``p`` to end (after SIGTERM when ``terminate``); SIGKILL it after 5 s."""
        if terminate:
            p.proc.terminate()
        p.proc.join(timeout=5)
        if p.proc.is_alive():
            p.proc.kill()
            p.proc.join()
        p.conn.close()

    def run(self, jobs: list[tuple[int, str, str]], stopping: Callable[[], bool]) -> Iterator[tuple[int, dict]]:
        """Yield (job id, row) for each of ``jobs`` (id, path, student) as it completes."""
        queue = deque(jobs)
        while queue or any(p.job is not None for p in self.processes):
            if stopping():
                return
            for p in self.processes:
                if p.job is None and queue:
                    job = queue.popleft()
                    p.job, p.since = job[0], time.monotonic()
                    p.conn.send(job)
            busy = [p for p in self.processes if p.job is not None]
            ready = multiprocessing.connection.wait([p.conn for p in busy], timeout=0.2)
            for p in busy:
                failure = None
                if p.conn in ready:
                    try:
                        job_id, row = p.conn.recv()
                        p.job = None
                        yield job_id, row
                        continue
                    except (EOFError, OSError):
                        p.proc.join(timeout=1)
                        failure = f"the grading process died (exit status {p.proc.exitcode})"
                elif time.monotonic() - p.since > self.limit_s:
                    failure = f"grading took longer than {self.limit_s:.0f} s; stopped"
                if failure:
                    job_id = p.job
                    self._retire(p, terminate=True)
                    self.processes[self.processes.index(p)] = self._start()
                    yield job_id, {"status": GRADER_ERROR, "reason": failure}

    def close(self, now: bool = False) -> None:
        """Stop every process: politely when idle, by SIGTERM when busy or when ``now``."""
        for p in self.processes:
            if p.job is None and not now:
                with contextlib.suppress(OSError):
                    p.conn.send(None)
        for p in self.processes:
            self._retire(p, terminate=p.job is not None or now)


def _make_pool(scheduler: str | None, jobs: int, spec_path: str, options: dict, limit_s: float):
    """The local pool of grading processes, or a Dask cluster's workers behind the same interface."""
    if scheduler is None:
        return _Pool(jobs, spec_path, options, limit_s)
    from .cluster import DaskPool
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
    """OUT, created if needed, for one batch at a time: two writers would interleave their rows."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        lock = open(out / LOCK_FILE, "w")
    except OSError as exc:
        raise BatchError(f"{out}: cannot write there ({exc.strerror or exc})") from None
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BatchError(f"{out}: another grade batch is writing here") from None
        yield


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
    from ..render.feedback import write_outputs

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
        from .similarity_report import SourceKeeper
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
            from .similarity_report import run_similarity
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
