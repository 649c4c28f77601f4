"""Data files that an assignment's text and stubs load (``data_files`` in the spec) ship in its bundle."""
from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from grader.course.release import release_assignment
from grader.model.spec import SpecError, load_spec

ROOT = Path(__file__).resolve().parents[2]
CONVOLUTION = ROOT / "assignments" / "05_convolution"


def test_the_convolution_bundle_holds_the_image_its_readme_and_stub_load(tmp_path):
    spec = load_spec(CONVOLUTION)
    assert "image.npy" in spec.data_files
    image = np.load(CONVOLUTION / "image.npy", allow_pickle=False)
    assert image.ndim == 2 and image.dtype == np.float64 and 0 <= image.min() and image.max() <= 1
    bundle = release_assignment(CONVOLUTION, tmp_path)[0]
    np.testing.assert_array_equal(np.load(bundle / "image.npy", allow_pickle=False), image)
    assert load_spec(bundle).data_files == spec.data_files      # the bundle's spec declares it too


def _spec_with_data_files(folder: Path, names: str) -> Path:
    (folder / "work.py").write_text("def f(x):\n    raise NotImplementedError\n")
    (folder / "refs").mkdir()
    (folder / "refs" / "work.py").write_text("def f(x):\n    return x\n")
    (folder / "assignment.yaml").write_text(textwrap.dedent(f"""\
        id: data_files
        title: Data files
        files: [work.py]
        references: refs
        data_files: {names}
        tests:
          - {{name: t, function: f, reference: work.f, inputs: {{x: 1.0}}, points: 1}}
        """))
    return folder


def test_a_missing_declared_data_file_is_a_one_line_error_naming_the_spec(tmp_path):
    folder = _spec_with_data_files(tmp_path, "[picture.npy]")
    with pytest.raises(SpecError) as caught:
        load_spec(folder)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(folder / "assignment.yaml"))
    assert "no data file picture.npy next to the spec" in message


@pytest.mark.parametrize("name", ["../secret.npy", "sub/picture.npy", "work.py", "assignment.yaml"])
def test_a_data_file_is_a_plain_file_name_that_is_not_the_spec_or_a_student_file(tmp_path, name):
    folder = _spec_with_data_files(tmp_path, f"[{name!r}]")
    (folder / "sub").mkdir()
    (folder / "sub" / "picture.npy").write_bytes(b"")
    (tmp_path.parent / "secret.npy").write_bytes(b"")
    with pytest.raises(SpecError, match="data_files"):
        load_spec(folder)
