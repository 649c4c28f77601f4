"""Performance verdicts from measurements the student cannot fake.

A verdict rests only on what the trusted parent observes: the bytes the worker returns, the
kernel's clocks, and inputs the worker could not predict. Once the student's module is imported,
everything inside the worker (its request handlers included) is the student's, so:

* **One timed window per sample.** The parent reads the worker's CPU clock (the kernel's, for the
  whole process: :func:`grader.sandbox.clock.process_cpu_ns`) *before* it sends the sample's ``calls`` input sets, in
  one request whose reply holds every output. A ``ping`` round trip follows, after which the
  worker has blocked on its pipe (so the kernel has settled its CPU time), and the clock is read
  again. Whatever the worker does between receiving the
  inputs and answering, staging, decoding, background threads, is inside the window; there is no
  untimed request to hijack.
* **Unpredictable inputs.** ``draw()`` makes each input set from seeds the parent takes from
  :mod:`secrets` for this grading (see :meth:`grader.grading.inputs.InputMaker.value`), so nothing can be
  computed in advance, at import time or in an earlier sample.
* **Every output comes back.** The worker returns all ``calls`` outputs; the parent picks the one
  to check with :class:`random.SystemRandom` only after they have all arrived, so skipping work on
  any call risks a wrong answer.
* **A no-op the student cannot inflate.** The window also holds the transfer of the inputs and
  outputs. It is subtracted as measured by :func:`calibrate` on a worker that has not loaded any
  student code (the grading session's worker, before it imports the submission): the same request
  with inputs of the same size, answered with zeros of the output's size. Measured in the
  student's own worker, a student could make the no-op slow and so lower their own time.
* **Wall time is bounded too.** Work moved out of the worker's CPU accounting (a helper process at
  the basic tier, where fork is allowed; a sleep) leaves the worker idle while the parent waits.
  Between the moment the last input is written and the moment the reply begins, the parent has
  nothing more to send, so a worker that is neither running nor waiting for a CPU
  (``/proc/PID/task/*/schedstat``) is waiting for work done elsewhere. A sample's *busy time* is
  its CPU time plus that idle time; the upper median over the samples (:func:`_typical`), less
  the no-op's, must stay within ``max_ratio * WALL_SLACK`` of the reference. Both figures
  come from the same sample, so a submission cannot pair the CPU time of a sample whose work went
  elsewhere with the idle time of one whose work did not. Raw wall time would not do: beside two
  busy cores a worker waits for a CPU for milliseconds, many times a small reference's cost; that
  wait is not idle time, nor is the grading thread's own wait for a CPU before it notices the
  reply (``/proc/thread-self/schedstat``).
* **A clear pass may stop early.** After :data:`EARLY_SAMPLES` samples, a submission whose CPU
  ratio and busy ratio are both at most :data:`EARLY_MARGIN` of their limits has passed: more
  samples could only lower the minimum CPU time, and the busy figure keeps half its limit in hand.
  Anything less clear runs every sample.

The CPU time is the minimum over the samples, since noise only ever adds; the busy time is their
upper median (:func:`_typical` says why). The reference runs in the parent on the same inputs,
timed by this thread's CPU clock. In a student bundle, where there is no reference, a
:class:`PricedReference` gives its cost instead (stored at release relative to
:mod:`grader.grading.calibration`); a bundle knows the answer to its stored inputs only, so one
call per sample, at a random place, gets those (``known``) and is the one checked.

What the worker says about itself is advisory: the in-place-modification report
(``CallOutcome.mutated``) comes from code that runs beside the student's and can be silenced by
it. It catches honest mistakes; hostile code can hide them. See docs/security.md.
"""
from __future__ import annotations

import os
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

WALL_SLACK = 2.0      # busy ratio limit = this x max_ratio: scheduler noise beside busy cores (measured margins in tests/redteam/test_redteam_timing.py)
EARLY_SAMPLES = 3     # a clear pass may stop after this many samples (module docstring)
EARLY_MARGIN = 0.5    # "clear": both ratios at most this fraction of their limits
CHECKS_PER_SAMPLE = 2  # outputs checked per sample, picked after all arrived: skipping all but one call is always caught


