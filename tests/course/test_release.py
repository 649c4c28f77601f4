"""``grade release``: student bundles that check work from fixtures alone and hold no solution.

Assignment 01's bundle is built once per module and checked in detail; the leak test builds the
bundle of every assignment in ``assignments/`` and lists each of its files.
"""
from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.course.release import ReleaseError, release_assignment
from grader.grading import calibration
from grader.grading.engine import Grader
from grader.grading.fixtures import Fixtures, Unstorable, call_key, pack, pack_blobs, read_blobs, unpack
from grader.model.spec import load_spec
from grader.sandbox.codec import FunctionRef
from grader.submissions.intake import read_submission

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENTS = sorted(p.parent for p in (ROOT / "assignments").glob("*/assignment.yaml"))
PERCEPTRON = ROOT / "assignments" / "01_perceptron"
SUBMISSIONS = ROOT / "tests" / "data" / "submissions" / "01_perceptron"
MISTAKES = sorted((SUBMISSIONS / "mistakes").glob("*.py"))
SECRET = "s3cr3t-for-the-leak-test-7f1c2a"
NO_NUMBA = "import sys; sys.modules['numba'] = None; from grader.cli import main; main(sys.argv[1:])"


@pytest.fixture(scope="module")
def bundles(tmp_path_factory):
    """Assignment folder -> its bundle, built on first use with a known secret configured."""
    out = tmp_path_factory.mktemp("release")
    built: dict[Path, Path] = {}

    def get(folder: Path) -> Path:
        if folder not in built:
            old = os.environ.get("DLGRADE_SECRET")
            os.environ["DLGRADE_SECRET"] = SECRET
            try:
                built[folder] = release_assignment(folder, out)[0]
            finally:
                if old is None:
                    del os.environ["DLGRADE_SECRET"]
                else:
                    os.environ["DLGRADE_SECRET"] = old
        return built[folder]
    return get


@pytest.fixture(scope="module")
def perceptron(bundles) -> Path:
    return bundles(PERCEPTRON)


# --------------------------------------------------------------------------- what a bundle holds

def test_bundle_holds_readme_stub_notebook_spec_and_fixtures(perceptron):
    assert sorted(p.name for p in perceptron.iterdir()) == sorted(
        ["README.md", "perceptron.py", "01_perceptron.ipynb", "assignment.yaml", "fixtures.npz", "fixtures.json"])
    assert (perceptron / "perceptron.py").read_text() == (PERCEPTRON / "perceptron.py").read_text()
    full, bundle = load_spec(PERCEPTRON), load_spec(perceptron)
    runnable = [t.name for t in full.tests if t.visibility == "public" and t.kind != "property"]
    assert [t.name for t in bundle.tests] == runnable
    assert bundle.fixtures == perceptron / "fixtures.npz"
    readme = (perceptron / "README.md").read_text()
    assert readme.startswith((PERCEPTRON / "README.md").read_text().splitlines()[0])
    assert "grade check ." in readme and "grade check assignments/01_perceptron" not in readme
    left = [t.name for t in full.tests if t.visibility == "public" and t.kind == "property"]
    assert left and re.search(r"Checked when your work is graded.*" + left[0], readme)


def test_notebook_has_the_text_a_cell_per_function_and_a_check_after_each(perceptron):
    notebook = nbformat.read(perceptron / "01_perceptron.ipynb", as_version=nbformat.NO_CONVERT)
    nbformat.validate(notebook)
    assert notebook.nbformat == 4 and notebook.metadata["dlgrade"]["assignment"] == "01_perceptron"
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert "## 2. `update(w, b, x, y, lr)`" in markdown and r"\eta\,(y - \hat{y})" in markdown
    code = [c.source for c in notebook.cells if c.cell_type == "code"]
    stub = ast.parse((PERCEPTRON / "perceptron.py").read_text())
    for fn in (s.name for s in stub.body if isinstance(s, ast.FunctionDef)):
        where = next(i for i, src in enumerate(code) if src.startswith(f"def {fn}("))
        assert code[where + 1] == f'check("{fn}")'
    assert code[0].startswith("from grader import check") and code[-1] == "check()"


