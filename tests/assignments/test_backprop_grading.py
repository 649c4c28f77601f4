"""Assignment 04 graded end to end: the correct solution, one submission per catalogued mistake, the
stub, and the earlier assignments' modules (own, missing, wrong) that network.py imports.

The assignment has two files, so a submission is a folder. ``submissions/04_backprop/correct``
holds the correct layers.py and network.py, with the student's own activations.py and losses.py.
Each file in ``submissions/04_backprop/mistakes`` is named ``<function>__<mistake>.py`` and holds
only that function, written wrong; its submission folder is the correct one with that function
replaced (and without activations.py and losses.py, so the course's versions stand in). The
grader must take points off and name the mistake (with the catalogue's hint) on at least one test
of that function. ``input_modified`` (an input changed in place) and ``never_assigned`` (an output
left all zeros) are the engine's own diagnoses, not catalogue entries.
"""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.grading.engine import Grader
from grader.model.spec import load_spec
from grader.submissions.intake import read_submission

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = ROOT / "assignments" / "04_backprop"
SUBMISSIONS = Path(__file__).resolve().parents[1] / "data" / "submissions" / "04_backprop"
CORRECT = SUBMISSIONS / "correct"
MISTAKE_FILES = sorted((SUBMISSIONS / "mistakes").glob("*.py"))
REFERENCE_MODULE = "backprop"
STUDENT_MODULES = ("layers", "network")
ENGINE_MISTAKES = {"input_modified", "never_assigned"}   # diagnosed by the engine itself, not by MISTAKES
FUNCTIONS = ["batchnorm_backward", "batchnorm_forward", "dense_backward", "dense_forward", "dropout_backward",
             "dropout_forward", "early_stopping", "init_params", "loss_and_grads", "numerical_gradient", "train"]


def replace_function(source: str, replacement: str) -> str:
    """``source`` with the top-level function that ``replacement`` defines swapped for it."""
    [new] = ast.parse(replacement).body
    old = next(node for node in ast.parse(source).body if isinstance(node, ast.FunctionDef) and node.name == new.name)
    lines = source.splitlines(keepends=True)
    return "".join(lines[:old.lineno - 1]) + replacement + "".join(lines[old.end_lineno:])


@pytest.fixture
def write_submission(mistake_of):
    def write(folder: Path, patch: Path | None = None, earlier: dict[str, str] | None = None) -> Path:
        """A folder with the correct layers.py and network.py (one function replaced by ``patch``'s)
        and the given earlier modules (file name -> source)."""
        folder.mkdir(parents=True)
        replacement = patch.read_text() if patch else None
        for module in STUDENT_MODULES:
            source = (CORRECT / f"{module}.py").read_text()
            if replacement and f"\ndef {mistake_of(patch)[0]}(" in source:
                source = replace_function(source, replacement)
            (folder / f"{module}.py").write_text(source)
        for name, source in (earlier or {}).items():
            (folder / name).write_text(source)
        return folder
    return write


@pytest.fixture(scope="module")
def grader(spec):
    return Grader(spec, secret="test-secret")


@pytest.fixture(scope="module")
def correct_result(spec, grader):
    return grader.grade(read_submission(spec, CORRECT), spec.select(None, include_hidden=True), reveal_hidden=True)


def test_the_graded_functions_are_the_reference_module(spec, graded_functions):
    """The catalogue lookups below assume every reference is backprop.<function>."""
    assert {t.reference[0] for t in spec.tests if t.reference} == {REFERENCE_MODULE}
    assert graded_functions(spec) == FUNCTIONS
    assert all(t.reference[1] == t.function for t in spec.tests if t.reference)
    assert {t.module for t in spec.tests} == set(STUDENT_MODULES)


