"""Notebook submissions (read without running anything) and ``check()`` inside a notebook.

check() is tested without Jupyter: IPython's history of run cells (``In``) is simulated by a fake
``get_ipython``. One slow test runs a released notebook in a real kernel where one is installed.
"""
from __future__ import annotations

import ast
import builtins
import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner
from nbformat.v4 import new_code_cell, new_notebook

import grader.submissions.notebook as notebook_module
from grader import check
from grader.cli import main
from grader.course.release import build_notebook, release_assignment
from grader.grading.engine import Grader
from grader.model.spec import load_spec
from grader.submissions.intake import IntakeError, read_submission
from grader.submissions.notebook import CellSyntaxError, cells_to_module, read_notebook

ROOT = Path(__file__).resolve().parents[2]
PERCEPTRON = ROOT / "assignments" / "01_perceptron"
CORRECT = ROOT / "tests" / "data" / "submissions" / "01_perceptron" / "correct.py"
WRONG_TIE = "def predict(X, w, b):\n    return np.where(X @ w + b > 0, 1.0, -1.0)\n"


def write_notebook(path: Path, cells: list[str], metadata: dict | None = None) -> Path:
    nb = new_notebook(cells=[new_code_cell(c) for c in cells], metadata=metadata or {})
    nbformat.write(nb, path)
    return path


def functions_of(path: Path) -> dict[str, str]:
    source = path.read_text()
    return {n.name: ast.get_source_segment(source, n) for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)}


@pytest.fixture(scope="module")
def spec():
    return load_spec(PERCEPTRON)


@pytest.fixture(scope="module")
def full_grader(spec):
    return Grader(spec)


def grade_all(grader: Grader, path: Path):
    return grader.grade(read_submission(grader.spec, path), grader.spec.select(None, include_hidden=True), reveal_hidden=True)


# --------------------------------------------------------------------------- reading a notebook

