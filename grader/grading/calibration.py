"""A fixed CPU workload that says how fast this machine is, so timings can travel between machines.

A student bundle has no reference to time. At release, the grader times each performance test's
reference on the instructor's machine and stores its cost as a multiple of :func:`seconds` (this
workload, timed there). ``grade check`` in the bundle times the same workload on the student's
machine and allows the reference ``stored ratio × local seconds`` (see :mod:`grader.grading.fixtures`).

The workload mixes what the references and student code spend their time on: compiled loops over
arrays (NumPy element-wise passes, sorts, reductions; no BLAS, whose thread count differs between
machines) and interpreted Python. It is deterministic (a seeded generator, fixed sizes) and takes
20 to 50 ms on one core of a current laptop. It is timed by its thread's CPU clock, like the
references (:func:`grader.grading.timing.time_reference`), and estimated by the minimum over several runs,
since CPU-time noise only ever adds. :func:`start` times it in a background thread, so that a
``grade check`` does its other work meanwhile (a thread's CPU clock counts only that thread).
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import Future

import numpy as np

ARRAY_SIZE = 100_000
ARRAY_ROUNDS = 3
PYTHON_STEPS = 75_000
VERSION = 2                # stored with a bundle's ratios: they mean nothing against another workload


def workload() -> float:
    """Run the calibration workload once; returns a checksum so no step can be skipped."""
    x = np.random.default_rng(12345).standard_normal(ARRAY_SIZE)
    total = 0.0
    for _ in range(ARRAY_ROUNDS):
        y = np.sort(x)
        z = np.exp(-0.5 * y * y) * np.where(y >= 0.0, 1.0, -1.0)
        total += float(np.cumsum(z)[-1]) + float(np.abs(x - y).max())
        x = np.tanh(x + 0.1 * z)
    acc = 0
    for i in range(PYTHON_STEPS):               # interpreted code: a student's loops, a wrapper's calls
        acc = (acc + i * i) % 1_000_003
    return total + acc


def time_once() -> float:
    """CPU seconds of this thread for one run of :func:`workload`."""
    start = time.thread_time()
    workload()
    return time.thread_time() - start


_measured: dict[int, Future] = {}
_lock = threading.Lock()


def _minimum(runs: int) -> float:
    time_once()                                 # first run pays for page faults and caches
    return min(time_once() for _ in range(runs))


def start(runs: int = 3) -> None:
    """Begin measuring :func:`seconds` in a background thread (once per process and ``runs``)."""
    with _lock:
        if runs in _measured:
            return
        future: Future = Future()
        _measured[runs] = future

    def measure() -> None:
        try:
            future.set_result(_minimum(runs))
        except BaseException as exc:            # handed to whoever asks for the figure
            future.set_exception(exc)

    threading.Thread(target=measure, name="dlgrade-calibration", daemon=True).start()


def seconds(runs: int = 3) -> float:
    """This machine's calibration time: the minimum over ``runs`` runs after a warm-up, in CPU
    seconds. Measured once per process; waits for a measurement that :func:`start` began."""
    start(runs)
    return _measured[runs].result()
