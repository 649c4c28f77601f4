"""Spec features beyond one call on arrays: dict and function inputs, helper modules, trajectories,
dict outputs, and hidden inputs drawn per student.

Each test builds a tiny assignment in a temporary folder (spec, references, helper, student code)
so that it exercises the engine, not a course assignment.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from grader.grading.engine import Grader
from grader.grading.inputs import InputMaker
from grader.model.spec import SpecError, load_spec
from grader.submissions.intake import Submission, read_submission

REFERENCE = '''
import numpy as np
from grader.grading.mistakes import Mistake


def sgd(w, dw, config):
    """w - lr*dw; counts its steps in config["step"]."""
    config = dict(config)
    config.setdefault("lr", 0.1)
    config["step"] = config.get("step", 0) + 1
    return w - config["lr"] * dw, config


def minimize(grad_fn, w0, update, config, steps):
    w, out = w0, [w0]
    for _ in range(steps):
        w, config = update(w, grad_fn(w), config)
        out.append(w)
    return np.array(out)


def scale(x, factor):
    return x * factor


def _ascent(w, dw, config):
    config = dict(config)
    config.setdefault("lr", 0.1)
    config["step"] = config.get("step", 0) + 1
    return w + config["lr"] * dw, config


MISTAKES = {"sgd": [Mistake("gradient_ascent", "Step against the gradient.", _ascent)]}
'''

HELPER = '''
def bowl_grad(w):
    return 2.0 * w
'''

SPEC = '''
id: features
title: Engine features
files: [opt.py]
references: reference
helpers: [objectives.py]
tests:
  - name: sgd_trajectory
    function: sgd
    reference: opt.sgd
    inputs: {w: [1.0, -2.0, 0.5], dw: [0.0, 0.0, 0.0], config: {dict: {lr: 0.05}}}
    steps: 6
    carry: {w: 0, config: 1}
    per_step: {dw: {generate: normal, shape: [3]}}
    outputs: [next_w, config]
    points: 1
  - name: minimize_bowl
    function: minimize
    reference: opt.minimize
    inputs:
      grad_fn: {function: objectives.bowl_grad}
      w0: [1.0, -1.0]
      update: {function: opt.sgd}
      config: {dict: {lr: 0.1}}
      steps: 5
    points: 1
  - name: scale_hidden
    visibility: hidden
    function: scale
    reference: opt.scale
    inputs: {x: {generate: normal, shape: [4]}, factor: 2.0}
    points: 1
'''

CORRECT = '''
import numpy as np


def sgd(w, dw, config):
    lr = config.get("lr", 0.1)
    config["lr"] = lr
    config["step"] = config.get("step", 0) + 1
    return w - lr * dw, config


def minimize(grad_fn, w0, update, config, steps):
    w, path = w0, [w0]
    for _ in range(steps):
        w, config = update(w, grad_fn(w), config)
        path.append(w)
    return np.array(path)


def scale(x, factor):
    return x * factor
'''


@pytest.fixture()
def assignment(tmp_path: Path) -> Path:
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "__init__.py").write_text("")
    (tmp_path / "reference" / "opt.py").write_text(REFERENCE)
    (tmp_path / "objectives.py").write_text(HELPER)
    (tmp_path / "assignment.yaml").write_text(SPEC)
    (tmp_path / "opt.py").write_text(CORRECT)
    return tmp_path


def grade_source(folder: Path, source: str, student: str | None = None, secret: str = "s"):
    spec = load_spec(folder)
    sub = Submission(origin="test", sources={"opt": textwrap.dedent(source)}, student=student)
    return Grader(spec, secret=secret).grade(sub, spec.select(None, include_hidden=True), reveal_hidden=True)


def by_name(result):
    return {t.name: t for t in result.tests}


def test_correct_code_passes_trajectory_function_inputs_and_hidden(assignment):
    result = grade_source(assignment, CORRECT)
    assert {t.name: t.status for t in result.tests} == {
        "sgd_trajectory": "passed", "minimize_bowl": "passed", "scale_hidden": "passed"}


def test_a_trajectory_reports_the_first_step_that_differs(assignment):
    # Right for three steps, then the learning rate doubles: step 4 is the first wrong one.
    late = CORRECT.replace("    return w - lr * dw, config",
                           "    return w - (lr if config['step'] <= 3 else 2 * lr) * dw, config")
    test = by_name(grade_source(assignment, late))["sgd_trajectory"]
    assert test.status == "failed"
    assert test.message.startswith("Step 4 of 6")
    assert "next_w" in test.message


def test_a_mutant_is_recognised_over_the_whole_trajectory(assignment):
    ascent = CORRECT.replace("return w - lr * dw, config", "return w + lr * dw, config")
    test = by_name(grade_source(assignment, ascent))["sgd_trajectory"]
    assert test.status == "failed"
    assert test.mistake == "gradient_ascent"


def test_a_missing_dict_key_is_named(assignment):
    forgetful = CORRECT.replace('    config["step"] = config.get("step", 0) + 1\n', "")
    test = by_name(grade_source(assignment, forgetful))["sgd_trajectory"]
    assert test.status == "failed"
    assert "config" in test.message and "no key 'step'" in test.message


def test_function_inputs_are_the_students_own_functions(assignment):
    # minimize is right, but it is handed the student's sgd, which is wrong: the trajectory differs.
    wrong_sgd = CORRECT.replace("return w - lr * dw, config", "return w - 0.5 * lr * dw, config")
    tests = by_name(grade_source(assignment, wrong_sgd))
    assert tests["minimize_bowl"].status == "failed"


def test_a_function_input_the_student_lacks_is_an_error_naming_it(assignment):
    no_sgd = CORRECT.replace("def sgd(", "def not_sgd(")
    test = by_name(grade_source(assignment, no_sgd))["minimize_bowl"]
    assert test.status == "error"
    assert "sgd" in test.message


def test_student_code_can_import_a_helper_module(assignment):
    importing = CORRECT.replace("import numpy as np", "import numpy as np\nfrom objectives import bowl_grad")
    importing = importing.replace("w, config = update(w, grad_fn(w), config)", "w, config = update(w, bowl_grad(w), config)")
    assert by_name(grade_source(assignment, importing))["minimize_bowl"].status == "passed"


def test_hidden_inputs_are_drawn_per_student_and_secret(assignment):
    spec = load_spec(assignment)
    hidden = next(t for t in spec.tests if t.name == "scale_hidden")
    public = next(t for t in spec.tests if t.name == "sgd_trajectory")
    maker = InputMaker(spec, secret="course-secret")
    x_ada = maker.for_test(hidden, student="ada")[0]["x"]
    assert np.array_equal(x_ada, maker.for_test(hidden, student="ada")[0]["x"])      # reproducible
    assert not np.array_equal(x_ada, maker.for_test(hidden, student="bob")[0]["x"])  # per student
    other_secret = InputMaker(spec, secret="another").for_test(hidden, student="ada")[0]["x"]
    assert not np.array_equal(x_ada, other_secret)                                   # secret matters
    # Public inputs are the same for everyone.
    assert maker.steps_for(public, maker.for_test(public, student="ada")[0], "ada")[1][0][1].tolist() == \
        maker.steps_for(public, maker.for_test(public, student="bob")[0], "bob")[1][0][1].tolist()


def test_hard_coding_hidden_answers_of_one_student_fails_for_another(assignment):
    spec = load_spec(assignment)
    hidden = next(t for t in spec.tests if t.name == "scale_hidden")
    answer = (InputMaker(spec, secret="s").for_test(hidden, student="ada")[0]["x"] * 2).tolist()
    hard_coded = CORRECT.replace("def scale(x, factor):\n    return x * factor",
                                 f"def scale(x, factor):\n    return np.array({answer})")
    assert by_name(grade_source(assignment, hard_coded, student="ada"))["scale_hidden"].status == "passed"
    assert by_name(grade_source(assignment, hard_coded, student="bob"))["scale_hidden"].status == "failed"


def test_without_a_student_id_the_code_itself_is_the_identity(assignment):
    spec = load_spec(assignment)
    one = read_submission(spec, assignment / "opt.py")
    two = Submission(origin="x", sources={"opt": one.sources["opt"] + "\n# edited\n"})
    assert one.identity == one.checksum != two.identity
    assert Submission(origin="x", sources=one.sources, student="ada").identity == "ada"


@pytest.mark.parametrize("edit, field", [
    ("carry: {w: 0, config: 1}", "carry: {v: 0, config: 1}"),
    ("helpers: [objectives.py]", "helpers: [missing.py]"),
    ("grad_fn: {function: objectives.bowl_grad}", "grad_fn: {function: nowhere.bowl_grad}"),
])
def test_bad_feature_fields_are_one_line_spec_errors(assignment, edit, field):
    path = assignment / "assignment.yaml"
    path.write_text(path.read_text().replace(edit, field))
    with pytest.raises(SpecError) as err:
        load_spec(assignment)
    assert "\n" not in str(err.value) and "assignment.yaml:" in str(err.value)


# --------------------------------------------------------------------------- provides

EARLIER_SPEC = '''
id: earlier
title: Earlier
files: [basics.py]
references: ../reference
tests:
  - {name: double_small, function: double, reference: basics.double, inputs: {x: [1.0, -2.0]}, points: 1}
'''

LATER_SPEC = '''
id: later
title: Later
files: [model.py]
references: ../reference
provides:
  - {module: basics, file: course/basics.py, assignment: ../earlier, functions: [double]}
tests:
  - {name: quadruple, function: quadruple, reference: model.quadruple, inputs: {x: [1.0, 3.0]}, points: 1}
'''


@pytest.fixture()
def course(tmp_path: Path) -> Path:
    ref = tmp_path / "reference"
    ref.mkdir()
    (ref / "__init__.py").write_text("")
    (ref / "basics.py").write_text("def double(x):\n    return 2 * x\n")
    (ref / "model.py").write_text("def quadruple(x):\n    return 4 * x\n")
    (tmp_path / "earlier").mkdir()
    (tmp_path / "earlier" / "assignment.yaml").write_text(EARLIER_SPEC)
    (tmp_path / "later" / "course").mkdir(parents=True)
    (tmp_path / "later" / "assignment.yaml").write_text(LATER_SPEC)
    (tmp_path / "later" / "course" / "basics.py").write_text("def double(x):\n    return x + x\n")
    return tmp_path


def grade_later(course: Path, files: dict[str, str]):
    folder = course / "work"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    spec = load_spec(course / "later")
    return Grader(spec, secret="").grade(read_submission(spec, folder), spec.select(None))


MODEL = "from basics import double\n\ndef quadruple(x):\n    return double(double(x))\n"


def test_a_correct_earlier_module_of_the_student_is_used(course):
    result = grade_later(course, {"model.py": MODEL, "basics.py": "def double(x):\n    return 2.0 * x\n"})
    assert result.notes == [] and result.all_passed


def test_a_missing_earlier_module_is_replaced_by_the_course_version(course):
    result = grade_later(course, {"model.py": MODEL})
    assert result.all_passed
    assert result.notes == ["basics.py is not in your submission: the course's version was used."]


def test_a_wrong_earlier_module_is_replaced_and_the_failing_tests_named(course):
    result = grade_later(course, {"model.py": MODEL, "basics.py": "def double(x):\n    return 3 * x\n"})
    assert result.all_passed                      # the later assignment is judged on its own
    assert len(result.notes) == 1
    assert "Your basics.py fails earlier's tests (double_small)" in result.notes[0]


def test_the_later_assignment_own_mistakes_still_count(course):
    wrong_model = MODEL.replace("double(double(x))", "double(x)")
    result = grade_later(course, {"model.py": wrong_model})
    assert not result.all_passed


def test_a_per_step_input_modified_in_place_is_reported(assignment):
    scaling = CORRECT.replace("    lr = config.get(\"lr\", 0.1)\n", "    lr = config.get(\"lr\", 0.1)\n    dw *= 1.0 if config.get('step', 0) < 2 else 0.5\n")
    test = by_name(grade_source(assignment, scaling))["sgd_trajectory"]
    assert test.status == "failed" and test.mistake == "input_modified"
    assert "dw (step 3)" in test.message and "dw.copy()" in test.message


def test_a_trajectory_message_shows_the_first_steps_own_inputs(assignment):
    late = CORRECT.replace("return w - lr * dw, config", "return w - 2 * lr * dw, config")
    message = by_name(grade_source(assignment, late))["sgd_trajectory"].message
    shown = message.split("At the first step: ")[1]
    assert "dw=[0., 0., 0.]" not in shown and "dw=" in shown


def test_an_expected_nan_does_not_break_the_comparison():
    from grader.grading.compare import compare

    verdict = compare(np.array([1.0, 2.0]), np.array([1.0, np.nan]))
    assert not verdict.ok and "[1]" in verdict.message


def test_an_infinite_expected_value_gets_a_message_without_error_figures():
    from grader.grading.compare import compare

    verdict = compare(np.array([1.0, 2.0]), np.array([np.inf, np.inf]))
    assert not verdict.ok and verdict.max_abs is None and "max abs error" not in verdict.message


@pytest.mark.parametrize("value", [np.array([1.5, -2.0, 0.0]), np.zeros((2, 3)), np.zeros(0), np.array(3.25),
                                   np.array([1.0, np.inf]), np.array([np.nan, 1.0]), np.arange(4, dtype=np.int64)])
def test_equal_outputs_report_the_same_error_figures_as_a_full_comparison(value, monkeypatch):
    """Exactly equal outputs take a short cut; its figures must be those of the full comparison
    (0 where defined, None for an empty array or relative to exact zeros, none where inf meets inf)."""
    from grader.grading import compare as module

    fast = module.compare(value.copy(), value)
    slow = module.Comparison()
    monkeypatch.setattr(module.np, "array_equal", lambda a, b: False)      # force the full path
    module._compare_values(value.copy(), value, None, None, "output", slow)
    monkeypatch.undo()
    assert fast.ok == (not slow.problems)
    assert (fast.max_abs, fast.max_rel) == (slow.max_abs, slow.max_rel)
