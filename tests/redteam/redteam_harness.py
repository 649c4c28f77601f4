"""The red-team suite's harness: hostile submissions against assignment 01, at this machine's tier.

Each case grades one submission from ``submissions/`` (placeholders such as ``__REPO__`` are
filled in with this machine's real paths first, because an attacker can guess them) and checks
its expected outcome and that nothing else was lost (:meth:`Arena.attack`):

* the grader survives, and a correct submission graded right after scores exactly as it does
  alone;
* no file outside the worker's scratch folder changed: the repository (the entries at its top and
  the contents of the files graded here), a canary folder in the temporary folder,
  marker files in ``$HOME``, and no file that the submissions try to plant (``results.json``,
  ``dlgrade_redteam*``) at the top of ``$HOME``, the temporary folder or site-packages;
* no process is left over: every worker was reaped, and no process remains in a worker's session
  or process group; every scratch folder is gone.

The tier (``grader.sandbox.isolation.current()``) is probed once. Expectations that only the strong tier
can meet use :func:`requires`, which skips with the reason where a layer is missing; a case that
would really harm a machine without those layers is skipped there too. CI runs the suite twice:
at the strongest tier the machine offers, and with ``DLGRADE_ISOLATION=basic``.
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import secrets
import shutil
import site
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.grading.engine import Grader
from grader.model.results import Result
from grader.model.spec import Spec, load_spec
from grader.sandbox import client as sandbox
from grader.sandbox import isolation
from grader.submissions.intake import read_submission

REPO = Path(__file__).resolve().parents[2]
SUBMISSIONS = Path(__file__).resolve().parent / "submissions"
ASSIGNMENT = REPO / "assignments" / "01_perceptron"
WALL = 2.0                           # seconds per call: endless loops end quickly
TESTS = ["predict_small", "predict_random", "update_on_mistake"]
TIER = isolation.current()
# Files of the repository that no case may change (the suite grades with them all the time).
WATCHED = [REPO / "pyproject.toml", REPO / "reference" / "perceptron.py", REPO / "grader" / "sandbox" / "isolation.py",
           SUBMISSIONS / "honest.py"]
HOSTILE_NAMES = ("results.json", "dlgrade_redteam")   # what the submissions try to leave behind


def requires(*layers: str, why: str = ""):
    """Skip unless every named isolation layer is active here (see grader.sandbox.layers.LAYERS)."""
    missing = [layer for layer in layers if layer not in TIER.layers]
    reason = f"needs the {', '.join(missing)} layer(s){': ' + why if why else ''} (this machine: {TIER.description})"
    return pytest.mark.skipif(bool(missing), reason=reason)


def strong(*layers: str) -> bool:
    """Whether this run can expect what the named layers give."""
    return all(layer in TIER.layers for layer in layers)


# --------------------------------------------------------------------------- the places attacked

@dataclasses.dataclass
class Places:
    """What hostile code aims at, and the secret it must never see."""

    token: str                   # in $DLGRADE_SECRET and in every canary file
    canary: Path                 # a folder in the temporary folder: secret.txt, other_student/
    home: Path
    home_marker: Path            # $HOME/.dlgrade-redteam: a secret and a marker file
    site_packages: Path
    out: Path                    # where a batch writes its results

    def fill(self, text: str, **extra: str) -> str:
        """``text`` with the placeholders of a submission template replaced."""
        values = {"__REPO__": str(REPO), "__HOME__": str(self.home), "__CANARY__": str(self.canary),
                  "__SITE__": str(self.site_packages), "__TMP__": tempfile.gettempdir(),
                  "__OUT__": str(self.out), **extra}
        for key, value in values.items():
            text = text.replace(key, value)
        return text


@contextlib.contextmanager
def planted(out: Path) -> Iterator[Places]:
    """Plant the canaries and the instructor's secret; take them away afterwards."""
    token = "dlgrade-redteam-" + secrets.token_hex(8)
    canary = Path(tempfile.mkdtemp(prefix="dlgrade-redteam-canary-"))
    (canary / "secret.txt").write_text(token)
    (canary / "other_student").mkdir()
    (canary / "other_student" / "perceptron.py").write_text(f"# another student's work: {token}\n")
    (canary / "victim").write_text("a notebook's shell escape must not delete this\n")
    home = Path.home()
    marker = home / ".dlgrade-redteam"
    marker.mkdir(exist_ok=True)
    (marker / "secret").write_text(token)
    (marker / "marker.txt").write_text("unchanged\n")
    site_packages = Path(next(p for p in site.getsitepackages() if os.path.isdir(p)))
    old_secret = os.environ.get("DLGRADE_SECRET")
    os.environ["DLGRADE_SECRET"] = token           # the instructor's secret, in the grader's environment
    try:
        yield Places(token, canary, home, marker, site_packages, out)
    finally:
        if old_secret is None:
            os.environ.pop("DLGRADE_SECRET", None)
        else:
            os.environ["DLGRADE_SECRET"] = old_secret
        shutil.rmtree(canary, ignore_errors=True)
        shutil.rmtree(marker, ignore_errors=True)


