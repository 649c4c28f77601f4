"""The untrusted side: a worker process that imports student code and answers call requests.

Run by :mod:`grader.sandbox.client` through the launcher (:mod:`grader.sandbox.launcher`), as
``python -I`` with the arguments ``FD_IN FD_OUT LIMITS_JSON`` (``stdin stdout LIMITS_JSON`` for the
portable start: :func:`protocol_on_stdio`); it needs only the standard library,
NumPy and the frame codec (:mod:`grader.sandbox.codec`, which the launcher compiles beside this
script and installs as ``dlgrade_codec``), and imports nothing else from the grader, so the
grader's own state (references, expected values, hidden tests) never exists in this process.
"""
from __future__ import annotations

import io
import json
import os
import sys
import traceback

import numpy as np

if __package__:                     # imported as grader.sandbox.worker (the parent caches its bytecode)
    from . import codec
else:                               # run by the launcher, which installed the codec as dlgrade_codec
    import dlgrade_codec as codec

FunctionRef, decode, encode, run_chain, to_plain = (
    codec.FunctionRef, codec.decode, codec.encode, codec.run_chain, codec.to_plain)
frame_parts, pack_frame, read_frame_blocking, write_all = (
    codec.frame_parts, codec.pack_frame, codec.read_frame_blocking, codec.write_all)


def _apply_limits(limits: dict) -> None:
    try:
        import resource
    except ImportError:          # Windows: the parent's deadline is the only limit
        return
    wanted = {
        "RLIMIT_AS": limits.get("memory_bytes"),
        "RLIMIT_CPU": limits.get("cpu_seconds"),
        "RLIMIT_FSIZE": limits.get("file_bytes"),
        "RLIMIT_NOFILE": limits.get("open_files"),
        "RLIMIT_CORE": 0,
    }
    for name, value in wanted.items():
        if value is None or not hasattr(resource, name):
            continue
        res = getattr(resource, name)
        _soft, hard = resource.getrlimit(res)
        value = int(value) if hard == resource.RLIM_INFINITY else min(int(value), hard)
        try:
            resource.setrlimit(res, (value, value))
        except (ValueError, OSError):
            pass                 # e.g. RLIMIT_AS on macOS; the parent's other limits still hold


def _error_record(exc: BaseException, student_dir: str) -> dict:
    frames = [   # "<frozen importlib._bootstrap>" is relative, so abspath would put it in student_dir
        f"{os.path.basename(f.filename)}, line {f.lineno}, in {f.name}: {(f.line or '').strip()}"
        for f in traceback.extract_tb(exc.__traceback__)
        if not f.filename.startswith("<") and os.path.abspath(f.filename).startswith(student_dir)
    ]
    if isinstance(exc, SyntaxError) and exc.filename and os.path.abspath(exc.filename).startswith(student_dir):
        frames.append(f"{os.path.basename(exc.filename)}, line {exc.lineno}: {(exc.text or '').strip()}")
    try:
        message = str(exc)
    except Exception:        # a student exception whose __str__ raises
        message = "<unprintable message>"
    return {"type": type(exc).__name__, "message": message[:2000], "traceback": frames[-8:]}


def _first_change(old: np.ndarray, new: np.ndarray):
    """Index of the first element that differs (NaN equals NaN), or [] when the shape changed."""
    if old.shape != new.shape:
        return []
    same = old == new
    if old.dtype.kind == "f":
        same |= np.isnan(old) & np.isnan(new)
    where = np.argwhere(~same)
    return [int(i) for i in where[0]] if len(where) else None


def _mutated(before: list, after: list, names: list[str]) -> list[dict]:
    """Array inputs whose contents changed during the call, each with the first changed index.

    Only arrays passed directly are checked: a dict input (an optimizer's ``config``) is where a
    function is asked to store its state.
    """
    changed = []
    for name, old, new in zip(names, before, after):
        if isinstance(old, np.ndarray) and isinstance(new, np.ndarray):
            index = _first_change(old, new)
            if index is not None:
                changed.append({"name": name, "index": index})
    return changed


