"""Isolation tiers: what this machine lets the grader take away from a worker, and taking it.

Every worker gets the *basic* protections of :mod:`grader.sandbox.client` (a separate ``python -I``
process with an empty environment, no stdin, its own session, a scratch folder, rlimits, output
caps, a deadline). On Linux it adds the kernel's layers (``namespaces``, ``user``, ``landlock``,
``seccomp``), which :mod:`grader.sandbox.layers` describes and applies; this module probes which
of them work, once, and chooses the tier from them.

Tiers, as recorded in every result's ``isolation`` field (the text starts with the tier name):

``strong``   Linux with every layer (``user`` only applies to root).
``partial``  Linux where some layer is unavailable; the text names what is missing.
``basic``    no layers: the tier of ``DLGRADE_ISOLATION=basic``, and of Linux machines that allow
             none of them.
``local check, not isolated``  macOS and Windows: the basic protections that the platform offers.

``DLGRADE_ISOLATION`` chooses: ``auto`` (default: every layer that works), ``basic``, or
``strong`` (refuse to grade, with :class:`IsolationError`, unless every layer works).

``python -m grader.sandbox`` prints the tier of this machine (``--startup`` also times workers).

This module is the parent's half: it probes the tier once (and remembers the verdict,
:mod:`grader.sandbox.remembered`), and gives each worker its command line and plan
(:func:`current`, :meth:`Isolation.command`). The worker's half is :mod:`grader.sandbox.launcher`,
which the worker process loads by path and which applies the layers of
:mod:`grader.sandbox.layers` before any student code and before NumPy; both import only the
standard library. A layer that fails to apply stops the process with exit status
:data:`~grader.sandbox.launcher.SETUP_FAILED` before student code could run. Otherwise the
worker's first frame to the parent confirms the layers it applied, before any student code
loads; the parent checks it against what the run demands (and, where the kernel shows it in
``/proc/PID/status``, against the kernel: :func:`kernel_disagrees`) and refuses a worker that
falls short with :class:`SandboxError`. A worker never runs student code with less isolation than
the result reports, and any way it ends after that frame is the student code's.
"""
from __future__ import annotations

import functools
import json
import os
import platform
import site
import stat
import subprocess
import sys
import tempfile
import threading

from ..model.errors import IsolationError
from . import launcher, remembered
from .launcher import BOOTSTRAP
from .layers import landlock_abi, seccomp_arch, strong_layers
from .remembered import ENV_VAR

UNPRIVILEGED_ID = 65534                 # "nobody": the uid/gid a root grader's workers run as


class SandboxError(IsolationError):
    """A worker did not confirm, before any student code, the sandbox the run demands: the
    grader's or the machine's failure, never the student's; ``str()`` is one line."""


def kernel_disagrees(pid: int, layers) -> str | None:
    """What the kernel's ``/proc/PID/status`` shows against a worker's confirmed ``layers``, or None.

    Readable for any process whatever its owner or dumpable flag, and outside the worker's reach:
    seccomp mode 2 (a filter), no effective capability for ``user``, ``no_new_privs`` for
    Landlock. (Namespaces and Landlock's rules themselves do not show there.)
    """
    try:
        with open(f"/proc/{pid}/status") as f:
            fields = {k: v.strip() for k, v in (line.split(":", 1) for line in f if ":" in line)}
    except OSError:
        return None                       # not Linux, or already gone: its death is reported instead
    if "seccomp" in layers and fields.get("Seccomp", "2") != "2":
        return f"the kernel shows no seccomp filter (Seccomp: {fields.get('Seccomp')})"
    if "user" in layers and int(fields.get("CapEff", "0") or "0", 16):
        return f"the kernel shows capabilities left (CapEff: {fields.get('CapEff')})"
    if ("landlock" in layers or "seccomp" in layers) and fields.get("NoNewPrivs", "1") != "1":
        return "the kernel shows no_new_privs unset"
    return None


