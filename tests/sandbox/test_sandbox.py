"""The worker process: what student code can see and what limits it runs under."""
import os
import time

import numpy as np
import pytest

from grader.sandbox.client import Limits, Worker
from grader.sandbox.codec import to_plain

PROBES = '''
import os, sys, resource
import numpy as np

def env(name):
    return os.environ.get(name, "absent")

def cwd_listing():
    return sorted(os.listdir("."))

def stdin_read():
    return sys.stdin.read()

def session():
    return [os.getsid(0) == os.getpid(), os.getpgid(0) == os.getpid()]

def limit(name):
    return list(resource.getrlimit(getattr(resource, name)))

def blas_threads():
    return os.environ.get("OPENBLAS_NUM_THREADS", "unset")

def double(x):
    return 2 * x

def spin():
    while True:
        pass

def grandchild():
    import subprocess
    p = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    return p.pid
'''


@pytest.fixture
def worker():
    w = Worker({"probes": PROBES}, Limits(wall_seconds=5, memory_mb=1024, cpu_seconds=60))
    loaded = w.load(["probes"])
    assert loaded.status == "ok" and loaded.value == {}
    yield w
    w.close()


def call(worker, function, *args):
    outcome = worker.call("probes", function, list(args), {}, [], max_reply=1 << 20)
    assert outcome.status == "ok", (outcome.status, outcome.error, outcome.reason)
    return to_plain(outcome.value)


def test_environment_is_scrubbed(worker, monkeypatch):
    monkeypatch.setenv("DLGRADE_TEST_SECRET", "hunter2")   # set after start: also check a fresh one
    assert call(worker, "env", "DLGRADE_TEST_SECRET") == "absent"
    assert call(worker, "env", "HOME") != os.environ.get("HOME")
    assert call(worker, "blas_threads") == "1"


def test_fresh_worker_does_not_inherit_the_parents_secrets(monkeypatch):
    monkeypatch.setenv("DLGRADE_TEST_SECRET", "hunter2")
    with Worker({"probes": PROBES}, Limits()) as w:
        w.load(["probes"])
        assert call(w, "env", "DLGRADE_TEST_SECRET") == "absent"


def test_scratch_folder_holds_only_the_students_files(worker):
    assert call(worker, "cwd_listing") == ["probes.py"]


def test_stdin_is_closed(worker):
    assert call(worker, "stdin_read") == ""


def test_own_session_and_process_group(worker):
    assert call(worker, "session") == [True, True]


def test_rlimits_are_applied(worker):
    assert call(worker, "limit", "RLIMIT_AS") == [1024 << 20, 1024 << 20]
    assert call(worker, "limit", "RLIMIT_CORE") == [0, 0]
    assert call(worker, "limit", "RLIMIT_NOFILE")[1] <= 64
    assert call(worker, "limit", "RLIMIT_FSIZE")[1] <= 64 << 20


def test_arrays_round_trip_exactly(worker):
    x = np.random.default_rng(0).normal(size=(3, 4))
    out = call(worker, "double", x)
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
    np.testing.assert_array_equal(out, 2 * x)


def test_deadline_kills_the_whole_process_group():
    with Worker({"probes": PROBES}, Limits(wall_seconds=1.5)) as w:
        w.load(["probes"])
        spawned = w.call("probes", "grandchild", [], {}, [], max_reply=1 << 20)
        if spawned.status == "error":        # a tier whose seccomp filter refuses fork and exec
            assert spawned.error["type"] == "PermissionError", spawned.error
            grandchild = None
        else:
            grandchild = to_plain(spawned.value)
        start = time.perf_counter()
        outcome = w.call("probes", "spin", [], {}, [], max_reply=1 << 20)
        assert outcome.status == "timeout"
        assert "1.5 s" in outcome.reason
        assert time.perf_counter() - start < 5
        assert not w.alive
        if grandchild is None:
            return
        deadline = time.time() + 5
        while time.time() < deadline and os.path.exists(f"/proc/{grandchild}") \
                and open(f"/proc/{grandchild}/stat").read().split()[2] != "Z":
            time.sleep(0.05)
        gone = not os.path.exists(f"/proc/{grandchild}") or open(f"/proc/{grandchild}/stat").read().split()[2] == "Z"
        assert gone, "a process the student started outlived the deadline"


def test_scratch_is_removed_on_close():
    w = Worker({"probes": PROBES}, Limits())
    scratch = w.scratch
    assert os.path.isdir(scratch)
    w.close()
    assert not os.path.exists(scratch)
