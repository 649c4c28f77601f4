"""Run the benchmark sections and print their tables in Markdown, with the machine and the command.

Usage:
    python bench/run.py                                  # every section, 1 thread, wall clock
    python bench/run.py --threads 1 --clock cpu          # as in docs/PERFORMANCE.md
    python bench/run.py --only references --threads 2 --repeats 21

Each section is a function ``(options: timing.Options) -> list[timing.Table]``, listed in SECTIONS
in the order they print; ``--only`` picks some by name (repeatable). ``--threads`` sets the
thread count of NumPy's BLAS, Numba and PyTorch; it is applied through environment variables
before NumPy is imported, which is why the sections' modules are imported late.
Benchmarks measure and never fail; PyTorch is optional (the comparison columns read "—"
without it). The last measured tables are kept in docs/PERFORMANCE.md.
"""
from __future__ import annotations

import argparse
import datetime
import importlib
import os
import platform
import shlex
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# (name, module in bench/, function), in the order they print
SECTIONS = [
    ("machine", "machine", "section"),
    ("references", "references", "section"),
    ("growth", "references", "growth_section"),
    ("grading", "grading", "section"),
    ("batch", "grading", "batch_section"),
    ("similarity", "similarity", "section"),
]
SECTION_NAMES = [name for name, _, _ in SECTIONS]
# glibc returns freed memory above 128 KiB to the system and faults it in again on the next
# allocation (thousands of page faults per call for the 8 MB arrays of an Adam step, several ms
# on this VM). Fixed, large thresholds keep freed memory for reuse, as a long-running process
# would see it; it applies to the references and PyTorch alike. --malloc system measures without.
STEADY_MALLOC = "glibc.malloc.trim_threshold=1073741824:glibc.malloc.mmap_threshold=1073741824"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _load() -> str:
    try:
        return " / ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "unknown"


def _versions() -> str:
    import numba
    import numpy
    parts = [f"Python {platform.python_version()}", f"NumPy {numpy.__version__}", f"Numba {numba.__version__}"]
    try:
        import torch
        parts.append(f"PyTorch {torch.__version__}")
    except ImportError:
        parts.append("no PyTorch")
    return ", ".join(parts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=SECTION_NAMES, metavar="SECTION",
                        help=f"run only this section (repeatable): {', '.join(SECTION_NAMES)}")
    parser.add_argument("--threads", type=int, default=1, help="BLAS, Numba and PyTorch threads (default 1)")
    parser.add_argument("--repeats", type=int, default=15, help="interleaved repetitions per figure (default 15)")
    parser.add_argument("--settle", type=float, default=0.1, help="untimed seconds before each timed block")
    parser.add_argument("--block", type=float, default=0.02, help="seconds of back-to-back calls per timing")
    parser.add_argument("--malloc", choices=("steady", "system"), default="steady",
                        help="steady (default): rerun under GLIBC_TUNABLES that keep freed memory for reuse; "
                             "system: glibc's defaults")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="wall: elapsed time; cpu: the process's CPU time (all threads; for a loaded "
                             "machine, with --threads 1)")
    raw_argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(raw_argv)
    if args.malloc == "steady" and os.environ.get("GLIBC_TUNABLES") != STEADY_MALLOC:
        os.execve(sys.executable, [sys.executable, str(Path(__file__).resolve()), *raw_argv],
                  {**os.environ, "GLIBC_TUNABLES": STEADY_MALLOC})

    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ[variable] = str(args.threads)
    sys.path[:0] = [str(BENCH), str(BENCH.parent)]
    from timing import Options

    options = Options(repeats=args.repeats, settle_s=args.settle, block_s=args.block, threads=args.threads,
                      clock=args.clock)
    chosen = args.only or SECTION_NAMES
    command = "python bench/run.py " + shlex.join(raw_argv)
    print(f"Measured {datetime.date.today().isoformat()} on {_cpu_model()}, {os.cpu_count()} CPUs; "
          f"{_versions()}; {args.threads} thread(s), {args.clock} clock, {args.malloc} malloc.")
    print(f"Load average (1/5/15 min) at the start: {_load()}.")
    print(f"Command: `{command.strip()}`\n")
    for name, module, function in SECTIONS:
        if name in chosen:
            for table in getattr(importlib.import_module(module), function)(options):
                print(table.markdown() + "\n", flush=True)
    print(f"Load average at the end: {_load()}.")


if __name__ == "__main__":
    main()
