"""Time `grade check assignments/01_perceptron` on a correct submission, warm.

Runs the real command line (a new process each time, as a student would) REPEATS times after one
warm-up run that fills the Numba cache, and reports the minimum and median of:

- total: the wall time of the whole command, interpreter start to exit;
- student: the wall time of the calls into the student's code, as the grader saw them (IPC
  included), plus the timed runs of performance tests;
- outside: total - student, i.e. what the grader itself costs.

Usage: python bench/check_speed.py [--repeats 10] [--assignment assignments/01_perceptron]
                                   [--submission tests/data/submissions/01_perceptron/correct.py]
"""
from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def student_seconds(result: dict) -> float:
    total = 0.0
    for test in result["tests"]:
        d = test.get("details", {})
        total += d.get("call_seconds", 0.0)
        if test["kind"] == "performance" and "student_s_per_call" in d:
            raw = d.get("raw_s", {}).get("student", [])
            total += sum(raw)
    return total


def run_once(assignment: str, submission: str) -> tuple[float, float]:
    cmd = [sys.executable, "-m", "grader.cli", "check", assignment, "-s", submission, "--format", "json"]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    total = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"grade check failed ({proc.returncode}): {proc.stderr or proc.stdout[:500]}")
    return total, student_seconds(json.loads(proc.stdout))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--assignment", default="assignments/01_perceptron")
    ap.add_argument("--submission", default="tests/data/submissions/01_perceptron/correct.py")
    args = ap.parse_args()
    run_once(args.assignment, args.submission)          # warm-up: Numba cache, page cache
    totals, students = [], []
    for _ in range(args.repeats):
        total, student = run_once(args.assignment, args.submission)
        totals.append(total)
        students.append(student)
    outside = [t - s for t, s in zip(totals, students)]
    print(f"grade check {args.assignment} on {args.submission}, warm, {args.repeats} runs "
          f"({platform.python_version()}, {platform.machine()}, {__import__('os').cpu_count()} cores)")
    print(f"{'':10}{'min':>10}{'median':>10}")
    for name, values in (("total", totals), ("student", students), ("outside", outside)):
        print(f"{name:10}{min(values) * 1e3:>8.0f}ms{statistics.median(values) * 1e3:>8.0f}ms")


if __name__ == "__main__":
    main()
