"""The portable start path: a worker reached only through APIs that Windows has.

``DLGRADE_WORKER_START=portable`` (the default on Windows and macOS) starts the worker with
``subprocess`` pipes on its stdin and stdout, waits on them from a helper thread with a
deadline, and ends it with ``Popen.kill``: no ``pass_fds``, no ``select`` on pipes, no
``os.readv``, no ``fcntl``. CI runs the grading suites through it on Linux (``.ci/run``), so it
is never only theoretical. These tests check that the student sees the same outcomes through it
as through the fork start: answers, printed output, timeouts, crashes, floods.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from grader.model.errors import IsolationError
from grader.model.limits import Limits
from grader.sandbox.client import Worker
from grader.sandbox.codec import to_plain
from grader.sandbox.template import start_path

ROOT = Path(__file__).resolve().parents[2]

PROBES = '''
import os, sys, time
def double(x):
    return 2 * x
def chatty(x):
    print("to stdout", x)
    print("to stderr", x, file=sys.stderr)
    return x
def loop():
    while True:
        pass
def leave(code):
    os._exit(code)
def flood():
    while True:
        sys.stdout.write("x" * 65536)
def whoami():
    return os.getpid()
def scribble():
    os.write(1, b"\\x10\\x00\\x00\\x00forged")     # a frame's prefix, straight to descriptor 1
    return 5
'''

#: A Windows-like interpreter on Linux: every POSIX-only API the fork and spawn starts use is gone.
WINDOWS_LIKE = '''
import os, select, subprocess, sys, time
for name in ("fcntl", "resource", "termios"):
    sys.modules[name] = None
del os.readv
def no_select(*args, **kwargs):
    raise AssertionError("select() on a pipe: Windows has no such thing")
select.select = no_select
class Popen(subprocess.Popen):
    def __init__(self, *args, **kwargs):
        assert not kwargs.get("pass_fds"), "pass_fds: Windows has no such thing"
        super().__init__(*args, **kwargs)
subprocess.Popen = Popen
os.environ["DLGRADE_WORKER_START"] = "portable"

from grader.model.limits import Limits
from grader.sandbox.client import Worker
from grader.sandbox.codec import to_plain

with Worker({"probes": PROBES}, Limits(wall_seconds=5)) as w:
    assert w.load(["probes"]).status == "ok"
    assert to_plain(w.call("probes", "double", [21], {}, ["x"], max_reply=1 << 20).value) == 42
    assert to_plain(w.call("probes", "chatty", [7], {}, ["x"], max_reply=1 << 20).value) == 7
    for _ in range(100):                        # the output threads read on their own time
        if "to stdout 7" in w.output and "to stderr 7" in w.output:
            break
        time.sleep(0.05)
    assert "to stdout 7" in w.output and "to stderr 7" in w.output, w.output
    late = w.call("probes", "loop", [], {}, [], max_reply=1 << 20, wall_seconds=1)
    assert late.status == "timeout", late
with Worker({"probes": PROBES}, Limits(wall_seconds=5)) as w:
    assert w.load(["probes"]).status == "ok"
    died = w.call("probes", "leave", [3], {}, [], max_reply=1 << 20)
    assert died.status == "crashed" and "exited with status 3" in died.reason, died
print("portable worker ok")
'''


def test_a_worker_runs_without_any_posix_only_api():
    """Old code: ``portable`` was an unknown value, which started the worker with ``pass_fds``."""
    script = f"PROBES = {PROBES!r}\n" + WINDOWS_LIKE
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and "portable worker ok" in run.stdout, run.stderr[-2000:]


@pytest.mark.parametrize("env, platform, expected", [
    ("", "linux", "fork"),
    ("", "win32", "portable"),
    ("", "darwin", "portable"),
    ("portable", "linux", "portable"),
    ("spawn", "linux", "spawn"),
    ("spawn", "win32", "portable"),        # Windows cannot pass descriptors to a child
    ("fork", "darwin", "portable"),        # the template is Linux-only
])
def test_the_start_path_is_portable_wherever_fork_is_not(monkeypatch, env, platform, expected):
    monkeypatch.setenv("DLGRADE_WORKER_START", env)
    assert start_path(platform) == expected


def test_an_unknown_start_path_is_one_line_naming_the_variable(monkeypatch):
    monkeypatch.setenv("DLGRADE_WORKER_START", "thread")
    with pytest.raises(IsolationError, match=r"DLGRADE_WORKER_START='thread': expected fork, spawn or portable"):
        start_path("linux")


def printed(w: Worker, *expected: str) -> str:
    """The worker's output lines, sorted, once each of ``expected`` is in (within 5 s: the output
    threads read on their own time, after the reply has come)."""
    deadline = time.monotonic() + 5
    while not all(text in w.output for text in expected) and time.monotonic() < deadline:
        time.sleep(0.02)
    return " | ".join(sorted(line for line in w.output.splitlines() if line))


def outcomes(monkeypatch, start: str) -> dict[str, str]:
    """What a student sees of each probe through the start path ``start``."""
    monkeypatch.setenv("DLGRADE_WORKER_START", start)
    seen = {}
    with Worker({"probes": PROBES}, Limits(wall_seconds=5, output_mb=1)) as w:
        assert w.start_path == start and w.load(["probes"]).status == "ok"
        seen["double"] = repr(to_plain(w.call("probes", "double", [21], {}, ["x"], max_reply=1 << 20).value))
        w.call("probes", "chatty", [7], {}, ["x"], max_reply=1 << 20)
        seen["printed"] = printed(w, "to stdout 7", "to stderr 7")
        seen["scribble"] = repr(to_plain(w.call("probes", "scribble", [], {}, [], max_reply=1 << 20).value))
        seen["pid"] = str(to_plain(w.call("probes", "whoami", [], {}, [], max_reply=1 << 20).value) == w.proc.pid)
        late = w.call("probes", "loop", [], {}, [], max_reply=1 << 20, wall_seconds=1)
        seen["loop"] = f"{late.status}: {late.reason}"
        assert 0.9 < late.wall_seconds < 3, late.wall_seconds
    for function, args in (("leave", [3]), ("flood", [])):
        with Worker({"probes": PROBES}, Limits(wall_seconds=5, output_mb=1)) as w:
            assert w.load(["probes"]).status == "ok"
            out = w.call("probes", function, args, {}, [], max_reply=1 << 20)
            seen[function] = f"{out.status}: {out.reason}"
            assert not w.alive
    return seen


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="compares with the fork start, which is Linux-only")
def test_the_student_sees_the_same_through_the_portable_and_the_fork_start(monkeypatch):
    portable = outcomes(monkeypatch, "portable")
    assert portable == outcomes(monkeypatch, "fork")
    assert portable["printed"] == "to stderr 7 | to stdout 7" and portable["pid"] == "True"
    assert portable["scribble"] == "5"          # what reaches descriptor 1 is printed output, never a reply
    assert portable["loop"].startswith("timeout") and "exited with status 3" in portable["leave"]
    assert "printed more than 1 MiB" in portable["flood"]


def test_the_tier_report_names_the_start_path():
    """Old code: ``python -m grader.sandbox`` printed the tier alone."""
    done = subprocess.run([sys.executable, "-m", "grader.sandbox", "--mode", "basic"], cwd=ROOT,
                          env={**os.environ, "DLGRADE_WORKER_START": "portable"},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1].startswith("worker start: portable (a fresh interpreter"), done.stdout


def test_a_killed_portable_worker_leaves_no_process(monkeypatch):
    monkeypatch.setenv("DLGRADE_WORKER_START", "portable")
    w = Worker({"probes": PROBES}, Limits(wall_seconds=5))
    assert w.load(["probes"]).status == "ok"
    assert w.call("probes", "loop", [], {}, [], max_reply=1 << 20, wall_seconds=0.5).status == "timeout"
    w.close()
    assert w.proc.poll() is not None and not os.path.exists(w.scratch)


#: What Windows lacks and no Linux-only branch uses (this runs on Linux, so ``sys.platform``
#: still sends the probe and the remembered verdict down their Linux paths).
POSIX_ONLY_MODULES = ("fcntl", "resource", "termios")
POSIX_ONLY_NAMES = ("O_DIRECTORY", "O_NONBLOCK", "readv", "killpg", "setsid")


def test_the_grader_imports_where_posix_only_modules_do_not_exist():
    """Every module of ``grader`` imports with the POSIX-only modules blocked (as on Windows).

    Old code: ``grader.course.batch`` imported ``fcntl``, and ``student_files`` read
    ``os.O_DIRECTORY`` at import time."""
    script = textwrap.dedent(f'''
        import importlib, os, pkgutil, sys, warnings
        warnings.simplefilter("ignore")      # filelock: "only soft file lock" without fcntl
        for name in {POSIX_ONLY_MODULES!r}:
            sys.modules[name] = None
        for name in {POSIX_ONLY_NAMES!r}:
            delattr(os, name)
        import grader
        failed = []
        for info in pkgutil.walk_packages(grader.__path__, "grader."):
            if info.name.endswith("__main__"):      # a command, not a module: it would run
                continue
            try:
                importlib.import_module(info.name)
            except (ImportError, AttributeError) as exc:
                failed.append(f"{{info.name}}: {{exc}}")
        print("\\n".join(failed) or "all imported")
    ''')
    run = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and run.stdout.strip() == "all imported", run.stdout + run.stderr[-2000:]
