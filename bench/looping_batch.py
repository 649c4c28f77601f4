"""What endless loops cost a batch: `grade batch` of a class of correct 01 submissions, and of the
same class with a share of them looping forever in `train`, alternated in one run.

    python bench/looping_batch.py --count 100 --looping 5 --repeats 5 --jobs 2
    python bench/looping_batch.py /tmp/old . --repeats 1      # two checkouts side by side

Each tree runs as its own code (``python -c`` in the tree, so ``grader`` is that tree's), with
this interpreter, on the assignment's own limits (01: a loop in train ends at train_small's 1 s).
A warm-up batch of each tree comes first (Numba cache, the isolation probe) and is not counted. Prints, per tree, the min /
median wall time of both batches and looping / correct (min / median). The issue-17 target is a
ratio of at most 1.5 with 5% looping submissions.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ASSIGNMENT = "assignments/01_perceptron"
MATERIAL = Path("tests/data/submissions/01_perceptron")
GRADE = "import sys; from grader.cli import main; sys.argv = ['grade'] + sys.argv[1:]; main()"


def _class(folder: Path, count: int, looping: int, tree: Path) -> Path:
    """``count`` submissions, ``looping`` of them (spread evenly) with an endless ``train``."""
    correct = (tree / MATERIAL / "correct.py").read_text()
    endless = (tree / MATERIAL / "bad" / "endless_train.py").read_text()
    every = count // looping if looping else count + 1
    folder.mkdir(parents=True)
    for i in range(count):
        text = endless if looping and i % every == every // 2 and i // every < looping else correct
        (folder / f"student{i:04d}.py").write_text(f"{text}\n# student {i}\n")
    return folder


def _batch(tree: Path, klass: Path, out: Path, jobs: int) -> float:
    """Wall seconds of one `grade batch` of ``klass`` in ``tree``."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", GRADE, "batch", ASSIGNMENT, str(klass), "--out", str(out),
                           "--jobs", str(jobs)], cwd=tree, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{tree}: grade batch exited {done.returncode}: {done.stderr[-400:]}")
    return time.perf_counter() - start


def _summary(tree: Path, correct: list[float], looping: list[float]) -> str:
    return (f"{tree}: correct {min(correct):.1f} / {statistics.median(correct):.1f} s, looping "
            f"{min(looping):.1f} / {statistics.median(looping):.1f} s, looping/correct "
            f"{min(looping) / min(correct):.2f} / {statistics.median(looping) / statistics.median(correct):.2f} "
            f"(min / median)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trees", type=Path, nargs="*", default=[Path(".")])
    parser.add_argument("--count", type=int, default=100, help="submissions in each batch")
    parser.add_argument("--looping", type=int, default=5, help="of which loop forever in train")
    parser.add_argument("--repeats", type=int, default=3, help="counted rounds (after one warm-up)")
    parser.add_argument("--jobs", type=int, default=2)
    options = parser.parse_args()
    trees = [t.resolve() for t in options.trees]
    figures = {t: {"correct": [], "looping": []} for t in trees}
    with tempfile.TemporaryDirectory() as tmp:
        classes = {kind: _class(Path(tmp) / kind, options.count, options.looping if kind == "looping" else 0,
                                trees[-1]) for kind in ("correct", "looping")}
        for i, tree in enumerate(trees):      # warm-up: not counted
            _batch(tree, classes["correct"], Path(tmp) / f"warm-up-{i}", options.jobs)
        for round_ in range(options.repeats):
            for i, tree in enumerate(trees):
                for kind, klass in classes.items():
                    out = Path(tmp) / f"out-{i}-{kind}-{round_}"
                    figures[tree][kind].append(_batch(tree, klass, out, options.jobs))
    print(f"grade batch, N = {options.count} ({options.looping} looping), --jobs {options.jobs}, "
          f"{options.repeats} rounds:")
    for tree in trees:
        print(_summary(tree, figures[tree]["correct"], figures[tree]["looping"]))


if __name__ == "__main__":
    main()
