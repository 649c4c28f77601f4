"""``grade release`` refuses to ship a stub that holds (part of) a solution.

Before it writes anything, release grades the stub files on the public tests. A function whose
every public test ends in the stub's own ``NotImplementedError`` is a stub; any other ending (a
pass, a wrong answer, another exception, a timeout) means code was left in it.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main

ROOT = Path(__file__).resolve().parents[2]
PERCEPTRON = ROOT / "assignments" / "01_perceptron"
CORRECT = ROOT / "tests" / "data" / "submissions" / "01_perceptron" / "correct.py"


def _copy_of_perceptron(tmp_path: Path) -> Path:
    """Assignment 01 in a temporary folder, its references where they are."""
    folder = tmp_path / "01_perceptron"
    shutil.copytree(PERCEPTRON, folder)
    spec = folder / "assignment.yaml"
    spec.write_text(spec.read_text().replace("\nfiles:", f"\nreferences: {ROOT / 'reference'}\nfiles:", 1))
    return folder


def _function_source(path: Path, name: str) -> str:
    """The text of ``def name`` in ``path``, up to the next top-level statement."""
    text = path.read_text()
    match = re.search(rf"^def {name}\(.*?(?=^\S)", text + "\n#end", re.S | re.M)
    return match.group(0)


def _put(folder: Path, name: str, body: str) -> None:
    """Replace the stub's ``def name`` with ``body``."""
    stub = folder / "perceptron.py"
    stub.write_text(stub.read_text().replace(_function_source(stub, name), body.rstrip() + "\n\n\n"))


def _release(folder: Path, out: Path, *options: str):
    return CliRunner().invoke(main, ["release", str(folder), "--out", str(out), *options])


def test_a_solution_left_in_a_stub_stops_the_release_before_it_writes_anything(tmp_path):
    folder = _copy_of_perceptron(tmp_path)
    _put(folder, "predict", _function_source(CORRECT, "predict"))
    result = _release(folder, tmp_path / "out")
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.strip().splitlines() if line.startswith("grade: error")]
    assert len(lines) == 1, result.output            # one error line (after progress, warnings)
    assert "predict" in lines[0] and str(folder / "perceptron.py") in lines[0]
    assert "--allow-prefilled" in lines[0]
    assert not (tmp_path / "out" / "01_perceptron").exists()


def test_a_function_that_returns_a_wrong_answer_is_no_stub_either(tmp_path):
    folder = _copy_of_perceptron(tmp_path)
    _put(folder, "predict", "def predict(X, w, b):\n    return X @ w\n")
    _put(folder, "update", "def update(w, b, x, y, lr):\n    return w, b\n")
    result = _release(folder, tmp_path / "out")
    assert result.exit_code == 1, result.output
    named = result.output.split(":", 2)[-1]
    assert "predict" in named and "update" in named and "train" not in named


def test_allow_prefilled_ships_the_named_helper_and_only_it(tmp_path):
    folder = _copy_of_perceptron(tmp_path)
    _put(folder, "predict", _function_source(CORRECT, "predict"))
    result = _release(folder, tmp_path / "out", "--allow-prefilled", "predict")
    assert result.exit_code == 0, result.output
    assert "def predict" in (tmp_path / "out" / "01_perceptron" / "perceptron.py").read_text()

    _put(folder, "update", _function_source(CORRECT, "update"))
    result = _release(folder, tmp_path / "out", "--allow-prefilled", "predict")
    assert result.exit_code == 1 and "update" in result.output and "predict" not in result.output.split(":", 2)[-1]


def test_allowing_a_function_the_assignment_does_not_have_is_an_error(tmp_path):
    result = _release(_copy_of_perceptron(tmp_path), tmp_path / "out", "--allow-prefilled", "predcit")
    assert result.exit_code == 2
    assert "predcit" in result.output and "predict" in result.output


@pytest.mark.parametrize("folder", sorted(p.parent for p in (ROOT / "assignments").glob("*/assignment.yaml")),
                         ids=lambda p: p.name)
def test_every_shipped_stub_releases(folder, tmp_path):
    result = _release(folder, tmp_path)
    assert result.exit_code == 0, result.output


def test_a_filled_function_that_calls_a_stub_is_no_stub(tmp_path):
    """Its test ends in NotImplementedError too, but raised in the function it calls: the tested
    function ran code of its own (here: a finished ``outer`` over a stub ``inner``)."""
    (tmp_path / "refs").mkdir()
    (tmp_path / "refs" / "__init__.py").write_text("")
    (tmp_path / "refs" / "nested.py").write_text("def outer(x):\n    return 2 * x\n\n\ndef inner(x):\n    return x\n")
    (tmp_path / "nested.py").write_text("def inner(x):\n    raise NotImplementedError\n\n\n"
                                        "def outer(x):\n    return 2 * inner(x)\n")
    (tmp_path / "assignment.yaml").write_text(
        "id: nested\ntitle: Nested\nfiles: [nested.py]\nreferences: refs\ntests:\n"
        "  - {name: outer_one, function: outer, reference: nested.outer, inputs: {x: 1.5}, points: 1}\n"
        "  - {name: inner_one, function: inner, reference: nested.inner, inputs: {x: 1.5}, points: 1}\n")
    result = _release(tmp_path, tmp_path / "out")
    assert result.exit_code == 1, result.output
    named = result.output.split("nested.py:", 1)[-1].split(" do")[0]
    assert named.strip() == "outer"
