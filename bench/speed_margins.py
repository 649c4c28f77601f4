"""The margins of a speed verdict: the red-team submissions that hide slow work, and honest code,
graded on 01's predict_speed over and over, optionally beside busy cores. Prints, per submission,
how many gradings passed and the range of the CPU ratio and of the busy ratio (the figures the
verdict compares with max_ratio and max_ratio x WALL_SLACK; see grader/grading/timing.py).

    python bench/speed_margins.py --gradings 10 --busy 2
    DLGRADE_ISOLATION=basic python bench/speed_margins.py --busy 2      # where fork is allowed

The measured margins are written down in tests/redteam/test_redteam_timing.py.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SUBMISSIONS = REPO / "tests" / "redteam" / "submissions"
CASES = ["honest.py", "fork_helper.py", "fork_helper_once.py", "checked_position_only.py", "hijack_staging.py",
         "predict_fresh_inputs.py"]


def _grade_repeatedly(spec, name: str, gradings: int) -> list[tuple[str, float, float]]:
    """(status, CPU ratio, busy ratio) of each grading of submission ``name`` on predict_speed."""
    from grader.grading.engine import Grader
    from grader.submissions.intake import read_submission

    grader = Grader(spec)
    tests = spec.select(["predict_speed"], include_hidden=True)
    figures = []
    for _ in range(gradings):
        test = grader.grade(read_submission(spec, SUBMISSIONS / name), tests).tests[0]
        details = test.details or {}
        figures.append((test.status, details.get("ratio", float("nan")), details.get("busy_ratio", float("nan"))))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="*", default=CASES, help="files in tests/redteam/submissions")
    parser.add_argument("--gradings", type=int, default=10, help="gradings of each submission")
    parser.add_argument("--busy", type=int, default=0, help="cores kept busy meanwhile")
    options = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from grader.grading.timing import WALL_SLACK
    from grader.model.spec import load_spec
    from grader.sandbox import isolation

    spec = load_spec(REPO / "assignments" / "01_perceptron")
    limit = float(next(t for t in spec.tests if t.name == "predict_speed").timing["max_ratio"])
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(options.busy)]
    try:
        rows = {name: _grade_repeatedly(spec, name, options.gradings) for name in options.cases}
    finally:
        for proc in busy:
            proc.kill()
            proc.wait()
    print(f"01 predict_speed (max_ratio {limit:g}, busy limit {limit * WALL_SLACK:g}), {options.gradings} gradings "
          f"each, {options.busy} busy cores, tier {isolation.current().tier}:")
    print("| submission | passed | CPU ratio min - max | busy ratio min - max |")
    print("|---|---|---|---|")
    for name, figures in rows.items():
        ratios, busies = [f[1] for f in figures], [f[2] for f in figures]
        passed = sum(f[0] == "passed" for f in figures)
        print(f"| {name} | {passed}/{len(figures)} | {min(ratios):.1f} - {max(ratios):.1f} | "
              f"{min(busies):.1f} - {max(busies):.1f} |")


if __name__ == "__main__":
    main()
