"""The worker process's entry: apply the isolation layers, then run the worker program.

The parent starts ``python -I -u -c BOOTSTRAP THIS_FILE PLAN_JSON WORKER_SCRIPT ARGS...``
(:meth:`grader.sandbox.isolation.Isolation.command`). ``python -I`` cannot import the grader
package, so :data:`BOOTSTRAP` loads this file by path, and this file loads the layers
(:mod:`grader.sandbox.layers`) beside it by path too; it imports only the standard library.
:func:`launch` runs before any student code and before NumPy: it compiles the worker program
(:data:`WORKER_MODULES` and the worker script) while the grader's files can still be read,
applies the plan's layers, installs the forbidden-import hook (spec field ``forbid``) and runs
the worker script as ``__main__``. A layer that fails to apply stops the process with exit
status :data:`SETUP_FAILED` before student code could run, so a worker never runs with less
isolation than the result reports. With a template plan it becomes the warm template that forks
workers instead (:func:`_serve_template`).
"""
from __future__ import annotations

import importlib.util
import json
import os
import sys
import types


def _load_beside(name: str):
    """The module ``name`` from the file beside this one, loaded by path (no package here)."""
    spec = importlib.util.spec_from_file_location(f"dlgrade_{name}", os.path.join(os.path.dirname(__file__), f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if __package__:                        # imported by the parent as grader.sandbox.launcher
    from . import layers
else:                                  # loaded by path in the worker process (BOOTSTRAP)
    layers = _load_beside("layers")
LAYERS, SetupFailed, apply, _libc = layers.LAYERS, layers.SetupFailed, layers.apply, layers._libc

#: The worker program's modules besides its script: file beside the script -> the name the
#: script imports it by. Compiled with the script, before the layers; run as the script starts.
WORKER_MODULES = {"codec.py": "dlgrade_codec"}


#: ``python -I -c BOOTSTRAP THIS_FILE PLAN_JSON WORKER_SCRIPT ARGS...``: load this file by path
#: (from its cached bytecode when there is one) and hand over to :func:`launch`.
BOOTSTRAP = ("import sys, importlib.util as u; sys.dont_write_bytecode = True; "
             "s = u.spec_from_file_location('dlgrade_isolation', sys.argv[1]); m = u.module_from_spec(s); "
             "s.loader.exec_module(m); m.launch(sys.argv[1:])")


SETUP_FAILED = 70                       # exit status of a worker whose isolation could not be set up
APPLIED_NAME = "__dlgrade_layers__"     # the worker program's global that lists the layers applied


class _ForbiddenImports:
    """A meta-path finder that refuses the modules a spec forbids (and their submodules).

    A policy for honest feedback, not a security boundary: code that wants to can remove it.
    """

    def __init__(self, names: list[str]):
        self.names = tuple(names)

    def find_spec(self, fullname: str, path=None, target=None):
        for name in self.names:
            if fullname == name or fullname.startswith(name + "."):
                raise ImportError(f"{name} is not allowed in this assignment", name=fullname)
        return None


def _probe(plan: dict) -> dict:
    """Apply every candidate layer and check that each one holds; the report the parent reads."""
    seconds: dict[str, float] = {}
    failed = apply(plan, strict=False, seconds=seconds)
    applied = [layer for layer in plan["layers"] if layer not in failed]
    checks: dict[str, str] = {}

    def refused(action) -> bool:
        try:
            action()
        except OSError:
            return True
        return False

    def read_canary() -> None:
        with open(plan["probe_canary"]) as f:
            f.read()

    if "namespaces" in applied:
        with open("/proc/self/net/dev") as f:
            interfaces = [line.split(":")[0].strip() for line in f.readlines()[2:]]
        if interfaces != ["lo"]:
            checks["namespaces"] = f"network interfaces still visible: {interfaces}"
    if "user" in applied:
        with open("/proc/self/status") as f:
            status = dict(line.split(":", 1) for line in f if ":" in line)
        if int(status["CapEff"].strip(), 16) != 0:
            checks["user"] = "capabilities remain"
    if "landlock" in applied and not refused(read_canary):
        checks["landlock"] = "a file outside the scratch folder could be read"
    if "seccomp" in applied:
        import socket  # the worker imports only what it uses: the probe's check only
        if not refused(lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM)):
            checks["seccomp"] = "a socket could be created"

        def fork():
            pid = os.fork()
            if pid == 0:
                os._exit(0)
            os.waitpid(pid, 0)
        if not refused(fork):
            checks["seccomp"] = "a process could be forked"
    try:                                   # what every worker needs, under all of the layers
        with open(os.path.join(plan["scratch"], "probe.txt"), "w") as f:
            f.write("ok")
        import numpy  # under the layers, on purpose: the check is that it can be imported
        numpy.ones((4, 4)) @ numpy.ones(4)
        runtime = ""
    except BaseException as exc:
        runtime = f"{type(exc).__name__}: {exc}"[:300]
    return {"applied": applied, "failed": failed, "checks": checks, "runtime": runtime, "seconds": seconds}


def launch(argv: list[str]) -> None:
    """The worker process's entry point (see :data:`BOOTSTRAP`): ``THIS_FILE PLAN_JSON WORKER ARGS...``.

    With ``{"template": true, "socket": FD}`` as the plan it becomes a *template* instead: a warm
    process that forks workers on request (:func:`_serve_template`).
    """
    plan = json.loads(argv[1])
    if plan.get("probe_canary"):
        print(json.dumps(_probe(plan)), flush=True)
        return
    # The worker's code is loaded before the layers go on (it may not see grader/ afterwards),
    # from its cached bytecode when the parent left one: compiling it costs ~20 ms per start.
    code = _compiled(argv[2])
    if plan.get("template"):
        _serve_template(int(plan["socket"]), code, argv[2])
        return
    _become_worker(plan, code, argv[2], argv[3:])


def _compiled(worker_path: str) -> list[tuple[str, str, types.CodeType]]:
    """The worker program, compiled: (module name, file, code) for each of :data:`WORKER_MODULES`
    (files beside the worker script), then the script itself as ``__main__``."""
    folder = os.path.dirname(worker_path)
    files = [(name, os.path.join(folder, file)) for file, name in WORKER_MODULES.items()]
    program = []
    for name, path in [*files, ("__main__", worker_path)]:
        spec = importlib.util.spec_from_file_location(name, path)
        program.append((name, path, spec.loader.get_code(name)))
    return program


def _become_worker(plan: dict, code, worker_path: str, worker_args: list[str]) -> None:
    """Apply the plan's layers, then run the worker program (``code``, see :func:`_compiled`)."""
    parent = os.getppid()
    try:
        apply(plan)
    except (SetupFailed, OSError) as exc:
        sys.stderr.write(f"dlgrade-isolation: {exc}\n")
        sys.stderr.flush()
        os._exit(SETUP_FAILED)
    if sys.platform.startswith("linux"):
        # Die with the process that started us (the grader, or the template). Set after the
        # layers: changing credentials clears it.
        _libc().prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)
        if os.getppid() != parent:            # it died before the request above
            os._exit(SETUP_FAILED)
    if plan.get("forbid"):
        import numpy  # noqa: F401  (the runtime's own imports come first: they are not the student's)
        sys.meta_path.insert(0, _ForbiddenImports(plan["forbid"]))
    sys.argv = [worker_path, *worker_args]
    for name, path, part in code:             # the codec first, then the script as __main__
        module = types.ModuleType(name)
        module.__file__ = path
        if name == "__main__":
            # What was applied, for the worker's first frame to the parent (sent before any student code).
            module.__dict__[APPLIED_NAME] = [layer for layer in LAYERS if layer in plan["layers"]]
        sys.modules[name] = module
        exec(part, module.__dict__)


