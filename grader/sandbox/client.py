"""The trusted side of the sandbox: start a worker per submission and talk to it safely.

A :class:`Worker` is a fresh ``python -I`` process running :mod:`grader.sandbox.worker` in a scratch
directory that holds only the student's source files. It gets an empty environment (BLAS pinned
to one thread), stdin from ``/dev/null``, its own session and process group, and rlimits on
memory, CPU time, file size and open files. Each request has a wall-clock deadline; past it, or
when the worker floods its output, the whole process group is killed.

Every reply is parsed by the codec in :mod:`grader.sandbox.worker`, which checks sizes before reading and
never unpickles. A call ends in one of four :class:`CallOutcome` statuses: ``ok``, ``error`` (the
student's exception, as a record), ``timeout`` or ``crashed`` (the worker died or broke the
protocol). After a timeout or crash the worker is dead; the engine starts a fresh one.

A worker's first frame confirms its sandbox, before any student code (:meth:`Worker._confirm`): a
worker that does not confirm what the run demands raises :class:`grader.sandbox.isolation.SandboxError`
(the grader's failure), and every death after the confirmation is described as the student
code's (:func:`grader.sandbox.describe.describe_death`). Every wait on a worker or the template has a deadline.

A worker starts as a fork of the warm template (Linux), as a fresh interpreter given its pipes
(``spawn``), or by the portable path that Windows and macOS take (requests on its stdin, replies on
its stdout, deadlines kept by a thread): :func:`grader.sandbox.template.start_path`. Only the
transport differs (:mod:`grader.sandbox.pipes`); :meth:`Worker.request` is the same for all three.

On Linux the worker is started through :mod:`grader.sandbox.isolation`'s launcher, which adds the layers
this machine allows (namespaces, a uid drop, Landlock, seccomp) before any student code runs;
:func:`isolation_tier` names the tier for the results. See docs/security.md.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ..model.limits import Limits, MiB
from . import (
    codec,
    isolation,
    worker,  # noqa: F401  (for its bytecode: the launcher compiles worker.py from the cache, ~20 ms a fresh worker)
)
from .clock import process_cpu_ns
from .describe import _clean_error, _clean_mutated, _printable, describe_death
from .isolation import worker_environment
from .launcher import SETUP_FAILED
from .pipes import SelectPipes, ThreadedPipes, Transport, widen_pipe
from .template import REAP_SECONDS, STARTUP_SECONDS, WORKER_SCRIPT, Template, start_path


@dataclass
class CallOutcome:
    """What one request to the worker came to. ``value`` is set when status is ``ok``."""

    status: Literal["ok", "error", "timeout", "crashed"]
    value: Any = None
    error: dict = field(default_factory=dict)   # {"type", "message", "traceback"} for "error"
    reason: str = ""                            # why, for "timeout" and "crashed"
    mutated: list = field(default_factory=list)
    missing: bool = False                       # the function or module does not exist
    wall_seconds: float = 0.0


def isolation_tier() -> str:
    """The isolation this machine gives a worker, tier first; recorded in every result.

    Its tier is derived from the layers, and every worker of this process confirmed at least
    these layers before it ran student code (a worker that did not was refused), so the label
    never names a layer that a worker lacked. Raises :class:`grader.sandbox.isolation.IsolationError` when
    ``DLGRADE_ISOLATION=strong`` cannot be met.
    """
    return isolation.current().description


class _OutputDrain(threading.Thread):
    """Reads one of the worker's output pipes: keeps the start, counts the rest, trips a limit."""

    def __init__(self, stream, keep: int, limit: int, on_flood):
        super().__init__(daemon=True)
        self.stream, self.keep, self.limit, self.on_flood = stream, keep, limit, on_flood
        self.kept = bytearray()
        self.total = 0

    def run(self) -> None:
        try:
            self._drain()
        finally:        # here, not in Worker.close: closing a stream that a thread reads waits for it
            self.stream.close()

    def _drain(self) -> None:
        while True:
            chunk = self.stream.read1(64 * 1024) if hasattr(self.stream, "read1") else self.stream.read(64 * 1024)
            if not chunk:
                return
            self.total += len(chunk)
            if len(self.kept) < self.keep:
                self.kept += chunk[: self.keep - len(self.kept)]
            if self.total > self.limit:
                self.on_flood()
                return


