"""Every instructor-side command that draws (or ships) per-student hidden inputs says so, in one
line, when no instructor secret is configured (issue 17, item 10): without one, anyone with the
spec and a student id can compute that student's hidden inputs. ``grade gradescope`` with its
default ``--secret`` shipped none without a word."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = ROOT / "assignments" / "01_perceptron"
CORRECT = ROOT / "tests" / "data" / "submissions" / "01_perceptron" / "correct.py"
WARNING = "no instructor secret"


def _commands(tmp: Path) -> dict[str, list[str]]:
    klass = tmp / "class"
    klass.mkdir(parents=True)
    shutil.copy(CORRECT, klass / "ada.py")
    (tmp / "ag" / "submission").mkdir(parents=True)
    shutil.copy(CORRECT, tmp / "ag" / "submission" / "perceptron.py")
    return {
        "batch": ["batch", str(ASSIGNMENT), str(klass), "--out", str(tmp / "out"), "--jobs", "1", "-t", "predict_small"],
        "release": ["release", str(ASSIGNMENT), "--out", str(tmp / "bundles")],
        "gradescope": ["gradescope", str(ASSIGNMENT), "--out", str(tmp / "autograder.zip")],
        "autograde": ["autograde", "gradescope", str(ASSIGNMENT), "--root", str(tmp / "ag")],
    }


def _run(tmp_path: Path, verb: str, secret: str | None):
    env = {"HOME": str(tmp_path / "home"), "DLGRADE_SECRET": secret, "DLGRADE_SECRET_FILE": None}
    return CliRunner().invoke(main, _commands(tmp_path)[verb], env=env)


@pytest.mark.parametrize("verb", ["batch", "release", "gradescope", "autograde"])
def test_one_warning_line_without_a_secret_and_none_with_one(verb, tmp_path):
    without = _run(tmp_path / "a", verb, None)
    assert without.exit_code == 0, without.output
    warnings = [line for line in without.stderr.splitlines() if WARNING in line]
    assert len(warnings) == 1, without.stderr
    assert "DLGRADE_SECRET" in warnings[0] and warnings[0].startswith("grade: warning:")
    with_secret = _run(tmp_path / "b", verb, "course-secret")
    assert with_secret.exit_code == 0, with_secret.output
    assert WARNING not in with_secret.stderr + with_secret.stdout
