"""The parent's words for what a worker did, from what the parent observed: how the worker ended
(its exit status or signal, :func:`describe_death`), and the error and mutation records it sent,
cleaned for display (each string capped, control characters written as escapes)."""
from __future__ import annotations

import signal

from ..model.limits import Limits

_SIGNALS = {   # what a signal usually means for a worker: said after its name
    "SIGSEGV": "a segmentation fault: memory access outside the process's own, e.g. through ctypes or C code",
    "SIGBUS": "a bus error: often a file mapped into memory for which the scratch folder had no room",
    "SIGABRT": "an abort: C code (NumPy, BLAS, the C runtime) gave up, often after running out of memory",
    "SIGFPE": "an arithmetic fault in C code, such as an integer division by zero",
    "SIGILL": "an illegal instruction",
    "SIGSYS": "a system call the sandbox forbids",
    "SIGPIPE": "it wrote to a pipe nobody reads",
}


def signal_name(number: int) -> str:
    """``SIGSEGV``, ``SIGRTMIN+6``, or ``signal 70`` for a number without a name."""
    try:
        return signal.Signals(number).name
    except ValueError:
        low, high = getattr(signal, "SIGRTMIN", 0), getattr(signal, "SIGRTMAX", -1)
        return f"SIGRTMIN+{number - low}" if low <= number <= high else f"signal {number}"


def describe_death(code: int | None, when: str, limits: Limits) -> str:
    """Why a worker that had confirmed its sandbox ended, said of the student's code: ``code`` is
    its exit status (negative: the signal that killed it; None: it could not be reaped)."""
    if code is None:
        return f"your code's worker did not end {when}, not even when killed (stuck in the kernel?)"
    if code >= 0:
        cause = ("os._exit, or C code that called exit()" if when == "at import"
                 else "os._exit in your function, or C code that called exit()")
        return f"your code exited with status {code} {when} ({cause})"
    name = signal_name(-code)
    meaning = {
        "SIGXCPU": f"it used up its CPU time ({limits.cpu_seconds:g} s)",
        "SIGXFSZ": f"it wrote a file larger than the limit ({limits.file_mb} MiB)",
        "SIGKILL": ("out of memory (the kernel's OOM killer), or another limit"
                    + (f"; the worker may use {limits.memory_mb} MiB" if limits.memory_mb else "")),
        **_SIGNALS,
    }.get(name) or _strsignal(-code)
    return f"your code was killed by signal {name} {when} ({meaning})"


def _strsignal(number: int) -> str:
    try:
        return signal.strsignal(number) or "no description"
    except ValueError:
        return "no description"


_CONTROL = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)] if chr(c) not in "\n\t"}


def _printable(text: str) -> str:
    """``text`` with every control character but newline and tab written as ``\\xNN`` (terminal
    escapes, carriage returns that overwrite lines, NUL bytes)."""
    return text.translate(_CONTROL)


def _clean_error(error: dict) -> dict:
    """Keep only the expected keys of an error record, as bounded printable strings."""
    def text(value, default: str, limit: int) -> str:
        return _printable((value if isinstance(value, str) else default)[:limit])

    tb = error.get("traceback") if isinstance(error.get("traceback"), list) else []
    return {
        "type": text(error.get("type"), "Error", 100),
        "message": text(error.get("message"), "", 500),
        "traceback": [text(line, "?", 300) for line in tb[:8]],
    }


def _clean_mutated(entries: list) -> list[dict]:
    """The worker's list of modified inputs, as {"name": str, "index": [int, ...]} (at most 20)."""
    clean = []
    for entry in entries[:20]:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            index = entry.get("index") if isinstance(entry.get("index"), list) else []
            clean.append({"name": entry["name"][:100],
                          "index": [i for i in index[:32] if isinstance(i, int) and not isinstance(i, bool)]})
    return clean
