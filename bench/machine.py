"""This machine's own numbers, for context: matmul GFLOP/s and memory bandwidth, with NumPy.

- matmul: a 2048×2048 float64 and float32 ``a @ b`` (2·2048³ FLOP) through NumPy's BLAS, with the
  thread count run.py sets (OPENBLAS_NUM_THREADS and friends, before NumPy is imported). On the
  development machine this is the practical compute limit (research-performance.md §5).
- memory: ``np.copyto`` of a 512 MiB float64 array (DRAM-sized) and of an 8 MiB one (fits in a
  typical L3), counting the bytes read and written. NumPy copies on one thread.
"""
from __future__ import annotations

import statistics
import time

import numpy as np
from timing import Options, Table

MATMUL_SIZE = 2048
COPY_SIZES = {"512 MiB (DRAM)": 512 << 20, "8 MiB (cache-resident)": 8 << 20}


def _best_and_median(call, repeats: int, min_seconds: float = 0.05) -> tuple[float, float]:
    """Seconds per call over ``repeats`` timed blocks (each >= min_seconds), after one warm-up call."""
    call()
    per_call = []
    for _ in range(repeats):
        calls, start = 0, time.perf_counter()
        while True:
            call()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds:
                break
        per_call.append(elapsed / calls)
    return min(per_call), statistics.median(per_call)


def section(options: Options) -> list[Table]:
    rows = []
    rng = np.random.default_rng(0)
    repeats = max(3, options.repeats // 2)
    for dtype in (np.float64, np.float32):
        a = rng.normal(size=(MATMUL_SIZE, MATMUL_SIZE)).astype(dtype)
        b = rng.normal(size=(MATMUL_SIZE, MATMUL_SIZE)).astype(dtype)
        out = np.empty_like(a)
        best, median = _best_and_median(lambda: np.matmul(a, b, out=out), repeats)
        flop = 2.0 * MATMUL_SIZE ** 3
        rows.append([f"NumPy matmul {MATMUL_SIZE}² {np.dtype(dtype).name}, {options.threads} BLAS thread(s)",
                     f"{best * 1e3:.1f}", f"{median * 1e3:.1f}", f"{flop / best / 1e9:.1f} GFLOP/s",
                     f"{flop / median / 1e9:.1f} GFLOP/s"])
    for label, nbytes in COPY_SIZES.items():
        src = np.ones(nbytes // 8)
        dst = np.empty_like(src)
        best, median = _best_and_median(lambda: np.copyto(dst, src), repeats)
        moved = 2.0 * nbytes                      # read and written
        rows.append([f"NumPy copy {label}, 1 thread", f"{best * 1e3:.2f}", f"{median * 1e3:.2f}",
                     f"{moved / best / 1e9:.1f} GB/s", f"{moved / median / 1e9:.1f} GB/s"])
    return [Table("This machine", ["measurement", "min ms", "median ms", "best rate", "median rate"], rows,
                  ["Wall clock. Memory rates count the bytes read plus the bytes written."])]
