"""What every assignment's grading tests share: naming of mistake files, the stub checks.

Each ``tests/assignments/test_<topic>_grading.py`` sets ``ASSIGNMENT`` (the assignment folder);
the fixtures ``spec``, ``grader`` and ``references`` in ``tests/conftest.py`` are built from it.
The checks below are fixtures of the same names (a test asks for ``mistake_of`` and calls it).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli import main


def _mistake_of(path: Path) -> tuple[str, str]:
    """(function, mistake name) from a file name ``<function>__<mistake>.py``."""
    function, sep, name = path.stem.partition("__")
    assert sep and function and name, f"{path.name}: name it <function>__<mistake>.py"
    return function, name


def _graded_functions(spec) -> list[str]:
    """The reference functions the spec's tests compare against."""
    return sorted({t.reference[1] for t in spec.tests if t.reference})


def _assert_stub_not_implemented(spec, result, assignment: Path) -> None:
    """Grading the stub in the assignment folder: every test fails with "Not implemented yet"."""
    assert result.submission == str(assignment)
    assert len(result.tests) == len(spec.tests)
    assert result.score == 0 and result.max_score == spec.max_score
    for t in result.tests:
        assert t.status == "failed", t.name
        assert "Not implemented yet" in t.message, t.name


def _assert_cli_stub_exits_1(assignment: Path) -> None:
    """``grade check ASSIGNMENT --format json`` on the stub: exit 1, score 0, public tests only."""
    result = CliRunner().invoke(main, ["check", str(assignment), "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["score"] == 0
    assert report["tests"] and all("Not implemented yet" in t["message"] for t in report["tests"])
    assert all(t["visibility"] == "public" for t in report["tests"])     # no --hidden, no hidden tests


def _assert_mistake_diagnosed(result, function: str, name: str, hints: dict[str, str],
                             engine_diagnosed: frozenset[str] = frozenset(), others_pass: bool = True) -> None:
    """A submission correct but for one catalogued mistake in ``function``: it loses points, a
    test of that function names the mistake with the catalogue's hint (``hints``: name -> hint),
    and with ``others_pass`` every other function's tests pass. Mistakes in ``engine_diagnosed``
    (a modified input) are named by the engine itself, with its own message."""
    assert result.score < result.max_score
    mine = [t for t in result.tests if t.function == function]
    named = [t for t in mine if t.status == "failed" and t.mistake == name]
    seen = {t.name: (t.status, t.mistake) for t in mine}
    assert named, f"no test of {function} was diagnosed as {name!r}: {seen}"
    for t in named:
        assert t.score == 0 and t.message
        if name in engine_diagnosed:
            assert "modified its input" in t.message and ".copy()" in t.message, t.message
        else:
            assert t.hint == hints[name], t.name
    if others_pass:
        others = {t.name: (t.status, t.message) for t in result.tests if t.function != function and t.status != "passed"}
        assert not others


# --------------------------------------------------------------------------- as fixtures

@pytest.fixture
def mistake_of():
    return _mistake_of


@pytest.fixture
def graded_functions():
    return _graded_functions


@pytest.fixture
def assert_stub_not_implemented():
    return _assert_stub_not_implemented


@pytest.fixture
def assert_cli_stub_exits_1():
    return _assert_cli_stub_exits_1


@pytest.fixture
def assert_mistake_diagnosed():
    return _assert_mistake_diagnosed
