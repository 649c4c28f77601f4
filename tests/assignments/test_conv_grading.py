"""Assignment 05 graded end to end: the correct solution, one submission per catalogued mistake,
the too-slow loop, the CUDA bonus (in Numba's simulator when there is no GPU) and the stub.

The spec has two student files, ``conv.py`` and the optional ``conv_cuda.py``, so every graded
submission is a folder built here. A mistake file ``mistakes/<function>__<mistake>.py`` holds only
the wrong function: it is appended to the correct solution (the later definition wins), and the
grader must name the mistake, with the catalogue's hint, on at least one test of that function.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.submissions.intake import read_submission

ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT = ROOT / "assignments" / "05_convolution"
SUBMISSIONS = Path(__file__).resolve().parents[1] / "data" / "submissions" / "05_convolution"
CORRECT, CORRECT_CUDA = SUBMISSIONS / "correct.py", SUBMISSIONS / "correct_cuda.py"
MISTAKE_FILES = sorted((SUBMISSIONS / "mistakes").glob("*.py"))
BONUS_MODULE = "conv_cuda"


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A submission folder with conv.py (and conv_cuda.py when given) holding these sources."""
    def make(conv: str, conv_cuda: str | None = None) -> Path:
        where = tmp_path_factory.mktemp("submission")
        (where / "conv.py").write_text(conv)
        if conv_cuda is not None:
            (where / "conv_cuda.py").write_text(conv_cuda)
        return where
    return make


@pytest.fixture(scope="module")
def grade(spec, grader):
    def run(path: Path | None, names: list[str] | None = None):
        return grader.grade(read_submission(spec, path), spec.select(names, include_hidden=True),
                            reveal_hidden=True)     # the instructor view: hidden diagnostics too
    return run


@pytest.fixture(scope="module")
def correct_result(grade, folder):
    return grade(folder(CORRECT.read_text(), CORRECT_CUDA.read_text()))


def names_of_tests(spec, function: str) -> list[str]:
    """Names of the tests of conv.<function>, but the timed one: it costs a second and says
    nothing about a mistake."""
    return [t.name for t in spec.tests if t.module == "conv" and t.function == function and t.kind != "performance"]


def test_correct_solution_scores_full_marks_with_hidden_tests(spec, correct_result):
    result = correct_result
    assert [t.name for t in result.tests] == [t.name for t in spec.tests]
    assert any(t.visibility == "hidden" for t in result.tests)
    failing = {t.name: (t.status, t.message) for t in result.tests if t.status != "passed"}
    assert not failing
    assert result.score == sum(t.points for t in spec.tests)         # bonus points on top of the maximum
    assert result.max_score == spec.max_score == sum(t.points for t in spec.tests if not t.bonus)
    assert all(t.mistake is None and t.hint is None for t in result.tests)


def test_bonus_tests_name_the_device_they_ran_on(spec, correct_result):
    bonus = {t.name for t in spec.tests if t.device == "cuda"}
    assert bonus == {t.name for t in spec.tests if t.module == BONUS_MODULE} and bonus
    for t in correct_result.tests:
        if t.name in bonus:
            assert t.details["device"] == "cuda simulator" or t.details["device"].startswith("cuda: ")


# forward_speed (max_ratio 40) (measured 2026-12-03 on the shared 2-core VM, load average 9 to 15, 4 gradings each): the im2col solution 4.5 to 5.0 (8x below the
# limit); the output-pixel loop 89.6 to 130 (at least 2.2x above it).


def test_vectorised_forward_passes_the_speed_test_with_figures(correct_result):
    speed = next(t for t in correct_result.tests if t.kind == "performance")
    assert speed.status == "passed", speed.message
    assert speed.details["ratio"] <= 40 and speed.details["reference_s_per_call"] > 0


def test_a_python_loop_over_output_pixels_fails_the_speed_test(spec, grade, folder):
    names = [t.name for t in spec.tests if t.kind == "performance"]
    result = grade(folder((SUBMISSIONS / "speed" / "conv2d_forward__pixel_loop.py").read_text()), names)
    speed = result.tests[0]
    assert speed.status == "failed", speed.message
    assert speed.details["ratio"] > 40
    assert "Python loops" in speed.message