BAD_NOTEBOOKS = {
    "invalid JSON": b"{ not json",
    "nested too deeply": b"[" * 200_000,
    "format 3": json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [],
                            "cells": []}).encode(),
    "metadata' is a required property": json.dumps(
        {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", "source": "x"}]}).encode(),
    "not UTF-8": b"\xff\xfe{}",
    "no list of cells": b"{}",
}


@pytest.mark.parametrize("problem", BAD_NOTEBOOKS)
def test_a_broken_notebook_is_one_line_naming_the_file(problem, tmp_path, spec):
    path = tmp_path / "work.ipynb"
    path.write_bytes(BAD_NOTEBOOKS[problem])
    with pytest.raises(IntakeError) as caught:
        read_submission(spec, path)
    message = str(caught.value)
    assert message.startswith(str(path)) and problem in message and "\n" not in message


def test_an_oversized_notebook_is_refused_before_it_is_parsed(tmp_path, spec, monkeypatch):
    path = write_notebook(tmp_path / "big.ipynb", ["x = 1"])
    monkeypatch.setattr(notebook_module, "MAX_NOTEBOOK_BYTES", path.stat().st_size - 1)
    monkeypatch.setattr(json, "loads", lambda *a, **k: pytest.fail("parsed an oversized notebook"))
    with pytest.raises(IntakeError, match="the limit is"):
        read_notebook(path)


def test_the_cli_reports_a_corrupt_notebook_with_exit_status_2(tmp_path):
    path = tmp_path / "work.ipynb"
    path.write_bytes(b"[" * 200_000)
    result = CliRunner().invoke(main, ["check", str(PERCEPTRON), "--submission", str(path)])
    assert result.exit_code == 2
    assert result.output.strip() == f"grade: error: {path}: not a notebook (its JSON is nested too deeply)"


def test_a_notebook_of_another_assignment_is_refused(tmp_path, spec):
    path = write_notebook(tmp_path / "work.ipynb", ["x = 1"], {"dlgrade": {"assignment": "02_activations"}})
    with pytest.raises(IntakeError, match="for assignment 02_activations, not 01_perceptron"):
        read_submission(spec, path)


# --------------------------------------------------------------------------- what of a notebook runs

def test_only_imports_definitions_and_constants_are_kept():
    cells = ["import numpy as np\nfrom grader import check",
             "EPS = 1e-8\nTWICE = 2 * EPS\nW0 = np.array([1.0, 2.0])\nX = np.load('data.npy')\nY = X + 1",
             "@np.vectorize\ndef f(x):\n    # keep me\n    return x + EPS",
             "a = 1; train(a)",
             "for i in range(10):\n    print(i)",
             "check('f')",
             "from __future__ import annotations\ntry:\n    import torch\nexcept ImportError:\n    torch = None",
             "class Net:\n    pass"]
    source = cells_to_module(enumerate(cells, start=1))
    tree = ast.parse(source)
    kept = [ast.unparse(s).splitlines()[0] for s in tree.body]
    assert kept == ["from __future__ import annotations", "import numpy as np", "EPS = 1e-08", "TWICE = 2 * EPS",
                    "W0 = np.array([1.0, 2.0])", "@np.vectorize", "a = 1", "try:", "class Net:"]
    assert "# keep me" in source                 # definitions are kept as written
    everything = cells_to_module(enumerate(cells, start=1), "all")
    assert "train(a)" in everything and "print(i)" in everything and "check(" not in everything


def test_ipython_syntax_never_reaches_the_module():
    cells = ["%matplotlib inline\nimport numpy as np\n!pip install torch\nfiles = !ls\nnp.sum?",
             "%%bash\nrm -rf ~",
             "get_ipython().run_line_magic('timeit', 'f(1)')\ndef f(x):\n    return x",
             "x = (1\n     % 2)"]
    source = cells_to_module(enumerate(cells, start=1), "all")
    for ipython_only in ("rm -rf", "pip", "!ls", "files =", "np.sum?", "get_ipython", "%matplotlib"):
        assert ipython_only not in source
    assert "% 2" in source                       # the modulo operator is not a magic
    with pytest.raises(CellSyntaxError, match="code cell 2, line 1"):
        cells_to_module([(1, "x = 1"), (2, "def broken(:\n    pass")])


def test_a_notebook_that_would_crash_or_hang_when_run_is_graded_on_its_definitions(tmp_path, full_grader):
    marker = tmp_path / "ran"
    cells = ["import os\nimport numpy as np", f"!touch {marker}", f"%%bash\ntouch {marker}",
             f"get_ipython().system('touch {marker}')", CORRECT.read_text(),
             "os._exit(3)", "while True:\n    pass"]
    result = grade_all(full_grader, write_notebook(tmp_path / "work.ipynb", cells))
    assert not marker.exists()
    assert result.all_passed, [(t.name, t.status, t.message) for t in result.tests if t.status != "passed"]


def test_execute_all_runs_every_cell(tmp_path):
    folder = tmp_path / "01_perceptron"
    shutil.copytree(PERCEPTRON, folder)
    spec_text = (folder / "assignment.yaml").read_text()
    spec_text = spec_text.replace("files: [perceptron.py]\n", "files: [perceptron.py]\nnotebook: {execute: all}\n")
    (folder / "assignment.yaml").write_text(spec_text + f"references: {ROOT / 'reference'}\n")
    spec = load_spec(folder)
    assert spec.notebook_execute == "all"
    cells = ["import numpy as np", CORRECT.read_text(), "SHIFT = float(np.zeros(1).sum())",
             "def predict(X, w, b):\n    return np.where(X @ w + b + SHIFT >= 0, 1.0, -1.0)"]
    path = write_notebook(tmp_path / "work.ipynb", cells)
    everything = Grader(spec).grade(read_submission(spec, path), spec.select(["predict_small"]))
    assert everything.tests[0].status == "passed", everything.tests[0].message
    default = load_spec(PERCEPTRON)
    definitions = Grader(default).grade(read_submission(default, path), default.select(["predict_small"]))
    assert definitions.tests[0].status == "error" and "SHIFT" in definitions.tests[0].message


# --------------------------------------------------------------------------- several files

TWO_FILES = """
id: two_files
title: Two files
files: [first.py, second.py]
references: refs
tests:
  - {name: double, function: first.double, reference: tiny.double, inputs: {x: [1.0, -2.0]}, points: 1}
  - {name: halve, function: second.halve, reference: tiny.halve, inputs: {x: [1.0, -2.0]}, points: 1}
"""


@pytest.fixture
def two_files(tmp_path):
    folder = tmp_path / "two_files"
    (folder / "refs").mkdir(parents=True)
    (folder / "assignment.yaml").write_text(TWO_FILES)
    (folder / "refs" / "__init__.py").write_text("")
    (folder / "refs" / "tiny.py").write_text("def double(x):\n    return 2 * x\n\n\ndef halve(x):\n    return x / 2\n")
    return load_spec(folder)


def test_file_markers_split_a_notebook_into_the_assignments_files(two_files, tmp_path):
    cells = ["import numpy as np", "def double(x):\n    return 2 * x",
             "# file: second.py\nfrom first import double", "def halve(x):\n    return double(x) / 4",
             "# file: scratch.py\ndef halve(x):\n    return 0"]
    submission = read_submission(two_files, write_notebook(tmp_path / "work.ipynb", cells))
    assert "def double" in submission.sources["first"] and "halve" not in submission.sources["first"]
    assert "return double(x) / 4" in submission.sources["second"] and "return 0" not in submission.sources["second"]
    result = Grader(two_files).grade(submission, two_files.select(None))
    assert result.all_passed, [t.message for t in result.tests]


def test_a_file_without_cells_is_a_problem_of_that_file_only(two_files, tmp_path):
    submission = read_submission(two_files, write_notebook(tmp_path / "w.ipynb", ["def double(x):\n    return 2 * x"]))
    result = Grader(two_files).grade(submission, two_files.select(None))
    assert [t.status for t in result.tests] == ["passed", "error"]
    assert "no cell of w.ipynb is marked '# file: second.py'" in result.tests[1].message


def test_a_folder_may_hold_a_notebook_in_place_of_a_module(two_files, tmp_path):
    folder = tmp_path / "handed_in"
    folder.mkdir()
    (folder / "first.py").write_text("def double(x):\n    return 2 * x\n")
    write_notebook(folder / "second.ipynb", ["def halve(x):\n    return x / 2", "halve(1)"])
    result = Grader(two_files).grade(read_submission(two_files, folder), two_files.select(None))
    assert result.all_passed, [t.message for t in result.tests]


def test_a_syntax_error_names_the_cell(two_files, tmp_path):
    cells = ["def double(x):\n    return 2 * x", "# file: second.py\ndef halve(x)\n    return x / 2"]
    submission = read_submission(two_files, write_notebook(tmp_path / "work.ipynb", cells))
    assert submission.problems == {"second": "work.ipynb, code cell 2, line 2: expected ':': fix or delete that cell"}
    assert "first" in submission.sources


# --------------------------------------------------------------------------- the released notebook

def solved(notebook, solution: Path):
    """The notebook with each function cell replaced by the solution's function."""
    functions = functions_of(solution)
    for cell in notebook.cells:
        name = cell.source[4:].split("(")[0] if cell.cell_type == "code" and cell.source.startswith("def ") else None
        if name in functions:
            cell.source = functions[name]
    return notebook


def test_the_released_notebook_is_graded_like_the_module(spec, full_grader, tmp_path):
    checked = {t.function for t in spec.tests}
    stub = build_notebook(spec, (PERCEPTRON / "README.md").read_text(), checked)
    nbformat.write(stub, tmp_path / "stub.ipynb")
    result = grade_all(full_grader, tmp_path / "stub.ipynb")
    assert all("Not implemented yet" in t.message for t in result.tests)
    nbformat.write(solved(stub, CORRECT), tmp_path / "solved.ipynb")
    from_notebook = grade_all(full_grader, tmp_path / "solved.ipynb")
    from_module = grade_all(full_grader, CORRECT)
    assert from_notebook.all_passed
    assert [(t.name, t.score) for t in from_notebook.tests] == [(t.name, t.score) for t in from_module.tests]


# --------------------------------------------------------------------------- check() in a notebook

class FakeShell:
    """What check() uses of IPython: the user namespace with ``In``, the cells run so far."""

    def __init__(self, cells: list[str]):
        self.user_ns = {"In": ["", *cells]}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    return release_assignment(PERCEPTRON, tmp_path_factory.mktemp("bundle"))[0]


@pytest.fixture
def notebook_cells(bundle):
    nb = nbformat.read(bundle / "01_perceptron.ipynb", as_version=4)
    return [c.source for c in nb.cells if c.cell_type == "code"]


@pytest.fixture
def in_notebook(monkeypatch, bundle):
    """Run check() as in a kernel started in the bundle's folder, with these cells run."""
    monkeypatch.chdir(bundle)

    def run(cells: list[str]) -> None:
        monkeypatch.setattr(builtins, "get_ipython", lambda: FakeShell(cells), raising=False)
    return run


def test_check_grades_the_cells_run_so_far(in_notebook, notebook_cells):
    in_notebook([*notebook_cells, CORRECT.read_text()])
    report = check("predict")
    names = [t.name for t in report.result.tests]
    assert names == ["predict_small", "predict_random", "predict_speed"] and report.passed
    html = report._repr_html_()
    assert "<table" in html and all(name in html for name in names) and "PASS" in html
    assert "PASS    predict_small" in repr(report)
    assert check().score == check().max_score > report.max_score


def test_check_takes_the_latest_definition_and_gives_the_clis_hint(in_notebook, notebook_cells, bundle):
    in_notebook([*notebook_cells, CORRECT.read_text(), WRONG_TIE])
    report = check("predict")
    cli = CliRunner().invoke(main, ["check", str(bundle), "--submission", str(_as_file(bundle, WRONG_TIE)),
                                    "--test", "predict_small", "--format", "json"])
    expected = json.loads(cli.stdout)["tests"][0]
    got = report.result.tests[0]
    assert (got.status, got.message, got.hint) == (expected["status"], expected["message"], expected["hint"])
    assert got.mistake == "tie_is_negative"


def _as_file(bundle: Path, predict: str) -> Path:
    """The correct solution with ``predict`` replaced, as a file next to the bundle."""
    path = bundle.parent / "one_change.py"
    functions = functions_of(CORRECT)
    functions["predict"] = predict
    path.write_text("import numpy as np\n\n" + "\n\n".join(functions.values()) + "\n")
    return path


def test_check_runs_the_code_in_the_sandbox(in_notebook, notebook_cells):
    in_notebook([*notebook_cells, "import os\ndef predict(X, w, b):\n    os._exit(0)"])
    report = check("predict_small")
    assert report.result.tests[0].status == "crashed"


def test_check_outside_ipython_grades_the_files(monkeypatch, bundle):
    monkeypatch.chdir(bundle)
    monkeypatch.delattr(builtins, "get_ipython", raising=False)
    report = check("update")
    assert [t.function for t in report.result.tests] == ["update"] * 3
    assert all("Not implemented yet" in t.message for t in report.result.tests)


def test_check_names_what_it_can_check(in_notebook, notebook_cells):
    in_notebook(notebook_cells)
    with pytest.raises(ValueError, match="no public test of 'relu'.*predict"):
        check("relu")
    with pytest.raises(ValueError, match="no public test of 'predict_hidden'"):
        check("predict_hidden")                 # hidden tests are not in a bundle


def test_importing_grader_stays_light():
    code = "import sys, grader; print([m for m in ('numba', 'click', 'nbformat') if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.slow
def test_a_released_notebook_runs_in_a_real_kernel(bundle, tmp_path):
    pytest.importorskip("ipykernel", reason="no Jupyter kernel (ipykernel) installed to run a notebook")
    from nbconvert.preprocessors import ExecutePreprocessor

    nb = solved(nbformat.read(bundle / "01_perceptron.ipynb", as_version=4), CORRECT)
    ExecutePreprocessor(timeout=300, kernel_name="python3").preprocess(nb, {"metadata": {"path": str(bundle)}})
    last = nb.cells[-1].outputs[0]["data"]
    assert "Score: 16/16" in last["text/plain"] and "<table" in last["text/html"]
