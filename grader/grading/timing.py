"""Performance verdicts from measurements the student cannot fake.

Each sample draws ``calls`` fresh input sets (so remembering answers gains nothing) and sends
them to the worker in an untimed *stage* request. The parent then reads the worker's CPU time
from the kernel (``clock_getcpuclockid`` on its pid), asks it to run the staged calls, and reads
the clock again; a no-op run, timed the same way, is subtracted. The clock is read right after
staging, so work that a student's background thread does after staging is counted too. The
reference runs in the parent on the same inputs, timed by this thread's CPU clock. Student,
no-op and reference alternate; CPU-time noise only ever adds, so each is estimated by its
minimum over the samples, and the verdict is the ratio against the test's ``max_ratio``. One
output per sample, at a position the worker cannot predict, is checked: a fast wrong answer
fails. In a student bundle, where there is no reference, a :class:`PricedReference` gives its cost
instead (stored at release relative to :mod:`grader.grading.calibration`).
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable


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


@runtime_checkable
class PricedReference(Protocol):
    """A reference that is priced, not run: in a student bundle there is no reference to time,
    only its cost stored at release (see :mod:`grader.grading.fixtures`)."""

    def cpu_seconds(self, args: list, kwargs: dict) -> float:
        """CPU seconds that one reference call on these inputs takes on this machine."""


def time_reference(reference: Callable[..., Any] | PricedReference, batch: list[tuple[list, dict]]) -> float:
    """CPU seconds of this thread for calling ``reference`` on every (args, kwargs) of ``batch``
    (a priced reference: the sum of its prices)."""
    if isinstance(reference, PricedReference):
        return sum(reference.cpu_seconds(args, kwargs) for args, kwargs in batch)
    start = time.thread_time()
    for args, kwargs in batch:
        reference(*args, **kwargs)
    return time.thread_time() - start


class RequestFailed(Exception):
    """A timed request that did not come back ``ok`` (timeout, crash, exception)."""

    def __init__(self, outcome):
        super().__init__(outcome.status)
        self.outcome = outcome


def measure(worker, module: str, function: str, reference: Callable[..., Any] | PricedReference,
            draw: Callable[[int], tuple[list, dict]], *, samples: int, calls: int,
            max_reply: int, wall_seconds: float) -> tuple[Timing, list[tuple[tuple[list, dict], Any]]]:
    """Time ``module.function`` in ``worker`` against ``reference``; ``draw(i)`` makes input set i.

    Returns the timing and, per sample, (inputs, student output) for a correctness check.
    Raises :class:`RequestFailed` when a request to the worker fails.
    """
    picker = random.SystemRandom()
    kernel_clock = worker.cpu_ns() is not None

    def clock() -> float:
        return worker.cpu_ns() / 1e9 if kernel_clock else time.perf_counter()

    def timed_run(keep: int, noop: bool) -> tuple[float, Any]:
        # The kernel settles a running task's CPU time only at ticks and context switches. The
        # trailing no-op round trip makes the worker block on its pipe (a context switch) after
        # the timed work, so the clock read that follows includes all of it.
        start = clock()
        outcome = worker.run_staged(keep, max_reply=max_reply, noop=noop, wall_seconds=wall_seconds)
        settle = worker.run_staged(-1, max_reply=max_reply, noop=True, wall_seconds=wall_seconds)
        for result in (outcome, settle):
            if result.status != "ok":
                raise RequestFailed(result)
        return clock() - start, outcome.value

    def stage(batch) -> None:
        outcome = worker.stage(module, function, batch)
        if outcome.status != "ok":
            raise RequestFailed(outcome)

    warm = [draw(-1)]                      # first calls pay for imports, caches, JIT
    stage(warm)
    timed_run(0, False)
    time_reference(reference, warm)
    raw: dict[str, list[float]] = {"student": [], "noop": [], "reference": []}
    checks = []
    for s in range(samples):
        batch = [draw(s * calls + i) for i in range(calls)]
        keep = picker.randrange(calls)
        stage(batch)
        student_s, out = timed_run(keep, False)
        noop_s, _ = timed_run(-1, True)
        raw["student"].append(student_s)
        raw["noop"].append(noop_s)
        raw["reference"].append(time_reference(reference, batch))
        checks.append((batch[keep], out))
    student = max(min(raw["student"]) - min(raw["noop"]), 0.0) / calls
    reference_s = max(min(raw["reference"]) / calls, 1e-9)
    clock_used = "worker CPU time (kernel)" if kernel_clock else "wall time (no CPU clock here)"
    if isinstance(reference, PricedReference):
        clock_used += "; the reference's time is estimated from the bundle's calibration"
    timing = Timing(student=student, reference=reference_s, noop=min(raw["noop"]) / calls,
                    ratio=student / reference_s, samples=samples, calls=calls, clock=clock_used,
                    raw={k: [round(v, 6) for v in vals] for k, vals in raw.items()})
    return timing, checks
