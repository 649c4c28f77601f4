"""Import the trusted reference implementations of an assignment, in the parent only.

References live in a folder (``reference/`` by default, or the spec's ``references`` field) that is
a Python package: one module per topic, with Numba ``@njit`` functions (the default, and the way to
references fast enough to time against) or plain NumPy functions, called the same way, the
``MISTAKES`` catalogue (see :mod:`grader.grading.mistakes`) and property checks. The folder is imported under a private package
name, so it never collides with anything on ``sys.path``, and it never reaches a worker.
"""
from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from ..model.spec import Spec, SpecError, Test
from .mistakes import Mistake


class References:
    """The reference package at ``directory``; modules are imported on first use."""

    def __init__(self, directory: Path):
        self.directory = Path(directory).resolve()     # one folder, one package name (see below)
        self.package = "_dlgrade_reference_" + hashlib.sha1(str(self.directory).encode()).hexdigest()[:10]

    def _import_package(self) -> None:
        if self.package in sys.modules:
            return
        _use_private_numba_cache()
        init = self.directory / "__init__.py"
        if not init.is_file():
            raise SpecError(self.directory, "references", "not a references folder (no __init__.py)")
        spec = importlib.util.spec_from_file_location(self.package, init, submodule_search_locations=[str(self.directory)])
        package = importlib.util.module_from_spec(spec)
        sys.modules[self.package] = package
        spec.loader.exec_module(package)

    def module(self, name: str) -> ModuleType:
        self._import_package()
        try:
            return importlib.import_module(f"{self.package}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"{self.package}.{name}":
                raise SpecError(self.directory / f"{name}.py", "reference", "no such reference module") from None
            raise

    def function(self, module: str, name: str) -> Callable[..., Any]:
        fn = getattr(self.module(module), name, None)
        if not callable(fn):
            raise SpecError(self.directory / f"{module}.py", "reference", f"no function {name!r}")
        return fn

    def mistakes(self, module: str, name: str) -> list[Mistake]:
        return list(getattr(self.module(module), "MISTAKES", {}).get(name, []))

    def earlier_answers(self, spec: Spec, tests: list[Test]) -> None:
        """What to grade ``tests`` of an earlier assignment (``spec``) with when this one builds on
        it: None, that assignment's own references (only the answer cache of ``grade check``
        answers from its stored answers, see :class:`~grader.grading.answer_cache.CachedAnswers`)."""
        return None

    def uncompiled(self, modules: set[str]) -> list[str]:
        """Which of these reference modules have cached Numba code (``cache=True``) of which
        nothing is in Numba's cache yet (a first run compiles)."""
        _use_private_numba_cache()
        folder = Path(os.environ.get("NUMBA_CACHE_DIR", "")) / (
            f"{self.directory.name}_{hashlib.sha1(str(self.directory).encode()).hexdigest()}")
        sources = {m: self.directory / f"{m}.py" for m in modules}
        return sorted(m for m, path in sources.items() if path.is_file()
                      and "cache=True" in path.read_text(encoding="utf-8") and not any(folder.glob(f"{m}.*.nbi")))

    def device(self, modules: set[str] | None = None) -> str:
        """Where the references run: "cpu", "cuda: <GPU>" or "cuda simulator" (the folder's
        ``device`` module decides, from ``DLGRADE_DEVICE``; without one, the CPU).

        With ``modules`` (those a grading uses), "cpu" when none of them can use a GPU: then asking
        would only cost the import of ``numba.cuda``.
        """
        if not (self.directory / "device.py").is_file():
            return "cpu"
        if modules is not None and not any(
                "use_cuda" in (self.directory / f"{m}.py").read_text(encoding="utf-8")
                for m in modules if (self.directory / f"{m}.py").is_file()):
            return "cpu"
        try:
            return self.module("device").device_name()
        except RuntimeError as exc:          # e.g. --device cuda on a machine without a GPU
            raise SpecError("--device", "", str(exc)) from None


def _use_private_numba_cache() -> None:
    """Keep the references' compiled code in the user's cache folder, keyed by source path.

    Numba's cache records the module name, and the package name here hashes the folder's path:
    a cache left next to the sources of a folder that has since moved (or imported under another
    name) would fail to load and stop the grader. A cache per path never meets that case.
    ``NUMBA_CACHE_DIR`` still wins when set.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "dlgrade" / "numba"
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError:
        return                        # an unwritable home: Numba falls back to its own places
    os.environ["NUMBA_CACHE_DIR"] = str(base)
    numba = sys.modules.get("numba")  # None where Numba is blocked: plain NumPy references need none
    if numba is not None:             # already imported: its config has read the environment
        numba.config.CACHE_DIR = str(base)


def import_helper(path: Path) -> ModuleType:
    """A spec's helper module (trusted, plain NumPy), imported by path under a private name."""
    name = "_dlgrade_helper_" + hashlib.sha1(str(path).encode()).hexdigest()[:10] + "_" + path.stem
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