PR_SET_PDEATHSIG = 1


TEMPLATE_FDS = 4                        # per request: worker's request pipe, reply pipe, stdout, stderr


def _serve_template(sock_fd: int, code, worker_path: str) -> None:
    """Fork workers on request; never run student code here.

    Starting a Python interpreter and importing NumPy costs ~100 ms; forking this process, which
    has done both, costs a few. Each request on the SOCK_SEQPACKET socket is a JSON message
    ``{"plan", "args", "cwd", "env"}`` with the worker's four descriptors attached (SCM_RIGHTS).
    The first message, once NumPy is imported, is ``{"ready": PID}``. The reply to a request is
    ``{"pid": N}``; when a worker exits, ``{"exit": N, "status": S}`` (a wait status) follows, so
    the parent learns how it ended. The parent waits on each of these with a deadline
    (:class:`grader.sandbox.template.Template`) and replaces a template that misses one. EOF on the socket ends the template and
    its workers; the template also dies with its parent (PR_SET_PDEATHSIG), its workers with it.
    """
    import select  # the template's own modules: a plain worker does not load them
    import signal
    import socket

    import numpy  # noqa: F401  (warm: every worker needs it)

    libc = _libc()
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    sock = socket.socket(fileno=sock_fd)
    sock.send(json.dumps({"ready": os.getpid()}).encode())     # the parent's start-up handshake
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    children: set[int] = set()
    try:
        while True:
            ready, _, _ = select.select([sock, wake_r], [], [])
            if wake_r in ready:
                os.read(wake_r, 512)
            for pid in list(children):                 # reap: report how each worker ended
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    children.discard(pid)
                    sock.send(json.dumps({"exit": pid, "status": status}).encode())
            if sock not in ready:
                continue
            message, fds, _, _ = socket.recv_fds(sock, 1 << 20, TEMPLATE_FDS)
            if not message:
                return
            request = json.loads(message)
            pid = os.fork()
            if pid == 0:
                try:
                    sock.close()
                    signal.set_wakeup_fd(-1)
                    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                    for fd in (wake_r, wake_w):
                        os.close(fd)
                    _worker_from_template(request, fds, code, worker_path)
                except BaseException:              # nothing here may return into the template loop
                    os._exit(SETUP_FAILED)
                os._exit(0)
            for fd in fds:
                os.close(fd)
            children.add(pid)
            sock.send(json.dumps({"pid": pid}).encode())
    finally:
        for pid in children:
            try:
                os.killpg(pid, 9)
            except OSError:
                pass


def _worker_from_template(request: dict, fds: list[int], code, worker_path: str) -> None:
    """In a freshly forked child: become the worker a fresh interpreter would have been."""
    fd_in, fd_out, out_w, err_w = fds
    os.setsid()                                  # its own session and process group
    null = os.open(os.devnull, os.O_RDONLY)
    for source, target in ((null, 0), (out_w, 1), (err_w, 2)):
        os.dup2(source, target)
        os.close(source)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    _become_worker(request["plan"], code, worker_path, [str(fd_in), str(fd_out), *request["args"]])