def _tree(root: Path) -> dict[str, tuple]:
    """(mtime, size, sha256) of every file under ``root``, bytecode caches aside."""
    out = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            path = os.path.join(folder, name)
            try:
                st = os.lstat(path)
                out[path] = (st.st_mtime_ns, st.st_size, hashlib.sha256(Path(path).read_bytes()).hexdigest())
            except OSError:
                continue
    return out


def _names(folder: Path, only: tuple[str, ...] = ()) -> dict[str, tuple]:
    """The entries of ``folder`` (those whose name starts with one of ``only``, when given)."""
    try:
        return {str(folder / n): () for n in os.listdir(folder) if not only or n.startswith(only)}
    except OSError:
        return {}


def _repo_state() -> dict[str, tuple]:
    """The repository as far as a case can watch it while others may be editing it: the entries at
    its top (a new results.json, a planted module) and the contents of the files this suite grades
    against. Editors' atomic-write temporaries (``.name.tmp``) come and go."""
    state: dict[str, tuple] = {}
    state.update({k: v for k, v in _names(REPO).items() if not (Path(k).name.startswith(".") and k.endswith(".tmp"))})
    state.update(_tree(ASSIGNMENT))
    for path in WATCHED:
        state[str(path)] = (hashlib.sha256(path.read_bytes()).hexdigest(),)
    return state


def snapshot(places: Places) -> dict[str, tuple]:
    """Everything outside a worker's scratch folder that a case may not change."""
    state = _repo_state()
    state.update(_tree(places.canary))
    state.update(_tree(places.home_marker))
    # Shared folders where other programs come and go: only what a hostile submission would leave.
    for folder in (places.home, Path(tempfile.gettempdir()), places.site_packages):
        state.update(_names(folder, only=HOSTILE_NAMES))
    return state


def assert_unchanged(before: dict, after: dict) -> None:
    changed = sorted(k for k in before.keys() & after.keys() if before[k] != after[k])
    added, removed = sorted(after.keys() - before.keys()), sorted(before.keys() - after.keys())
    assert not (changed or added or removed), f"changed: {changed[:5]}, new: {added[:5]}, gone: {removed[:5]}"


# --------------------------------------------------------------------------- processes