def test_every_catalogued_mistake_has_a_submission(spec, references, mistake_of):
    graded = {t.reference[1] for t in spec.tests if t.reference and t.reference[0] == "conv" and t.module == "conv"}
    assert graded == {"correlate2d", "box_blur_kernel", "gaussian_kernel", "sharpen_kernel", "edge_kernel",
                      "apply_kernel", "conv2d_forward", "conv2d_forward_cpu", "conv2d_backward"}
    catalogued = {(fn, m.name) for fn in graded - {"conv2d_forward_cpu"} for m in references.mistakes("conv", fn)}
    files = {mistake_of(p) for p in MISTAKE_FILES}
    assert sorted(catalogued - files) == [], "catalogued mistakes without a submission file"
    assert sorted(files - catalogued) == [], "submission files for mistakes that are not catalogued"


@pytest.mark.slow
@pytest.mark.parametrize("path", MISTAKE_FILES, ids=[p.stem for p in MISTAKE_FILES])
def test_mistake_is_diagnosed(path, spec, grade, folder, references, mistake_of):
    function, name = mistake_of(path)
    catalogue = {m.name: m.hint for m in references.mistakes("conv", function)}
    assert name in catalogue, f"{name!r} is not in MISTAKES[{function!r}]"

    result = grade(folder(CORRECT.read_text() + "\n\n" + path.read_text()), names_of_tests(spec, function))
    assert result.score < result.max_score
    named = [t for t in result.tests if t.status == "failed" and t.mistake == name]
    seen = {t.name: (t.status, t.mistake) for t in result.tests}
    assert named, f"no test of {function} was diagnosed as {name!r}: {seen}"
    for t in named:
        assert t.hint == catalogue[name], t.name
        assert t.score == 0 and t.message


def test_a_mistake_in_the_students_cuda_kernel_is_diagnosed(spec, grade, folder, references):
    """The bonus kernels are graded like the rest: a window that ignores the stride is named."""
    kernel = CORRECT_CUDA.read_text()
    wrong = kernel.replace("xp[n, c, i * stride + p, j * stride + q]", "xp[n, c, i + p, j + q]")
    assert wrong != kernel
    result = grade(folder(CORRECT.read_text(), wrong), ["conv2d_forward_cuda", "conv2d_forward_cuda_stride"])
    by_name = {t.name: t for t in result.tests}
    assert by_name["conv2d_forward_cuda"].status == "passed"       # stride 1 hides it
    strided = by_name["conv2d_forward_cuda_stride"]
    assert strided.status == "failed" and strided.mistake == "window_start", strided.message
    assert strided.hint == {m.name: m.hint for m in references.mistakes("conv", "conv2d_forward")}["window_start"]


def test_a_missing_bonus_file_fails_only_the_bonus_tests(spec, grade, folder):
    result = grade(folder(CORRECT.read_text()), [t.name for t in spec.tests if t.kind != "performance"])
    for t in result.tests:
        if t.name in {s.name for s in spec.tests if s.module == BONUS_MODULE}:
            assert t.status == "error" and "conv_cuda.py is not in the submission" in t.message, t.name
        else:
            assert t.status == "passed", (t.name, t.message)


def test_a_correct_conv_without_the_cuda_bonus_gets_full_marks_and_exit_0(spec, folder):
    """The CUDA tests are bonus: leaving conv_cuda.py out costs no mark of the maximum, and
    ``grade check`` exits 0 (issue 17, item 5: it was 38/42 and exit 1)."""
    bonus = {t.name for t in spec.tests if t.bonus}
    assert bonus == {t.name for t in spec.tests if t.device == "cuda"} and bonus
    names = [t.name for t in spec.tests if t.kind != "performance" and t.visibility == "public"]
    args = ["check", str(ASSIGNMENT), "--submission", str(folder(CORRECT.read_text())), "--format", "json"]
    run = CliRunner().invoke(main, [*args, *(f"--test={n}" for n in names)])
    report = json.loads(run.stdout)
    assert (report["score"], run.exit_code) == (report["max_score"], 0), (report["score"], report["max_score"])
    assert report["max_score"] == sum(t.points for t in spec.tests if t.name in names and not t.bonus)
    assert {t["name"] for t in report["tests"] if t["bonus"]} == bonus & set(names)


def test_stub_scores_zero_and_says_not_implemented(spec, grade):
    result = grade(None)                      # None: the stubs in the assignment folder
    assert len(result.tests) == len(spec.tests)
    assert result.score == 0
    for t in result.tests:
        assert t.status == "failed", (t.name, t.message)
        assert "Not implemented yet" in t.message, t.name


def test_the_shipped_image_is_the_generated_one(references):
    shipped = np.load(ASSIGNMENT / "image.npy", allow_pickle=False)
    generated = references.module("conv").sample_image()
    assert shipped.dtype == generated.dtype == np.float64
    assert np.array_equal(shipped, generated)
