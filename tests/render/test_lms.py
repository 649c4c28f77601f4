"""LMS and CI front ends: the Gradescope bundle and runner, PrairieLearn's runner, JUnit XML.

The Gradescope runner is exercised the way Gradescope runs it: the bundle is unzipped into a
temporary folder laid out like ``/autograder`` and its own ``run_autograder`` script is executed,
with the root passed through ``DLGRADE_AUTOGRADER_ROOT``. Every ``results.json`` is validated
against a JSON Schema written from Gradescope's specification.
"""
from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from grader.cli import main

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = ROOT / "assignments" / "01_perceptron"
SUBMISSIONS = ROOT / "tests" / "data" / "submissions" / "01_perceptron"
SCHEMA = json.loads((ROOT / "grader" / "model" / "schemas" / "gradescope-results.schema.json").read_text())


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    result = CliRunner().invoke(main, ["gradescope", str(ASSIGNMENT), "--out", str(out)],
                                env={"DLGRADE_SECRET": "course-secret"})
    assert result.exit_code == 0, result.output
    return out


def autograder_root(bundle: Path, tmp: Path, files: dict[str, Path | str] | None,
                    metadata: dict | None = None) -> Path:
    """A folder laid out like Gradescope's /autograder, with the bundle unzipped in source/."""
    root = tmp / "autograder"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(root / "source")
    for name in ("run_autograder", "setup.sh"):     # zipfile does not restore permissions
        (root / "source" / name).chmod(0o755)
    if files is not None:
        (root / "submission").mkdir(parents=True)
        for name, content in files.items():
            target = root / "submission" / name
            target.write_text(content.read_text() if isinstance(content, Path) else content)
    if metadata is not None:
        (root / "submission_metadata.json").write_text(json.dumps(metadata))
    return root


def run_autograder(root: Path) -> dict:
    env = {**os.environ, "DLGRADE_AUTOGRADER_ROOT": str(root),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("DLGRADE_SECRET", None)             # the bundle's own secret file must be used
    proc = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    data = json.loads((root / "results" / "results.json").read_text())
    jsonschema.validate(data, SCHEMA)
    return data


def test_bundle_holds_what_gradescope_needs_and_scripts_are_executable(bundle):
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        modes = {i.filename: (i.external_attr >> 16) & 0o777 for i in archive.infolist()}
        secret = archive.read("secret").decode().strip()
    for name in ("setup.sh", "run_autograder", "dlgrade/pyproject.toml", "dlgrade/grader/grading/engine.py",
                 "dlgrade/grader/model/schemas/assignment.schema.json", "assignments/01_perceptron/assignment.yaml",
                 "reference/perceptron.py", "reference/__init__.py"):
        assert name in names
    assert modes["setup.sh"] & stat.S_IXUSR and modes["run_autograder"] & stat.S_IXUSR
    assert secret == "course-secret"
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)


def test_correct_submission_gets_full_marks_with_hidden_tests(bundle, tmp_path):
    root = autograder_root(bundle, tmp_path, {"perceptron.py": SUBMISSIONS / "correct.py"},
                           {"users": [{"email": "ada@example.edu", "sid": "s123", "id": 1}]})
    data = run_autograder(root)
    assert data["tests"] and data["score"] == sum(t["max_score"] for t in data["tests"])
    visibilities = {t["visibility"] for t in data["tests"]}
    assert visibilities == {"visible", "after_published"}
    assert all(t["status"] == "passed" for t in data["tests"])


def test_wrong_submission_names_the_mistake_and_hides_hidden_inputs(bundle, tmp_path):
    wrong = SUBMISSIONS / "mistakes" / "predict__tie_is_negative.py"
    data = run_autograder(autograder_root(bundle, tmp_path, {"perceptron.py": wrong}, {"users": [{"sid": "s9"}]}))
    failed = [t for t in data["tests"] if t["status"] == "failed"]
    assert failed and data["score"] < sum(t["max_score"] for t in data["tests"])
    public = [t for t in failed if t["visibility"] == "visible"]
    assert any("**Hint:**" in t["output"] and ">= 0" in t["output"] for t in public)
    for t in failed:
        if t["visibility"] != "visible":
            assert "Inputs" not in t["output"] and "Input shapes" not in t["output"]


def test_a_single_py_of_any_name_is_graded_as_the_assignments_file_and_says_so(bundle, tmp_path):
    """Issue 17, item 9: my_perceptron.py scored 0 ("perceptron.py is not in the submission") on
    Gradescope, while grade batch grades a one-file assignment's only .py whatever its name."""
    data = run_autograder(autograder_root(bundle, tmp_path, {"my_perceptron.py": SUBMISSIONS / "correct.py"}))
    assert data["score"] == sum(t["max_score"] for t in data["tests"]) > 0, data["output"]
    assert "my_perceptron.py was graded as perceptron.py" in data["output"]


def test_broken_and_missing_submissions_still_get_valid_results(bundle, tmp_path):
    broken = run_autograder(autograder_root(bundle, tmp_path / "a", {"perceptron.py": "def predict(:\n"}))
    assert broken["score"] == 0 and broken["tests"]
    assert all(t["status"] == "failed" for t in broken["tests"])
    nothing = run_autograder(autograder_root(bundle, tmp_path / "b", None))
    assert nothing["score"] == 0 and nothing["tests"] == []
    assert "could not be graded" in nothing["output"]


