"""LMS containers: build a Gradescope autograder bundle, and grade inside Gradescope or PrairieLearn.

The bundle (``grade gradescope ASSIGNMENT --out autograder.zip``) holds::

    setup.sh                 installs dlgrade from the bundle (wheels/ when given, else PyPI for
                             the dependencies) and compiles the references into the Numba cache
    run_autograder           grades /autograder/submission into /autograder/results/results.json
    dlgrade/                 this grader's own source, so the release in the zip is what runs
    assignments/<id>/        the assignment with its hidden tests (and those it builds on)
    reference/               the references
    secret                   the instructor's secret, when there is one (per-student inputs)
    wheels/                  optional: dependency wheels (``--wheels DIR``) for an offline install

Grading (``grade autograde gradescope|prairielearn ASSIGNMENT``) always writes a valid results
file, also when the submission cannot be read or the grader itself fails: score 0 and the reason.
The container roots come from ``DLGRADE_AUTOGRADER_ROOT`` (default ``/autograder``) and
``DLGRADE_PRAIRIELEARN_ROOT`` (default ``/grade``), which is how the tests lay one out in a
temporary folder.
"""
from __future__ import annotations

import json
import os
import stat
import zipfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

from ..grading.engine import grade
from ..model.config import instructor_secret
from ..model.results import Result
from ..model.spec import Spec, load_spec
from ..render import lms
from ..render.files import atomic_write
from ..submissions.collect import submission_target
from ..submissions.intake import read_submission

GRADESCOPE_ROOT_ENV, PRAIRIELEARN_ROOT_ENV = "DLGRADE_AUTOGRADER_ROOT", "DLGRADE_PRAIRIELEARN_ROOT"
_SKIP = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache"}

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
cd /autograder/source
if ! python3 -m pip --version >/dev/null 2>&1; then
  apt-get update && apt-get install -y python3-pip
fi
if [ -d wheels ]; then
  python3 -m pip install --no-index --find-links wheels ./dlgrade
else
  python3 -m pip install ./dlgrade
fi
# An unprivileged user for the student's code (see docs/security.md).
id -u student >/dev/null 2>&1 || adduser --disabled-password --gecos "" student >/dev/null
# Compile the references now, not during the first student's grading.
python3 -m grader.cli check assignments/{id} --hidden >/dev/null 2>&1 || true
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission; it always leaves a results.json.
ROOT="${{{root_env}:-/autograder}}"
SOURCE="$ROOT/source"
[ -f "$SOURCE/secret" ] && export DLGRADE_SECRET_FILE="$SOURCE/secret"
exec python3 -m grader.cli autograde gradescope "$SOURCE/assignments/{id}"
"""


def add_tree(archive: zipfile.ZipFile, folder: Path, prefix: str) -> None:
    """Every file below ``folder`` into ``archive`` under ``prefix``, caches left out."""
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not _SKIP.intersection(path.relative_to(folder).parts) and path.suffix != ".pyc":
            archive.write(path, f"{prefix}/{path.relative_to(folder).as_posix()}")


def add_assignment(archive: zipfile.ZipFile, spec: Spec) -> None:
    """The assignment, those it builds on and the references, laid out like a checkout
    (``assignments/<folder>/``, ``reference/``), so the spec's default paths hold."""
    for folder in (spec.dir, *(p.assignment for p in spec.provides)):
        add_tree(archive, folder, f"assignments/{folder.name}")
    add_tree(archive, spec.references_dir, "reference")


def _add_text(archive: zipfile.ZipFile, name: str, text: str, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, text)


def _package_pyproject() -> str:
    """A pyproject.toml for the grader source in the bundle: this release, its dependencies."""
    dist = metadata.distribution("dlgrade")
    requires = [r for r in (dist.requires or []) if "extra ==" not in r]
    deps = ",\n    ".join(json.dumps(r) for r in requires)
    return (f'[build-system]\nrequires = ["setuptools>=64"]\nbuild-backend = "setuptools.build_meta"\n\n'
            f'[project]\nname = "dlgrade"\nversion = "{dist.version}"\nrequires-python = ">=3.10"\n'
            f'dependencies = [\n    {deps},\n]\n\n[project.scripts]\ngrade = "grader.cli:main"\n\n'
            f'[tool.setuptools.packages.find]\ninclude = ["grader", "grader.*"]\n\n[tool.setuptools.package-data]\n"grader.model" = ["schemas/*.json"]\n')


