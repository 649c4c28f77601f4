"""Assignment 07 graded end to end: the correct solution, one submission per catalogued mistake, the stub.

Every mistake submission in ``submissions/07_optimizers/mistakes`` is named ``<function>__<mistake>.py``
and is correct except for that one mistake; the grader must take points off and name the mistake
(with the catalogue's hint) on at least one test of that function. Tests that *use* the function
(``minimize`` and the training runs take optimizers as inputs) may fail too; every other test must
pass. correct.py stores the state into the config it is given, the mistake submissions return a
fresh dict: both styles are right.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from grader.grading.engine import Grader
from grader.submissions.intake import read_submission

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = ROOT / "assignments" / "07_optimizers"
SUBMISSIONS = Path(__file__).resolve().parents[1] / "data" / "submissions" / "07_optimizers"
MISTAKE_FILES = sorted((SUBMISSIONS / "mistakes").glob("*.py"))
REFERENCE_MODULE = "optimizers"
OPTIMIZERS = ["adadelta", "adagrad", "adam", "nesterov", "rmsprop", "sgd", "sgd_momentum"]


def depends_on(test, function: str) -> bool:
    """Whether ``test`` calls the student's ``function``, directly or as a function input."""
    if test.module == REFERENCE_MODULE and test.function == function:
        return True
    if test.module == REFERENCE_MODULE:
        return False               # a student's function is given the course's functions only
    inputs = test.inputs.values() if isinstance(test.inputs, dict) else ()
    return any(isinstance(v, dict) and v.get("function") == f"{REFERENCE_MODULE}.{function}" for v in inputs)


@pytest.fixture(scope="module")
def grade(spec):
    """Grade a submission with every test, hidden ones included; each file is graded once."""
    grader, done = Grader(spec, secret="test-secret"), {}

    def run(path: Path | None):
        if path not in done:
            done[path] = grader.grade(read_submission(spec, path), spec.select(None, include_hidden=True), reveal_hidden=True)
        return done[path]
    return run


def test_the_graded_functions_are_the_reference_module(spec, graded_functions):
    """The catalogue lookups below assume every reference is optimizers.<function>."""
    assert {t.reference[0] for t in spec.tests if t.reference} == {REFERENCE_MODULE}
    assert graded_functions(spec) == sorted(OPTIMIZERS + ["minimize"])
    assert all(t.reference[1] == t.function for t in spec.tests if t.reference)


def test_the_spec_covers_what_the_assignment_promises(spec):
    trajectories = [t for t in spec.tests if t.steps]
    assert {t.function for t in trajectories} == set(OPTIMIZERS)
    assert all(t.steps >= 10 and t.carry == {"w": 0, "config": 1} and "dw" in t.per_step for t in trajectories)
    for name in OPTIMIZERS:
        if name != "sgd":           # a non-zero state given as an input, for every optimizer with a state
            assert any(t.function == name and any(k in t.inputs["config"]["dict"] for k in
                       ("momentum_buffer", "sum", "square_avg", "exp_avg")) for t in trajectories), name
        # each optimizer brings the quadratic bowl down
        assert any(t.kind == "property" and t.params.get("objective") == "quadratic_bowl" and depends_on(t, name)
                   for t in spec.tests), name
    tiny = {t.function for t in trajectories if t.per_step["dw"].get("std", 1.0) <= 1e-7}
    assert tiny == {"adagrad", "rmsprop", "adam"}
    assert {t.name for t in spec.tests if t.params.get("objective") == "rosenbrock"} == {"rosenbrock_adam",
                                                                                         "rosenbrock_rmsprop"}
    training = [t for t in spec.tests if t.function == "train_with_optimizer"]
    assert {t.module for t in training} == {"network"} and spec.helpers["network"].private
    assert all(t.visibility == "hidden" for t in training)       # they need a helper students do not get
    assert not spec.helpers["objectives"].private


def test_correct_solution_scores_full_marks_with_hidden_tests(spec, grade):
    result = grade(SUBMISSIONS / "correct.py")
    assert [t.name for t in result.tests] == [t.name for t in spec.tests]
    assert any(t.visibility == "hidden" for t in result.tests)
    failing = {t.name: (t.status, t.message) for t in result.tests if t.status != "passed"}
    assert not failing
    assert result.score == result.max_score == spec.max_score
    assert all(t.mistake is None and t.hint is None for t in result.tests)
    assert result.duration_seconds < 10