def test_the_spec_covers_what_the_assignment_promises(spec):
    tests = {t.name: t for t in spec.tests}
    for function in FUNCTIONS:
        mine = [t for t in spec.tests if t.function == function]
        assert any(t.visibility == "hidden" for t in mine), function
        assert any(t.visibility == "public" for t in mine), function
    # inputs of rank > 2 for every layer, and the square cases that let dout @ W and x * W run
    for name in ("dense_forward_images", "dense_backward_images", "dropout_forward_images",
                 "batchnorm_forward_channels", "batchnorm_backward_channels", "numerical_gradient_cubes"):
        assert len(tests[name].inputs["x"]["shape"]) > 2, name
    assert tests["dense_backward_square"].inputs["W"]["shape"] == [4, 4]
    # properties: gradients against finite differences, training on spirals within a time limit
    assert {t.property for t in spec.tests if t.kind == "property"} == {
        ("properties", "grads_match_finite_differences"), ("properties", "trains")}
    assert tests["loss_and_grads_gradcheck"].prepare == (REFERENCE_MODULE, "finite_differences")
    assert tests["loss_and_grads_gradcheck"].params == {"tol": 1e-6}
    assert tests["train_spirals"].params == {"min_accuracy": 0.95} and tests["train_spirals"].timeout
    # the earlier assignments' modules, and the helper students get
    assert {(p.module, p.functions) for p in spec.provides} == {
        ("activations", ("relu", "relu_backward")),
        ("losses", ("sparse_categorical_cross_entropy", "sparse_categorical_cross_entropy_grad"))}
    assert all(p.path.parent == ASSIGNMENT / "course" for p in spec.provides)
    assert not spec.helpers["objectives"].private


def test_correct_solution_scores_full_marks_with_its_own_earlier_modules(spec, correct_result):
    result = correct_result
    assert [t.name for t in result.tests] == [t.name for t in spec.tests]
    failing = {t.name: (t.status, t.message) for t in result.tests if t.status != "passed"}
    assert not failing
    assert result.score == result.max_score == spec.max_score
    assert all(t.mistake is None and t.hint is None for t in result.tests)
    assert result.notes == []                 # its activations.py and losses.py pass 02's and 03's tests
    assert result.duration_seconds < 10


def test_the_students_own_earlier_module_is_the_one_imported(spec, grader, tmp_path, write_submission):
    own = (CORRECT / "activations.py").read_text() + '\nprint("own activations.py imported")\n'
    folder = write_submission(tmp_path / "own", earlier={"activations.py": own,
                                                         "losses.py": (CORRECT / "losses.py").read_text()})
    result = grader.grade(read_submission(spec, folder), spec.select(["loss_and_grads_small"]))
    assert result.all_passed and result.notes == []
    assert "own activations.py imported" in result.output


def test_missing_earlier_modules_are_replaced_by_the_course_versions(spec, grader, tmp_path, write_submission):
    folder = write_submission(tmp_path / "missing")
    result = grader.grade(read_submission(spec, folder), [t for t in spec.tests if t.module == "network"])
    assert result.all_passed
    assert result.notes == ["activations.py is not in your submission: the course's version was used.",
                            "losses.py is not in your submission: the course's version was used."]


def earlier_public_tests(spec, module: str, function: str) -> list[str]:
    """The names of the earlier assignment's public numeric tests of ``function``, which a provided module must pass."""
    provided = next(p for p in spec.provides if p.module == module)
    earlier = load_spec(provided.assignment)
    return [t.name for t in earlier.tests if t.function == function and t.visibility == "public" and t.kind == "numeric"]


def test_wrong_earlier_modules_are_replaced_and_their_failing_tests_named(spec, grader, tmp_path, write_submission):
    activations = (CORRECT / "activations.py").read_text().replace("dout * (x > 0)", "dout * (x >= 0)")
    losses = (CORRECT / "losses.py").read_text().replace("float(np.mean(", "float(np.sum(")    # the loss only
    folder = write_submission(tmp_path / "wrong", earlier={"activations.py": activations, "losses.py": losses})
    result = grader.grade(read_submission(spec, folder), [t for t in spec.tests if t.module == "network"])
    assert result.all_passed                  # 04 is judged on its own: full marks
    assert result.score == sum(t.points for t in spec.tests if t.module == "network")

    [relu_note, loss_note] = result.notes
    failing = ", ".join(earlier_public_tests(spec, "activations", "relu_backward"))
    assert relu_note.startswith(f"Your activations.py fails 02_activations's tests ({failing}): "), relu_note
    assert "course's version was used instead" in relu_note and "Fix it in 02_activations" in relu_note
    failing = ", ".join(earlier_public_tests(spec, "losses", "sparse_categorical_cross_entropy"))
    assert loss_note.startswith(f"Your losses.py fails 03_losses's tests ({failing}): "), loss_note