class Isolation:
    """The layers a worker gets, and what the others lack. See :func:`current`.

    The tier's name is derived from ``layers`` (:attr:`tier`), never stored beside them: a
    verdict read back from disk cannot say "strong" about fewer layers.
    """

    def __init__(self, layers: tuple[str, ...] = (), uid: int | None = None, landlock: int = 0,
                 missing: dict[str, str] | None = None):
        self.layers, self.uid, self.landlock = tuple(layers), uid, landlock
        self.missing = missing or {}

    @property
    def tier(self) -> str:
        """``strong`` (every layer there is), ``partial``, ``basic`` or, off Linux, the local check."""
        if not sys.platform.startswith("linux"):
            return "local check, not isolated"
        if not self.layers:
            return "basic"
        return "strong" if strong_layers() <= set(self.layers) else "partial"

    @property
    def description(self) -> str:
        """One line for results: the tier first, then what it consists of."""
        if self.tier == "local check, not isolated":
            return f"{self.tier} ({platform.system()}: separate process, limits, deadline)"
        if not self.layers:
            why = f"; unavailable: {self._missing()}" if self.missing else ""
            return f"basic (separate process: rlimits, scrubbed environment, own session{why})"
        parts = []
        if "namespaces" in self.layers:
            parts.append("no network (namespaces), private tmpfs scratch")
        if "user" in self.layers:
            parts.append(f"uid {self.uid}" if self.uid is not None else "uid 0 without capabilities")
        if "landlock" in self.layers:
            parts.append(f"filesystem limited to runtime and scratch (Landlock ABI {self.landlock})")
        if "seccomp" in self.layers:
            parts.append("no fork/exec/sockets (seccomp)")
        text = f"{self.tier}: " + ", ".join(parts)
        if self.missing:
            text += "; missing: " + self._missing()
        return text

    def _missing(self) -> str:
        return ", ".join(f"{k} ({v})" for k, v in sorted(self.missing.items()))

    def command(self, plan: dict, worker_argv: list[str]) -> list[str]:
        """The command line of a worker: the launcher, then ``worker_argv`` (script and arguments)."""
        return [sys.executable, "-I", "-u", "-c", BOOTSTRAP, os.path.abspath(launcher.__file__), json.dumps(plan),
                *worker_argv]

    def plan(self, scratch: str, *, scratch_bytes: int, forbid: tuple[str, ...] = ()) -> dict:
        """The launcher's instructions for one worker whose scratch folder is ``scratch``."""
        plan = {"layers": list(self.layers), "scratch": scratch, "scratch_bytes": scratch_bytes,
                "forbid": list(forbid)}
        if "landlock" in self.layers:
            plan.update(read=runtime_paths(), devices=device_paths())
        if "user" in self.layers and self.uid is not None:
            plan.update(uid=self.uid, gid=self.uid)
        return plan

    @property
    def worker_uid(self) -> int | None:
        """The uid a worker runs as when it differs from the grader's (root dropping to 65534)."""
        return self.uid if "user" in self.layers else None


