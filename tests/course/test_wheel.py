"""Students install the grader from their bundle: ``pip install <wheel>`` then ``grade check .``.

The wheel is built with the standard ``build`` tooling (:mod:`grader.course.wheel`); it holds the
``grader`` package and its metadata, nothing of ``reference/``, ``assignments/`` or ``tests/``.
The slow test does what a course and a student do, without a network: build the sdist and the
wheel, ``twine check`` them, release a bundle, install its wheel alone into a fresh virtual
environment and get full marks on a correct solution there.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main
from grader.course import wheel
from grader.course.wheel import copy_sources, grader_wheel, project_root

ROOT = Path(__file__).resolve().parents[2]
PERCEPTRON = ROOT / "assignments" / "01_perceptron"
CORRECT = ROOT / "tests" / "data" / "submissions" / "01_perceptron" / "correct.py"
pytestmark = pytest.mark.skipif(project_root() is None, reason="the wheel is built from the grader's source "
                                "checkout, and this grader is an installed package")


def _tracked_package_files() -> set[str]:
    """The files of ``grader/`` under version control, as paths inside a wheel."""
    listed = subprocess.run(["git", "ls-files", "grader"], cwd=ROOT, capture_output=True, text=True, check=True)
    return {line for line in listed.stdout.splitlines() if line}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    """Assignment 01 released through the command line, as a course does."""
    out = tmp_path_factory.mktemp("release")
    result = CliRunner().invoke(main, ["release", str(PERCEPTRON), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out / "01_perceptron"


def test_the_bundle_ships_a_wheel_of_the_grader_and_its_readme_installs_it(bundle):
    wheels = list(bundle.glob("*.whl"))
    assert [w.name.split("-")[0] for w in wheels] == ["dlgrade"]
    readme = (bundle / "README.md").read_text()
    assert f"pip install {wheels[0].name}\n" in readme
    assert readme.index(f"pip install {wheels[0].name}") < readme.index("grade check .\n")


def test_the_wheel_holds_the_grader_package_and_nothing_else(bundle):
    """No reference, assignment, test or solution: every file of the package, its metadata, no more."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs the git checkout to list the package's tracked files")
    names = zipfile.ZipFile(next(bundle.glob("*.whl"))).namelist()
    package = {n for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert not [n for n in names if n.startswith(("reference/", "assignments/", "tests/"))]
    assert _tracked_package_files() <= package
    assert all(n.startswith("grader/") and (ROOT / n).is_file() and not n.endswith(".pyc") for n in package)


def test_an_unchanged_grader_is_built_once_and_then_taken_from_the_cache(bundle):
    told = []
    first = grader_wheel(told.append)
    assert grader_wheel(told.append) == first and told == []
    assert first.read_bytes() == next(bundle.glob("*.whl")).read_bytes()


@pytest.mark.slow
def test_a_changed_grader_is_built_again_saying_so_and_old_wheels_are_forgotten(tmp_path, monkeypatch):
    """An empty cache (a changed grader has a new digest): one build, one progress line; then the
    cached wheel, in silence. Only the most recent wheels are kept."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cache = tmp_path / "dlgrade" / "wheels"
    for i in range(wheel.KEPT_WHEELS + 2):              # wheels of earlier source states
        (cache / f"old{i}").mkdir(parents=True)
        os.utime(cache / f"old{i}", (1_000_000 + i, 1_000_000 + i))
    told = []
    built = grader_wheel(told.append)
    assert len(told) == 1 and "building the grader wheel" in told[0]
    assert built.parent == cache / wheel.source_digest(ROOT) and zipfile.ZipFile(built).testzip() is None
    assert grader_wheel(told.append) == built and len(told) == 1
    kept = sorted(p.name for p in cache.iterdir())
    assert len(kept) == wheel.KEPT_WHEELS and built.parent.name in kept and "old0" not in kept


def test_a_course_index_replaces_the_wheel(tmp_path):
    result = CliRunner().invoke(main, ["release", str(PERCEPTRON), "--out", str(tmp_path),
                                       "--index-url", "https://pypi.example.edu/simple"])
    assert result.exit_code == 0, result.output
    assert not list((tmp_path / "01_perceptron").glob("*.whl"))
    assert "pip install --index-url https://pypi.example.edu/simple dlgrade==" in \
        (tmp_path / "01_perceptron" / "README.md").read_text()


def _fresh_venv(folder: Path) -> Path:
    """A new virtual environment whose own site-packages come first, then this environment's
    (numpy, click... without a network), read as plain paths: its ``.pth`` files, which hold this
    checkout's editable install, are not processed, so ``grader`` comes only from what is
    installed in the new one."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, capture_output=True)
    python = folder / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    Path(purelib, "zz_dlgrade_test_env.pth").write_text("\n".join(sorted(ours)) + "\n")
    return python


@pytest.mark.slow
def test_a_fresh_venv_installs_the_grader_from_a_bundle_alone_and_grades_a_correct_solution(bundle, tmp_path):
    # The project's sdist and wheel, built as for PyPI, from a copy (the checkout stays clean).
    source, dist = tmp_path / "src", tmp_path / "dist"
    copy_sources(ROOT, source)
    built = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(source)],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-2000:]
    made = sorted(p.name for p in dist.iterdir())
    assert len(made) == 2 and made[0].endswith(".whl") and made[1].endswith(".tar.gz"), made
    checked = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, dist.iterdir())],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("PASSED") == 2

    # A student: a copy of the bundle, the bundle's wheel installed, the work done, grade check.
    work = tmp_path / "01_perceptron"
    shutil.copytree(bundle, work)
    python = _fresh_venv(tmp_path / "venv")
    wheel = next(work.glob("*.whl"))
    installed = subprocess.run([str(python), "-m", "pip", "install", "--no-index", "--no-deps", "--ignore-installed",
                                "--disable-pip-version-check", wheel.name], cwd=work, capture_output=True, text=True)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    where = subprocess.run([str(python), "-c", "import grader; print(grader.__file__)"], cwd=tmp_path,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).is_relative_to(tmp_path / "venv"), where     # the wheel's grader, not this checkout's

    shutil.copyfile(CORRECT, work / "perceptron.py")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DLGRADE_SECRET")}
    graded = subprocess.run([str(tmp_path / "venv" / "bin" / "grade"), "check", ".", "--format", "json"],
                            cwd=work, capture_output=True, text=True, env=env, timeout=300)
    assert graded.returncode == 0, graded.stdout[-2000:] + graded.stderr[-2000:]
    result = json.loads(graded.stdout)
    assert result["score"] == result["max_score"] > 0
