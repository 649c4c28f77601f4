"""The grader as a wheel, for a student bundle: ``pip install <wheel>`` then ``grade check .``.

The wheel is built with the standard ``build`` tooling (``python -m build --wheel``) from a copy of
exactly what the package needs: ``grader/``, ``pyproject.toml``, ``README.md`` (the long
description), ``LICENSE`` and ``MANIFEST.in``. Building from that copy keeps the checkout clean
(setuptools writes ``build/`` and ``*.egg-info`` next to the sources) and keeps everything else of
the repository (``reference/``, ``assignments/``, ``tests/``) out of reach of the build, whatever
the package configuration says. The build runs ``--no-isolation``, in this environment: an
isolated build would fetch setuptools from a package index, which a release must not need.

A built wheel is kept in ``~/.cache/dlgrade/wheels/<digest>/``, the digest covering the path and
bytes of every file copied, so a release of unchanged sources copies it (milliseconds) instead of
building again (several seconds), and any change to the sources builds a new one.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from ..grading.recording import ReleaseError

#: The files beside ``grader/`` that the build reads.
PROJECT_FILES = ("pyproject.toml", "README.md", "LICENSE", "MANIFEST.in")
BUILD_SECONDS = 300                 # a build normally takes 5-10 s; past this it is stuck
KEPT_WHEELS = 5                     # wheels of earlier source states kept in the cache (about 300 KiB each)


def project_root() -> Path | None:
    """The source checkout this grader runs from, or None when it is installed from a package."""
    root = Path(__file__).resolve().parents[2]
    return root if all((root / name).is_file() for name in PROJECT_FILES[:2]) else None


def _sources(root: Path) -> list[Path]:
    """What the wheel is built from, relative to ``root``, in a fixed order."""
    package = [p.relative_to(root) for p in sorted((root / "grader").rglob("*"))
               if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")]
    return [Path(name) for name in PROJECT_FILES if (root / name).is_file()] + package


def source_digest(root: Path) -> str:
    """sha256 (hex, 32 digits) of the path and bytes of every file the wheel is built from."""
    digest = hashlib.sha256()
    for path in _sources(root):
        data = (root / path).read_bytes()
        digest.update(f"{path.as_posix()}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()[:32]


def copy_sources(root: Path, target: Path) -> None:
    """Copy what the package is built from (:data:`PROJECT_FILES` and ``grader/``) into ``target``."""
    for path in _sources(root):
        (target / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / path, target / path)


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "dlgrade" / "wheels"


def _build(root: Path, out: Path) -> Path:
    """Build the wheel of a copy of ``root``'s sources into ``out``; the wheel's path."""
    if importlib.util.find_spec("build") is None:
        raise ReleaseError("building the students' wheel of the grader needs the build package: "
                           "pip install 'dlgrade[release]' (or pass --index-url)")
    with tempfile.TemporaryDirectory(prefix="dlgrade-wheel-") as scratch:
        source = Path(scratch) / "src"
        copy_sources(root, source)
        command = [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(source)]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=BUILD_SECONDS)
        except subprocess.TimeoutExpired:
            raise ReleaseError(f"building the grader's wheel took over {BUILD_SECONDS} s; stopped") from None
    wheels = sorted(out.glob("*.whl"))
    if done.returncode != 0 or len(wheels) != 1:
        said = [line.strip() for line in (done.stderr + done.stdout).splitlines() if line.strip()]
        raise ReleaseError(f"building the grader's wheel failed: {said[-1] if said else f'exit {done.returncode}'}")
    return wheels[0]


def grader_wheel(progress: Callable[[str], None] = lambda line: None) -> Path:
    """The wheel of this grader's sources: from the cache, else built (``progress`` is told first).

    Raises :class:`ReleaseError` when the grader runs from an installed package (no sources to
    build from) or the build fails.
    """
    root = project_root()
    if root is None:
        raise ReleaseError(f"the students' wheel is built from the grader's source checkout, and this grader "
                           f"is an installed package ({Path(__file__).resolve().parents[1]}); run grade release "
                           "from a checkout, or pass --index-url")
    cached = _cache_dir() / source_digest(root)
    found = sorted(cached.glob("*.whl")) if cached.is_dir() else []
    if found:
        return found[0]
    progress("building the grader wheel for the bundles (python -m build; kept for later releases)...")
    cached.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=cached.parent))
    try:
        built = _build(root, staging)
        try:
            staging.rename(cached)          # atomic: a concurrent release sees a whole wheel or none
        except OSError:                     # another release put the same wheel there first
            pass
        _forget_old(cached)
        return cached / built.name
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _forget_old(newest: Path) -> None:
    """Remove all but the :data:`KEPT_WHEELS` most recent wheels of the cache (never ``newest``)."""
    built = sorted((p for p in newest.parent.iterdir() if p.is_dir() and not p.name.startswith(".")),
                   key=lambda p: p.stat().st_mtime, reverse=True)
    for old in built[KEPT_WHEELS:]:
        if old != newest:
            shutil.rmtree(old, ignore_errors=True)