def test_leaderboard_and_hidden_visibility_follow_the_spec(tmp_path):
    folder = tmp_path / "01_perceptron"
    shutil.copytree(ASSIGNMENT, folder)
    spec = folder / "assignment.yaml"
    text = spec.read_text().replace("references: ../../reference", "")
    text = text.replace("title: Perceptron learning", f"title: Perceptron learning\nreferences: {ROOT / 'reference'}\n"
                        "gradescope: {hidden_visibility: hidden}")
    spec.write_text(text.replace("    timing: {max_ratio: 25, samples: 5, calls: 8}",
                                 "    timing: {max_ratio: 25, samples: 5, calls: 8}\n    leaderboard: true"))
    from grader.course.autograder import run_gradescope

    root = tmp_path / "ag"
    (root / "submission").mkdir(parents=True)
    (root / "submission" / "perceptron.py").write_text((SUBMISSIONS / "correct.py").read_text())
    data = run_gradescope(folder, root)
    jsonschema.validate(data, SCHEMA)
    assert {t["visibility"] for t in data["tests"]} == {"visible", "hidden"}
    assert [entry["name"] for entry in data["leaderboard"]] == ["predict_speed"]
    passed = next(t for t in data["tests"] if t["name"].startswith("predict_speed"))
    assert passed["score"] == passed["max_score"]
    # the time ratio of a passed speed test: 0 when a call measured faster than the no-op
    assert data["leaderboard"][0]["order"] == "asc" and 0 <= data["leaderboard"][0]["value"] <= 25


def test_prairielearn_runner_writes_a_fraction_score(tmp_path):
    root = tmp_path / "grade"
    (root / "student").mkdir(parents=True)
    (root / "student" / "perceptron.py").write_text((SUBMISSIONS / "mistakes" / "update__wrong_sign.py").read_text())
    result = CliRunner().invoke(main, ["autograde", "prairielearn", str(ASSIGNMENT), "--root", str(root)])
    assert result.exit_code == 0, result.output
    data = json.loads((root / "results" / "results.json").read_text())
    assert data["gradable"] is True and 0 < data["score"] < 1
    assert sum(t["points"] for t in data["tests"]) / sum(t["max_points"] for t in data["tests"]) == pytest.approx(data["score"])
    assert any("wrong_sign" not in t["message"] and "Hint:" in t["message"] for t in data["tests"])


def test_prairielearn_runner_reports_an_ungradable_submission(tmp_path):
    root = tmp_path / "grade"
    root.mkdir()
    result = CliRunner().invoke(main, ["autograde", "prairielearn", str(ASSIGNMENT), "--root", str(root)])
    assert result.exit_code == 0
    data = json.loads((root / "results" / "results.json").read_text())
    assert data["gradable"] is False and data["score"] == 0 and "could not be graded" in data["message"]


def test_junit_output_has_a_testcase_per_test_with_points_and_failures(tmp_path):
    wrong = SUBMISSIONS / "mistakes" / "predict__np_sign.py"
    result = CliRunner().invoke(main, ["check", str(ASSIGNMENT), "-s", str(wrong), "--format", "junit"])
    assert result.exit_code == 1                       # CI runners read pass/fail from the status
    suite = ET.fromstring(result.output.split("\n", 1)[1])
    cases = suite.findall("testcase")
    assert len(cases) == int(suite.get("tests")) > 0
    failed = [c for c in cases if c.find("failure") is not None]
    assert int(suite.get("failures")) == len(failed) > 0
    for case in cases:
        points = {p.get("name"): float(p.get("value")) for p in case.find("properties") if p.get("name") != "visibility"}
        assert points["points"] <= points["max_points"]
        assert (points["points"] == 0) == (case.find("failure") is not None or case.find("error") is not None)
    assert any("np.sign" in (c.find("failure").text or "") for c in failed)
    correct = CliRunner().invoke(main, ["check", str(ASSIGNMENT), "-s", str(SUBMISSIONS / "correct.py"), "--format", "junit"])
    assert correct.exit_code == 0 and 'failures="0"' in correct.output


@pytest.mark.parametrize("status, sentence", [
    ("passed", "Passed."), ("failed", "Not passed."), ("error", "Not passed: your code raised an error."),
    ("timeout", "Not passed: your code ran out of time."), ("crashed", "Not passed: your code crashed the worker."),
])
def test_hidden_tests_on_gradescope_read_naturally(status, sentence):
    """Issue 17: a hidden test read "Failed (failed)."; it says what happened in plain words."""
    from grader.model.results import Result, TestResult
    from grader.render.lms import gradescope_results

    test = TestResult(name="t", function="f", kind="numeric", visibility="hidden", status=status,
                      score=0.0, max_score=1.0, message="inputs were 1, 2, 3")
    output = gradescope_results(Result("a", "A", "s.py", [test], "basic"))["tests"][0]["output"]
    assert output == sentence