def test_every_catalogued_mistake_has_a_submission(spec, references, graded_functions, mistake_of):
    catalogued = {(fn, m.name) for fn in graded_functions(spec) for m in references.mistakes(REFERENCE_MODULE, fn)}
    files = {mistake_of(p) for p in MISTAKE_FILES if mistake_of(p)[1] not in ENGINE_MISTAKES}
    assert {fn for fn, _ in catalogued} == set(FUNCTIONS)
    assert sorted(catalogued - files) == [], "catalogued mistakes without a submission file"
    assert sorted(files - catalogued) == [], "submission files for mistakes that are not catalogued"


@pytest.mark.parametrize("path", MISTAKE_FILES, ids=[p.stem for p in MISTAKE_FILES])
def test_mistake_is_diagnosed(path, spec, grader, references, tmp_path, mistake_of, write_submission):
    function, name = mistake_of(path)
    [definition] = ast.parse(path.read_text()).body          # one function, the one named
    assert isinstance(definition, ast.FunctionDef) and definition.name == function

    folder = write_submission(tmp_path / path.stem, patch=path)
    changed = [m for m in STUDENT_MODULES if (folder / f"{m}.py").read_text() != (CORRECT / f"{m}.py").read_text()]
    assert len(changed) == 1, "the patch must replace exactly one function of one module"

    # Only the function's own tests: the rest of the folder is the correct solution by construction.
    result = grader.grade(read_submission(spec, folder), [t for t in spec.tests if t.function == function])
    assert result.score < result.max_score
    named = [t for t in result.tests if t.status == "failed" and t.mistake == name]
    seen = {t.name: (t.status, t.mistake) for t in result.tests}
    assert named, f"no test of {function} was diagnosed as {name!r}: {seen}"
    catalogue = {m.name: m.hint for m in references.mistakes(REFERENCE_MODULE, function)}
    for t in named:
        assert t.score == 0 and t.message and t.hint
        assert name in ENGINE_MISTAKES or t.hint == catalogue[name], t.name


def test_an_output_left_all_zeros_is_never_assigned_not_a_factor(spec, grader, tmp_path, write_submission):
    """db = np.zeros(...) and never filled: the hint names db and the unfilled array, not a factor 0."""
    folder = write_submission(tmp_path / "zeros", patch=SUBMISSIONS / "mistakes" / "dense_backward__never_assigned.py")
    result = grader.grade(read_submission(spec, folder), [t for t in spec.tests if t.function == "dense_backward"],
                          reveal_hidden=True)
    failed = [t for t in result.tests if t.status == "failed"]
    assert failed and all(t.mistake == "never_assigned" for t in failed), [(t.name, t.mistake) for t in failed]
    for t in failed:
        assert t.hint.startswith("db is all zeros where the expected values are not"), t.hint
        assert "times the expected" not in t.hint


def test_stub_scores_zero_and_says_not_implemented(spec, grader):
    result = grader.grade(read_submission(spec, None), spec.select(None, include_hidden=True), reveal_hidden=True)
    assert result.submission == str(ASSIGNMENT)
    assert len(result.tests) == len(spec.tests)
    assert result.score == 0 and result.max_score == spec.max_score
    for t in result.tests:
        assert t.status == "failed", t.name
        assert "Not implemented yet" in t.message, t.name


def test_the_stub_folder_has_no_earlier_modules_of_its_own(spec):
    submission = read_submission(spec, None)
    assert "activations" not in submission.sources and "losses" not in submission.sources


def test_cli_check_of_the_stub_exits_1():
    result = CliRunner().invoke(main, ["check", str(ASSIGNMENT), "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["score"] == 0
    assert report["tests"] and all("Not implemented yet" in t["message"] for t in report["tests"])
    assert all(t["visibility"] == "public" for t in report["tests"])     # no --hidden, no hidden tests

