"""The isolation tiers themselves: choosing one, refusing to pretend, the seccomp filter's shape,
a worker that cannot be isolated as planned, and the spec's ``forbid`` field."""
from __future__ import annotations

import errno
import struct
import subprocess
import sys

import pytest
import yaml
from redteam_harness import ASSIGNMENT, REPO, requires

from grader.model.spec import SpecError, load_spec
from grader.sandbox import isolation, layers
from grader.sandbox.client import Limits, Worker
from grader.sandbox.isolation import IsolationError, choose
from grader.sandbox.layers import seccomp_program


def test_basic_is_chosen_when_asked():
    chosen = choose("basic")
    expected = "basic" if sys.platform.startswith("linux") else "local check, not isolated"
    assert (chosen.tier, chosen.layers) == (expected, ())
    assert chosen.description.startswith(expected)


def test_an_unknown_mode_is_one_line(monkeypatch):
    monkeypatch.setenv(isolation.ENV_VAR, "paranoid")
    with pytest.raises(IsolationError, match="DLGRADE_ISOLATION='paranoid': expected auto, basic or strong"):
        choose()


@pytest.fixture
def probe_says(monkeypatch):
    """Make the probe report ``failed`` layers (layer -> reason) and every other candidate working."""
    def install(failed: dict[str, str], runtime: str = ""):
        def fake(layers, uid):
            return {"applied": [x for x in layers if x not in failed], "failed": failed, "checks": {}, "runtime": runtime}
        monkeypatch.setattr(isolation, "_run_probe", fake)
        monkeypatch.setattr(isolation, "landlock_abi", lambda: 7)
        monkeypatch.setattr(isolation, "seccomp_arch", lambda: "x86_64")
        monkeypatch.setattr(sys, "platform", "linux")
    return install


def test_strong_refuses_a_machine_without_every_layer(probe_says):
    probe_says({"namespaces": "unshare: Operation not permitted"})
    with pytest.raises(IsolationError, match=r"strong, but .*namespaces \(unshare: Operation not permitted\)"):
        choose("strong")
    partial = choose("auto")
    assert partial.tier == "partial" and "namespaces" not in partial.layers
    assert partial.description.startswith("partial: ")
    assert "missing: namespaces (unshare: Operation not permitted)" in partial.description


def test_layers_that_break_python_are_all_dropped(probe_says):
    probe_says({}, runtime="ModuleNotFoundError: No module named 'numpy'")
    fallback = choose("auto")
    assert fallback.tier == "basic" and fallback.layers == ()
    assert "numpy" in fallback.description


def test_every_layer_makes_strong(probe_says):
    probe_says({})
    chosen = choose("strong")
    assert chosen.tier == "strong" and set(chosen.layers) >= {"namespaces", "landlock", "seccomp"}


def _instructions(program: bytes) -> list[tuple[int, int, int, int]]:
    return [struct.unpack("=HBBI", program[i:i + 8]) for i in range(0, len(program), 8)]


@pytest.mark.parametrize("arch", ["x86_64", "aarch64"])
def test_the_seccomp_filter_checks_the_arch_and_refuses_the_table(arch):
    column = layers._ARCHES[arch][0]
    program = _instructions(seccomp_program(arch, 4242))
    assert program[0] == (layers._BPF_LD_W_ABS, 0, 0, 4)                       # load the arch
    assert program[1][3] == layers._ARCHES[arch][1] and program[2][3] == layers.SECCOMP_RET_KILL_PROCESS
    assert program[-1] == (layers._BPF_RET, 0, 0, layers.SECCOMP_RET_ALLOW)
    eperm = layers.SECCOMP_RET_ERRNO | errno.EPERM
    refused = {program[i][3] for i in range(len(program) - 1)
               if program[i][0] == layers._BPF_JEQ and program[i + 1] == (layers._BPF_RET, 0, 0, eperm)}
    table = {numbers[column] for numbers in layers._SYSCALLS.values() if numbers[column] is not None}
    assert table <= refused
    assert len(program) < 256                       # jump offsets are one byte


def test_seccomp_lets_a_process_signal_only_itself():
    program = _instructions(seccomp_program("x86_64", 4242))
    kill = next(i for i, ins in enumerate(program) if ins[0] == layers._BPF_JEQ and ins[3] == 62)
    allowed = {ins[3] for ins in program[kill + 2: kill + 5]}
    assert allowed == {4242, 0, (-4242) & 0xFFFFFFFF}


@requires("namespaces")
def test_a_worker_that_cannot_be_isolated_never_runs(monkeypatch):
    """A plan the worker cannot carry out stops it before student code: the grader's error, with the reason."""
    real_plan = isolation.Isolation.plan

    def broken(self, scratch, **kwargs):
        return {**real_plan(self, scratch, **kwargs), "scratch_bytes": "lots"}

    monkeypatch.setattr(isolation.Isolation, "plan", broken)
    with pytest.raises(isolation.SandboxError, match=r"the sandbox could not be set up \(dlgrade-isolation: namespaces:"):
        with Worker({"m": "print('student code ran')\n"}, Limits()) as worker:
            worker.load(["m"])
    assert "student code ran" not in worker.output


def _spec_with(tmp_path, **fields):
    raw = yaml.safe_load((ASSIGNMENT / "assignment.yaml").read_text())
    raw.update(references=str(REPO / "reference"), **fields)
    (tmp_path / "assignment.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))
    return tmp_path / "assignment.yaml"


def test_the_spec_names_forbidden_modules(tmp_path):
    spec = load_spec(_spec_with(tmp_path, forbid=["scipy.signal", "torch"]))
    assert spec.limits.forbid == ("scipy.signal", "torch")


@pytest.mark.parametrize("bad", [["numpy.linalg"], ["scipy signal"], "torch"])
def test_a_bad_forbid_list_is_a_spec_error(tmp_path, bad):
    with pytest.raises(SpecError, match="forbid"):
        load_spec(_spec_with(tmp_path, forbid=bad))


def test_the_tier_of_a_machine_can_be_printed():
    done = subprocess.run([sys.executable, "-m", "grader.sandbox", "--mode", "basic"], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(("basic", "local check"))