def test_every_catalogued_mistake_has_a_submission(spec, references, graded_functions, mistake_of):
    """Every single mistake; pairs of them (two at once) need not each have one, but one does."""
    catalogue = [(fn, m) for fn in graded_functions(spec) for m in references.mistakes(REFERENCE_MODULE, fn)]
    catalogued = {(fn, m.name) for fn, m in catalogue if not m.is_pair}
    pairs = {(fn, m.name) for fn, m in catalogue if m.is_pair}
    files = {mistake_of(p) for p in MISTAKE_FILES}
    assert {fn for fn, _ in catalogued} == set(graded_functions(spec))
    assert sorted(catalogued - files) == [], "catalogued mistakes without a submission file"
    assert sorted(files - catalogued - pairs) == [], "submission files for mistakes that are not catalogued"
    assert files & pairs, "no submission makes two catalogued mistakes at once"


@pytest.mark.parametrize("path", MISTAKE_FILES, ids=[p.stem for p in MISTAKE_FILES])
def test_mistake_is_diagnosed(path, spec, grade, references, assert_mistake_diagnosed, mistake_of):
    function, name = mistake_of(path)
    hints = {m.name: m.hint for m in references.mistakes(REFERENCE_MODULE, function)}
    assert name in hints, f"{name!r} is not in MISTAKES[{function!r}]"
    result = grade(path)
    assert_mistake_diagnosed(result, function, name, hints, others_pass=False)

    # Correct except for that one mistake: the tests that do not use the function all pass.
    uses = {t.name for t in spec.tests if depends_on(t, function)}
    others = {t.name: (t.status, t.message) for t in result.tests if t.name not in uses and t.status != "passed"}
    assert not others


def test_trajectories_report_the_first_step_that_differs(grade):
    """Stepping with the old buffer is right on the first step (there is none) and wrong from the second."""
    result = grade(SUBMISSIONS / "mistakes" / "sgd_momentum__w_before_buffer.py")
    test = next(t for t in result.tests if t.name == "momentum_dampening")
    assert test.status == "failed" and test.message.startswith("Step 2 of 10"), test.message
    test = next(t for t in result.tests if t.name == "momentum_with_buffer")       # a given buffer: step 1
    assert test.message.startswith("Step 1 of 10"), test.message


def test_a_missing_state_key_is_named(grade):
    result = grade(SUBMISSIONS / "mistakes" / "sgd_momentum__state_not_stored.py")
    test = next(t for t in result.tests if t.name == "momentum_dampening")
    assert "config: has no key 'momentum_buffer'" in test.message


def test_modifying_w_in_place_fails(spec, tmp_path):
    source = (SUBMISSIONS / "correct.py").read_text()
    in_place = source.replace('return w - config["lr"] * dw, config',
                              'w -= config["lr"] * dw\n    return w, config')
    assert in_place != source
    path = tmp_path / "optimizers.py"
    path.write_text(in_place)
    [result] = Grader(spec).grade(read_submission(spec, path), spec.select(["sgd_step"])).tests
    assert result.status == "failed" and result.mistake == "input_modified"
    assert "modified its input w" in result.message


def test_stub_scores_zero_and_says_not_implemented(spec, grade, assert_stub_not_implemented):
    assert_stub_not_implemented(spec, grade(None), ASSIGNMENT)   # None: the stub in the assignment folder


def test_cli_check_of_the_stub_exits_1(assert_cli_stub_exits_1):
    assert_cli_stub_exits_1(ASSIGNMENT)


def test_a_mistake_that_explains_next_w_alone_is_named_with_that_caveat(spec, grade, tmp_path):
    """Adam without bias correction and without the step increment: no mistake, single or pair,
    reproduces its trajectories (the pair with the old step cannot even run its first step), but
    next_w is exactly no_bias_correction's at every step. It is named, with the caveat that config
    differs too."""
    source = (SUBMISSIONS / "mistakes" / "adam__no_bias_correction.py").read_text()
    twice = source.replace("t = config.get(\"step\", 0) + 1", "t = config.get(\"step\", 0)")
    assert twice != source
    path = tmp_path / "optimizers.py"
    path.write_text(twice)
    result = grade(path)
    adam = [t for t in result.tests if t.function == "adam" and t.status == "failed"]
    named = {t.name: t.mistake for t in adam}
    # One step: the config's extra keys are not compared, so "no state stored" fits it as well.
    assert named.pop("adam_first_step") == "no_bias_correction+state_not_stored"
    assert named and set(named.values()) == {"no_bias_correction"}, named
    hint = next(m.hint for m in Grader(spec).references.mistakes(REFERENCE_MODULE, "adam") if m.name == "no_bias_correction")
    for t in adam[1:]:
        assert t.hint == f"{hint} (This explains next_w; config differs too.)", t.hint


