"""The warm worker template, and the environment every worker starts with.

Kept apart from :mod:`grader.sandbox.client` so that it imports nothing but the standard library: the
command line starts the template first thing, before NumPy and the spec have loaded, and by the
time the first submission needs a worker the template has started Python and imported NumPy.
"""
from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from . import isolation
from .isolation import worker_environment

#: The worker program's script (named, not imported: this module loads before NumPy, so that
#: the template starts while the grader imports; the client imports it, which caches its bytecode).
WORKER_SCRIPT = Path(__file__).resolve().parent / "worker.py"
START_ENV = "DLGRADE_WORKER_START"           # fork (default on Linux), spawn or portable (default elsewhere)
START_PATHS = {                              # DLGRADE_WORKER_START's values, as `python -m grader.sandbox` shows them
    "fork": "a fork of the warm template per worker, Linux only",
    "spawn": "a fresh interpreter per worker, given its pipes, POSIX only",
    "portable": "a fresh interpreter per worker, over its stdin and stdout; deadlines kept by threads",
}


# Deadlines of the waits on other processes (seconds). None of them is ever waited on without one.
STARTUP_SECONDS = 20.0      # a template or a worker, from its start to its first message (Python, NumPy)
FORK_SECONDS = 5.0          # a started template, from a request to its answer (a fork: a few ms)
REAP_SECONDS = 5.0          # a process sent SIGKILL, until its exit status arrives


class Template:
    """A warm process (Python started, NumPy imported, no student code ever) that forks workers.

    One per grading process, started on first use and again if it dies or misses a deadline. A
    fork costs a few milliseconds where a fresh interpreter costs ~100 ms, which is most of a small
    submission's overhead in a batch. See :func:`grader.sandbox.launcher._serve_template` for the other
    side. Every wait on it has a deadline: its start-up message (:data:`STARTUP_SECONDS`), each
    fork's answer (:data:`FORK_SECONDS`), each worker's exit status (the caller's timeout), each
    send; a template that misses one is killed (:meth:`abandon`) and the next worker gets a new one.
    """

    _current: Template | None = None
    _guard = threading.Lock()

    @classmethod
    def get(cls) -> Template:
        with cls._guard:
            if cls._current is None or not cls._current.alive:
                if cls._current is not None:
                    cls._current.abandon()          # its process may live on with a broken socket
                cls._current = cls()
            return cls._current

    @classmethod
    def _forget_in_child(cls) -> None:
        """In a forked child (a batch's grading process): the parent's template is the parent's.
        Drop this copy of it without a word to that process (which another thread may have been
        talking to at the fork: the lock starts afresh), so the child starts its own."""
        cls._guard = threading.Lock()
        if cls._current is not None:
            cls._current.sock.close()           # this process's copy of the descriptor only
            cls._current = None

    @classmethod
    def close_current(cls) -> None:
        """Stop this process's template, if it has one, and reap it. A process about to exit calls
        it (``atexit``, and a batch's grading process explicitly, as multiprocessing's children
        skip ``atexit``): else the template ends after its parent, as a zombie left to init."""
        with cls._guard:
            if cls._current is not None:
                cls._current.abandon()
                cls._current = None

    def __init__(self):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        ours.settimeout(FORK_SECONDS)                   # sends too: a stopped template's full socket
        self.sock = ours
        home = tempfile.gettempdir()
        plan = {"template": True, "socket": theirs.fileno(), "layers": []}
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            isolation.current().command(plan, [str(WORKER_SCRIPT)]), cwd=home,
            env=worker_environment(home), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, pass_fds=(theirs.fileno(),), start_new_session=True, close_fds=True)
        theirs.close()
        self.lock = threading.Lock()                     # one fork request at a time
        self.changed = threading.Condition()
        self.exits: dict[int, int] = {}
        self.orphans: set[int] = set()                   # workers that ended with the template
        self.pids: list[int] = []
        self.ready = False
        self.closed = False
        threading.Thread(target=self._listen, daemon=True, name="dlgrade-template").start()

    @property
    def alive(self) -> bool:
        return not self.closed and self.proc.poll() is None

    def _listen(self) -> None:
        while True:
            try:
                event = self._receive()
            except TimeoutError:                         # idle: the socket's timeout is for sends
                continue
            with self.changed:
                if event is None:
                    self.closed = True
                elif "ready" in event:
                    self.ready = True
                elif "exit" in event:
                    self.exits[int(event["exit"])] = int(event["status"])
                else:
                    self.pids.append(int(event["pid"]))
                self.changed.notify_all()
                if self.closed:
                    return

    def _receive(self) -> dict | None:
        """The template's next message; None when it is gone or says something malformed."""
        try:
            message = self.sock.recv(4096)
            event = json.loads(message) if message else None
            if not isinstance(event, dict) or not event.keys() & {"ready", "exit", "pid"} \
                    or ("exit" in event and "status" not in event):
                return None
            return event if all(isinstance(event.get(k, 0), int) for k in ("ready", "exit", "status", "pid")) else None
        except TimeoutError:
            raise
        except (OSError, ValueError, AttributeError):
            return None

    def fork(self, plan: dict, args: list[str], cwd: str, env: dict[str, str], fds: list[int]) -> int:
        """Ask for a worker; returns its pid. Raises OSError when the template is gone or misses
        its deadline (it is then abandoned: the caller starts an interpreter instead)."""
        with self.lock:
            request = json.dumps({"plan": plan, "args": args, "cwd": cwd, "env": env}).encode()
            try:
                socket.send_fds(self.sock, [request], fds)
            except OSError:                              # TimeoutError included
                self.abandon()
                raise OSError("the worker template did not take a request") from None
            with self.changed:
                deadline = (self.started + STARTUP_SECONDS) if not self.ready else time.monotonic() + FORK_SECONDS
                answered = self.changed.wait_for(lambda: self.pids or self.closed,
                                                 timeout=max(0.0, deadline - time.monotonic()))
                if answered and self.pids:
                    return self.pids.pop(0)
            self.abandon()
            raise OSError("the worker template did not answer" if not answered else "the worker template has exited")

    def abandon(self) -> None:
        """Kill the template (its workers die with it: PR_SET_PDEATHSIG) and stop waiting on it."""
        with self.changed:
            self.closed = True
            self.changed.notify_all()
        if self.proc.poll() is None:                     # not reaped yet: the pid is still its own
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)    # its own session: this ends a stopped one too
            except OSError:
                pass
        try:
            self.sock.shutdown(socket.SHUT_RDWR)         # wakes the listener
        except OSError:
            pass
        try:
            self.proc.wait(timeout=REAP_SECONDS)
        except subprocess.TimeoutExpired:
            pass

    def status(self, pid: int) -> int | None:
        with self.changed:
            return self.exits.get(pid)

    def wait_exit(self, pid: int, timeout: float) -> int | None:
        """The wait status of worker ``pid`` within ``timeout`` seconds, else None."""
        with self.changed:
            self.changed.wait_for(lambda: pid in self.exits or self.closed, timeout=timeout)
            if pid not in self.exits and self.closed:
                self.exits[pid] = signal.SIGKILL        # the template died, and its workers with it
                self.orphans.add(pid)
            return self.exits.get(pid)