@dataclass
class Timing:
    """The figures behind a performance verdict (seconds per call, minimums over samples)."""

    student: float
    reference: float
    noop: float
    ratio: float
    samples: int
    calls: int
    clock: str
    busy: float = 0.0            # CPU time plus idle time (see _Window), s per call
    busy_ratio: float = 0.0      # busy / reference; bounded by max_ratio * WALL_SLACK
    raw: dict[str, list[float]] = field(default_factory=dict)

    def as_details(self) -> dict[str, Any]:
        return {"student_s_per_call": self.student, "reference_s_per_call": self.reference,
                "noop_s_per_call": self.noop, "ratio": self.ratio, "samples": self.samples,
                "calls": self.calls, "clock": self.clock, "busy_s_per_call": self.busy, "busy_ratio": self.busy_ratio,
                "raw_s": self.raw}


@dataclass
class Noop:
    """The timed window of a sample with no work in it: CPU seconds and busy seconds (CPU plus idle;
    per sample, not per call; see :class:`_Window`)."""

    cpu: float
    busy: float


@runtime_checkable
class PricedReference(Protocol):
    """A reference that is priced, not run: in a student bundle there is no reference to time,
    only its cost stored at release (see :mod:`grader.grading.fixtures`)."""

    #: where the cost is stored, as messages name it: "the bundle", or for ``grade check`` in the
    #: repository "the answer cache (recorded on this machine)"
    store: str

    def cpu_seconds(self, args: list, kwargs: dict) -> float:
        """CPU seconds that one reference call on these inputs takes on this machine."""


def time_reference(reference: Callable[..., Any] | PricedReference, batch: list[tuple[list, dict]],
                   outputs: list | None = None) -> float:
    """CPU seconds of this thread for calling ``reference`` on every (args, kwargs) of ``batch``
    (a priced reference: the sum of its prices). ``outputs``, if given, receives each call's
    output (None for a priced reference, which has none)."""
    if isinstance(reference, PricedReference):
        if outputs is not None:
            outputs.extend([None] * len(batch))
        return sum(reference.cpu_seconds(args, kwargs) for args, kwargs in batch)
    keep = outputs.append if outputs is not None else (lambda _: None)
    start = time.thread_time()
    for args, kwargs in batch:
        keep(reference(*args, **kwargs))
    return time.thread_time() - start


class RequestFailed(Exception):
    """A timed request that did not come back ``ok`` (timeout, crash, exception)."""

    def __init__(self, outcome):
        super().__init__(outcome.status)
        self.outcome = outcome


def output_like(value: Any) -> Any:
    """What a no-op sends back in place of ``value`` (an output of the reference): a list for a
    tuple or list, ``{"shape", "dtype"}`` for an array, None for anything else (JSON, for the
    worker's :func:`grader.sandbox.worker._zeros_like`)."""
    if isinstance(value, (tuple, list)):
        return [output_like(v) for v in value]
    if isinstance(value, np.ndarray):
        return {"shape": list(value.shape), "dtype": value.dtype.str}
    return None


