"""How the parent moves a request's bytes to a worker and its reply back, under a deadline.

The codec's frames and limits (:mod:`grader.sandbox.codec`) and the request logic
(:meth:`grader.sandbox.client.Worker.request`) are the same whatever the platform; only these
two operations differ, and each of the two transports below provides them:

``write(parts, deadline)``  write every buffer of ``parts`` (a frame, :func:`codec.frame_parts`)
``read(n, deadline)``       exactly ``n`` bytes, as a new ``bytearray``
``close()``                 release the pipes (after the worker is dead)

Both raise ``TimeoutError`` when ``deadline`` (a :func:`time.perf_counter` value) passes,
``EOFError`` when the worker closed its end before ``n`` bytes came, and ``OSError`` for a broken
pipe. After a ``TimeoutError`` the caller kills the worker: the transport is not used again.

:class:`SelectPipes` (the fork and spawn starts, POSIX) waits with ``select`` on non-blocking
descriptors and reads with ``os.readv``. :class:`ThreadedPipes` (the portable start,
:func:`grader.sandbox.template.start_path`) uses only what Windows has as well: blocking file
objects, read with ``readinto`` and written by one helper thread, which the caller waits on
with a timeout; a worker killed past the deadline ends the helper's blocked call.
"""
from __future__ import annotations

import os
import queue
import select
import sys
import threading
import time
from collections.abc import Callable
from typing import BinaryIO, Protocol, TypeVar

from ..model.limits import MiB

T = TypeVar("T")


class Transport(Protocol):
    """What :class:`grader.sandbox.client.Worker` needs of the pipes to and from its worker."""

    def write(self, parts: list[memoryview], deadline: float) -> None: ...

    def read(self, n: int, deadline: float) -> bytearray: ...

    def close(self) -> None: ...


class SelectPipes:
    """The worker's request pipe (non-blocking, written under ``select``) and reply pipe."""

    def __init__(self, to_child: int, from_child: int):
        self.to_child, self.from_child = to_child, from_child
        os.set_blocking(to_child, False)     # requests are written under the deadline too

    def write(self, parts: list[memoryview], deadline: float) -> None:
        for view in parts:
            while view:
                remaining = deadline - time.perf_counter()
                if remaining <= 0:
                    raise TimeoutError
                _, ready, _ = select.select([], [self.to_child], [], remaining)
                if not ready:
                    raise TimeoutError
                try:
                    view = view[os.write(self.to_child, view):]
                except BlockingIOError:
                    continue

    def read(self, n: int, deadline: float) -> bytearray:
        data = bytearray(n)
        view, got = memoryview(data), 0
        while got < n:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self.from_child], [], [], remaining)
            if not ready:
                raise TimeoutError
            count = os.readv(self.from_child, [view[got:]])
            if not count:
                raise EOFError
            got += count
        return data

    def close(self) -> None:
        for fd in (self.to_child, self.from_child):
            try:
                os.close(fd)
            except OSError:
                pass


class ThreadedPipes:
    """The worker's stdin (requests) and stdout (replies) as unbuffered file objects, used by one
    helper thread at a time; the caller waits for each operation until its deadline."""

    def __init__(self, to_child: BinaryIO, from_child: BinaryIO):
        self.to_child, self.from_child = to_child, from_child
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        threading.Thread(target=self._serve, daemon=True, name="dlgrade-pipes").start()

    def _serve(self) -> None:
        try:
            while (job := self._jobs.get()) is not None:
                job()
        finally:        # here, not in close(): closing a file that this thread is blocked on waits for it
            for stream in (self.to_child, self.from_child):
                try:
                    stream.close()
                except OSError:
                    pass

    def _within(self, operation: Callable[[], T], deadline: float) -> T:
        """``operation()``'s result, run on the helper thread; TimeoutError once ``deadline`` passes
        (the operation goes on until the worker is killed, which ends it)."""
        done = threading.Event()
        outcome: list = []

        def job() -> None:
            try:
                outcome.append((True, operation()))
            except BaseException as exc:        # handed to the caller, raised there
                outcome.append((False, exc))
            finally:
                done.set()

        self._jobs.put(job)
        if not done.wait(max(0.0, deadline - time.perf_counter())):
            raise TimeoutError
        finished, value = outcome[0]
        if not finished:
            raise value
        return value

    def write(self, parts: list[memoryview], deadline: float) -> None:
        def write_all() -> None:
            for view in parts:
                while view:
                    view = view[self.to_child.write(view):]
        self._within(write_all, deadline)

    def read(self, n: int, deadline: float) -> bytearray:
        def read_exact() -> bytearray:
            data = bytearray(n)
            view, got = memoryview(data), 0
            while got < n:
                count = self.from_child.readinto(view[got:])
                if not count:
                    raise EOFError
                got += count
            return data
        return self._within(read_exact, deadline)

    def close(self) -> None:
        self._jobs.put(None)


def widen_pipe(fd: int) -> None:
    """Give a pipe a 1 MiB buffer (Linux): large inputs then cross in a few wake-ups, not hundreds,
    which makes the worker's CPU time for a transfer small and steady. Elsewhere: nothing."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import fcntl  # POSIX only: there is no such module on Windows
    except ImportError:
        return
    try:
        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 * MiB)
    except OSError:
        pass