_prepared = threading.Event()
atexit.register(Template.close_current)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=Template._forget_in_child)


def prepare_in_background() -> None:
    """Probe the isolation tier and start the worker template while the caller does other work
    (importing the references takes as long): both wait on other processes, not on this one.
    Only the first call in a process starts anything.

    With the tier known (remembered from an earlier probe), the template starts here and now: a
    few milliseconds, where a thread would wait on the caller's imports, which hold the GIL.
    """
    if _prepared.is_set():
        return
    _prepared.set()

    def prepare() -> None:
        try:
            isolation.current()
            if fork_wanted():
                Template.get()
        except Exception:            # raised again, where it can be reported, when a worker starts
            pass
    if isolation.known():
        prepare()
    else:
        threading.Thread(target=prepare, daemon=True, name="dlgrade-prepare").start()


def start_path(platform: str = sys.platform) -> str:
    """How this process starts workers: ``fork`` (a fork of the warm template; Linux only),
    ``spawn`` (a fresh interpreter given its pipes with ``pass_fds``; POSIX only) or ``portable``
    (a fresh interpreter that talks over its stdin and stdout, with APIs that Windows has too:
    :class:`grader.sandbox.pipes.ThreadedPipes`).

    ``$DLGRADE_WORKER_START`` chooses; where the platform lacks what it asks for, the portable
    path (Windows has neither fork nor ``pass_fds``; the template is Linux-only). Default: fork
    on Linux, portable elsewhere. Raises :class:`IsolationError` (one line, which the CLI reports as a usage error) for an
    unknown value.
    """
    choice = os.environ.get(START_ENV, "").strip().lower() or "fork"
    if choice not in START_PATHS:
        *first, last = START_PATHS
        raise isolation.IsolationError(f"{START_ENV}={choice!r}: expected {', '.join(first)} or {last}")
    if choice == "fork" and not (platform.startswith("linux") and hasattr(os, "fork")):
        return "portable"
    if choice == "spawn" and platform == "win32":
        return "portable"
    return choice


def fork_wanted() -> bool:
    """Whether workers are forks of the template (:func:`start_path`; an unknown value is
    reported where a worker starts, not here)."""
    try:
        return start_path() == "fork"
    except isolation.IsolationError:
        return False
