"""Bad assignment specs: one line each, naming the file, the line and the field; never a traceback.

Each case edits a small valid spec (``BASE``) in one place. Line numbers below refer to the
edited file; the base's lines are numbered in the comments.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.model.spec import SpecError, load_spec

ROOT = Path(__file__).resolve().parents[2]
REFERENCES = ROOT / "reference"
ASSIGNMENT = ROOT / "assignments" / "01_perceptron"

BASE = f"""\
id: demo
title: Demo
files: [perceptron.py]
references: {REFERENCES}
data:
  blobs: {{generate: blobs, n: 12, d: 2, seed: 7}}
tests:
  - name: predict_small
    function: predict
    reference: perceptron.predict
    inputs:
      X: [[1.0, 2.0], [0.0, 0.0]]
      w: [0.5, -1.0]
      b: 0.0
    points: 2
  - name: train_small
    function: train
    reference: perceptron.train
    inputs: {{X: {{from: blobs.X}}, y: {{from: blobs.y}}, lr: 1.0, max_epochs: 100}}
    points: 3
"""
# Lines of BASE: 1 id, 2 title, 6 blobs, 7 tests, 8 first test, 14 b, 15 points: 2,
# 16 second test, 17 function, 18 reference, 19 inputs, 20 points: 3.
SECOND_TEST_END = "    points: 3\n"
DATA_END = "tests:\n"


def edit(old: str, new: str) -> str:
    assert BASE.count(old) == 1, old
    return BASE.replace(old, new)


def append_to_second_test(lines: str) -> str:
    return edit(SECOND_TEST_END, SECOND_TEST_END + lines)


# (id, yaml text, expected line or None, expected field or None, words the reason must contain)
CASES = [
    ("unknown_top_level_field", edit("title: Demo\n", "title: Demo\ncolour: blue\n"),
     3, "colour", ["unknown field", "'colour'"]),
    ("unknown_test_field", append_to_second_test("    weight: 2\n"),
     21, "tests[1].weight", ["unknown field", "'weight'"]),
    ("missing_tests", BASE.split("tests:")[0], 1, "(top level)", ["'tests' is required"]),
    ("test_without_points", edit(SECOND_TEST_END, ""), 16, "tests[1]", ["'points' is required"]),
    ("negative_points", edit("points: 3", "points: -1"), 20, "tests[1].points", ["-1", "minimum of 0"]),
    ("bad_visibility", append_to_second_test("    visibility: secret\n"),
     21, "tests[1].visibility", ["'secret'", "public", "hidden"]),
    ("bad_kind", append_to_second_test("    kind: fuzzy\n"), 21, "tests[1].kind", ["'fuzzy'", "numeric"]),
    ("duplicate_test_name", edit("name: train_small", "name: predict_small"),
     16, "tests[1].name", ["duplicate test name 'predict_small'"]),
    ("function_not_in_a_student_file", edit("function: train", "function: helpers.train"),
     17, "tests[1].function", ["module 'helpers'", "not one of the student files", "perceptron.py"]),
    ("missing_reference_module", edit("reference: perceptron.train", "reference: nosuch.train"),
     18, "tests[1].reference", ["no reference module nosuch.py"]),
    ("from_unknown_data", edit("{from: blobs.y}", "{from: blob.y}"),
     19, "tests[1].inputs.y.from", ["no data named 'blob'", "defined: blobs"]),
    ("inputs_naming_unknown_data",
     edit("inputs: {X: {from: blobs.X}, y: {from: blobs.y}, lr: 1.0, max_epochs: 100}", "inputs: nodata"),
     19, "tests[1].inputs", ["no data named 'nodata'"]),
    ("unknown_generator", edit("b: 0.0", "b: {generate: gaussian, shape: [2]}"),
     14, "tests[0].inputs.b.generate", ["unknown generator 'gaussian'", "normal"]),
    ("unknown_generator_in_data", edit("{generate: blobs,", "{generate: blobz,"),
     6, "data.blobs.generate", ["unknown generator 'blobz'"]),
    ("generator_not_module_function", edit("b: 0.0", "b: {generate: a.b.c}"),
     14, "tests[0].inputs.b.generate", ["'a.b.c' is not module.function"]),
    ("data_from_cycle", edit(DATA_END, "  a: {from: b}\n  b: {from: a.X}\n" + DATA_END),
     7, "data.a.from", ["refers to itself", "a -> b -> a"]),
    ("performance_without_timing", append_to_second_test("    kind: performance\n"),
     16, "tests[1]", ["performance test needs timing"]),
    ("property_without_property", append_to_second_test("    kind: property\n"),
     16, "tests[1]", ["property test needs a property"]),
    ("prepare_on_a_numeric_test", append_to_second_test("    prepare: perceptron.train\n"),
     21, "tests[1].prepare", ["only a property test has a check to prepare for"]),
    ("prepare_in_a_missing_module",
     append_to_second_test("    kind: property\n    property: properties.separates\n    prepare: nosuch.f\n"),
     23, "tests[1].prepare", ["no reference module nosuch.py"]),
    ("numeric_without_reference", edit("    reference: perceptron.train\n", ""),
     16, "tests[1]", ["numeric test needs a reference"]),
    ("max_ratio_below_2", append_to_second_test("    kind: performance\n    timing: {max_ratio: 1.5}\n"),
     22, "tests[1].timing.max_ratio", ["1.5", "minimum of 2"]),
    ("rtol_a_string", append_to_second_test("    rtol: tight\n"), 21, "tests[1].rtol", ["'tight'", "number"]),
    ("bonus_not_a_boolean", append_to_second_test("    bonus: 3\n"), 21, "tests[1].bonus", ["3", "boolean"]),
    ("memory_limit_too_small", edit(DATA_END, "limits: {memory: 10}\n" + DATA_END),
     7, "limits.memory", ["10", "minimum of 128"]),
    ("file_without_py", edit("[perceptron.py]", "[perceptron]"), 3, "files[0]", ["'perceptron'"]),
    ("tests_not_a_list", BASE.split("tests:")[0] + "tests: {a: 1}\n", 7, "tests", ["not of type 'array'"]),
    ("id_a_date", edit("id: demo", "id: 2024-01-01"), 1, "id", ["not of type 'string'"]),
    ("invalid_yaml_bracket", edit("    points: 2\n", "    points: [2\n"), 16, None, ["invalid YAML"]),
    ("invalid_yaml_tab", edit("    points: 2\n", "\tpoints: 2\n"), 15, None, ["invalid YAML", "\\t"]),
    ("two_documents", BASE + "---\nid: other\n", 21, None, ["invalid YAML", "another document"]),
    ("python_tag", edit("b: 0.0", "b: !!python/object/apply:os.system [ls]"), 14, None,
     ["invalid YAML", "python/object"]),
    ("not_a_mapping", "- id\n- title\n", None, None, ["must be a mapping"]),
    ("empty_file", "", None, None, ["must be a mapping"]),
    ("a_scalar", "just some text\n", None, None, ["must be a mapping"]),
]


def write_spec(tmp_path: Path, text: str | bytes) -> Path:
    folder = tmp_path / "assignment"
    folder.mkdir()
    path = folder / "assignment.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path) -> SpecError:
    with pytest.raises(SpecError) as info:
        load_spec(path)
    return info.value


def test_the_base_spec_is_valid(tmp_path):
    spec = load_spec(write_spec(tmp_path, BASE).parent)
    assert [t.name for t in spec.tests] == ["predict_small", "train_small"]
    assert [t.line for t in spec.tests] == [8, 16]


@pytest.mark.parametrize("name, text, line, field, words", CASES, ids=[c[0] for c in CASES])
def test_bad_spec(tmp_path, name, text, line, field, words):
    path = write_spec(tmp_path, text)
    error = load_error(path.parent)             # the folder, as `grade check` gets it
    message = str(error)
    assert "\n" not in message and "\r" not in message
    assert message.startswith(f"{path}:" if line else f"{path}: ")
    assert error.path == str(path)
    assert error.line == line, message
    if line:
        assert message.startswith(f"{path}:{line}: ")
    if field:
        assert error.field == field, message
        assert f": {field}: " in message
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


def test_a_bonus_test_counts_outside_the_maximum(tmp_path):
    spec = load_spec(write_spec(tmp_path, append_to_second_test("    bonus: true\n")))
    assert [t.bonus for t in spec.tests] == [False, True] and spec.max_score == 2


def test_missing_file(tmp_path):
    error = load_error(tmp_path)
    assert str(error) == f"{tmp_path / 'assignment.yaml'}: no such file (is this an assignment folder?)"
    error = load_error(tmp_path / "nowhere.yaml")
    assert str(error).startswith(f"{tmp_path / 'nowhere.yaml'}: no such file")


def test_not_utf8(tmp_path):
    path = write_spec(tmp_path, b"id: \xff\xfe demo\n")
    assert str(load_error(path)) == f"{path}: not UTF-8 text"


def test_newlines_in_values_do_not_break_the_line(tmp_path):
    path = write_spec(tmp_path, edit("title: Demo\n", 'title: Demo\n"bad\\nkey": 1\n'))
    message = str(load_error(path))
    assert "\n" not in message and message.startswith(f"{path}:3: ")


def test_several_problems_report_the_outermost_first(tmp_path):
    text = edit("points: 3", "points: -1").replace("title: Demo\n", "")
    error = load_error(write_spec(tmp_path, text))
    assert error.field == "(top level)" and "'title' is required" in str(error)


def test_unknown_test_name_is_a_spec_error():
    spec = load_spec(ASSIGNMENT)
    with pytest.raises(SpecError, match="no test named nope") as info:
        spec.select(["nope"])
    assert "\n" not in str(info.value)
    with pytest.raises(SpecError, match=r"hidden tests need --hidden"):
        spec.select(["predict_hidden"])
    assert [t.name for t in spec.select(["predict_hidden"], include_hidden=True)] == ["predict_hidden"]


# --------------------------------------------------------------------------- through the CLI

def run_cli(*args: str):
    return CliRunner().invoke(main, ["check", *args])


def assert_usage_error(result, *words: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    output = result.output
    assert output.startswith("grade: error: "), output
    assert "Traceback" not in output
    assert len(output.strip().splitlines()) == 1, output
    for word in words:
        assert word in output, f"{word!r} not in {output!r}"
    return output


@pytest.mark.parametrize("case", ["negative_points", "invalid_yaml_bracket", "generator_not_module_function",
                                  "data_from_cycle"])
def test_cli_bad_spec(tmp_path, case):
    _, text, line, field, words = next(c for c in CASES if c[0] == case)
    path = write_spec(tmp_path, text)
    assert_usage_error(run_cli(str(path.parent)), f"{path}:{line}: ", *words)


def test_cli_missing_assignment(tmp_path):
    assert_usage_error(run_cli(str(tmp_path / "nope")), "no such file")


def test_cli_unknown_test_name():
    assert_usage_error(run_cli(str(ASSIGNMENT), "--test", "predict_smal"), "no test named predict_smal")


def test_cli_hidden_test_without_hidden():
    assert_usage_error(run_cli(str(ASSIGNMENT), "-t", "predict_hidden"), "--hidden")


def test_cli_missing_submission(tmp_path):
    missing = tmp_path / "nothing_here.py"
    assert_usage_error(run_cli(str(ASSIGNMENT), "--submission", str(missing)), str(missing), "no such file")


def test_cli_submission_of_the_wrong_kind(tmp_path):
    notes = tmp_path / "answer.txt"
    notes.write_text("print('hi')\n")
    assert_usage_error(run_cli(str(ASSIGNMENT), "-s", str(notes)), "unsupported submission type .txt")
