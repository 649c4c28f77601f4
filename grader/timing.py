"""Performance verdicts from measurements the student cannot fake.

The parent reads the worker's CPU time from the kernel (``clock_getcpuclockid`` on the worker's
pid) around a request that runs the student's function on ``calls`` freshly drawn inputs, and
subtracts a no-op request with the same payload (decoding and framing cost). The reference runs
in the parent on the same inputs, timed by this thread's CPU clock. Samples alternate student,
no-op and reference; the verdict is the ratio of medians against the test's ``max_ratio``. One
output of every timed batch, at a position the worker cannot predict, is checked for
correctness: a fast wrong answer fails.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable

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


@dataclass
class Timing:
    """The figures behind a performance verdict (seconds per call, medians over samples)."""

    student: float
    reference: float
    noop: float
    ratio: float
    samples: int
    calls: int
    clock: str
    raw: dict[str, list[float]] = field(default_factory=dict)

    def as_details(self) -> dict[str, Any]:
        return {"student_s_per_call": self.student, "reference_s_per_call": self.reference,
                "noop_s_per_call": self.noop, "ratio": self.ratio, "samples": self.samples,
                "calls": self.calls, "clock": self.clock, "raw_s": self.raw}


def measure(run_student: Callable[[list, int, bool], Any], run_reference: Callable[[list], None],
            worker_cpu: Callable[[], int | None], draw: Callable[[int], tuple[list, dict]],
            samples: int, calls: int) -> tuple[Timing, list[tuple[tuple[list, dict], Any]]]:
    """Time student against reference; returns the timing and (inputs, student output) spot checks.

    ``run_student(calls, keep, noop)`` sends one batch to the worker and returns its kept output
    (raising on a failed request); ``draw(i)`` makes the i-th fresh input set.
    """
    picker = random.SystemRandom()
    clock = "worker CPU time (kernel)" if worker_cpu() is not None else "wall time (no CPU clock here)"

    def worker_seconds(batch, keep, noop) -> tuple[float, Any]:
        c0, t0 = worker_cpu(), time.perf_counter()
        out = run_student(batch, keep, noop)
        c1, t1 = worker_cpu(), time.perf_counter()
        return ((c1 - c0) / 1e9 if c0 is not None and c1 is not None else t1 - t0), out

    warm = [draw(-1)]
    run_student(warm, 0, False)
    run_reference(warm)
    raw: dict[str, list[float]] = {"student": [], "noop": [], "reference": []}
    checks = []
    for s in range(samples):
        batch = [draw(s * calls + i) for i in range(calls)]
        keep = picker.randrange(calls)
        student_s, out = worker_seconds(batch, keep, False)
        noop_s, _ = worker_seconds(batch, -1, True)
        r0 = time.thread_time()
        run_reference(batch)
        raw["reference"].append(time.thread_time() - r0)
        raw["student"].append(student_s)
        raw["noop"].append(noop_s)
        checks.append((batch[keep], out))
    student = max(statistics.median(raw["student"]) - statistics.median(raw["noop"]), 0.0) / calls
    reference = max(statistics.median(raw["reference"]) / calls, 1e-9)
    timing = Timing(student=student, reference=reference, noop=statistics.median(raw["noop"]) / calls,
                    ratio=student / reference, samples=samples, calls=calls, clock=clock,
                    raw={k: [round(v, 6) for v in vals] for k, vals in raw.items()})
    return timing, checks