class _Session:
    def __init__(self, fd_in: int | io.FileIO, fd_out: int, student_dir: str):
        self.fd_in, self.fd_out, self.student_dir = fd_in, fd_out, student_dir
        self.modules: dict = {}

    def reply(self, header: dict, body: list | bytes = b"") -> None:
        write_all(self.fd_out, frame_parts(header, body))

    def load(self, names: list[str]) -> dict:
        import importlib  # the worker imports only what it uses, once a load is asked for
        errors = {}
        for name in names:
            try:
                self.modules[name] = importlib.import_module(name)
            except BaseException as exc:     # SyntaxError, SystemExit at import time, ...
                errors[name] = _error_record(exc, self.student_dir)
        return {"ok": True, "errors": errors,
                "functions": {n: sorted(k for k, v in vars(m).items() if callable(v)) for n, m in self.modules.items()}}

    def resolve(self, module: str, function: str):
        if module not in self.modules:
            raise LookupError(f"module {module!r} could not be imported")
        fn = getattr(self.modules[module], function, None)
        if fn is None or not callable(fn):
            raise LookupError(f"{module}.py has no function {function!r}")
        return fn

    def function(self, header: dict):
        """The requested student function, or None after replying that it is missing."""
        try:
            return self.resolve(header["module"], header["function"])
        except LookupError as exc:
            self.reply({"ok": False, "missing": True,
                        "error": {"type": "LookupError", "message": str(exc), "traceback": []}})
            return None

    def bind(self, value):
        """Inputs with every function reference replaced by the function it names."""
        if isinstance(value, FunctionRef):
            return self.resolve(value.module, value.name)
        if isinstance(value, list):
            return [self.bind(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self.bind(v) for v in value)
        if isinstance(value, dict):
            return {k: self.bind(v) for k, v in value.items()}
        return value

    def call(self, header: dict, body: bytes) -> None:
        """One call, or with ``chain`` a trajectory of calls (see :func:`run_chain`)."""
        fn = self.function(header)
        if fn is None:
            return
        try:
            args = self.bind(to_plain(decode(header["args"], body)))
            kwargs = self.bind(to_plain(decode(header["kwargs"], body)))
            chain = header.get("chain")
            per_step = self.bind(to_plain(decode(chain["per_step"], body))) if chain else None
        except LookupError as exc:           # a function input that the student's code lacks
            self.reply({"ok": False, "missing": True,
                        "error": {"type": "LookupError", "message": str(exc), "traceback": []}})
            return
        names = header.get("names") or [f"argument {i}" for i in range(len(args))]
        before = [copy_input(a) for a in args]
        steps_before = [{i: copy_input(v) for i, v in step.items()} for step in per_step or ()]
        try:
            if chain:
                result = run_chain(fn, args, kwargs, {int(k): int(v) for k, v in chain["carry"].items()}, per_step)
            else:
                result = fn(*args, **kwargs)
        except BaseException as exc:         # SystemExit and KeyboardInterrupt too
            self.reply({"ok": False, "error": _error_record(exc, self.student_dir)})
            return
        mutated = _mutated(before, list(args), names)
        for k, (old, new) in enumerate(zip(steps_before, per_step or ())):
            labels = [f"{names[int(i)] if int(i) < len(names) else i} (step {k + 1})" for i in old]
            mutated += _mutated(list(old.values()), [new[i] for i in old], labels)
        tree, data = encode(result)
        self.reply({"ok": True, "result": tree, "mutated": mutated}, data)

    def time(self, header: dict, body: bytes) -> None:
        """A timed run: call the function on every input set of ``calls`` and reply with every
        output, in order (the parent checks one it picks after they all arrived). With ``noop``
        (the parent's calibration, on a worker that has loaded no student code) nothing is called:
        the inputs are decoded and outputs shaped like ``like`` are sent back, the same traffic."""
        if header.get("noop"):
            calls = to_plain(decode(header["calls"], body))
            tree, data = encode([_zeros_like(header.get("like")) for _ in calls])
            self.reply({"ok": True, "result": tree}, data)
            return
        fn = self.function(header)
        if fn is None:
            return
        try:
            calls = to_plain(decode(header["calls"], body))
            outputs = [fn(*args, **kwargs) for args, kwargs in calls]
        except BaseException as exc:
            self.reply({"ok": False, "error": _error_record(exc, self.student_dir)})
            return
        tree, data = encode(outputs)
        self.reply({"ok": True, "result": tree}, data)

    def serve(self) -> None:
        while True:
            try:
                header, body = read_frame_blocking(self.fd_in, max_body=1 << 34)
            except EOFError:
                return
            op = header.get("op")
            if op == "load":
                self.reply(self.load(header["modules"]))
            elif op == "call":
                self.call(header, body)
            elif op == "time":
                self.time(header, body)
            elif op == "ping":
                self.reply({"ok": True})
            elif op == "exit":
                return
            else:
                self.reply({"ok": False, "error": {"type": "ProtocolError", "message": f"unknown op {op!r}", "traceback": []}})


def _zeros_like(like):
    """Zeros shaped like a timed output described by :func:`grader.grading.timing.output_like`: a list
    for a tuple, ``{"shape", "dtype"}`` for an array, None for anything else."""
    if isinstance(like, list):
        return tuple(_zeros_like(v) for v in like)
    if isinstance(like, dict):
        return np.zeros(tuple(int(n) for n in like["shape"]), dtype=np.dtype(str(like["dtype"])))
    return 0.0


def copy_input(value):
    """A copy of an input array, to detect in-place modification."""
    return value.copy() if isinstance(value, np.ndarray) else value


def protocol_on_stdio() -> tuple[io.FileIO, int]:
    """The portable start's request and reply pipes are this process's stdin and stdout: keep them
    under new descriptors, then point stdin at the null device and stdout at stderr, before any
    student code, so that nothing the student's code reads or prints touches a frame. Returns
    (requests as a raw file, read with ``readinto`` as Windows allows; the replies' descriptor)."""
    fd_in, fd_out = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    if sys.platform == "win32":         # frames are bytes: no newline translation
        import msvcrt
        for fd in (fd_in, fd_out):
            msvcrt.setmode(fd, os.O_BINARY)
    return io.FileIO(fd_in, "rb"), fd_out


def main(argv: list[str], layers: list[str] = ()) -> None:
    """Apply the rlimits, confirm the sandbox to the parent, then serve requests.

    ``layers`` are the isolation layers the launcher applied (:mod:`grader.sandbox.launcher`). The first
    frame, ``{"ready": true, "layers": [...]}``, goes out before the student's folder is on
    ``sys.path`` and before any request is read, so no student code has run when it is written:
    the parent may believe it, and blames every later death on the student's code.
    """
    fd_in, fd_out = protocol_on_stdio() if argv[1] == "stdin" else (int(argv[1]), int(argv[2]))
    limits = json.loads(argv[3])
    student_dir = os.path.abspath(os.getcwd())
    _apply_limits(limits)               # imports `resource` before a student's resource.py could shadow it
    write_all(fd_out, pack_frame({"ready": True, "layers": list(layers)}))
    sys.argv = ["submission"]
    sys.path.insert(0, student_dir)
    sys.dont_write_bytecode = True
    _Session(fd_in, fd_out, student_dir).serve()


if __name__ == "__main__":
    main(sys.argv, globals().get("__dlgrade_layers__", []))