def _correct_with(tmp_path: Path, old: str, new: str) -> Path:
    source = (SUBMISSIONS / "correct.py").read_text()
    assert source.count(old) == 1, old
    path = tmp_path / "optimizers.py"
    path.write_text(source.replace(old, new))
    return path


def test_minimizes_tests_judge_minimize_alone(spec):
    """minimize gets the course's update rule and the optimizers the course's descend: no test of
    one family calls a student function of the other."""
    for t in spec.tests:
        updates = {v["function"] for v in t.inputs.values() if isinstance(v, dict) and "function" in v} \
            if isinstance(t.inputs, dict) else set()
        if t.function == "minimize":
            assert updates and all(not u.startswith(REFERENCE_MODULE + ".") for u in updates), t.name
        elif t.function == "descend":
            assert t.module == "objectives" and any(u.startswith(REFERENCE_MODULE + ".") for u in updates), t.name


def test_a_minimize_bug_gets_its_own_hint_although_the_optimizers_are_wrong(spec, grade, tmp_path):
    """The config not passed on, in a submission whose adam and sgd are wrong too: minimize's tests
    name minimize's mistake, and only minimize's tests fail for it."""
    source = (SUBMISSIONS / "mistakes" / "minimize__config_not_carried.py").read_text()
    broken = source.replace("t = config.get(\"step\", 0) + 1", "t = config.get(\"step\", 0) + 2")
    broken = broken.replace('return w - config["lr"] * dw, config', 'return w + config["lr"] * dw, config')
    assert broken.count("+ 2") == 1 and 'w + config["lr"] * dw' in broken
    path = tmp_path / "optimizers.py"
    path.write_text(broken)
    result = grade(path)
    minimize = [t for t in result.tests if t.function == "minimize"]
    assert minimize and all(t.status == "failed" and t.mistake == "config_not_carried" for t in minimize), \
        [(t.name, t.status, t.mistake) for t in minimize]
    wrong = {t.function for t in result.tests if t.status != "passed" and t.function != "minimize"}
    assert wrong == {"sgd", "adam", "descend"}, wrong           # descend: bowl_sgd and the Adam runs


def test_an_in_place_sgd_is_blamed_on_sgd_not_on_minimize(spec, grade, tmp_path):
    """CS231n's sgd (w -= lr * dw; return w) fails sgd's tests for changing w; minimize and the
    convergence tests, which do not run the student's sgd through minimize, pass."""
    path = _correct_with(tmp_path, 'return w - config["lr"] * dw, config',
                         'w -= config["lr"] * dw\n    return w, config')
    result = grade(path)
    failed = {t.name: (t.function, t.mistake) for t in result.tests if t.status != "passed"}
    assert failed and {f for f, _ in failed.values()} == {"sgd"}, failed
    assert failed["sgd_step"] == ("sgd", "input_modified")


@pytest.mark.parametrize("test_name, mistake", [("momentum_hidden", "dampening_ignored"),
                                                ("nesterov_hidden", "cs231n_default_lr")])
def test_every_students_hidden_draw_catches_the_new_mistakes(spec, references, test_name, mistake):
    """The hidden tests draw their inputs per student: on each of 200 students' draws the mutant's
    trajectory differs from the reference's, so no student's draw lets the mistake through."""
    from grader.grading.compare import compare
    from grader.sandbox.codec import run_chain

    grader = Grader(spec, secret="test-secret")
    test = next(t for t in spec.tests if t.name == test_name)
    wrong = next(m.fn for m in references.mistakes(REFERENCE_MODULE, test.function) if m.name == mistake)
    right = references.function(*test.reference)
    for student in range(200):
        args, kwargs = grader.inputs.for_test(test, student=f"student-{student}")
        carry, steps = grader.inputs.steps_for(test, args, f"student-{student}")
        runs = [run_chain(fn, grader.bind(list(args.values())), grader.bind(kwargs), carry, grader.bind(steps))
                for fn in (right, wrong)]
        assert not compare(runs[1], runs[0], rtol=test.rtol, atol=test.atol).ok, student