def test_release_refuses_a_folder_that_is_not_a_bundle_and_replaces_an_old_bundle(tmp_path):
    (tmp_path / "01_perceptron").mkdir()
    (tmp_path / "01_perceptron" / "notes.txt").write_text("mine")
    result = CliRunner().invoke(main, ["release", str(PERCEPTRON), "--out", str(tmp_path)])
    assert result.exit_code == 2 and "is not a bundle" in result.output
    assert (tmp_path / "01_perceptron" / "notes.txt").read_text() == "mine"
    with pytest.raises(ReleaseError):
        release_assignment(PERCEPTRON, tmp_path)


# --------------------------------------------------------------------------- no solution inside

def _shape(node: ast.FunctionDef) -> str:
    """A function's code without its decorators and docstring, as a comparable string."""
    body = node.body[1:] if ast.get_docstring(node) is not None else node.body
    return ast.dump(ast.FunctionDef(node.name, node.args, body or [ast.Pass()], [], node.returns, None))


def _reference_functions(spec) -> dict[str, str]:
    """_shape -> name of every function (beyond one statement) in the references and private helpers."""
    files = list(Path(spec.references_dir).glob("*.py")) + [h.path for h in spec.helpers.values() if h.private]
    found = {}
    for path in files:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and len(node.body) > 1:
                found[_shape(node)] = f"{path.name}:{node.name}"
    return found


def _hidden_arrays(spec) -> list[np.ndarray]:
    """The arrays of every hidden test's inputs (as drawn for one student; the others differ)."""
    grader = Grader(spec, secret=SECRET)
    arrays = []
    for test in spec.tests:
        if test.visibility == "hidden":
            args, kwargs = grader.inputs.for_test(test, student="someone")
            values = [*args.values(), *kwargs.values()]
            while values:
                v = values.pop()
                if isinstance(v, dict):
                    values += v.values()
                elif isinstance(v, np.ndarray) and v.size >= 4:
                    arrays.append(v)
    return arrays


def assert_nothing_leaks(folder: Path, bundle: Path) -> None:
    spec = load_spec(folder)
    files = sorted(p for p in bundle.rglob("*"))
    assert all(p.is_file() for p in files), "a bundle is flat: no folders"
    names = {p.name for p in files}
    assert not any(n.endswith((".nbi", ".nbc", ".pyc")) or n == "__init__.py" for n in names)
    reference_texts = {p.read_bytes() for p in Path(spec.references_dir).glob("*.py")}
    private = [h for h in spec.helpers.values() if h.private]
    assert not {p.name for p in files} & {h.path.name for h in private}, "a private helper shipped"
    hidden_names = [t.name for t in spec.tests if t.visibility == "hidden"]
    hidden_only_data = set(spec.data) - set(load_spec(bundle).data)
    solutions = _reference_functions(spec)

    with np.load(bundle / "fixtures.npz", allow_pickle=False) as npz:     # an object array would raise
        assert all(npz[blob].dtype.kind in "biufc" for blob in npz.files)
    stored = read_blobs(bundle / "fixtures.npz", json.loads((bundle / "fixtures.json").read_text())["arrays"])
    for arr in _hidden_arrays(spec):
        same = [k for k, a in stored.items() if a.shape == arr.shape and np.array_equal(a, arr)]
        assert not same, f"a hidden test's input is stored as {same}"

    texts = []
    for path in files:
        raw = path.read_bytes()
        assert SECRET.encode() not in raw, f"{path.name} holds the instructor's secret"
        assert raw not in reference_texts, f"{path.name} is a reference module"
        if path.suffix == ".npy":           # a declared data file (data_files): plain numbers
            array = np.load(path, allow_pickle=False)
            assert array.dtype.kind in "biufc", f"{path.name} is not a plain numeric array"
            assert not any(a.shape == array.shape and np.array_equal(a, array) for a in _hidden_arrays(spec)), \
                f"{path.name} is a hidden test's input"
        elif path.suffix != ".npz":
            texts.append((path, raw.decode("utf-8")))
    texts.append((bundle / "fixtures.npz", "\n".join(stored)))
    for path, text in texts:
        for name in hidden_names:
            assert not re.search(rf"\b{re.escape(name)}\b", text), f"hidden test {name} named in {path.name}"
        for name in hidden_only_data:
            assert not re.search(rf"\b{re.escape(name)}\b", text), f"hidden data {name} in {path.name}"
    code = [text for path, text in texts if path.suffix == ".py"]
    notebook = nbformat.read(bundle / f"{spec.id}.ipynb", as_version=4)
    code += [c.source for c in notebook.cells if c.cell_type == "code"]
    for source in code:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef):
                assert _shape(node) not in solutions, f"{solutions.get(_shape(node))} is in the bundle"
    assert all(t.visibility == "public" for t in load_spec(bundle).tests)


