"""``grade new``: the scaffold of a new assignment loads, its stub scores 0 with "Not implemented
yet", and once the functions are filled in (reference and solution) the solution gets full marks;
it never overwrites a file; and solutions/ never ships (not in the package, not in a bundle)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.course.scaffold import PLACEHOLDER
from grader.grading.engine import Grader
from grader.model.spec import load_spec
from grader.submissions.intake import read_submission

ROOT = Path(__file__).resolve().parents[2]
SCAFFOLDED = ["assignments/09_rowsum/assignment.yaml", "assignments/09_rowsum/rowsum.py",
              "assignments/09_rowsum/README.md", "reference/rowsum.py", "reference/rowsum_properties.py",
              "solutions/09_rowsum/rowsum.py"]


def _new(root: Path, *args: str):
    return CliRunner().invoke(main, ["new", *args, "--root", str(root)])


@pytest.fixture
def course(tmp_path) -> Path:
    """A course folder like a fresh clone's: a references package and nothing else."""
    (tmp_path / "reference").mkdir()
    shutil.copy(ROOT / "reference" / "__init__.py", tmp_path / "reference" / "__init__.py")
    return tmp_path


def test_new_writes_the_assignment_the_references_and_a_private_solution(course):
    done = _new(course, "09_rowsum", "--title", "Row sums", "--functions", "row_sum,row_mean")
    assert done.exit_code == 0, done.output
    assert sorted(str(p.relative_to(course)) for p in course.rglob("*") if p.is_file()) == sorted(
        SCAFFOLDED + ["reference/__init__.py"])
    for path in SCAFFOLDED:
        assert path in done.output
    readme = (course / "assignments/09_rowsum/README.md").read_text()
    assert "## 1. `row_sum(x)`" in readme and "## 2. `row_mean(x)`" in readme and "$$" in readme
    reference = (course / "reference/rowsum.py").read_text()
    assert reference.count("@njit(cache=True)") == 2
    assert 'MISTAKES' in reference and '"row_sum": []' in reference and '"row_mean": []' in reference


def test_the_scaffold_loads_and_its_stub_scores_zero_saying_not_implemented(course):
    assert _new(course, "09_rowsum", "--title", "Row sums", "--functions", "row_sum,row_mean").exit_code == 0
    spec = load_spec(course / "assignments" / "09_rowsum")
    assert spec.title == "Row sums" and list(spec.files) == ["rowsum.py"]
    assert {t.function for t in spec.tests} == {"row_sum", "row_mean"}
    assert {t.visibility for t in spec.tests} == {"public", "hidden"}
    assert [t.kind for t in spec.tests].count("property") == 1
    result = Grader(spec).grade(read_submission(spec, None), spec.select(None, include_hidden=True),
                                reveal_hidden=True)
    assert result.score == 0
    assert all("Not implemented yet" in t.message for t in result.tests), [t.message for t in result.tests]


def _fill_in(course: Path) -> None:
    """What an author writes: the references' bodies and the solution's."""
    reference = course / "reference" / "rowsum.py"
    text = reference.read_text()
    row_sum = ("out = np.zeros(x.shape[0])\n    for i in range(x.shape[0]):\n"
               "        for j in range(x.shape[1]):\n            out[i] += x[i, j]\n    return out")
    for body in (row_sum, "return row_sum(x) / x.shape[1]"):
        text = text.replace(PLACEHOLDER, body, 1)
    reference.write_text(text)
    solution = course / "solutions" / "09_rowsum" / "rowsum.py"
    text = solution.read_text()
    text = text.replace("raise NotImplementedError", "return x.sum(axis=1)", 1)
    text = text.replace("raise NotImplementedError", "return x.mean(axis=1)", 1)
    solution.write_text(text)


def test_filled_in_the_solution_gets_full_marks(course):
    assert _new(course, "09_rowsum", "--title", "Row sums", "--functions", "row_sum,row_mean").exit_code == 0
    _fill_in(course)
    spec = load_spec(course / "assignments" / "09_rowsum")
    tests = spec.select(None, include_hidden=True)
    result = Grader(spec).grade(read_submission(spec, course / "solutions" / "09_rowsum"), tests, reveal_hidden=True)
    assert {t.name: t.status for t in result.tests} == {t.name: "passed" for t in tests}
    assert result.score == result.max_score > 0


def test_new_refuses_to_overwrite_in_one_line(course):
    assert _new(course, "09_rowsum", "--title", "Row sums").exit_code == 0
    before = {p: p.read_bytes() for p in course.rglob("*") if p.is_file()}
    again = _new(course, "09_rowsum", "--title", "Other")
    assert again.exit_code == 2
    assert again.output.count("\n") == 1 and "already exists" in again.output
    assert "assignments/09_rowsum/assignment.yaml" in again.output
    other_id_same_topic = _new(course, "10_rowsum", "--title", "Other")
    assert other_id_same_topic.exit_code == 2 and "reference/rowsum.py" in other_id_same_topic.output
    assert {p: p.read_bytes() for p in course.rglob("*") if p.is_file()} == before     # nothing written


@pytest.mark.parametrize("args, says", [
    (["bad id!", "--title", "T"], "ID"),
    (["09_x", "--title", "T", "--functions", "ok,not-a-name"], "not-a-name"),
    (["09_x", "--title", "T", "--functions", "f,f"], "twice"),
    (["09_x", "--title", ""], "title"),
    (["09_x", "--title", "two\nlines"], "title"),
    (["09_x", "--title", 'a """ b'], "title"),
])
def test_bad_arguments_get_one_line(course, args, says):
    done = _new(course, *args)
    assert done.exit_code == 2 and done.output.count("\n") == 1 and says in done.output, done.output
    assert not (course / "assignments").exists()


def test_solutions_are_not_in_the_package():
    """The wheel holds grader/ only: solutions/ (and reference/, assignments/) are never packaged."""
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in Python 3.11 and later")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert all(pattern.split(".")[0] == "grader" for pattern in config["packages"]["find"]["include"])
    assert not any("solution" in str(v) for v in config.get("package-data", {}).values())


def test_a_bundle_of_the_filled_in_scaffold_holds_no_solution(course, tmp_path):
    assert _new(course, "09_rowsum", "--title", "Row sums", "--functions", "row_sum,row_mean").exit_code == 0
    _fill_in(course)
    out = tmp_path / "release"
    done = CliRunner().invoke(main, ["release", str(course / "assignments" / "09_rowsum"), "--out", str(out)])
    assert done.exit_code == 0, done.output
    solution = (course / "solutions" / "09_rowsum" / "rowsum.py").read_text()
    for path in (out / "09_rowsum").rglob("*"):
        if path.is_file():
            assert "x.sum(axis=1)" not in path.read_text(errors="replace"), path
    assert "x.sum(axis=1)" in solution
