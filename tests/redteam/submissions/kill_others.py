"""Red team G1: reach other processes: signal the grader (its parent), pid 1, every process
(kill -1), any pid up to 4096, read the grader's memory (process_vm_readv, /proc/PID/mem) and
trace it. Signal 0 only tests permission, so this file harms nothing even where it is allowed.
It raises with what it could do. Expected at the strong tier: nothing at all."""
import ctypes
import json
import os

import numpy as np


class IoVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


def _attempt(action):
    try:
        action()
        return "ok"
    except OSError as exc:
        return type(exc).__name__


def _read_memory(pid):
    libc = ctypes.CDLL(None, use_errno=True)
    buf = ctypes.create_string_buffer(16)
    with open(f"/proc/{pid}/maps") as f:
        start = int(f.readline().split("-")[0], 16)
    local, remote = IoVec(ctypes.cast(buf, ctypes.c_void_p), 16), IoVec(start, 16)
    if libc.process_vm_readv(pid, ctypes.byref(local), 1, ctypes.byref(remote), 1, 0) < 0:
        raise OSError(ctypes.get_errno(), "process_vm_readv")


def _mem(pid):
    with open(f"/proc/{pid}/mem", "rb") as f:
        f.read(1)


def _ptrace_seize(pid):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.ptrace(0x4206, pid, None, None) < 0:          # PTRACE_SEIZE: does not stop the target
        raise OSError(ctypes.get_errno(), "ptrace")
    libc.ptrace(17, pid, None, None)                     # PTRACE_DETACH


def predict(X, w, b):
    me, parent = os.getpid(), os.getppid()
    outcome = {
        "signal parent": _attempt(lambda: os.kill(parent, 0)),
        "signal pid 1": _attempt(lambda: os.kill(1, 0)),
        "signal all": _attempt(lambda: os.kill(-1, 0)),
        "signalled pids": sum(_attempt(lambda p=p: os.kill(p, 0)) == "ok" for p in range(2, 4097) if p != me),
        "read parent memory": _attempt(lambda: _read_memory(parent)),
        "open parent mem": _attempt(lambda: _mem(parent)),
        "trace parent": _attempt(lambda: _ptrace_seize(parent)),
        "signal self": _attempt(lambda: os.kill(me, 0)),
    }
    raise RuntimeError("KILL " + json.dumps(outcome))
