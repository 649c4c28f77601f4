"""The local pool of grading processes behind ``grade batch``: each one grades one submission at a
time with :func:`grader.course.task.grade_one`, dies with the batch, and is replaced when it
dies or hangs.
"""
from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..model.results import GRADER_ERROR
from ..sandbox.template import Template
from .task import _warm_up, grade_one, load_before_fork

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


def _serve(conn, spec_path: str, options: dict, parent_pid: int, inherited: tuple[int, ...] = ()) -> None:
    """A grading process: receive (job id, path, student), send back (job id, row), until told to stop.
    ``inherited``: the parent's ends of the pipes, which a forked process holds and closes (with
    them open, its own pipe would never reach end-of-file)."""
    for fd in inherited:
        with contextlib.suppress(OSError):
            os.close(fd)
    signal.signal(signal.SIGINT, signal.SIG_IGN)          # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    _stop_with_parent(parent_pid)
    try:
        _warm_up(spec_path)
        _answer(conn, spec_path, options)
    finally:            # its worker template is its child: reaped here, not left to init as a zombie
        Template.close_current()


def _answer(conn, spec_path: str, options: dict) -> None:
    """Grade each job that arrives on ``conn`` until ``None`` or the end of the pipe."""
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


def _context() -> multiprocessing.context.BaseContext:
    """How grading processes start. On Linux they fork from the batch process once it has loaded
    the references (:func:`~grader.course.task.load_before_fork`): each shares that memory and
    start-up, where a spawned one loads Numba again (about 215 MiB and 1.5 s). Elsewhere (macOS,
    where forking a process that has loaded system frameworks is unsafe, and Windows) they spawn."""
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


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
        self.ctx = _context()
        if self.ctx.get_start_method() == "fork":
            load_before_fork(spec_path)
        self.args = (spec_path, options, os.getpid())
        self.limit_s = limit_s
        self.processes: list[_Process] = []
        for _ in range(jobs):
            self.processes.append(self._start())

    def _start(self) -> _Process:
        parent_conn, child_conn = self.ctx.Pipe()
        inherited: tuple[int, ...] = ()
        if self.ctx.get_start_method() == "fork":
            inherited = tuple(c.fileno() for c in [parent_conn, *(p.conn for p in self.processes)] if not c.closed)
        proc = self.ctx.Process(target=_serve, args=(child_conn, *self.args, inherited), daemon=True,
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
