"""``grade validate``: each kind of problem it exists for, on a small variant of a shipped
assignment (a copy in a temporary course folder, its spec changed), and the shipped assignments.

A variant keeps the shipped references (``references:`` points at this checkout's) and copies the
assignment's correct solution and loop versions, where ``grade validate`` looks for them.
"""
from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from grader.cli import main
from grader.course import validate as validate_module
from grader.course.release import ReleaseError, release_assignment
from grader.course.validate import validate

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENTS = sorted(p.parent.name for p in (ROOT / "assignments").glob("*/assignment.yaml"))
SEEDS = 20


def variant(tmp_path: Path, assignment: str, change=None) -> Path:
    """A copy of ``assignment`` in a course folder under ``tmp_path``; ``change(raw)`` edits its spec."""
    folder = tmp_path / "assignments" / assignment
    shutil.copytree(ROOT / "assignments" / assignment, folder)
    data = ROOT / "tests" / "data" / "submissions" / assignment
    for part in ("correct.py", "correct", "speed"):
        if (data / part).is_file():
            (tmp_path / "tests/data/submissions" / assignment).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(data / part, tmp_path / "tests/data/submissions" / assignment / part)
        elif (data / part).is_dir():
            shutil.copytree(data / part, tmp_path / "tests/data/submissions" / assignment / part)
    raw = yaml.safe_load((folder / "assignment.yaml").read_text(encoding="utf-8"))
    raw["references"] = str(ROOT / "reference")
    if change is not None:
        change(raw)
    (folder / "assignment.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return folder


def _test(raw: dict, name: str) -> dict:
    return next(t for t in raw["tests"] if t["name"] == name)


def lines(report) -> list[str]:
    return [p.line() for p in report.problems]


def test_a_mistake_that_no_public_test_catches(tmp_path):
    """predict_small is the only public test with a score of exactly 0: without it, the tie
    mistakes of predict pass every public test."""
    def drop(raw):
        raw["tests"] = [t for t in raw["tests"] if t["name"] != "predict_small"]

    report = validate(variant(tmp_path, "01_perceptron", drop), seeds=SEEDS)
    assert not report.ok
    found = [line for line in lines(report) if "mistake tie_is_negative of predict" in line and "fails no public test" in line]
    assert found, lines(report)
    assert found[0].startswith(str(tmp_path / "assignments/01_perceptron/assignment.yaml") + ": predict: ")
    assert "add a public test whose inputs separate it" in found[0]
    row = next(r for r in report.coverage if (r.function, r.mistake) == ("predict", "tie_is_negative"))
    assert row.public == [] and row.hidden == ["predict_hidden"]


def test_a_hidden_test_that_is_a_renamed_public_test(tmp_path):
    def rename(raw):
        copy = dict(_test(raw, "update_tie"), name="update_tie_again", visibility="hidden")
        raw["tests"].append(copy)

    report = validate(variant(tmp_path, "01_perceptron", rename), seeds=SEEDS)
    found = [line for line in lines(report) if ": update_tie_again: is the public test update_tie under another name" in line]
    assert found, lines(report)
    assert "give it other inputs" in found[0]


def test_a_per_student_draw_that_misses_a_mistake(tmp_path):
    """mae_grad_hidden draws small integers so that pred == target somewhere on every draw (the
    gradient at 0); from a range ten times wider, many draws have no tie."""
    def widen(raw):
        _test(raw, "mae_grad_hidden")["inputs"]["pred"]["high"] = 30
        _test(raw, "mae_grad_hidden")["inputs"]["target"]["high"] = 30

    report = validate(variant(tmp_path, "03_losses", widen), seeds=SEEDS)
    pattern = re.compile(r": mae_grad_hidden: mistake gradient_at_zero#1 of mae_grad .* passes every hidden test "
                         rf"\(mae_grad_hidden\) on (\d+) of {SEEDS} per-student draws; choose inputs")
    found = [m for line in lines(report) if (m := pattern.search(line))]
    assert found, lines(report)
    assert 0 < int(found[0].group(1)) < SEEDS
    shipped = validate(ROOT / "assignments" / "03_losses", seeds=SEEDS)       # the shipped range: a tie on every draw
    assert not [line for line in lines(shipped) if "gradient_at_zero#1 of mae_grad" in line]


def test_a_performance_test_that_does_not_separate_a_loop(tmp_path):
    def loosen(raw):
        _test(raw, "predict_speed")["timing"]["max_ratio"] = 1e6

    report = validate(variant(tmp_path, "01_perceptron", loosen), seeds=SEEDS)
    found = [line for line in lines(report) if ": predict_speed: a loop version (" in line]
    assert found, lines(report)
    assert "speed/loop_predict.py) passes" in found[0] and "limit 1e+06x; lower max_ratio" in found[0]
    margin = report.margins[0]
    assert margin.test == "predict_speed" and margin.solution is not None and margin.solution < 25
    assert margin.loop is not None and 25 < margin.loop < 1e6


def test_the_shipped_limit_separates_the_loop(tmp_path):
    report = validate(ROOT / "assignments" / "01_perceptron", seeds=SEEDS)
    assert not [line for line in lines(report) if "predict_speed" in line and "loop" in line]
    (margin,) = report.margins
    assert margin.solution < margin.max_ratio < margin.loop


def test_without_an_author_s_loop_the_reference_s_python_body_is_timed(tmp_path):
    """No loop version given: the reference with its Numba functions' py_func stands in for one."""
    folder = variant(tmp_path, "01_perceptron")
    shutil.rmtree(tmp_path / "tests/data/submissions/01_perceptron/speed")
    report = validate(folder, seeds=2)
    (margin,) = report.margins
    assert margin.loop_source == "generated: perceptron.predict with py_func"
    assert margin.loop > margin.max_ratio, margin
    assert not [line for line in lines(report) if "predict_speed" in line]


SLOW_PREDICT = """

def predict(X, w, b):           # a reference too slow to time against: Python loops, five times over
    out = np.empty(X.shape[0])
    for _ in range(5):
        for i in range(X.shape[0]):
            out[i] = 1.0 if float(X[i] @ w) + b >= 0 else -1.0
    return out
"""


def test_a_solution_within_the_no_ops_noise_does_not_make_the_reference_slow():
    """01's predict: the solution's time less the no-op's came to 0.1x its reference by noise
    (a full-suite run flagged the reference as too slow); with the no-op counted it is 30x."""
    figures = {"student_s_per_call": 1e-6, "noop_s_per_call": 3e-4, "reference_s_per_call": 1e-5, "ratio": 0.1}
    assert figures["ratio"] < validate_module.SLOW_REFERENCE < validate_module._whole_window_ratio(figures)


def test_a_reference_slower_than_the_solution_is_reported(tmp_path):
    refs = tmp_path / "refs"
    shutil.copytree(ROOT / "reference", refs, ignore=shutil.ignore_patterns("__pycache__"))
    (refs / "perceptron.py").write_text((refs / "perceptron.py").read_text() + SLOW_PREDICT)
    folder = variant(tmp_path, "01_perceptron", lambda raw: raw.update(references=str(refs)))
    report = validate(folder, seeds=2)
    assert any(": predict_speed: the reference perceptron.predict is slower than the solution" in line
               for line in lines(report)), lines(report)


# The stub check (grader.course.release.check_stubs) refuses a filled stub first; allowing every
# function reaches the check that a bundle holds no file equal to the solution.
EVERY_STUB_FUNCTION = frozenset({"predict", "update", "train", "linear_sgd_epoch"})


def test_a_solution_file_in_a_bundle_is_refused(tmp_path):
    """A stub left as the solution: grade release refuses to ship it, and validate says the stub scores."""
    folder = variant(tmp_path, "01_perceptron")
    shutil.copyfile(tmp_path / "tests/data/submissions/01_perceptron/correct.py", folder / "perceptron.py")
    with pytest.raises(ReleaseError, match=r"perceptron.py: is the solution .*ship the stub, not the solution"):
        release_assignment(folder, tmp_path / "out", allow_prefilled=EVERY_STUB_FUNCTION)
    assert not (tmp_path / "out" / "01_perceptron").exists()
    report = validate(folder, seeds=2)
    assert any(line.startswith(f"{folder / 'perceptron.py'}: predict_small: the stub scores 2.0 points") for line in lines(report)), lines(report)


def test_a_solutions_folder_is_the_default_solution_and_never_ships(tmp_path):
    folder = variant(tmp_path, "01_perceptron")
    solutions = tmp_path / "solutions" / "01_perceptron"
    solutions.mkdir(parents=True)
    (solutions / "perceptron.py").write_text((ROOT / "tests/data/submissions/01_perceptron/correct.py").read_text())
    report = validate(folder, seeds=2)
    assert report.solution == str(solutions)
    shutil.copyfile(solutions / "perceptron.py", folder / "perceptron.py")
    with pytest.raises(ReleaseError, match="is the solution"):
        release_assignment(folder, tmp_path / "out", allow_prefilled=EVERY_STUB_FUNCTION)


def test_the_command_line_exits_1_with_one_line_per_problem_and_json_tables(tmp_path):
    def rename(raw):
        raw["tests"].append(dict(_test(raw, "predict_small"), name="predict_small_again", visibility="hidden"))

    folder = variant(tmp_path, "01_perceptron", rename)
    text = CliRunner().invoke(main, ["validate", str(folder), "--seeds", "3"])
    assert text.exit_code == 1, text.output
    assert "solution " + str(tmp_path / "tests/data/submissions/01_perceptron/correct.py") in text.output
    assert re.search(r"^\S+assignment.yaml:\d+: predict_small_again: is the public test predict_small", text.output, re.M)
    assert "Mistakes caught (public tests | hidden tests | per-student draws caught | named by):" in text.output
    assert re.search(r"^  predict_speed: solution \S+x, loop \S+x \(.*loop_predict.py\), limit 25x$", text.output, re.M)
    out = CliRunner().invoke(main, ["validate", str(folder), "--seeds", "3", "--format", "json"])
    assert out.exit_code == 1
    report = json.loads(out.stdout)
    assert report["ok"] is False and any("predict_small_again" in p for p in report["problems"])
    row = next(r for r in report["coverage"] if r["mistake"] == "labels_01" and r["function"] == "predict")
    assert row["public"] and row["hidden"] == ["predict_hidden", "predict_bias_hidden", "predict_small_again"]
    assert "predict_small_again" in row["named_by"]
    assert report["margins"][0]["test"] == "predict_speed" and report["seconds"]["total"] > 0


def test_an_assignment_that_does_not_load_is_one_line():
    out = CliRunner().invoke(main, ["validate", "no_such_assignment"])
    assert out.exit_code == 1
    assert out.output.strip().endswith("\nno_such_assignment: the spec does not load: no such file "
                                       "(is this an assignment folder?)")


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_shipped_assignments_validate(assignment):
    """Every check on each assignment in assignments/ (a new one is picked up by the glob), in
    seconds: no problem."""
    start = time.perf_counter()
    report = validate(ROOT / "assignments" / assignment)
    seconds = time.perf_counter() - start
    assert lines(report) == []
    assert report.solution is not None
    assert all(m.loop is not None and m.solution is not None for m in report.margins)
    assert seconds < 120, f"{assignment}: {seconds:.0f} s"
