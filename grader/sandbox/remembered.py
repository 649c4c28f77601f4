"""The remembered isolation verdict (``~/.cache/dlgrade/isolation-*.json``): a probe starts a
throw-away process (0.1-0.3 s), so its verdict is kept for a day.

The file is only a hint. It holds layers, never a tier: the tier is derived from them
(:attr:`grader.sandbox.isolation.Isolation.tier`), the Landlock ABI and the uid are asked again
(:func:`grader.sandbox.isolation.current`), and it is believed only when it lacks no layer the
kernel offers (:func:`grader.sandbox.layers.kernel_offers`), for ``strong`` no layer at all. It is
sealed with an HMAC whose key (``isolation.key``, 0600) lies beside it, tied to the hash of
isolation.py, launcher.py and layers.py and to this boot, and ignored when written more than a day
ago or in the future. The seal tells the grader's own writes from other writers' and stale formats; it cannot stop code running as the
grader's user (a basic-tier worker) from forging the file, and needs not: a forged file can only
make the grader probe again, never apply fewer layers or name a tier it lacks.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import platform
import stat
import sys
import threading
import time

from .layers import LAYERS, kernel_offers, strong_layers

ENV_VAR = "DLGRADE_ISOLATION"        # the isolation mode asked for (auto, basic, strong): a verdict is kept per mode
#: The files whose change makes every verdict stale: the parent's half, the launcher and the layers.
GRADER_FILES = tuple(os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
                     for name in ("isolation.py", "launcher.py", "layers.py"))

REMEMBER_SECONDS = 24 * 3600         # a probe's verdict is reused this long (same kernel, Python, user)
VERDICT_FORMAT = 2
_CLOCK_SLACK = 5.0                   # seconds an mtime may lie ahead of the clock (coarse timestamps)
_MISSING_KEYS = frozenset(LAYERS) | {"all layers", "probe"}


def _cache_folder() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "dlgrade")


def path() -> str:
    """Where this machine's verdict is kept: keyed by everything that could change it."""
    key = json.dumps([platform.release(), platform.version(), sys.executable, sys.version, os.geteuid(),
                      os.environ.get(ENV_VAR, ""), max(os.path.getmtime(f) for f in GRADER_FILES)])
    return os.path.join(_cache_folder(), f"isolation-{hashlib.sha256(key.encode()).hexdigest()[:16]}.json")


def _read_private(file: str, limit: int) -> bytes | None:
    """The bytes of ``file`` if it is a regular file of ours that nobody else may write, else None."""
    try:
        fd = os.open(file, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o077:
            return None
        data = f.read(limit + 1)
    return data if len(data) <= limit else None


def _write_private(file: str, data: bytes, replace: bool = True) -> None:
    """Write ``data`` to ``file`` atomically, mode 0600 (``replace=False``: only if it is absent)."""
    os.makedirs(os.path.dirname(file), mode=0o700, exist_ok=True)
    tmp = f"{file}.{os.getpid()}.{threading.get_ident()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        if replace:
            os.replace(tmp, file)
        else:
            os.link(tmp, file)               # fails if another grader wrote the key first
    finally:
        try:
            os.remove(tmp)
        except OSError:
            pass


def _seal_key() -> bytes | None:
    """The key that seals this user's verdicts (created on first use), or None when unreadable."""
    file = os.path.join(_cache_folder(), "isolation.key")
    key = _read_private(file, 64)
    if key is None:
        try:
            _write_private(file, os.urandom(32), replace=False)
        except OSError:
            pass
        key = _read_private(file, 64)
    return key if key and len(key) == 32 else None


def _context() -> dict:
    """What a verdict is tied to beyond its file name: the grader's launcher and this boot."""
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            boot = f.read().strip()
    except OSError:
        boot = ""
    digest = hashlib.sha256()
    for file in GRADER_FILES:
        with open(file, "rb") as f:
            digest.update(f.read())
    grader = digest.hexdigest()[:16]
    return {"format": VERDICT_FORMAT, "grader": grader, "boot": boot}


def _seal(fields: dict, key: bytes) -> str:
    return hmac.new(key, json.dumps(fields, sort_keys=True).encode(), hashlib.sha256).hexdigest()


def _printable_reason(text) -> str:
    return "".join(c if c.isprintable() else "?" for c in str(text))[:300]


def load(mode: str) -> tuple[tuple[str, ...], dict[str, str]] | None:
    """The verdict kept on disk for ``mode`` as ``(layers, missing)`` (layer -> why it is missing),
    if it was sealed by this grader on this boot less than a day ago, is not from the future, and
    lacks no layer that ``mode`` must apply here."""
    if mode == "basic" or not sys.platform.startswith("linux"):
        return None                                      # nothing to probe, nothing to remember
    key = _seal_key()
    data = _read_private(path(), 64 << 10)
    if key is None or data is None:
        return None
    try:
        saved = json.loads(data)
        seal = saved.pop("seal")
        now, written = time.time(), float(saved["written"])
        if not (hmac.compare_digest(str(seal), _seal(saved, key))
                and all(saved.get(k) == v for k, v in _context().items())
                and now - REMEMBER_SECONDS < written <= now + _CLOCK_SLACK
                and os.path.getmtime(path()) <= now + _CLOCK_SLACK):
            return None
        layers = tuple(layer for layer in LAYERS if layer in saved["layers"])
        missing = {str(k): _printable_reason(v) for k, v in dict(saved["missing"]).items()
                   if k in _MISSING_KEYS and k not in layers}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    must = strong_layers() if mode == "strong" else kernel_offers()
    if not must <= set(layers):
        return None                                      # it lacks a layer this machine has: probe
    return layers, missing


def store(layers: tuple[str, ...], missing: dict[str, str], mode: str) -> None:
    """Keep a probe's verdict for ``mode``: the ``layers`` that work and why the others are ``missing``."""
    if mode == "basic" or not sys.platform.startswith("linux"):
        return
    try:
        key = _seal_key()
        if key is not None:
            fields = {**_context(), "written": time.time(), "layers": list(layers), "missing": missing}
            _write_private(path(), json.dumps({**fields, "seal": _seal(fields, key)}).encode())
    except OSError:
        pass                            # an unwritable home: probe every time


def remove() -> None:
    """Delete the verdict of this mode, if any."""
    try:
        os.remove(path())
    except OSError:
        pass
