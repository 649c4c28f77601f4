"""The shape of grader/: the import contracts of pyproject.toml hold (layers, independence, no
cycles, reference/ through grader.authoring only), they fail on an upward import, and ruff is clean.
See docs/ARCHITECTURE.md."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    """``lint-imports`` on the tree at ``cwd`` (its pyproject.toml; cwd comes first on sys.path)."""
    pytest.importorskip("importlinter", reason="import-linter is in the test extra: pip install -e '.[test]'")
    script = "import sys; sys.path.insert(0, '.'); from importlinter.cli import lint_imports_command; lint_imports_command()"
    return subprocess.run([sys.executable, "-c", script, "--no-cache"], cwd=cwd, capture_output=True, text=True)


def test_the_import_contracts_hold():
    done = _lint_imports(ROOT)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "Contracts: 4 kept, 0 broken." in done.stdout


@pytest.mark.parametrize("module, line, contract", [
    ("grader/model/config.py", "from ..course import batch", "import only the layers below them"),
    ("grader/sandbox/codec.py", "from ..submissions import intake", "know nothing of each other"),
    ("grader/grading/compare.py", "from . import engine", "no import cycles"),
    ("reference/perceptron.py", "from grader.grading import engine", "only the authoring API"),
])
def test_a_forbidden_import_breaks_a_contract(tmp_path, module, line, contract):
    """The same check on a copy of the tree with one bad import added fails, naming the contract."""
    for part in ("grader", "reference"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / module
    text = target.read_text(encoding="utf-8")
    head, _, body = text.partition("from __future__ import annotations\n")
    target.write_text(f"{head}from __future__ import annotations\n{line}\n{body}", encoding="utf-8")
    done = _lint_imports(tmp_path)
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-2000:]
    broken = done.stdout.split("Broken contracts")[-1]
    assert contract in broken and "BROKEN" in done.stdout


def test_ruff_is_clean():
    pytest.importorskip("ruff", reason="ruff is in the test extra: pip install -e '.[test]'")
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_no_module_of_grader_is_over_500_lines():
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / "grader").rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500}
    assert long == {}


def test_grade_help_lists_the_verbs_as_their_docstrings_say():
    """grade --help shows each verb's first help line from the lazy group's table, without loading
    the verb; the table must say what the verb's own docstring says."""
    import importlib

    from grader import cli

    for verb, (module, attribute, first_line) in cli.VERBS.items():
        command = getattr(importlib.import_module(f"grader.cli.{module}"), attribute)
        assert command.name == verb
        assert (command.help or "").split("\n\n")[0].strip() == first_line