@functools.lru_cache(maxsize=1)
def runtime_paths() -> list[str]:
    """What a worker may read: the Python installation(s), site-packages and system libraries."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    paths.update(p for p in site.getsitepackages() if os.path.isdir(p))
    paths.update(["/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin",
                  "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
                  "/proc/cpuinfo", "/proc/meminfo", "/sys/devices/system/cpu", "/sys/devices/system/node",
                  "/dev/urandom", "/dev/random", "/dev/zero"])
    if os.path.exists("/dev/nvidiactl"):       # CUDA: the driver reads its state from /proc and /sys
        paths.update(["/proc/driver/nvidia", "/sys"])
    return sorted(paths)


@functools.lru_cache(maxsize=1)
def device_paths() -> list[str]:
    """Device files a worker may read and write: /dev/null, and NVIDIA GPUs where present."""
    devices = ["/dev/null"]
    if os.path.isdir("/dev"):
        devices += sorted(f"/dev/{n}" for n in os.listdir("/dev") if n.startswith("nvidia"))
    return devices


def _readable_by_others(path: str) -> bool:
    """Whether a uid other than the owner can reach ``path`` (every parent searchable, it readable)."""
    try:
        real = os.path.realpath(path)
        mode = os.stat(real).st_mode
    except OSError:
        return True                 # a path that does not exist costs nothing to allow
    if not mode & stat.S_IROTH:
        return False
    folder = real if stat.S_ISDIR(mode) else os.path.dirname(real)
    while True:
        if not os.stat(folder).st_mode & stat.S_IXOTH:
            return False
        parent = os.path.dirname(folder)
        if parent == folder:
            return True
        folder = parent


def _candidate_layers(is_root: bool) -> tuple[list[str], int | None, dict[str, str]]:
    """Layers worth probing, the uid to drop to, and why the others were left out."""
    layers, missing = ["namespaces"], {}
    uid = None
    if is_root:
        layers.append("user")
        needed = [sys.prefix, sys.base_prefix, sys.exec_prefix, tempfile.gettempdir()]
        if all(_readable_by_others(p) for p in needed):
            uid = UNPRIVILEGED_ID
    abi = landlock_abi()
    if abi >= 1:
        layers.append("landlock")
    else:
        missing["landlock"] = "kernel without Landlock"
    if seccomp_arch():
        layers.append("seccomp")
    else:
        missing["seccomp"] = f"no filter table for {platform.machine()}"
    return layers, uid, missing


def _run_probe(layers: list[str], uid: int | None) -> dict:
    failed = {"applied": [], "checks": {}, "runtime": "probe failed"}
    with tempfile.TemporaryDirectory(prefix="dlgrade-probe-") as scratch, \
            tempfile.NamedTemporaryFile(prefix="dlgrade-canary-") as canary:
        if uid is not None:
            os.chown(scratch, uid, uid)
        plan = Isolation(tuple(layers), uid).plan(scratch, scratch_bytes=8 << 20)
        plan["probe_canary"] = canary.name
        try:
            proc = subprocess.Popen(Isolation().command(plan, []), cwd=scratch, env=worker_environment(scratch),
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    start_new_session=True)
        except OSError as exc:
            return {**failed, "failed": {"probe": str(exc)[:200]}}
        try:
            out, _ = proc.communicate(timeout=PROBE_SECONDS)
            return json.loads(out.decode().strip().splitlines()[-1])
        except (ValueError, IndexError) as exc:
            return {**failed, "failed": {"probe": str(exc)[:200]}}
        except subprocess.TimeoutExpired:
            return {**failed, "failed": {"probe": f"no report within {PROBE_SECONDS} s"}}
        finally:                                   # reaped within a deadline too
            try:
                os.killpg(proc.pid, 9)
            except OSError:
                pass
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass


def _mode(mode: str | None = None) -> str:
    mode = (mode if mode is not None else os.environ.get(ENV_VAR, "")).strip().lower() or "auto"
    if mode not in ("auto", "basic", "strong"):
        raise IsolationError(f"{ENV_VAR}={mode!r}: expected auto, basic or strong")
    return mode


def choose(mode: str | None = None) -> Isolation:
    """Probe this machine and pick the isolation for ``mode`` (default: ``$DLGRADE_ISOLATION``)."""
    mode = _mode(mode)
    if not sys.platform.startswith("linux"):
        if mode == "strong":
            raise IsolationError(f"{ENV_VAR}=strong: there is no strong isolation on {platform.system()}")
        return Isolation()
    if mode == "basic":
        return Isolation()
    is_root = os.geteuid() == 0
    layers, uid, missing = _candidate_layers(is_root)
    report = _run_probe(layers, uid)
    if report["runtime"]:                 # the layers together break Python or NumPy: none of them
        missing = {"all layers": report["runtime"]}
        working: list[str] = []
    else:
        missing.update(report["failed"])
        missing.update(report["checks"])
        working = [layer for layer in report["applied"] if layer not in report["checks"]]
    chosen = Isolation(tuple(working), uid if "user" in working else None, landlock_abi(),
                       {k: v for k, v in missing.items() if k not in working})
    if mode == "strong" and chosen.tier != "strong":
        lacking = ", ".join(f"{k} ({v})" for k, v in sorted(chosen.missing.items())) or "unknown"
        raise IsolationError(f"{ENV_VAR}=strong, but this machine cannot give: {lacking}")
    return chosen


_current: Isolation | None = None
_probing = threading.Lock()


PROBE_SECONDS = 60                   # a probe that reports nothing by then failed


def forget() -> None:
    """Drop the remembered verdict (a worker could not set up its layers: probe again next time)."""
    global _current
    if sys.platform.startswith("linux"):      # elsewhere nothing is remembered (see _remembered)
        remembered.remove()
    _current = None


def current() -> Isolation:
    """The isolation of this process: probed on first use (about 0.1-0.3 s: a throw-away process
    applies every layer), the verdict kept for a day in ~/.cache/dlgrade (:mod:`grader.sandbox.remembered`:
    only a hint, which cannot weaken a run), keyed by kernel, Python, user and DLGRADE_ISOLATION; a
    worker that then fails to set up makes it probe again."""
    global _current
    with _probing:                      # callers in several threads share one probe
        if _current is None:
            mode = _mode()
            _current = _remembered(mode) or _remember(choose(mode), mode)
    return _current


def known() -> bool:
    """Whether :func:`current` would answer at once (a verdict in this process, or remembered)."""
    global _current
    with _probing:
        if _current is None:
            try:
                mode = _mode()
            except IsolationError:           # reported where a worker starts
                return False
            _current = Isolation() if mode == "basic" else _remembered(mode)
    return _current is not None


def _remembered(mode: str) -> Isolation | None:
    """The verdict :mod:`grader.sandbox.remembered` kept for ``mode``, as this process's Isolation
    (the uid and the Landlock ABI asked again), or None. Off Linux there is nothing to probe, so
    nothing is remembered: :func:`choose` answers at once."""
    if not sys.platform.startswith("linux"):
        return choose(mode)
    saved = remembered.load(mode)
    if saved is None:
        return None
    layers, missing = saved
    uid = _candidate_layers(os.geteuid() == 0)[1]
    return Isolation(layers, uid if "user" in layers else None, landlock_abi(), missing)


def _remember(chosen: Isolation, mode: str) -> Isolation:
    """Keep ``chosen``'s layers for ``mode`` (:func:`grader.sandbox.remembered.store`); returns it."""
    if not sys.platform.startswith("linux"):
        return chosen
    remembered.store(chosen.layers, chosen.missing, mode)
    return chosen


def worker_environment(scratch: str) -> dict[str, str]:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": scratch,
        "TMPDIR": scratch,
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "MPLBACKEND": "Agg",
    }
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
                "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMBA_NUM_THREADS"):
        env[var] = "1"
    if sys.platform == "win32":       # Python cannot start on Windows without it
        env["SYSTEMROOT"] = os.environ.get("SYSTEMROOT", r"C:\Windows")
    return env