def zeros_like_inputs(args: list, kwargs: dict) -> tuple[list, dict]:
    """One input set of the same size as (args, kwargs), all zeros: a no-op's traffic."""
    return ([np.zeros_like(a) if isinstance(a, np.ndarray) else a for a in args],
            {k: np.zeros_like(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()})


def _schedstat(path: str) -> tuple[int, int] | None:
    """(ns on a CPU, ns waiting for a CPU) of one task, from ``/proc/.../schedstat``; None if unreadable."""
    try:
        with open(path, "rb") as f:
            running, waiting = f.read().split()[:2]
        return int(running), int(waiting)
    except (OSError, ValueError):
        return None


def waiting_ns(pid: int) -> int | None:
    """ns that the living threads of process ``pid`` have spent runnable but waiting for a CPU."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    stats = [_schedstat(f"/proc/{pid}/task/{tid}/schedstat") for tid in tasks]
    return sum(s[1] for s in stats if s is not None) if any(stats) else None


class _Window:
    """The parent's clocks around one timed request, read before the inputs are sent and after the
    settling ping: the worker's CPU time (the kernel's clock; wall time where there is none) and
    its *busy time*: that CPU time plus the worker's idle wall time between the moment the last
    input was written and the moment its reply began. The parent has nothing more to send then,
    so a worker that is neither running nor waiting for a CPU (``/proc/PID/task/*/schedstat``)
    waits for work done elsewhere (a helper process) or sleeps. A busy machine only makes it wait
    for a CPU, which is not idle time, and makes this thread notice the reply late (a scheduler
    slice), which is not the worker's idle time either: both waits are subtracted."""

    def __init__(self, worker, wall_seconds: float):
        self.worker, self.wall_seconds = worker, wall_seconds
        self.kernel_clock = worker.cpu_ns() is not None
        self.schedstat = self.kernel_clock and waiting_ns(worker.proc.pid) is not None

    def _cpu(self) -> float:
        return self.worker.cpu_ns() / 1e9 if self.kernel_clock else time.perf_counter()

    def _idle_clock(self) -> tuple[float, float, float]:
        """(wall s, worker CPU s, s that the worker's threads and this thread waited for a CPU)."""
        own = _schedstat("/proc/thread-self/schedstat")
        return (time.perf_counter(), self._cpu(),
                ((waiting_ns(self.worker.proc.pid) or 0) + (own[1] if own else 0)) / 1e9)

    def run(self, request: Callable[[Callable[[], None] | None], Any]) -> tuple[float, float, Any]:
        """(CPU seconds, idle seconds, value) of ``request(probe)``; raises :class:`RequestFailed`."""
        marks: list[tuple[float, float, float]] = []
        start = self._cpu()
        outcome = request((lambda: marks.append(self._idle_clock())) if self.schedstat else None)
        if outcome.status != "ok":              # a worker killed at its deadline has no clock left to read
            raise RequestFailed(outcome)
        settle = self.worker.ping(wall_seconds=self.wall_seconds)
        if settle.status != "ok":
            raise RequestFailed(settle)
        cpu = self._cpu() - start
        idle = 0.0
        if len(marks) == 2:
            wall, worked, waited = (b - a for a, b in zip(*marks))
            idle = max(wall - worked - max(waited, 0.0), 0.0)
        return cpu, idle, outcome.value


def _typical(values: list[float]) -> float:
    """The upper median of per-sample busy times. Not the minimum, which serves the CPU time: beside
    busy cores a wait for a CPU that began before a window opened is counted inside it, and can hide
    part of one sample's idle time; work moved to a helper process then showed in some samples at
    half its cost (fork_helper's five samples in one grading: busy ratios 132 to 382). The median
    needs most samples to look fast. Honest code loses little: the samples of a clear pass are
    three, whose upper median is the second smallest."""
    return statistics.median_high(values)


def calibrate(worker, args: list, kwargs: dict, expected: Any, *, samples: int, calls: int,
              max_reply: int, wall_seconds: float) -> Noop:
    """The no-op of a timed sample, measured on ``worker`` BEFORE it loads any student code:
    ``calls`` input sets the size of (args, kwargs), answered with zeros the size of ``expected``.
    Figures as :func:`measure` takes them, after one warm-up (a new process faults its pages in:
    the first request costs 2 to 5 times the others, the second is within noise of the rest)."""
    batch = [zeros_like_inputs(args, kwargs)] * calls
    like = output_like(expected)
    window = _Window(worker, wall_seconds)
    figures = [window.run(lambda probe: worker.time_calls("", "", batch, max_reply=max_reply * calls,
                                                          wall_seconds=wall_seconds, like=like, probe=probe))
               for _ in range(samples + 1)][1:]
    return Noop(cpu=min(f[0] for f in figures), busy=_typical([f[0] + f[1] for f in figures]))


@dataclass
class Check:
    """One timed call whose output the parent checks: its inputs, the student's output (None when
    the worker did not return one list of every call's output) and the reference's (None when it
    was not computed: a priced reference, or a bundle's stored answer)."""

    inputs: tuple[list, dict]
    got: Any
    expected: Any = None


def measure(worker, module: str, function: str, reference: Callable[..., Any] | PricedReference,
            draw: Callable[[], tuple[list, dict]], noop: Noop, *, samples: int, calls: int,
            max_reply: int, wall_seconds: float, known: Callable[[], tuple[list, dict]] | None = None,
            max_ratio: float | None = None) -> tuple[Timing, list[Check]]:
    """Time ``module.function`` in ``worker`` against ``reference``; ``draw()`` makes a fresh
    input set, ``noop`` is what :func:`calibrate` measured, ``max_reply`` bounds one output.
    ``known`` (a student bundle, which knows the answer to its stored inputs only) gives the inputs
    of one call per sample, at a random place, and that call is the one checked. With
    ``max_ratio``, a clear pass stops after :data:`EARLY_SAMPLES` samples (module docstring).

    Returns the timing and the calls to check: per sample, :data:`CHECKS_PER_SAMPLE` calls picked
    after all the sample's outputs arrived (a bundle: its one known call). Raises
    :class:`RequestFailed` when a request fails.
    """
    picker = random.SystemRandom()
    window = _Window(worker, wall_seconds)

    def timed(batch):
        return window.run(lambda probe: worker.time_calls(module, function, batch, max_reply=max_reply * len(batch),
                                                          wall_seconds=wall_seconds, probe=probe))

    warm = [draw()]                      # first calls pay for imports, caches, JIT
    timed(warm)
    time_reference(reference, warm)
    raw: dict[str, list[float]] = {"student": [], "idle": [], "reference": []}
    checks: list[Check] = []
    timing = None
    for sample in range(samples):
        batch = [draw() for _ in range(calls)]
        if known is not None:
            keep = [picker.randrange(calls)]
            batch[keep[0]] = known()
        cpu, idle, outputs = timed(batch)
        expected: list = []
        for key, value in (("student", cpu), ("idle", idle), ("reference", time_reference(reference, batch, expected))):
            raw[key].append(value)
        if known is None:                 # chosen now that every output is here
            keep = picker.sample(range(calls), min(CHECKS_PER_SAMPLE, calls))
        whole = isinstance(outputs, list) and len(outputs) == calls
        checks += [Check(batch[i], outputs[i] if whole else None, None if known is not None else expected[i])
                   for i in keep]
        timing = _figures(raw, noop, calls, window, reference)
        if max_ratio is not None and sample + 1 >= EARLY_SAMPLES and _clear_pass(timing, max_ratio):
            break
    return timing, checks


def _clear_pass(timing: Timing, max_ratio: float) -> bool:
    return (timing.ratio <= EARLY_MARGIN * max_ratio
            and timing.busy_ratio <= EARLY_MARGIN * max_ratio * WALL_SLACK)


def _figures(raw: dict[str, list[float]], noop: Noop, calls: int, window: _Window,
             reference: Callable[..., Any] | PricedReference) -> Timing:
    """The timing of the samples so far (``raw``: seconds per sample, all ``calls`` calls)."""
    student = max(min(raw["student"]) - noop.cpu, 0.0) / calls
    busy_samples = [cpu + idle for cpu, idle in zip(raw["student"], raw["idle"])]
    busy = max(_typical(busy_samples) - noop.busy, 0.0) / calls
    reference_s = max(min(raw["reference"]) / calls, 1e-9)
    clock_used = "worker CPU time (kernel)" if window.kernel_clock else "wall time (no CPU clock here)"
    if window.kernel_clock and not window.schedstat:
        clock_used += "; no wall-time bound (no /proc schedstat here)"
    if isinstance(reference, PricedReference):
        clock_used += (f"; the reference's time is estimated from its cost stored in {reference.store} "
                       "and this machine's calibration")
    return Timing(student=student, reference=reference_s, noop=noop.cpu / calls, ratio=student / reference_s,
                  samples=len(raw["student"]), calls=calls, clock=clock_used, busy=busy,
                  busy_ratio=busy / reference_s,
                  raw={**{k: [round(v, 6) for v in vals] for k, vals in raw.items()},
                       "noop": [round(noop.cpu, 6), round(noop.busy, 6)]})
