"""The worker's CPU clock, read by the parent from the kernel: what performance verdicts rest on
(:mod:`grader.grading.timing`); the worker cannot change it.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys
import time

_libc = None


def process_cpu_ns(pid: int) -> int | None:
    """CPU time (user + system, all threads) of process ``pid`` in ns, or None if unavailable."""
    global _libc
    if not sys.platform.startswith("linux"):
        return None
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    clock = ctypes.c_int()
    if _libc.clock_getcpuclockid(pid, ctypes.byref(clock)) != 0:
        return None
    try:
        return time.clock_gettime_ns(clock.value)
    except OSError:
        return None
