"""Red team: every wait of the grader has a deadline, at every tier.

A worker or the worker template that stops answering (here: SIGSTOP, a kill that does not land,
a process that never confirms its sandbox) costs the grader a bounded wait, never a hang; a
worker that never confirms its sandbox is the grader's failure (IsolationError), not the
student's endless loop.
"""
from __future__ import annotations

import contextlib
import copy
import os
import signal
import sys
import threading
import time

import pytest

from grader.sandbox import client as sandbox
from grader.sandbox import isolation
from grader.sandbox.client import Limits, Worker, _ForkedProcess
from grader.sandbox.isolation import IsolationError
from grader.sandbox.template import Template

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the template and /proc are Linux's")

SIMPLE = {"m": "def f():\n    return 1\n"}
# Ignores SIGTERM and blocks interpreter shutdown forever (a non-daemon thread that never ends).
STUBBORN = {"m": "import signal, threading, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                 "threading.Thread(target=lambda: time.sleep(10**6)).start()\n"}


def finishes(action, within: float) -> bool:
    """Whether ``action()`` returns within ``within`` seconds (it goes on in a daemon thread if not)."""
    done = threading.Thread(target=action, daemon=True)
    done.start()
    done.join(within)
    return not done.is_alive()


STOPPED: list[int] = []          # templates a test stopped: killed when it ends, whatever happened


@pytest.fixture
def fork_mode(monkeypatch):
    monkeypatch.setenv("DLGRADE_WORKER_START", "fork")
    yield
    while STOPPED:
        with contextlib.suppress(OSError):
            os.kill(STOPPED.pop(), signal.SIGKILL)


def stop(template: Template) -> None:
    STOPPED.append(template.proc.pid)
    os.kill(template.proc.pid, signal.SIGSTOP)


def test_closing_a_worker_does_not_wait_on_a_stopped_template(fork_mode):
    worker = Worker(SIMPLE, Limits(wall_seconds=5))
    assert worker.load(["m"]).status == "ok"
    template = Template.get()
    stop(template)
    assert finishes(worker.close, within=15), "closing a worker waited on a template that stopped answering"
    assert not os.path.exists(worker.scratch)


def test_a_stopped_template_is_replaced_within_a_deadline(fork_mode):
    with Worker(SIMPLE, Limits(wall_seconds=5)) as first:
        assert first.load(["m"]).status == "ok"
    old = Template.get()
    stop(old)
    start = time.monotonic()
    with Worker(SIMPLE, Limits(wall_seconds=5)) as worker:
        assert worker.load(["m"]).status == "ok"
    assert time.monotonic() - start < 12, "a template's 5 s to answer, then a fresh interpreter"
    assert Template.get() is not old, "the stopped template is still the one workers are asked of"


@pytest.mark.parametrize("mode", ["fork", "spawn", "portable"])
def test_a_worker_whose_kill_does_not_land_does_not_hang_close(monkeypatch, mode):
    """A process in uninterruptible sleep outlives SIGKILL for a while: close() gives up waiting."""
    monkeypatch.setenv("DLGRADE_WORKER_START", mode)
    worker = Worker(STUBBORN, Limits(wall_seconds=5))
    assert worker.load(["m"]).status == "ok"
    assert isinstance(worker.proc, _ForkedProcess) == (mode == "fork")
    real_kill = Worker.kill
    monkeypatch.setattr(Worker, "kill", lambda self: None)
    try:
        assert finishes(worker.close, within=15), "close() waited forever on a worker that did not die"
    finally:
        real_kill(worker)
        monkeypatch.undo()


@pytest.mark.parametrize("mode", ["spawn", "portable"])
def test_a_worker_that_never_confirms_its_sandbox_is_the_graders_failure(monkeypatch, mode):
    monkeypatch.setenv("DLGRADE_WORKER_START", mode)
    monkeypatch.setattr(sandbox, "STARTUP_SECONDS", 2.0)
    monkeypatch.setattr(Worker, "_command", lambda self, fd_in, fd_out: [sys.executable, "-c", "import time; time.sleep(60)"])
    start = time.monotonic()
    with pytest.raises(IsolationError, match="did not confirm its sandbox within 2 s"):
        with Worker(SIMPLE, Limits(wall_seconds=5)) as worker:
            worker.load(["m"])
    assert time.monotonic() - start < 2 + 5


@pytest.mark.parametrize("mode", ["fork", "spawn", "portable"])
def test_a_worker_that_confirms_fewer_layers_than_demanded_is_refused(monkeypatch, mode):
    """The run demands seccomp; the worker is (as if by a fault) sent a plan without it."""
    monkeypatch.setenv("DLGRADE_WORKER_START", mode)
    demanded = copy.copy(isolation.current())
    demanded.layers = ("seccomp",)
    monkeypatch.setattr(isolation, "_current", demanded)
    real_plan = isolation.Isolation.plan
    monkeypatch.setattr(isolation.Isolation, "plan",
                        lambda self, scratch, **kw: {**real_plan(self, scratch, **kw), "layers": []})
    ran = "open('ran.txt', 'w').write('student code ran')\n"
    with pytest.raises(IsolationError, match="confirmed the layers \\(none\\).*demands seccomp"):
        with Worker({"m": ran}, Limits(wall_seconds=5)) as worker:
            worker.load(["m"])
    assert not os.path.exists(os.path.join(worker.scratch, "ran.txt"))
