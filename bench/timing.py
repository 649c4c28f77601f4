"""Timing helpers shared by the benchmark sections: interleaved repetitions, min and median, tables.

Protocol (from /work/shared/research-performance.md, §3.1): every repetition cycles through all the
implementations being compared. For each one it first *settles* (untimed calls for a moment, so
that the previous library's spinning thread pool and an idle vCPU's wake-up do not land in the
timing), then times a *block* of back-to-back calls and keeps the mean per call. The ratio of two
implementations is taken within each repetition (a *paired* ratio) and its median reported: on a
shared machine the load changes between repetitions, and pairing cancels most of that.
"""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Table:
    """One Markdown table of a section: a title, column headers and rows of cells (strings)."""
    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        lines = [f"**{self.title}**", "", "| " + " | ".join(self.headers) + " |",
                 "|" + "|".join("---" for _ in self.headers) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        lines += [""] + [f"- {note}" for note in self.notes] if self.notes else []
        return "\n".join(lines)


@dataclass
class Options:
    """What every section is run with (set by run.py's command line)."""
    repeats: int = 15          # interleaved repetitions per comparison
    settle_s: float = 0.1      # untimed calls before each timed block
    block_s: float = 0.02      # the timed block of back-to-back calls lasts at least this long
    threads: int = 1           # torch intra-op threads, BLAS threads (the references are serial)
    clock: str = "wall"        # "wall": elapsed time; "cpu": this process's CPU time, all threads


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def block_mean(call: Callable[[], object], options: Options) -> float:
    """Seconds per call: untimed calls for settle_s, then the mean over a block of >= block_s.

    Both durations are measured on ``options.clock``. The CPU clock counts the time every thread
    of this process runs, so on a loaded machine it leaves out the time other processes take
    the core, but it also adds up parallel threads: use it with one thread.
    """
    clock = CLOCKS[options.clock]
    end = clock() + options.settle_s
    while clock() < end:
        call()
    calls, start = 0, clock()
    while True:
        call()
        calls += 1
        elapsed = clock() - start
        if elapsed >= options.block_s:
            return elapsed / calls


def interleaved(calls: dict[str, Callable[[], object]], options: Options) -> dict[str, list[float]]:
    """Seconds per call of each implementation, one value per repetition, all timed round-robin."""
    for call in calls.values():
        call()                                   # first calls: JIT compile, caches, allocations
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(options.repeats):
        for name, call in calls.items():
            samples[name].append(block_mean(call, options))
    return samples


def paired_ratio(numerator: list[float], denominator: list[float]) -> float:
    """The median over repetitions of numerator / denominator within each repetition."""
    return statistics.median(a / b for a, b in zip(numerator, denominator))


def milliseconds(seconds: float) -> str:
    ms = seconds * 1e3
    return f"{ms:.3g}" if ms < 100 else f"{ms:.0f}"


def min_median(samples: list[float]) -> tuple[str, str]:
    return milliseconds(min(samples)), milliseconds(statistics.median(samples))