def build_gradescope(assignment: Path, out: Path, wheels: Path | None = None,
                     include_secret: bool = True) -> list[str]:
    """Write the autograder zip for ``assignment`` to ``out``; returns the names it holds."""
    spec = load_spec(assignment)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        _add_text(archive, "setup.sh", SETUP_SH.format(id=spec.id), executable=True)
        _add_text(archive, "run_autograder", RUN_AUTOGRADER.format(id=spec.id, root_env=GRADESCOPE_ROOT_ENV),
                  executable=True)
        add_tree(archive, Path(__file__).resolve().parents[1], "dlgrade/grader")
        _add_text(archive, "dlgrade/pyproject.toml", _package_pyproject())
        add_assignment(archive, spec)
        secret = instructor_secret() if include_secret else ""
        if secret:
            _add_text(archive, "secret", secret + "\n")
        if wheels is not None:
            add_tree(archive, wheels, "wheels")
        names = archive.namelist()
    os.replace(tmp, out)
    return names


def _write_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` to ``path`` whole or not at all (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps(data, indent=2, allow_nan=False, default=float))


def _gradescope_student(root: Path) -> str | None:
    """The submitter's student id (else email, else user id) from Gradescope's metadata file."""
    try:
        users = json.loads((root / "submission_metadata.json").read_text(encoding="utf-8")).get("users") or []
    except (OSError, ValueError, AttributeError):
        return None
    for key in ("sid", "email", "id"):
        ids = sorted(str(u[key]) for u in users if isinstance(u, dict) and u.get(key))
        if ids:
            return ",".join(ids)          # a group submission: the group, the same on every regrade
    return None


def _stand_in_note(spec: Spec, target: Path) -> str:
    """What the student reads when the upload had none of the assignment's files by name and its
    only ``.py`` (one-file assignments), notebook or zip was graded instead."""
    if target.suffix == ".py":
        return f"{target.name} was graded as {spec.files[0]}: name your file {spec.files[0]} next time."
    return f"{target.name} was graded: it is the only {target.suffix} file of the submission."


def _graded(assignment: Path, submission: Path, student: str | None,
            render: Callable[[Result, Spec], dict], failure: Callable[[str], dict]) -> dict:
    """Grade everything, hidden tests included; never raise: a failure becomes a results file."""
    try:
        spec = load_spec(assignment)
        target = submission_target(submission, spec.files) if submission.is_dir() else submission   # as batch picks it
        sub = read_submission(spec, target)
        sub.student = student
        result = grade(spec, sub, include_hidden=True)
        if target != submission:
            result.notes.insert(0, _stand_in_note(spec, target))
        return render(result, spec)
    except Exception as exc:             # every submission gets a result, whatever went wrong
        return failure(f"{type(exc).__name__}: {exc}".splitlines()[0][:500])


def run_gradescope(assignment: Path, root: Path | None = None) -> dict:
    """Grade ``root/submission`` and write ``root/results/results.json``; returns what it wrote."""
    root = Path(root or os.environ.get(GRADESCOPE_ROOT_ENV) or "/autograder")

    def render(result: Result, spec: Spec) -> dict:
        return lms.gradescope_results(result, hidden_visibility=spec.gradescope.get("hidden_visibility", "after_published"),
                                      leaderboard=tuple(t.name for t in spec.tests if t.leaderboard))

    data = _graded(assignment, root / "submission", _gradescope_student(root), render, lms.gradescope_failure)
    _write_json(root / "results" / "results.json", data)
    return data


def run_prairielearn(assignment: Path, root: Path | None = None) -> dict:
    """Grade ``root/student`` and write ``root/results/results.json`` (PrairieLearn's layout)."""
    root = Path(root or os.environ.get(PRAIRIELEARN_ROOT_ENV) or "/grade")
    data = _graded(assignment, root / "student", None, lambda result, spec: lms.prairielearn_results(result),
                   lms.prairielearn_failure)
    _write_json(root / "results" / "results.json", data)
    return data