class _ForkedProcess:
    """A worker forked by the template: the parts of ``subprocess.Popen`` that :class:`Worker` uses.

    It is the template's child, not ours, so its exit status arrives from the template.
    """

    def __init__(self, template: Template, pid: int, stdout, stderr):
        self.template, self.pid, self.stdout, self.stderr = template, pid, stdout, stderr
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            status = self.template.status(self.pid)
            if status is not None:
                self.returncode = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        return self.returncode

    def wait(self, timeout: float = REAP_SECONDS) -> int:
        """Its exit status, from the template, within ``timeout`` seconds (never without a deadline)."""
        if self.template.wait_exit(self.pid, timeout) is None:
            raise subprocess.TimeoutExpired("worker", timeout)
        return self.poll()

    @property
    def orphaned(self) -> bool:
        """Whether it ended because its template did (PR_SET_PDEATHSIG), not by itself."""
        return self.pid in self.template.orphans

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except OSError:
            pass


class Worker:
    """One untrusted worker process for one submission. Use as a context manager."""

    KEEP_OUTPUT = 64 * 1024

    def __init__(self, sources: dict[str, str], limits: Limits, env: dict[str, str] | None = None):
        self.limits, self.extra_env = limits, dict(env or {})   # e.g. the CUDA simulator switch
        self.isolation = isolation.current()
        self.scratch = tempfile.mkdtemp(prefix="dlgrade-")
        for module, text in sources.items():
            Path(self.scratch, f"{module}.py").write_text(text, encoding="utf-8")
        uid = self.isolation.worker_uid           # a root grader's worker runs as another user
        if uid is not None:
            for path in [self.scratch, *(str(p) for p in Path(self.scratch).iterdir())]:
                os.chown(path, uid, uid)
        self.flooded = False
        self.killed = False
        self.confirmed: tuple[str, ...] | None = None   # the layers the worker confirmed, before student code
        self._started = time.perf_counter()
        self._start()

    # ---------------------------------------------------------------- life cycle

    def _command(self, fd_in: int | str, fd_out: int | str) -> list[str]:
        """The launcher applies the isolation plan, then runs the worker script as ``__main__``
        (its request and reply descriptors, or ``stdin stdout`` for the portable start)."""
        plan = self.isolation.plan(self.scratch, scratch_bytes=self.limits.scratch_mb * MiB,
                                   forbid=self.limits.forbid)
        return self.isolation.command(plan, [str(WORKER_SCRIPT), str(fd_in), str(fd_out),
                                             json.dumps(self.limits.for_worker())])

    def _start(self) -> None:
        self.start_path = start_path()              # fork, spawn or portable
        if self.start_path == "portable":
            self._start_portable()
            return
        to_child_r, to_child = os.pipe()
        from_child, from_child_w = os.pipe()
        for fd in (to_child, from_child):
            widen_pipe(fd)
        self._pipes: Transport = SelectPipes(to_child, from_child)
        if self.start_path == "fork":
            try:
                self._fork(to_child_r, from_child_w)
                return
            except OSError:                         # no template: start an interpreter instead
                pass
        try:
            self.proc = subprocess.Popen(
                self._command(to_child_r, from_child_w),
                cwd=self.scratch,
                env={**worker_environment(self.scratch), **self.extra_env},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(to_child_r, from_child_w),
                start_new_session=True,
                close_fds=True,
            )
        finally:
            os.close(to_child_r)
            os.close(from_child_w)
        self._drain(self.proc.stdout, self.proc.stderr)

    def _start_portable(self) -> None:
        """Start the worker with what every platform has: requests go to its stdin, replies come
        from its stdout (the worker moves both aside before any student code, so what the student
        prints goes to stderr, the one output stream here: :func:`worker.protocol_on_stdio`)."""
        self.proc = subprocess.Popen(
            self._command("stdin", "stdout"),
            cwd=self.scratch,
            env={**worker_environment(self.scratch), **self.extra_env},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,
            start_new_session=True,                 # POSIX: its own session and group; ignored on Windows
        )
        for stream in (self.proc.stdin, self.proc.stdout):
            widen_pipe(stream.fileno())
        self._pipes = ThreadedPipes(self.proc.stdin, self.proc.stdout)
        self._drain(self.proc.stderr)

    def _fork(self, to_child_r: int, from_child_w: int) -> None:
        """Start the worker as a fork of the warm template; the pipe ends are passed, then closed here."""
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        plan = self.isolation.plan(self.scratch, scratch_bytes=self.limits.scratch_mb * MiB,
                                   forbid=self.limits.forbid)
        template = Template.get()
        try:
            pid = template.fork(plan, [json.dumps(self.limits.for_worker())], self.scratch,
                                       {**worker_environment(self.scratch), **self.extra_env},
                                       [to_child_r, from_child_w, out_w, err_w])
        except OSError:
            for fd in (out_r, err_r):
                os.close(fd)
            raise
        finally:
            for fd in (out_w, err_w):
                os.close(fd)
        os.close(to_child_r)
        os.close(from_child_w)
        self.proc = _ForkedProcess(template, pid, os.fdopen(out_r, "rb", buffering=0),
                                   os.fdopen(err_r, "rb", buffering=0))
        self._drain(self.proc.stdout, self.proc.stderr)

    def _drain(self, *streams) -> None:
        """Read the worker's output streams (stdout then stderr; stderr alone for the portable start)."""
        cap = int(self.limits.output_mb * MiB)
        self._drains = [_OutputDrain(s, self.KEEP_OUTPUT, cap, self._flood) for s in streams]
        for d in self._drains:
            d.start()

    def _flood(self) -> None:
        self.flooded = True
        self.kill()

    def kill(self) -> None:
        """SIGKILL the worker's whole process group (it is its own session leader), also when the
        worker itself has exited: processes it forked (where fork is allowed) are in the group.
        The portable start also kills the worker itself with ``Popen.kill`` (TerminateProcess on
        Windows, which has no process groups to kill)."""
        self.killed = True          # at once: the process may take a moment to die
        if os.name == "posix":
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
                if self.start_path != "portable":
                    return
            except (ProcessLookupError, PermissionError):       # the group is empty
                pass
        if self.proc.poll() is None:
            self.proc.kill()

    def _reap(self) -> int | None:
        """The exit status of the killed worker, waited for :data:`REAP_SECONDS` at most; None when
        it has not ended by then (e.g. stuck in the kernel: it is reaped in the background).

        A forked worker that is dead (a zombie, or gone) without its template saying so means a
        template that stopped answering: the template is abandoned, which settles the status."""
        try:
            return self.proc.wait(timeout=REAP_SECONDS)
        except subprocess.TimeoutExpired:
            pass
        if isinstance(self.proc, _ForkedProcess):
            if not _running(self.proc.pid):
                self.proc.template.abandon()
                return self.proc.poll()
        else:
            threading.Thread(target=self.proc.wait, daemon=True, name="dlgrade-reaper").start()
        return None

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self._pipes.write(codec.frame_parts({"op": "exit"}), time.perf_counter() + 0.5)
                self.proc.wait(timeout=0.5)
            except (OSError, subprocess.TimeoutExpired):        # TimeoutError is an OSError
                pass
        self.kill()
        self._reap()
        for d in self._drains:
            d.join(timeout=1.0)
        self._pipes.close()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def alive(self) -> bool:
        return not self.killed and self.proc.poll() is None

    @property
    def output(self) -> str:
        """What the student's code printed (stdout then stderr), at most 64 KiB of each, with
        control characters escaped: it is shown on terminals and web pages, never interpreted.
        The portable start has one stream for both, in the order printed (64 KiB of it)."""
        out, *err = (_printable(bytes(d.kept).decode("utf-8", "replace")) for d in self._drains)
        return out + "".join("\n" + text for text in err if text)

    def cpu_ns(self) -> int | None:
        """CPU time of the whole worker process from the kernel, in ns (None where unavailable)."""
        return process_cpu_ns(self.proc.pid)

    # ---------------------------------------------------------------- requests

    def request(self, header: dict, body: list | bytes = b"", *, max_reply: int = 64 * MiB,
                wall_seconds: float | None = None, probe: Callable[[], None] | None = None) -> CallOutcome:
        """Send one request and wait for its reply under the wall-clock deadline. ``probe`` (the
        timing's clocks) is called when the request is all written and when the reply begins."""
        if self.confirmed is None:
            self._confirm()
        start = time.perf_counter()
        if not self.alive:
            return self._death("before the request")
        limit = wall_seconds if wall_seconds is not None else self.limits.wall_seconds
        deadline = start + limit
        try:
            # A worker that is not reading (student code still running after a forged reply)
            # must not block the grader on a full pipe: the write has the deadline too.
            self._pipes.write(codec.frame_parts(header, body), deadline)
            if probe is not None:
                probe()
            prefix = self._pipes.read(8, deadline)
            if probe is not None:
                probe()
            header_len, body_len = codec.parse_prefix(prefix, max_reply)
            reply = codec.parse_header(self._pipes.read(header_len, deadline))
            reply_body = self._pipes.read(body_len, deadline)
        except TimeoutError:
            self.kill()
            return CallOutcome("timeout", reason=f"no answer within {limit:g} s (an endless loop?)",
                               wall_seconds=time.perf_counter() - start)
        except EOFError:
            return self._death("at import" if header.get("op") == "load" else "during the call")
        except OSError:                    # EPIPE: the worker is gone before reading the request
            return self._death("while receiving the request")
        except codec.ProtocolError as exc:
            self.kill()
            return CallOutcome("crashed", reason=f"broke the grading protocol: {exc}")
        elapsed = time.perf_counter() - start
        if not reply.get("ok"):
            error = reply.get("error") if isinstance(reply.get("error"), dict) else {}
            return CallOutcome("error", error=_clean_error(error), missing=bool(reply.get("missing")),
                               wall_seconds=elapsed)
        try:
            value = codec.decode(reply.get("result", {"t": "none"}), reply_body) if "result" in reply else reply
        except codec.ProtocolError as exc:
            self.kill()
            return CallOutcome("crashed", reason=f"broke the grading protocol: {exc}")
        mutated = reply.get("mutated") if isinstance(reply.get("mutated"), list) else []
        return CallOutcome("ok", value=value, mutated=_clean_mutated(mutated), wall_seconds=elapsed)

    def _confirm(self) -> None:
        """Read the worker's first frame, which confirms its sandbox before any student code runs,
        within :data:`STARTUP_SECONDS` of its start; raise :class:`isolation.SandboxError` unless it
        confirms every layer this run demands (and the kernel agrees where it can tell)."""
        deadline = self._started + STARTUP_SECONDS
        try:
            header_len, _ = codec.parse_prefix(self._pipes.read(8, deadline), 0)
            ready = codec.parse_header(self._pipes.read(header_len, deadline))
        except TimeoutError:
            self.kill()
            raise isolation.SandboxError(f"the worker did not confirm its sandbox within {STARTUP_SECONDS:g} s "
                                         "(an overloaded machine, or a sandbox that hangs)") from None
        except (EOFError, OSError):
            raise self._setup_failure() from None
        except codec.ProtocolError as exc:
            self.kill()
            raise isolation.SandboxError(f"the worker's start-up broke the grading protocol: {exc}") from None
        layers = ready.get("layers")
        if ready.get("ready") is not True or not (isinstance(layers, list) and all(isinstance(x, str) for x in layers)):
            self.kill()
            raise isolation.SandboxError("the worker's first message was not a confirmation of its sandbox")
        demanded = set(self.isolation.layers)
        problem = (None if demanded <= set(layers) else
                   f"the worker confirmed the layers ({_printable(', '.join(layers)) or 'none'}) but this run "
                   f"demands {', '.join(sorted(demanded))}") or isolation.kernel_disagrees(self.proc.pid, demanded)
        if problem:
            self.kill()
            raise isolation.SandboxError(f"the sandbox could not be set up: {problem[:300]}")
        self.confirmed = tuple(layers)

    def _setup_failure(self) -> isolation.SandboxError:
        """The error for a worker that ended before confirming its sandbox (no student code ran)."""
        self.kill()
        code = self._reap()
        for d in self._drains:
            d.join(timeout=1.0)
        said = bytes(self._drains[-1].kept).decode("utf-8", "replace").strip().splitlines()
        if code == SETUP_FAILED:
            isolation.forget()                 # the machine changed since the probe: probe again
        why = _printable(said[-1][:300]) if said else f"the worker ended with status {code} before confirming it"
        return isolation.SandboxError(f"the sandbox could not be set up ({why})")

    def _death(self, when: str) -> CallOutcome:
        """The outcome of a worker that ended after confirming its sandbox: the student code's doing."""
        self.kill()
        code = self._reap()
        if self.flooded:
            reason = f"printed more than {self.limits.output_mb:g} MiB of output, so the worker was stopped"
        elif getattr(self.proc, "orphaned", False):
            reason = (f"the worker stopped {when} because the grader's worker template ended (the grader starts "
                      "a new one; at the basic tier, code that signals its parent process does this)")
        else:
            reason = describe_death(code, when, self.limits)
        return CallOutcome("crashed", reason=reason)

    def load(self, modules: list[str]) -> CallOutcome:
        """Import the student's modules. ``value`` maps module -> error record for failures."""
        outcome = self.request({"op": "load", "modules": modules}, max_reply=1 * MiB)
        if outcome.status == "ok":
            errors = outcome.value.get("errors") if isinstance(outcome.value, dict) else None
            outcome.value = {str(k): _clean_error(v if isinstance(v, dict) else {})
                             for k, v in (errors if isinstance(errors, dict) else {}).items()}
        return outcome

    def call(self, module: str, function: str, args: list, kwargs: dict, names: list[str],
             max_reply: int, wall_seconds: float | None = None,
             chain: tuple[dict[int, int], list[dict[int, Any]]] | None = None) -> CallOutcome:
        """Call ``module.function(*args, **kwargs)``; ``names`` label the inputs in messages.

        With ``chain = (carry, per_step)`` the worker runs a trajectory (:func:`worker.run_chain`)
        and the reply holds the tuple of every step's output.
        """
        carry, per_step = chain or ({}, None)
        tree, body = codec.encode((tuple(args), kwargs, per_step))
        args_tree, kwargs_tree, steps_tree = tree["v"]
        header = {"op": "call", "module": module, "function": function,
                  "args": args_tree, "kwargs": kwargs_tree, "names": names}
        if chain:
            header["chain"] = {"carry": {str(k): v for k, v in carry.items()}, "per_step": steps_tree}
        return self.request(header, body, max_reply=max_reply, wall_seconds=wall_seconds)

    def time_calls(self, module: str, function: str, calls: list[tuple[list, dict]], max_reply: int,
                   wall_seconds: float | None = None, like: Any = None,
                   probe: Callable[[], None] | None = None) -> CallOutcome:
        """Send the input sets of a timed run, each (args, kwargs), and get every output back as a
        list, in order. With ``like`` (see :func:`grader.grading.timing.output_like`) it is the no-op of
        the same size: the worker calls nothing and sends back zeros of that shape."""
        tree, body = codec.encode([(tuple(a), k) for a, k in calls])
        header = {"op": "time", "module": module, "function": function, "calls": tree}
        if like is not None:
            header.update(noop=True, like=like)
        return self.request(header, body, max_reply=max_reply, wall_seconds=wall_seconds, probe=probe)

    def ping(self, wall_seconds: float | None = None) -> CallOutcome:
        """A round trip that carries nothing (after it, the worker has blocked on its pipe)."""
        return self.request({"op": "ping"}, max_reply=1 * MiB, wall_seconds=wall_seconds)


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (Linux /proc; elsewhere: assume so)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False
    except (OSError, IndexError):
        return True