def test_the_perceptron_bundle_leaks_nothing(perceptron):
    assert_nothing_leaks(PERCEPTRON, perceptron)


@pytest.mark.slow
@pytest.mark.parametrize("folder", ASSIGNMENTS, ids=[p.name for p in ASSIGNMENTS])
def test_no_bundle_leaks_a_solution_or_a_hidden_test(folder, bundles):
    assert_nothing_leaks(folder, bundles(folder))


def test_the_leak_test_catches_a_leak(perceptron, tmp_path):
    """Each kind of leak that assert_nothing_leaks looks for makes it fail."""
    import shutil

    reference = (ROOT / "reference" / "perceptron.py").read_text()
    train = next(n for n in ast.parse(reference).body if isinstance(n, ast.FunctionDef) and n.name == "train")
    leaks = {
        "is a reference module": lambda b: shutil.copy(ROOT / "reference" / "perceptron.py", b / "solution.py"),
        "perceptron.py:train is in the bundle":
            lambda b: (b / "perceptron.py").write_text(ast.get_source_segment(reference, train)),
        "secret": lambda b: (b / "README.md").write_text((b / "README.md").read_text() + SECRET),
        "hidden test predict_hidden": lambda b: (b / "README.md").write_text((b / "README.md").read_text()
                                                                              + " predict_hidden"),
    }
    for i, (what, leak) in enumerate(leaks.items()):
        copy = tmp_path / str(i) / "01_perceptron"
        shutil.copytree(perceptron, copy)
        leak(copy)
        with pytest.raises(AssertionError, match=what):
            assert_nothing_leaks(PERCEPTRON, copy)


# --------------------------------------------------------------------------- checking inside a bundle

