"""Workers forked from a warm template process (the default on Linux) behave like fresh ones.

The template has Python started and NumPy imported and never runs student code; each worker is a
fork of it that then applies its own isolation layers. These tests check the parts that differ
from a freshly started interpreter: how exit statuses reach the grader, and that workers die
with a dead template, which is then replaced. (How much a fork saves is measured in bench/,
not asserted here.)
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time

import pytest

from grader.sandbox.client import Limits, Worker, _ForkedProcess
from grader.sandbox.codec import to_plain
from grader.sandbox.template import Template

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the template is Linux-only")

PROBES = '''
import os, signal
def double(x):
    return 2 * x
def leave(code):
    os._exit(code)
def die():
    os.kill(os.getpid(), signal.SIGSEGV)
def whoami():
    return [os.getpid(), os.getsid(0), os.getppid()]
'''


def start(monkeypatch, mode: str) -> Worker:
    monkeypatch.setenv("DLGRADE_WORKER_START", mode)
    worker = Worker({"probes": PROBES}, Limits(wall_seconds=5))
    assert worker.load(["probes"]).status == "ok"
    return worker


def test_forked_and_spawned_workers_answer_alike(monkeypatch):
    for mode, kind in (("fork", _ForkedProcess), ("spawn", None)):
        with start(monkeypatch, mode) as w:
            assert (type(w.proc) is kind) if kind else not isinstance(w.proc, _ForkedProcess)
            outcome = w.call("probes", "double", [21], {}, ["x"], max_reply=1 << 20)
            assert outcome.status == "ok" and to_plain(outcome.value) == 42
            pid, sid, parent = to_plain(w.call("probes", "whoami", [], {}, [], max_reply=1 << 20).value)
            assert sid == pid                                   # its own session, like a fresh worker
            if mode == "fork":
                assert parent == Template.get().proc.pid and parent != os.getpid()


@pytest.mark.parametrize("function, args, expected", [
    ("leave", [3], "exited with status 3"),
    ("die", [], "segmentation fault"),
])
def test_exit_statuses_reach_the_grader_through_the_template(monkeypatch, function, args, expected):
    with start(monkeypatch, "fork") as w:
        outcome = w.call("probes", function, args, {}, [], max_reply=1 << 20)
        assert outcome.status == "crashed" and expected in outcome.reason
        assert not w.alive


def test_a_dead_template_is_replaced(monkeypatch):
    with start(monkeypatch, "fork") as w:
        old = Template.get()
        os.kill(old.proc.pid, signal.SIGKILL)
        old.proc.wait(timeout=5)
        worker_pid = w.proc.pid
        for _ in range(100):                                    # its workers die with it (PDEATHSIG)
            if not os.path.exists(f"/proc/{worker_pid}") or open(f"/proc/{worker_pid}/stat").read().split()[2] == "Z":
                break
            time.sleep(0.05)
        outcome = w.call("probes", "double", [1], {}, ["x"], max_reply=1 << 20)
        assert outcome.status == "crashed"
    with start(monkeypatch, "fork") as w:
        assert Template.get() is not old
        assert to_plain(w.call("probes", "double", [2], {}, ["x"], max_reply=1 << 20).value) == 4


def test_a_forked_child_leaves_its_parents_template_alone(monkeypatch):
    """A batch's grading process forked from a process that has a template (a test session that
    grades in-process, say) starts its own: ending its copy of the parent's would kill the
    parent's template (its process group) and break its socket."""
    parent = Template.get()

    def child() -> None:
        inherited = Template._current
        Template.close_current()                 # what a grading process does as it exits
        os._exit(0 if inherited is None else 1)

    proc = multiprocessing.get_context("fork").Process(target=child)
    proc.start()
    proc.join(10)
    assert proc.exitcode == 0, "the child saw its parent's template as its own"
    assert parent.alive and Template.get() is parent
    with start(monkeypatch, "fork") as worker:           # forked by the parent's template, still there
        assert to_plain(worker.call("probes", "double", [21], {}, ["x"], max_reply=1 << 20).value) == 42
