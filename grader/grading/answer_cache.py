"""The references' answers on the public tests, kept on disk so that ``grade check`` needs no Numba.

Importing Numba and loading the references' compiled code takes about half a second, more than
grading a submission does. A check of the public tests asks the references the same questions every
time: their answers on the tests' inputs, the catalogued mistakes' answers, the cost of a timed
call. The first check records them exactly as ``grade release`` records a student bundle's fixtures
(:func:`grader.grading.recording.record_fixtures`), in ``~/.cache/dlgrade/answers/``; later checks answer
from there as a bundle does (:class:`grader.grading.fixtures.Fixtures`), so they give the same verdicts,
messages and hints as the references. A property test's check is code, not an answer: it runs
(``reference/properties.py``, plain NumPy), and its reference work on the inputs (the spec's
``prepare``) is recorded like any other answer.

The cache key hashes everything the answers depend on: the spec and the assignment's other files
(not the student's), the reference folder's and the grader's own sources, and the NumPy and Numba
versions. Changing any of them records again.

Only ``grade check`` (and ``check()`` in a notebook) use this, and only for public tests: hidden
tests draw inputs per student, and ``grade batch`` and the autograders always run the references.
"""
from __future__ import annotations

import hashlib
import importlib.machinery
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..model.spec import Spec, SpecError, Test
from .fixtures import Fixtures
from .recording import ReleaseError, record_fixtures
from .references import References

GRADER_DIR = Path(__file__).resolve().parents[1]
FIXTURES = "fixtures.npz"
UNUSABLE = "unusable.txt"          # recording failed for this key: the reason, and no retry


def cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dlgrade" / "answers"


def applies(spec: Spec, tests: list[Test]) -> bool:
    """Whether a check of ``tests`` can answer from the cache: public tests of an assignment with
    its references (a bundle has its own fixtures), references on the CPU (the answers were)."""
    return (spec.fixtures is None and bool(tests) and all(t.visibility == "public" for t in tests)
            and os.environ.get("DLGRADE_DEVICE", "auto") != "cuda"
            and os.environ.get("DLGRADE_ANSWER_CACHE", "1") != "0")


def _files(folder: Path, skip: set[Path]) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p not in skip and p.suffix not in (".pyc", ".ipynb")
                  and not any(part.startswith(".") or part == "__pycache__" for part in p.relative_to(folder).parts))


def _installed(package: str) -> str:
    """Where ``package`` is installed and when: a new version changes it (without importing it,
    and faster than reading its metadata)."""
    found = importlib.machinery.PathFinder.find_spec(package)      # on disk, whatever sys.modules says
    if found is None or not found.origin:
        return "none"
    info = os.stat(found.origin)
    return f"{found.origin} {info.st_size} {info.st_mtime_ns}"


def key(spec: Spec) -> str:
    """A digest of everything that the references' answers on ``spec``'s public tests depend on."""
    digest = hashlib.sha256()
    students = {(spec.dir / f).resolve() for f in spec.files}
    sources = [*_files(spec.dir.resolve(), students), *(h.path for h in spec.helpers.values()),
               *_files(spec.references_dir, set()), *sorted(GRADER_DIR.rglob("*.py"))]
    for path in sources:
        data = path.read_bytes()
        digest.update(b"%s\0%d\0" % (os.fsencode(path), len(data)) + data)
    digest.update(f"{_installed('numpy')}\0{_installed('numba')}\0{sys.version_info[:2]}".encode())
    return digest.hexdigest()[:24]


def folder(spec: Spec) -> Path:
    """Where this assignment's answers live: one folder per copy of the assignment and key."""
    place = hashlib.sha256(os.fsencode(spec.dir.resolve())).hexdigest()[:8]
    return cache_root() / f"{spec.id}-{place}-{key(spec)}"


class CachedAnswers(Fixtures):
    """Stored answers, as in a bundle, and the references' property checks (plain NumPy) themselves."""

    STORE = "the answer cache (recorded on this machine)"

    def __init__(self, spec: Spec, path: Path):
        super().__init__(spec, path)
        self.checks = {t.property for t in spec.tests if t.property and t.property[0] not in spec.helpers}
        self.live = References(spec.references_dir)

    def function(self, module: str, name: str) -> Callable[..., Any]:
        if (module, name) in self.checks:
            return self.live.function(module, name)
        return super().function(module, name)

    def earlier_answers(self, spec: Spec, tests: list[Test]) -> CachedAnswers | None:
        """A check from stored answers grades an earlier assignment from its stored answers too."""
        return answers(spec, tests)


def _record(spec: Spec, target: Path) -> None:
    """Record the answers on every public test into ``target`` (atomically; a concurrent check
    that got there first wins). A spec whose answers cannot be stored is marked unusable."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for old in target.parent.glob(target.name.rsplit("-", 1)[0] + "-*"):     # this copy's earlier keys
        shutil.rmtree(old, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=".recording-", dir=target.parent))
    try:
        try:
            public = [t for t in spec.tests if t.visibility == "public"]
            record_fixtures(spec, public, References(spec.references_dir)).write(staging / FIXTURES)
        except (ReleaseError, ValueError) as exc:       # Unstorable is a ValueError
            (staging / UNUSABLE).write_text(f"{exc}\n", encoding="utf-8")
        os.rename(staging, target)
    except OSError:
        pass                                            # another check stored it meanwhile
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def answers(spec: Spec, tests: list[Test],
            before_recording: Callable[[], None] | None = None) -> CachedAnswers | None:
    """Stored answers for grading ``tests``, recorded first if need be (``before_recording`` is
    called then: the references may compile); None when the cache does not apply or cannot hold
    them (then the caller runs the references, as without a cache)."""
    if not applies(spec, tests):
        return None
    try:
        target = folder(spec)
        if not target.is_dir():
            if before_recording is not None:
                before_recording()
            _record(spec, target)
        if not (target / FIXTURES).is_file():
            return None
        try:
            return CachedAnswers(spec, target / FIXTURES)
        except SpecError:                               # damaged: record again next time
            shutil.rmtree(target, ignore_errors=True)
            return None
    except OSError:                                     # an unwritable cache: no cache
        return None