def _grade_cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """``grade ...`` in a fresh process where ``import numba`` fails."""
    return subprocess.run([sys.executable, "-c", NO_NUMBA, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_check_in_a_bundle_works_without_references_or_numba(perceptron):
    assert not (perceptron.parent.parent / "reference").exists()      # nothing to fall back on
    stub = _grade_cli(["check", "."], cwd=perceptron)
    assert stub.returncode == 1, stub.stderr
    assert stub.stdout.count("Not implemented yet") == len(load_spec(perceptron).tests)
    done = _grade_cli(["check", str(perceptron), "--submission", str(SUBMISSIONS / "correct.py"),
                       "--format", "json"], cwd=perceptron.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["score"] == report["max_score"] > 0


@pytest.fixture(scope="module")
def both_graders(perceptron):
    full, bundle = load_spec(PERCEPTRON), load_spec(perceptron)
    names = [t.name for t in bundle.tests]
    graders = (Grader(full), Grader(bundle))

    def grade(path: Path):
        return [g.grade(read_submission(g.spec, path), g.spec.select(names)).tests for g in graders]
    return grade


def _timing_noise(f, b) -> bool:
    """Whether two speed verdicts may differ by measurement alone: each run times its own fresh,
    secret inputs, so a ratio within a factor of 2 of the limit can fall either side of it. One
    honest grading in about 60 measured 33x against predict_speed's 25x beside other jobs
    (typically 2-7x, a Python loop 235-400x)."""
    limit = LIMITS.get(f.name)
    ratios = [r.details.get("ratio") for r in (f, b)]
    return (f.kind == "performance" and limit is not None and None not in ratios
            and any(limit / 2 <= r <= 2 * limit for r in ratios))


def _same(full, bundle) -> None:
    for f, b in zip(full, bundle, strict=True):
        if f.status != b.status and _timing_noise(f, b):
            continue
        assert (f.name, f.status, f.score, f.mistake, f.hint) == (b.name, b.status, b.score, b.mistake, b.hint)
        if f.kind != "performance":             # a performance message carries this run's timings
            assert f.message == b.message, f.name


LIMITS = {t.name: t.timing["max_ratio"] for t in load_spec(PERCEPTRON).tests if t.kind == "performance"}
SAMPLE = [SUBMISSIONS / "correct.py", SUBMISSIONS / "mistakes" / "predict__labels_01.py",
          SUBMISSIONS / "mistakes" / "update__half_step.py", SUBMISSIONS / "mistakes" / "train__batch_updates.py"]


@pytest.mark.parametrize("path", [pytest.param(p, marks=[] if p in SAMPLE else pytest.mark.slow)
                                  for p in [SAMPLE[0], *MISTAKES]],
                         ids=lambda p: p.stem)
def test_a_bundle_grades_the_public_tests_like_the_full_grader(path, both_graders):
    full, bundle = both_graders(path)
    _same(full, bundle)
    if path.parent.name == "mistakes":
        assert any(t.mistake == path.stem.split("__")[1] for t in bundle)


def test_a_python_loop_is_too_slow_in_a_bundle_too(both_graders):
    full, bundle = both_graders(SUBMISSIONS / "speed" / "loop_predict.py")
    speed = [(f, b) for f, b in zip(full, bundle) if f.kind == "performance"]
    assert speed and all(f.status == b.status == "failed" for f, b in speed)
    assert all("calibration" in b.details["clock"] and b.details["ratio"] > 25 for _, b in speed)


def test_remembering_answers_fails_a_bundles_speed_test_too(both_graders):
    """A bundle times fresh draws too (its own seeds from ``secrets``), so a submission that is fast
    only on inputs it has seen fails there as it will in the instructor's grading."""
    memoizer = ROOT / "tests" / "redteam" / "submissions" / "memoize_for_speed.py"
    full, bundle = both_graders(memoizer)
    speed = [(f, b) for f, b in zip(full, bundle) if f.kind == "performance"]
    assert speed and all(f.status == b.status == "failed" for f, b in speed), [b.message for _, b in speed]


def test_the_reference_time_is_the_stored_ratio_times_the_local_calibration(perceptron, monkeypatch):
    spec = load_spec(perceptron)
    meta = json.loads((perceptron / "fixtures.json").read_text())
    test = next(t for t in spec.tests if t.kind == "performance")
    cost = meta["tests"][test.name]["cost"]
    assert cost["ratio"] == pytest.approx(cost["reference_seconds"] / meta["calibration_seconds"])
    fixtures = Fixtures(spec)
    args, kwargs = fixtures.inputs.for_test(test)
    reference = fixtures.function(*test.reference)
    for local in (0.05, 0.2):                  # a machine 4x slower is allowed 4x the time
        monkeypatch.setattr(calibration, "seconds", lambda runs=3, local=local: local)
        assert reference.cpu_seconds(list(args.values()), kwargs) == pytest.approx(cost["ratio"] * local)


def test_damaged_fixtures_give_a_one_line_error(perceptron, tmp_path):
    import shutil

    copy = tmp_path / "01_perceptron"
    shutil.copytree(perceptron, copy)
    np.savez(copy / "fixtures.npz", evil=np.array([object()], dtype=object))     # a pickle inside
    result = CliRunner().invoke(main, ["check", str(copy)])
    assert result.exit_code == 2
    assert result.output.startswith("grade: error: ") and "fixtures" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_fixtures_priced_against_another_calibration_workload_are_refused(perceptron, tmp_path):
    """A bundle released before the calibration workload changed would price every reference
    wrongly: it must say so and ask for a new release, not give verdicts."""
    import shutil

    copy = tmp_path / "01_perceptron"
    shutil.copytree(perceptron, copy)
    meta = json.loads((copy / "fixtures.json").read_text())
    assert meta["calibration"] == calibration.VERSION
    meta["calibration"] = calibration.VERSION - 1
    (copy / "fixtures.json").write_text(json.dumps(meta))
    result = CliRunner().invoke(main, ["check", str(copy)])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
    assert "calibration" in result.output and "release the bundle again" in result.output


def test_the_calibration_runs_in_the_background_and_is_measured_once(monkeypatch):
    """Started early, the calibration overlaps a check's other work; asking for it waits for that
    one measurement instead of starting another."""
    import threading

    monkeypatch.setattr(calibration, "_measured", {})
    release = threading.Event()
    calls = []

    def slow_minimum(runs):
        calls.append(runs)
        release.wait(5)
        return 0.0123
    monkeypatch.setattr(calibration, "_minimum", slow_minimum)
    calibration.start(4)
    calibration.start(4)
    assert any(t.name == "dlgrade-calibration" for t in threading.enumerate())
    release.set()
    assert calibration.seconds(4) == 0.0123 and calls == [4]


# --------------------------------------------------------------------------- the fixture format

def test_values_round_trip_with_their_python_types():
    value = (np.arange(6, dtype=np.float32).reshape(2, 3), 1.5, 2, True, np.float64(0.25), None, "mean",
             [np.zeros(2, dtype=np.int64)], {"lr": 0.1, "m": np.ones(3)}, FunctionRef("objectives", "bowl"))
    arrays: dict[str, np.ndarray] = {}
    back = unpack(json.loads(json.dumps(pack(value, "t/expected", arrays))), arrays)
    assert [type(v) for v in back] == [type(v) for v in value]
    assert back[0].dtype == np.float32 and np.array_equal(back[0], value[0])
    assert back[1:4] == value[1:4] and back[4] == value[4] and back[6] == "mean"
    assert np.array_equal(back[8]["m"], value[8]["m"]) and back[9] == value[9]
    assert call_key(back, {}) == call_key(value, {})
    with pytest.raises(Unstorable):
        pack(np.array([object()], dtype=object), "x", {})


def test_arrays_are_stored_in_one_blob_per_dtype_and_read_back_exactly(tmp_path):
    arrays = {"a/inputs/x": np.arange(6.0).reshape(2, 3), "a/expected": np.float32(1.5) * np.ones((0, 4), np.float32),
              "b/expected": np.array(2.5), "b/mask": np.array([True, False]), "c/n": np.arange(3, dtype=">i4"),
              "c/m": np.arange(4, dtype="<i4").reshape(2, 2)[:, ::-1], "d/y": np.linspace(0, 1, 5)}
    blobs, index = pack_blobs(arrays)
    assert sorted(blobs) == ["b1", "f4", "f8", "i4"]
    np.savez(tmp_path / "f.npz", **blobs)
    back = read_blobs(tmp_path / "f.npz", json.loads(json.dumps(index)))
    for key, arr in arrays.items():
        assert back[key].shape == arr.shape and np.array_equal(back[key], arr), key
        assert back[key].dtype == arr.dtype.newbyteorder("<"), key
    index["d/y"][1] = 10 ** 6
    with pytest.raises(ValueError, match="outside"):
        read_blobs(tmp_path / "f.npz", index)


def test_call_keys_tell_types_dtypes_shapes_and_values_apart():
    base = call_key([np.ones((2, 3)), 1.0], {"k": 2})
    for args, kwargs in [([np.ones((3, 2)), 1.0], {"k": 2}), ([np.ones((2, 3), np.float32), 1.0], {"k": 2}),
                         ([np.ones((2, 3)), 1], {"k": 2}), ([np.ones((2, 3)), 1.0], {"k": 3}),
                         ([np.ones((2, 3)), 1.0], {"j": 2}), ((np.ones((2, 3)), np.float64(1.0)), {"k": 2})]:
        assert call_key(args, kwargs) != base
    assert call_key((np.ones((2, 3)), 1.0), {"k": 2}) == base     # a tuple of arguments is a list


def test_the_calibration_workload_is_fixed_and_timed_by_its_minimum():
    assert calibration.workload() == calibration.workload()
    runs = [calibration.time_once() for _ in range(3)]
    assert all(r > 0 for r in runs)
    assert 0 < calibration.seconds() <= 10 * max(runs)


# --------------------------------------------------------------------------- building on earlier work

def _assignment(folder: Path, spec: str, files: dict[str, str]) -> Path:
    for name, text in {"assignment.yaml": spec, "refs/__init__.py": "", **files}.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(textwrap.dedent(text))
    return folder


def test_a_module_from_an_earlier_assignment_is_the_students_own_in_a_bundle(tmp_path):
    _assignment(tmp_path / "earlier", """
        id: earlier
        title: Earlier
        files: [acts.py]
        references: refs
        tests: [{name: relu, function: relu, reference: acts.relu, inputs: {x: [-1.0, 2.0]}, points: 1}]
        """, {"acts.py": "def relu(x):\n    raise NotImplementedError\n",
              "refs/acts.py": "import numpy as np\ndef relu(x):\n    return np.maximum(x, 0.0)\n"})
    later = _assignment(tmp_path / "later", """
        id: later
        title: Later
        files: [net.py]
        references: refs
        provides: [{module: acts, file: course/acts.py, assignment: ../earlier}]
        tests: [{name: forward, function: forward, reference: net.forward, inputs: {x: [-1.0, 2.0]}, points: 1}]
        """, {"net.py": "from acts import relu\n\ndef forward(x):\n    raise NotImplementedError\n",
              "course/acts.py": "import numpy as np\ndef relu(x):\n    return np.maximum(x, 0.0)  # course\n",
              "refs/net.py": "import numpy as np\ndef forward(x):\n    return 2 * np.maximum(x, 0.0)\n"})
    bundle = release_assignment(later, tmp_path / "out")[0]
    assert sorted(p.name for p in bundle.iterdir()) == sorted(
        ["README.md", "net.py", "later.ipynb", "assignment.yaml", "fixtures.npz", "fixtures.json"])
    assert "your own `acts.py` from `earlier`" in (bundle / "README.md").read_text()
    work = tmp_path / "work"
    work.mkdir()
    (work / "net.py").write_text("from acts import relu\n\ndef forward(x):\n    return 2 * relu(x)\n")
    spec = load_spec(bundle)
    without = Grader(spec).grade(read_submission(spec, work), spec.select(None)).tests[0]
    assert without.status == "error" and "acts" in without.message
    (work / "acts.py").write_text("import numpy as np\n\ndef relu(x):\n    return np.where(x > 0, x, 0.0)\n")
    assert Grader(spec).grade(read_submission(spec, work), spec.select(None)).all_passed


def test_a_property_test_whose_check_is_a_shipped_helper_runs_in_the_bundle(tmp_path):
    folder = _assignment(tmp_path / "props", """
        id: props
        title: Properties
        files: [descent.py]
        references: refs
        helpers: [checks.py]
        tests:
          - {name: descends, kind: property, function: descend, property: checks.lower,
             inputs: {w: [3.0, -4.0]}, points: 1}
          - {name: descends_far, kind: property, function: descend, property: refs_only.far,
             inputs: {w: [3.0, -4.0]}, points: 1}
        """, {"descent.py": "def descend(w):\n    raise NotImplementedError\n",
              "checks.py": "import numpy as np\n\ndef lower(args, output):\n"
                           "    ok = float(np.sum(output ** 2)) < float(np.sum(args['w'] ** 2))\n"
                           "    return ok, 'the output is not closer to 0 than w'\n",
              "refs/refs_only.py": "def far(args, output):\n    return bool((abs(output) < 1e-3).all()), 'not at 0'\n"})
    bundle, kept, later = release_assignment(folder, tmp_path / "out")
    assert [t.name for t in kept] == ["descends"] and [t.name for t in later] == ["descends_far"]
    assert (bundle / "checks.py").read_text() == (folder / "checks.py").read_text()
    spec = load_spec(bundle)
    for body, status in [("return w * 0.5", "passed"), ("return w * 2.0", "failed")]:
        (tmp_path / "descent.py").write_text(f"def descend(w):\n    {body}\n")
        result = Grader(spec).grade(read_submission(spec, tmp_path / "descent.py"), spec.select(None)).tests[0]
        assert result.status == status, result.message