def _living(groups: set[int]) -> list[tuple[int, int, int, int, str]]:
    """(pid, ppid, pgrp, session, state) of the living processes in these groups or sessions."""
    rows = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path("/proc", entry, "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            row = (int(entry), int(fields[1]), int(fields[2]), int(fields[3]), fields[0])
            if (row[2] in groups or row[3] in groups) and row[4] not in "ZX":
                rows.append(row)
    return rows


def assert_no_leftovers(workers: list[sandbox.Worker], grace: float = 3.0) -> None:
    """Every worker reaped, its scratch folder gone, and (after ``grace`` seconds at most for SIGKILL
    to land) no living process in a worker's process group or session."""
    pids = {w.proc.pid for w in workers}
    for w in workers:
        assert w.proc.returncode is not None, f"worker {w.proc.pid} was never reaped"
        assert not os.path.exists(w.scratch), f"scratch folder {w.scratch} was not removed"
    if sys.platform.startswith("linux"):
        deadline = time.monotonic() + grace
        while _living(pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = _living(pids)
        assert not left, f"processes left over from a worker's group or session: {left[:5]}"


# --------------------------------------------------------------------------- the arena

def redteam_spec() -> Spec:
    """Assignment 01 with a 2 s deadline per call."""
    loaded = load_spec(ASSIGNMENT)
    return dataclasses.replace(loaded, limits=dataclasses.replace(loaded.limits, wall_seconds=WALL))


def verdicts(result: Result) -> list[tuple[str, str, float]]:
    return [(t.name, t.status, t.score) for t in result.tests]


class Arena:
    """Grades hostile submissions and checks that nothing else was lost (see the module docstring)."""

    def __init__(self, spec: Spec, places: Places, tmp: Path):
        self.spec, self.places, self.tmp = spec, places, tmp
        self.grader = Grader(spec)
        self.workers: list[sandbox.Worker] = []        # every worker started while watching
        self.last_workers: list[sandbox.Worker] = []   # those of the last attack
        self.honest = SUBMISSIONS / "honest.py"
        self.baseline = {}

    def submission(self, name: str, **extra: str) -> Path:
        """The named submission file (or folder) with its placeholders filled in, under tmp."""
        source = SUBMISSIONS / name
        target = self.tmp / name
        if source.is_dir():
            target.mkdir(exist_ok=True)
            for file in source.iterdir():
                (target / file.name).write_text(self.places.fill(file.read_text(), **extra))
        else:
            target.write_text(self.places.fill(source.read_text(), **extra))
        return target

    def grade(self, path: Path, tests: list[str], spec: Spec | None = None) -> Result:
        spec = spec or self.spec
        grader = self.grader if spec is self.spec else Grader(spec, self.grader.references)
        return grader.grade(read_submission(spec, path), spec.select(tests, include_hidden=True))

    def honest_alone(self, tests: list[str]) -> list:
        key = tuple(tests)
        if key not in self.baseline:
            self.baseline[key] = verdicts(self.grade(self.honest, tests))
            assert all(status == "passed" for _, status, _ in self.baseline[key]), self.baseline[key]
        return self.baseline[key]

    def attack(self, name: str, tests: list[str] = TESTS, spec: Spec | None = None, **extra: str) -> Result:
        """Grade submission ``name`` on ``tests``, checking that nothing else was lost."""
        expected_honest = self.honest_alone(tests)
        path = self.submission(name, **extra)
        before = snapshot(self.places)
        self.workers.clear()
        result = self.grade(path, tests, spec)
        self.last_workers = list(self.workers)
        assert [t.name for t in result.tests] == tests, "every test has a verdict"
        assert_no_leftovers(self.last_workers)
        assert_unchanged(before, snapshot(self.places))
        assert verdicts(self.grade(self.honest, tests)) == expected_honest, "a correct submission graded next changed"
        return result


@contextlib.contextmanager
def watching(ring: Arena) -> Iterator[Arena]:
    """Record every Worker started while the arena is open, in ``ring.workers``."""
    original = sandbox.Worker._start

    def start(worker):
        original(worker)
        ring.workers.append(worker)

    sandbox.Worker._start = start
    try:
        yield ring
    finally:
        sandbox.Worker._start = original


def statuses(result: Result) -> dict[str, str]:
    return {t.name: t.status for t in result.tests}


def messages(result: Result) -> dict[str, str]:
    return {t.name: t.message for t in result.tests}


def report(result: Result, test: str, tag: str) -> dict:
    """The JSON a submission put after ``tag`` in the exception it raised, from the test's message."""
    message = messages(result)[test]
    assert f"{tag} " in message, message
    text = message.split(f"{tag} ", 1)[1]
    return json.JSONDecoder().raw_decode(text)[0]
