"""Red team: reaching outside the worker (files, secrets, network, other processes) and exhausting
resources. What the basic tier cannot stop is skipped there with the reason, never run: on a
machine without the layers these submissions would really write files or signal processes.

Each case runs through :meth:`Arena.attack`, which also checks that nothing else was lost.
"""
from __future__ import annotations

import dataclasses
import socket
import threading

import pytest
from redteam_harness import TIER, messages, report, requires, statuses, strong

from grader.sandbox.client import Worker

REFUSED = {"PermissionError", "OSError", "ConnectionRefusedError", "gaierror"}


@requires("landlock", why="the basic tier does not confine writes")
def test_forged_results_files_cannot_be_written(arena):
    result = arena.attack("fake_results.py", tests=["predict_small"])
    writes = report(result, "predict_small", "WRITES")
    assert writes.pop("scratch") == "written"        # its own scratch folder: harmless
    assert all(outcome != "written" for outcome in writes.values()), writes
    assert result.score == 0


def test_the_search_for_secrets_finds_nothing(arena, places):
    result = arena.attack("search_secrets.py", tests=["predict_small"])
    found = report(result, "predict_small", "FOUND")
    assert found["env"] == [], "the worker's environment holds more than the grader put there"
    assert places.token not in result.output and places.token not in messages(result)["predict_small"]
    if strong("landlock"):
        assert found == {"env": [], "read": [], "listed": [], "secret": False}
    if strong("landlock", "user"):
        assert "parent environ" not in found["read"]


@pytest.fixture
def listeners():
    """A TCP service and a UDP socket on localhost: what a hostile worker would try to reach."""
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", 0))
    tcp.listen(8)
    tcp.settimeout(0.2)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.settimeout(0.2)
    heard: list[str] = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                tcp.accept()[0].close()
                heard.append("tcp")
            except OSError:
                pass
            try:
                udp.recvfrom(64)
                heard.append("udp")
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield tcp.getsockname()[1], udp.getsockname()[1], heard
    stop.set()
    thread.join()
    tcp.close()
    udp.close()


@requires("seccomp", why="the basic tier does not cut the network")
def test_no_network_at_all(arena, listeners):
    tcp_port, udp_port, heard = listeners
    result = arena.attack("network.py", tests=["predict_small"], __TCP_PORT__=str(tcp_port),
                          __UDP_PORT__=str(udp_port))
    attempts = report(result, "predict_small", "NET")
    assert set(attempts.values()) <= REFUSED, attempts
    assert heard == []


@requires("seccomp", why="the basic tier lets the worker signal and read its own user's processes")
def test_other_processes_are_out_of_reach(arena):
    result = arena.attack("kill_others.py", tests=["predict_small"])
    reach = report(result, "predict_small", "KILL")
    assert reach.pop("signal self") == "ok"
    assert reach.pop("signalled pids") == 0
    assert set(reach.values()) <= REFUSED, reach


@requires("landlock", why="the basic tier does not confine writes")
def test_nothing_persists_outside_the_scratch_folder(arena):
    result = arena.attack("persist_writes.py", tests=["predict_small"])
    outcome = report(result, "predict_small", "PERSIST")
    assert not {k: v for k, v in outcome.items() if v in ("opened", "created")}, outcome


def test_fork_bombs_leave_nothing_behind(arena):
    """Forking is refused at the strong tier; elsewhere the children die with the worker's group.
    Either way the attack's own grade is checked, and (by attack()) no process is left over."""
    result = arena.attack("fork_bomb.py", tests=["predict_small", "update_on_mistake"])
    if strong("seccomp"):
        assert statuses(result) == {"predict_small": "error", "update_on_mistake": "error"}
        assert all("PermissionError" in m for m in messages(result).values())
    else:
        assert statuses(result)["predict_small"] == "passed"


def test_a_memory_bomb_hits_the_limit(arena):
    result = arena.attack("memory_bomb.py", tests=["predict_small", "update_on_mistake"])
    assert statuses(result) == {"predict_small": "error", "update_on_mistake": "passed"}
    assert "ran out of memory" in messages(result)["predict_small"]


def test_a_gigabyte_of_output_is_cut_off(arena):
    result = arena.attack("huge_output.py", tests=["predict_small", "update_on_mistake"])
    assert statuses(result) == {"predict_small": "crashed", "update_on_mistake": "passed"}
    assert "printed more than" in messages(result)["predict_small"].lower()
    assert len(result.output) <= 2 * Worker.KEEP_OUTPUT


def test_filling_the_disk_stops_at_the_limits(arena, spec):
    # At the basic tier the writes reach the real disk (about 224 MiB, up to the file-size limit and
    # the submission's own bound), which took over the harness's 2 s in CI: the time is the disk's,
    # not what this test is about, so the call gets 20 s.
    patient = dataclasses.replace(spec, limits=dataclasses.replace(spec.limits, wall_seconds=20.0))
    result = arena.attack("fill_disk.py", tests=["predict_small"], spec=patient)
    disk = messages(result)["predict_small"]
    assert "big file: EFBIG" in disk, disk                      # RLIMIT_FSIZE, at every tier
    if strong("namespaces"):
        assert "fill: ENOSPC" in disk, disk                     # the scratch tmpfs is full
        written = int(disk.split("after ")[1].split(" MiB")[0])
        assert written <= arena.spec.limits.scratch_mb


def test_forbidden_modules_cannot_be_imported(arena, spec):
    forbidding = dataclasses.replace(spec, limits=dataclasses.replace(spec.limits, forbid=("numba", "scipy.signal")))
    result = arena.attack("forbidden_import.py", tests=["predict_small", "update_on_mistake"], spec=forbidding)
    assert set(statuses(result).values()) == {"error"}
    assert "numba is not allowed in this assignment" in messages(result)["predict_small"]
    assert "numba is not allowed in this assignment" in messages(result)["update_on_mistake"]


def test_a_forbidden_import_at_the_top_of_the_file(arena, spec):
    forbidding = dataclasses.replace(spec, limits=dataclasses.replace(spec.limits, forbid=("scipy.signal",)))
    result = arena.attack("forbidden_at_import.py", tests=["predict_small"], spec=forbidding)
    message = messages(result)["predict_small"]
    assert statuses(result) == {"predict_small": "error"}
    try:
        import scipy  # noqa: F401
        assert "scipy.signal is not allowed in this assignment" in message, message
    except ImportError:
        assert "No module named 'scipy'" in message, message


def test_numba_and_its_cuda_simulator_work_in_the_worker(arena, spec):
    patient = dataclasses.replace(spec, limits=dataclasses.replace(spec.limits, wall_seconds=60))   # JIT compiling
    result = arena.attack("numba_kernels.py", tests=["predict_small", "predict_random", "update_on_mistake"],
                          spec=patient)
    assert set(statuses(result).values()) == {"passed"}, messages(result)


def test_the_tier_is_recorded_in_the_result(arena):
    result = arena.attack("honest.py", tests=["predict_small"])
    assert result.isolation == TIER.description
    assert result.isolation.split(":")[0].split(" (")[0] in ("strong", "partial", "basic", "local check, not isolated")
