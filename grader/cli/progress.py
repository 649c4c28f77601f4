"""A line on stderr while a verb works for seconds with nothing to show (compiling the references,
building a bundle), so that it never seems to hang.

On a terminal the seconds are counted in place under the line, and erased when the work is done,
leaving the caller's own last line ("ready in 2.4 s"). Elsewhere (a log, CI) there is the one
line, and nothing between it and the caller's: a log gets no carriage returns.
"""
from __future__ import annotations

import sys
import threading
import time
from typing import TextIO


class Progress:
    """``start(what)`` prints ``grade: what...``; :meth:`finish` stops counting and says how long."""

    def __init__(self, stream: TextIO | None = None, tick: float = 0.2):
        self.stream = stream            # None: sys.stderr as it is when the work starts
        self.tick = tick                # seconds between two counts on a terminal
        self._started: float | None = None
        self._stop = threading.Event()
        self._counter: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._started is not None

    def start(self, what: str) -> None:
        """Say what is being done (one line); on a terminal, count the seconds below it."""
        if self.running:
            return
        stream = self.stream = self.stream or sys.stderr
        self._write(f"grade: {what}...\n")
        self._started = time.perf_counter()
        if getattr(stream, "isatty", lambda: False)():
            self._stop.clear()
            self._counter = threading.Thread(target=self._count, name="dlgrade-progress", daemon=True)
            self._counter.start()

    def finish(self) -> float | None:
        """Stop counting and erase the count; the seconds since :meth:`start` (None if not started)."""
        if self._started is None:
            return None
        seconds = time.perf_counter() - self._started
        self._started = None
        if self._counter is not None:
            self._stop.set()
            self._counter.join()
            self._counter = None
            self._write("\r" + " " * 12 + "\r")
        return seconds

    def _count(self) -> None:
        start = self._started or time.perf_counter()
        while not self._stop.wait(self.tick):
            self._write(f"\r  {time.perf_counter() - start:.1f} s")

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):       # a closed or broken stderr: the work goes on without it
            pass
