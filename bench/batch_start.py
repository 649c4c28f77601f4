"""The fixed cost of `grade batch`'s grading processes: wall time and memory of a small batch with
--jobs 1 and 2, for one or two checkouts, alternated in one run.

    git worktree add --detach /tmp/old REV
    python bench/batch_start.py /tmp/old . --count 4 --repeats 3

Each tree runs as its own code (``python -c`` in the tree), with this interpreter, after a warm-up
batch (Numba cache, the isolation probe). While a batch runs, its process tree (the batch process,
its grading processes, their templates and workers) is sampled every 20 ms: the peak of the sum of
their proportional set sizes (PSS: a page shared by k processes counts 1/k in each, so shared
memory counts once) and of their resident set sizes (RSS: each process counts all it maps). A small
batch is mostly fixed cost, so --jobs 2 minus --jobs 1 is what an extra grading process costs.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ASSIGNMENT = "assignments/01_perceptron"
CORRECT = "tests/data/submissions/01_perceptron/correct.py"
GRADE = "import sys; from grader.cli import main; sys.argv = ['grade'] + sys.argv[1:]; main()"
KiB = 1024


def _tree(root: int) -> list[int]:
    """``root`` and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path("/proc", entry, "stat").read_text()
        except OSError:
            continue
        children.setdefault(int(stat[stat.rindex(")") + 2:].split()[1]), []).append(int(entry))
    found, todo = [root], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _memory(pids: list[int]) -> tuple[int, int]:
    """(PSS, RSS) in bytes, summed over ``pids``."""
    pss = rss = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1]) * KiB
                elif line.startswith("Rss:"):
                    rss += int(line.split()[1]) * KiB
        except OSError:
            continue
    return pss, rss


def _batch(tree: Path, klass: Path, out: Path, jobs: int) -> tuple[float, int, int]:
    """(wall s, peak PSS, peak RSS) of one `grade batch` in ``tree``."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", GRADE, "batch", ASSIGNMENT, str(klass), "--out", str(out),
                             "--jobs", str(jobs)], cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak_pss = peak_rss = 0
    while proc.poll() is None:
        pss, rss = _memory(_tree(proc.pid))
        peak_pss, peak_rss = max(peak_pss, pss), max(peak_rss, rss)
        time.sleep(0.02)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{tree}: grade batch exited {proc.returncode}: {proc.stderr.read()[-400:]!r}")
    return wall, peak_pss, peak_rss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", type=Path, nargs="*", default=[Path(".")])
    parser.add_argument("--count", type=int, default=4, help="submissions in the batch")
    parser.add_argument("--repeats", type=int, default=3, help="counted rounds (after one warm-up)")
    options = parser.parse_args()
    trees = [t.resolve() for t in options.trees]
    figures = {(t, j): [] for t in trees for j in (1, 2)}
    with tempfile.TemporaryDirectory() as tmp:
        klass = Path(tmp) / "class"
        klass.mkdir()
        text = (trees[-1] / CORRECT).read_text()
        for i in range(options.count):
            (klass / f"student{i:04d}.py").write_text(f"{text}\n# student {i}\n")
        for round_ in range(options.repeats + 1):
            for (tree, jobs), runs in figures.items():
                measured = _batch(tree, klass, Path(tmp) / f"out-{round_}-{jobs}-{trees.index(tree)}", jobs)
                if round_:
                    runs.append(measured)
    print(f"grade batch, N = {options.count}, {options.repeats} rounds: wall min / median, peak PSS and RSS "
          f"of the process tree (median)")
    for (tree, jobs), runs in figures.items():
        walls = [r[0] for r in runs]
        print(f"{tree} --jobs {jobs}: {min(walls):.2f} / {statistics.median(walls):.2f} s, "
              f"PSS {statistics.median(r[1] for r in runs) / 2**20:.0f} MiB, "
              f"RSS {statistics.median(r[2] for r in runs) / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
