"""Two checkouts of the grader side by side: `grade batch` and `grade check` on 02_activations,
alternated in one run, so that a change's cost is a ratio measured under the same noise.

    git worktree add --detach /tmp/old 5800f3d
    python bench/ab_trees.py /tmp/old . --count 100 --repeats 6 --jobs 2

Each tree runs as its own code (``python -c`` in the tree, so ``grader`` is that tree's), with
this interpreter; the first round of each is a warm-up (Numba cache, stored answers, the isolation
probe) and is not counted. Prints min / median wall time per tree, the CPU time of all processes
(the grading processes and their workers), and new / old ratios.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ASSIGNMENT = "assignments/02_activations"
CORRECT = ("tests/data/submissions/02_activations/correct.py", "tests/submissions/02_activations/correct.py")
GRADE = "import sys; from grader.cli import main; sys.argv = ['grade'] + sys.argv[1:]; main()"


def _correct(tree: Path) -> Path:
    """The correct 02 submission, wherever this tree keeps its test data."""
    return next(tree / p for p in CORRECT if (tree / p).exists())


def _run(tree: Path, args: list[str]) -> tuple[float, float]:
    """(wall s, CPU s of all child processes) of one `grade` command in ``tree``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", GRADE, *args], cwd=tree, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"{tree}: grade {args[0]} exited {done.returncode}: {done.stderr[-400:]}")
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def _summary(name: str, figures: dict[str, list[float]]) -> str:
    old, new = figures["old"], figures["new"]
    return (f"{name}: old {min(old):.3f} / {statistics.median(old):.3f} s, new {min(new):.3f} / "
            f"{statistics.median(new):.3f} s, new/old {min(new) / min(old):.3f} / "
            f"{statistics.median(new) / statistics.median(old):.3f} (min / median)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--count", type=int, default=100, help="submissions in the batch")
    parser.add_argument("--repeats", type=int, default=6, help="counted rounds (after one warm-up)")
    parser.add_argument("--jobs", type=int, default=2)
    options = parser.parse_args()
    trees = {"old": options.old.resolve(), "new": options.new.resolve()}
    text = _correct(trees["new"]).read_text()
    with tempfile.TemporaryDirectory() as tmp:
        klass = Path(tmp) / "class"
        klass.mkdir()
        for i in range(options.count):
            (klass / f"student{i:04d}.py").write_text(f"{text}\n# student {i}\n")
        batch = {"wall": {"old": [], "new": []}, "cpu": {"old": [], "new": []}}
        check: dict[str, list[float]] = {"old": [], "new": []}
        for round_ in range(options.repeats + 1):
            for name, tree in trees.items():
                out = Path(tmp) / f"out-{name}-{round_}"
                wall, cpu = _run(tree, ["batch", ASSIGNMENT, str(klass), "--out", str(out),
                                        "--jobs", str(options.jobs)])
                checked, _ = _run(tree, ["check", ASSIGNMENT, "-s", str(_correct(tree))])
                if round_:
                    batch["wall"][name].append(wall)
                    batch["cpu"][name].append(cpu)
                    check[name].append(checked)
    print(_summary(f"grade batch, N = {options.count}, --jobs {options.jobs}, wall", batch["wall"]))
    print(_summary("grade batch, CPU of all processes", batch["cpu"]))
    print(_summary("grade check warm, wall", check))


if __name__ == "__main__":
    main()
