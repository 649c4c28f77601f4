"""Isolation tiers: what this machine lets the grader take away from a worker, and taking it.

Every worker gets the *basic* protections of :mod:`grader.sandbox.client` (a separate ``python -I``
process with an empty environment, no stdin, its own session, a scratch folder, rlimits, output
caps, a deadline). On Linux this module adds layers, each probed once at start-up:

``namespaces``  new network, IPC and mount namespaces (and a user namespace when the grader is not
                root): no network interface but a loopback that is down, no shared SysV IPC, and
                the scratch folder on a private, size-limited tmpfs.
``user``        (grader running as root) uid/gid 65534 when that user can read the Python
                runtime, else uid 0 with every capability dropped.
``landlock``    the filesystem shrinks to the Python runtime (read), system libraries (read) and
                the scratch folder (read/write): no home folders, no grader files, no references,
                hidden tests or other submissions, no ``/proc`` of other processes; TCP refused and
                signals to outside processes refused where the kernel's Landlock ABI has them.
``seccomp``     a syscall filter: no fork/vfork/execve (threads allowed: BLAS and Numba need
                them), no sockets, no signals to other processes, no ptrace, namespaces, mounts,
                io_uring, bpf, keyrings, kernel modules, device nodes or uid changes.

Tiers, as recorded in every result's ``isolation`` field (the text starts with the tier name):

``strong``   Linux with every layer (``user`` only applies to root).
``partial``  Linux where some layer is unavailable; the text names what is missing.
``basic``    no layers: the tier of ``DLGRADE_ISOLATION=basic``, and of Linux machines that allow
             none of them.
``local check, not isolated``  macOS and Windows: the basic protections that the platform offers.

``DLGRADE_ISOLATION`` chooses: ``auto`` (default: every layer that works), ``basic``, or
``strong`` (refuse to grade, with :class:`IsolationError`, unless every layer works).

``python -m grader.sandbox.isolation`` prints the tier of this machine (``--startup`` also times workers).

This file has two halves and imports only the standard library. The parent imports it as
``grader.sandbox.isolation`` (:func:`current`, :meth:`Isolation.command`). The worker process loads it by
path (:data:`BOOTSTRAP`, ``python -I`` cannot import the grader package) and calls :func:`launch`
before any student code and before NumPy. That applies the plan's layers, installs the
forbidden-import hook (spec field ``forbid``) and runs ``worker.py`` as ``__main__``. A layer
that fails to apply stops the process with exit status :data:`SETUP_FAILED` before student code
could run. Otherwise the worker's first frame to the parent confirms the layers it applied,
before any student code loads; the parent checks it against what the run demands (and, where the
kernel shows it in ``/proc/PID/status``, against the kernel: :func:`kernel_disagrees`) and refuses
a worker that falls short with :class:`SandboxError`. A worker never runs student code with less
isolation than the result reports, and any way it ends after that frame is the student code's.
"""
from __future__ import annotations

import ctypes
import errno
import functools
import json
import os
import platform
import stat
import struct
import sys
import threading
import time

#: ``python -I -c BOOTSTRAP THIS_FILE PLAN_JSON WORKER_SCRIPT ARGS...``: load this file by path
#: (from its cached bytecode when there is one) and hand over to :func:`launch`.
BOOTSTRAP = ("import sys, importlib.util as u; sys.dont_write_bytecode = True; "
             "s = u.spec_from_file_location('dlgrade_isolation', sys.argv[1]); m = u.module_from_spec(s); "
             "s.loader.exec_module(m); m.launch(sys.argv[1:])")
SETUP_FAILED = 70                       # exit status of a worker whose isolation could not be set up
APPLIED_NAME = "__dlgrade_layers__"     # the worker program's global that lists the layers applied
UNPRIVILEGED_ID = 65534                 # "nobody": the uid/gid a root grader's workers run as
LAYERS = ("namespaces", "user", "landlock", "seccomp")
ENV_VAR = "DLGRADE_ISOLATION"


class IsolationError(RuntimeError):
    """``DLGRADE_ISOLATION`` asks for what this machine cannot give; ``str()`` is one line."""


class SandboxError(IsolationError):
    """A worker did not confirm, before any student code, the sandbox the run demands: the
    grader's or the machine's failure, never the student's; ``str()`` is one line."""


# =========================================================================== kernel interfaces
# Constants from linux/sched.h, linux/mount.h, linux/prctl.h, linux/landlock.h, linux/seccomp.h,
# linux/filter.h, linux/audit.h and the syscall tables of asm/unistd_64.h (x86_64) and
# asm-generic/unistd.h (aarch64).

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWNET = 0x00020000, 0x08000000, 0x10000000, 0x40000000
CLONE_THREAD = 0x00010000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 0x2, 0x4, 0x8, 0x4000, 1 << 18
PR_SET_DUMPABLE, PR_SET_SECCOMP, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT = 4, 22, 24, 38, 47
PR_GET_SECCOMP = 21
PR_CAP_AMBIENT_CLEAR_ALL, SECCOMP_MODE_FILTER = 4, 2
_CAPABILITY_VERSION_3 = 0x20080522

# Landlock filesystem rights, by the ABI version that introduced them.
LL_EXECUTE, LL_WRITE_FILE, LL_READ_FILE, LL_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
LL_MAKE_CHAR, LL_MAKE_BLOCK = 1 << 6, 1 << 11
LL_REFER, LL_TRUNCATE, LL_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
LL_FILE_RIGHTS = LL_EXECUTE | LL_WRITE_FILE | LL_READ_FILE | LL_TRUNCATE | LL_IOCTL_DEV
LL_NET_BIND_TCP, LL_NET_CONNECT_TCP = 1 << 0, 1 << 1
LL_SCOPE_ABSTRACT_UNIX_SOCKET, LL_SCOPE_SIGNAL = 1 << 0, 1 << 1
LL_CREATE_RULESET_VERSION, LL_RULE_PATH_BENEATH = 1, 1
SYS_LANDLOCK_CREATE_RULESET, SYS_LANDLOCK_ADD_RULE, SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446   # every arch

SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_ERRNO, SECCOMP_RET_ALLOW = 0x80000000, 0x00050000, 0x7FFF0000
_BPF_LD_W_ABS, _BPF_JEQ, _BPF_JGE, _BPF_JSET, _BPF_RET = 0x20, 0x15, 0x35, 0x45, 0x06

# Syscalls that the filter refuses with EPERM, and their numbers per architecture.
_SYSCALLS = {
    #  name                 x86_64  aarch64
    "fork":                 (57,    None),
    "vfork":                (58,    None),
    "execve":               (59,    221),
    "execveat":             (322,   281),
    "socket":               (41,    198),
    "tkill":                (200,   130),
    "pidfd_open":           (434,   434),
    "pidfd_send_signal":    (424,   424),
    "pidfd_getfd":          (438,   438),
    "ptrace":               (101,   117),
    "process_vm_readv":     (310,   270),
    "process_vm_writev":    (311,   271),
    "process_madvise":      (440,   440),
    "process_mrelease":     (448,   448),
    "kcmp":                 (312,   272),
    "unshare":              (272,   97),
    "setns":                (308,   268),
    "mount":                (165,   40),
    "umount2":              (166,   39),
    "pivot_root":           (155,   41),
    "chroot":               (161,   51),
    "open_tree":            (428,   428),
    "move_mount":           (429,   429),
    "fsopen":               (430,   430),
    "fsconfig":             (431,   431),
    "fsmount":              (432,   432),
    "fspick":               (433,   433),
    "mount_setattr":        (442,   442),
    "bpf":                  (321,   280),
    "perf_event_open":      (298,   241),
    "userfaultfd":          (323,   282),
    "io_uring_setup":       (425,   425),
    "io_uring_enter":       (426,   426),
    "io_uring_register":    (427,   427),
    "keyctl":               (250,   219),
    "add_key":              (248,   217),
    "request_key":          (249,   218),
    "kexec_load":           (246,   104),
    "kexec_file_load":      (320,   294),
    "init_module":          (175,   105),
    "finit_module":         (313,   273),
    "delete_module":        (176,   106),
    "reboot":               (169,   142),
    "swapon":               (167,   224),
    "swapoff":              (168,   225),
    "acct":                 (163,   89),
    "syslog":               (103,   116),
    "iopl":                 (172,   None),
    "ioperm":               (173,   None),
    "open_by_handle_at":    (304,   265),
    "name_to_handle_at":    (303,   264),
    "mknod":                (133,   None),
    "mknodat":              (259,   33),
    "setuid":               (105,   146),
    "setgid":               (106,   144),
    "setreuid":             (113,   145),
    "setregid":             (114,   143),
    "setresuid":            (117,   147),
    "setresgid":            (119,   149),
    "setgroups":            (116,   159),
    "setfsuid":             (122,   151),
    "setfsgid":             (123,   152),
    "quotactl":             (179,   60),
    "vhangup":              (153,   58),
    "uselib":               (134,   None),
}
# Syscalls with a rule on their arguments, and clone3 (ENOSYS, so that glibc falls back to clone,
# whose flags a classic BPF filter can read).
_SPECIAL = {"clone": (56, 220), "clone3": (435, 435), "kill": (62, 129), "tgkill": (234, 131),
            "rt_sigqueueinfo": (129, 138), "rt_tgsigqueueinfo": (297, 240)}
_ARCHES = {"x86_64": (0, 0xC000003E), "aarch64": (1, 0xC00000B7)}   # column, AUDIT_ARCH_*
_X32_SYSCALL_BIT = 0x40000000


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> int:
    if result < 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")
    return result


def seccomp_arch() -> str | None:
    """The machine's name in the filter's tables, or None where the filter has no table."""
    machine = platform.machine().lower()
    machine = {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)
    return machine if machine in _ARCHES and sys.maxsize > 2**32 else None


def landlock_abi() -> int:
    """The kernel's Landlock ABI version (0: none, or not Linux)."""
    if not sys.platform.startswith("linux"):
        return 0
    libc = _libc()
    libc.syscall.restype = ctypes.c_long
    version = libc.syscall(ctypes.c_long(SYS_LANDLOCK_CREATE_RULESET), None, ctypes.c_size_t(0),
                           ctypes.c_uint32(LL_CREATE_RULESET_VERSION))
    return max(0, int(version))


# =========================================================================== the worker's half

def _single_threaded() -> None:
    """unshare(CLONE_NEWUSER), Landlock and a seccomp filter each act on the calling thread (or
    refuse a threaded process): the layers must go on before any thread exists."""
    threads = len(os.listdir("/proc/self/task"))
    if threads != 1:
        raise OSError(errno.EBUSY, f"the worker already has {threads} threads")


def _read_tree(root: str, limit: int = 64 << 20) -> list[tuple[str, bytes | None]]:
    """(relative path, bytes or None for a folder) of everything under ``root``, parents first."""
    items, total = [], 0
    for folder, dirs, files in os.walk(root):
        rel = os.path.relpath(folder, root)
        if rel != ".":
            items.append((rel, None))
        for name in files:
            with open(os.path.join(folder, name), "rb") as f:
                data = f.read(limit - total + 1)
            total += len(data)
            if total > limit:
                raise OSError(errno.EFBIG, "the scratch folder is too large to move onto a tmpfs")
            items.append((os.path.normpath(os.path.join(rel, name)), data))
    return items


def _apply_namespaces(plan: dict) -> None:
    """New network, IPC and mount namespaces (user too when not root); scratch on a private tmpfs."""
    libc = _libc()
    uid, gid = os.getuid(), os.getgid()
    flags = CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWNS
    if uid != 0:
        flags |= CLONE_NEWUSER
    scratch = plan["scratch"]
    contents = _read_tree(scratch)
    _check(libc.unshare(ctypes.c_int(flags)), "unshare")
    if uid != 0:               # map our own ids only: the namespace gains nothing outside
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
            with open(f"/proc/self/{name}", "w") as f:
                f.write(text)
    # Private first, so that the tmpfs below never propagates back to the grader's namespace.
    _check(libc.mount(None, b"/", None, ctypes.c_ulong(MS_REC | MS_PRIVATE), None), "mount --make-rprivate /")
    owner = plan.get("uid") if plan.get("uid") is not None else uid
    group = plan.get("gid") if plan.get("gid") is not None else gid
    options = (f"size={int(plan['scratch_bytes'])},nr_inodes=4096,mode=0700,uid={owner},gid={group}").encode()
    _check(libc.mount(b"tmpfs", os.fsencode(scratch), b"tmpfs",
                      ctypes.c_ulong(MS_NOSUID | MS_NODEV | MS_NOEXEC), options), "mount tmpfs")
    for rel, data in contents:
        path = os.path.join(scratch, rel)
        if data is None:
            os.mkdir(path, 0o700)
        else:
            with open(path, "wb") as f:
                f.write(data)
        if owner != os.getuid():
            os.chown(path, owner, group)
    os.chdir(scratch)          # the old cwd is the folder under the mount
    if uid != 0:
        _drop_capabilities(libc, bounding=False)   # full capabilities in the new user namespace


def _drop_capabilities(libc, bounding: bool) -> None:
    if bounding:   # best effort (needs CAP_SETPCAP): it only matters at execve, which seccomp refuses
        with open("/proc/sys/kernel/cap_last_cap") as f:
            last = int(f.read())
        for cap in range(last + 1):
            libc.prctl(PR_CAPBSET_DROP, ctypes.c_ulong(cap), 0, 0, 0)
        libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = struct.pack("=Ii", _CAPABILITY_VERSION_3, 0)
    data = bytes(24)                             # effective, permitted, inheritable: all zero (x2)
    _check(libc.capset(header, data), "capset")


def _apply_user(plan: dict) -> None:
    """Root only: become uid/gid 65534, or stay uid 0 without any capability."""
    libc = _libc()
    if plan.get("uid") is not None:
        os.setgroups([])
        os.setresgid(plan["gid"], plan["gid"], plan["gid"])
        os.setresuid(plan["uid"], plan["uid"], plan["uid"])   # clears every capability
    else:
        _drop_capabilities(libc, bounding=True)


def _landlock_rules(plan: dict, abi: int) -> list[tuple[str, int]]:
    read = LL_EXECUTE | LL_READ_FILE | LL_READ_DIR
    scratch = ((1 << 13) - 1) & ~(LL_MAKE_CHAR | LL_MAKE_BLOCK)
    if abi >= 2:
        scratch |= LL_REFER
    if abi >= 3:
        scratch |= LL_TRUNCATE
    device = LL_READ_FILE | LL_WRITE_FILE | (LL_TRUNCATE if abi >= 3 else 0) | (LL_IOCTL_DEV if abi >= 5 else 0)
    rules = [(p, read) for p in plan["read"]]
    rules += [(p, device) for p in plan.get("devices", [])]
    rules += [(f"/proc/{os.getpid()}", read), (plan["scratch"], scratch)]
    return rules


def _apply_landlock(plan: dict) -> None:
    """Allow reading the runtime, reading/writing the scratch folder, and nothing else."""
    abi = landlock_abi()
    if abi < 1:
        raise OSError(errno.ENOSYS, "Landlock is not available")
    libc = _libc()
    libc.syscall.restype = ctypes.c_long
    handled_fs = (1 << 13) - 1
    for version, right in ((2, LL_REFER), (3, LL_TRUNCATE), (5, LL_IOCTL_DEV)):
        if abi >= version:
            handled_fs |= right
    handled_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP if abi >= 4 else 0
    scoped = LL_SCOPE_ABSTRACT_UNIX_SOCKET | LL_SCOPE_SIGNAL if abi >= 6 else 0
    attr = struct.pack("=QQQ", handled_fs, handled_net, scoped)[: 8 if abi < 4 else 16 if abi < 6 else 24]
    ruleset = _check(libc.syscall(ctypes.c_long(SYS_LANDLOCK_CREATE_RULESET), attr,
                                  ctypes.c_size_t(len(attr)), ctypes.c_uint32(0)), "landlock_create_ruleset")
    try:
        for path, rights in _landlock_rules(plan, abi):
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except FileNotFoundError:
                continue
            try:
                if not stat.S_ISDIR(os.fstat(fd).st_mode):
                    rights &= LL_FILE_RIGHTS
                rights &= handled_fs
                rule = struct.pack("=Qi", rights, fd)
                _check(libc.syscall(ctypes.c_long(SYS_LANDLOCK_ADD_RULE), ctypes.c_int(ruleset),
                                    ctypes.c_int(LL_RULE_PATH_BENEATH), rule, ctypes.c_uint32(0)),
                       f"landlock_add_rule {path}")
            finally:
                os.close(fd)
        _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
        _check(libc.syscall(ctypes.c_long(SYS_LANDLOCK_RESTRICT_SELF), ctypes.c_int(ruleset), ctypes.c_uint32(0)),
               "landlock_restrict_self")
    finally:
        os.close(ruleset)


def seccomp_program(arch: str, pid: int) -> bytes:
    """The classic-BPF filter for ``arch``, as the bytes of a ``struct sock_filter`` array.

    Other architectures' calling conventions (i386 through int 0x80) kill the process; x32
    syscalls and the table above get EPERM; clone is allowed only for threads (CLONE_THREAD);
    clone3 gets ENOSYS; signals may go to this process and its own process group only.
    """
    column, audit_arch = _ARCHES[arch]
    eperm, enosys = SECCOMP_RET_ERRNO | errno.EPERM, SECCOMP_RET_ERRNO | errno.ENOSYS
    out: list[tuple[int, int, int, int]] = []

    def op(code: int, k: int, jt: int = 0, jf: int = 0) -> None:
        out.append((code, jt, jf, k & 0xFFFFFFFF))

    def nr(name: str) -> int | None:
        return (_SYSCALLS.get(name) or _SPECIAL[name])[column]

    load_nr, load_arch, load_arg0 = 0, 4, 16     # offsets in struct seccomp_data (low word of args[0])
    op(_BPF_LD_W_ABS, load_arch)
    op(_BPF_JEQ, audit_arch, jt=1)
    op(_BPF_RET, SECCOMP_RET_KILL_PROCESS)
    op(_BPF_LD_W_ABS, load_nr)
    if arch == "x86_64":
        op(_BPF_JGE, _X32_SYSCALL_BIT, jf=1)
        op(_BPF_RET, eperm)
    for name in _SYSCALLS:
        if nr(name) is not None:
            op(_BPF_JEQ, nr(name), jf=1)
            op(_BPF_RET, eperm)
    op(_BPF_JEQ, nr("clone3"), jf=1)
    op(_BPF_RET, enosys)
    # clone: a thread, or nothing.
    op(_BPF_JEQ, nr("clone"), jf=4)
    op(_BPF_LD_W_ABS, load_arg0)
    op(_BPF_JSET, CLONE_THREAD, jf=1)
    op(_BPF_RET, SECCOMP_RET_ALLOW)
    op(_BPF_RET, eperm)
    # kill(pid, sig): this process (pid), or its own group (0 or -pid).
    op(_BPF_JEQ, nr("kill"), jf=6)
    op(_BPF_LD_W_ABS, load_arg0)
    op(_BPF_JEQ, pid, jt=3)
    op(_BPF_JEQ, 0, jt=2)
    op(_BPF_JEQ, -pid, jt=1)
    op(_BPF_RET, eperm)
    op(_BPF_RET, SECCOMP_RET_ALLOW)
    # tgkill(tgid, ...), rt_sigqueueinfo(pid, ...), rt_tgsigqueueinfo(tgid, ...): this process only.
    for name in ("tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo"):
        op(_BPF_JEQ, nr(name), jf=4)
        op(_BPF_LD_W_ABS, load_arg0)
        op(_BPF_JEQ, pid, jt=1)
        op(_BPF_RET, eperm)
        op(_BPF_RET, SECCOMP_RET_ALLOW)
    op(_BPF_RET, SECCOMP_RET_ALLOW)
    return b"".join(struct.pack("=HBBI", *ins) for ins in out)


def _apply_seccomp(plan: dict) -> None:
    arch = seccomp_arch()
    if arch is None:
        raise OSError(errno.ENOSYS, f"no seccomp table for {platform.machine()}")
    program = seccomp_program(arch, os.getpid())
    buffer = ctypes.create_string_buffer(program, len(program))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = _libc()
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    _check(libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0), "seccomp filter")


_APPLY = {"namespaces": _apply_namespaces, "user": _apply_user, "landlock": _apply_landlock,
          "seccomp": _apply_seccomp}


class SetupFailed(Exception):
    """A layer of a worker's plan could not be applied; ``str()`` names the layer and why."""


def apply(plan: dict, strict: bool = True, seconds: dict[str, float] | None = None) -> dict[str, str]:
    """Apply the plan's layers in order; returns {layer: error} for those that failed.

    With ``strict`` the first failure raises :class:`SetupFailed` instead (a worker must never run
    with less than its plan). ``seconds``, when given, receives the time each layer took."""
    failed: dict[str, str] = {}
    if not plan["layers"]:
        return failed
    _single_threaded()
    for layer in LAYERS:
        if layer in plan["layers"]:
            start = time.perf_counter()
            try:
                _APPLY[layer](plan)
            except (OSError, ValueError) as exc:
                if strict:
                    raise SetupFailed(f"{layer}: {exc}") from None
                failed[layer] = str(exc)[:300]
            if seconds is not None:
                seconds[layer] = time.perf_counter() - start
    _libc().prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)    # other workers of the same uid cannot open our /proc files
    return failed


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
        import socket
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
        import numpy
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
    import importlib.util
    # The worker's code is loaded before the layers go on (it may not see grader/ afterwards),
    # from its cached bytecode when the parent left one: compiling it costs ~20 ms per start.
    spec = importlib.util.spec_from_file_location("__main__", argv[2])
    code = spec.loader.get_code("__main__")
    if plan.get("template"):
        _serve_template(int(plan["socket"]), code, argv[2])
        return
    _become_worker(plan, code, argv[2], argv[3:])


def _become_worker(plan: dict, code, worker_path: str, worker_args: list[str]) -> None:
    """Apply the plan's layers, then run the worker program (``code``) as ``__main__``."""
    import types
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
    module = types.ModuleType("__main__")
    module.__file__ = worker_path
    # What was applied, for the worker's first frame to the parent (sent before any student code).
    module.__dict__[APPLIED_NAME] = [layer for layer in LAYERS if layer in plan["layers"]]
    sys.modules["__main__"] = module
    sys.argv = [worker_path, *worker_args]
    exec(code, module.__dict__)


# --------------------------------------------------------------------------- the worker template

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
    import select
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


# =========================================================================== the parent's half

def kernel_disagrees(pid: int, layers) -> str | None:
    """What the kernel's ``/proc/PID/status`` shows against a worker's confirmed ``layers``, or None.

    Readable for any process whatever its owner or dumpable flag, and outside the worker's reach:
    seccomp mode 2 (a filter), no effective capability for ``user``, ``no_new_privs`` for
    Landlock. (Namespaces and Landlock's rules themselves do not show there.)
    """
    try:
        with open(f"/proc/{pid}/status") as f:
            fields = {k: v.strip() for k, v in (line.split(":", 1) for line in f if ":" in line)}
    except OSError:
        return None                       # not Linux, or already gone: its death is reported instead
    if "seccomp" in layers and fields.get("Seccomp", "2") != "2":
        return f"the kernel shows no seccomp filter (Seccomp: {fields.get('Seccomp')})"
    if "user" in layers and int(fields.get("CapEff", "0") or "0", 16):
        return f"the kernel shows capabilities left (CapEff: {fields.get('CapEff')})"
    if ("landlock" in layers or "seccomp" in layers) and fields.get("NoNewPrivs", "1") != "1":
        return "the kernel shows no_new_privs unset"
    return None


class Isolation:
    """The layers a worker gets, and what the others lack. See :func:`current`.

    The tier's name is derived from ``layers`` (:attr:`tier`), never stored beside them: a
    verdict read back from disk cannot say "strong" about fewer layers.
    """

    def __init__(self, layers: tuple[str, ...] = (), uid: int | None = None, landlock: int = 0,
                 missing: dict[str, str] | None = None):
        self.layers, self.uid, self.landlock = tuple(layers), uid, landlock
        self.missing = missing or {}

    @property
    def tier(self) -> str:
        """``strong`` (every layer there is), ``partial``, ``basic`` or, off Linux, the local check."""
        if not sys.platform.startswith("linux"):
            return "local check, not isolated"
        if not self.layers:
            return "basic"
        return "strong" if strong_layers() <= set(self.layers) else "partial"

    @property
    def description(self) -> str:
        """One line for results: the tier first, then what it consists of."""
        if self.tier == "local check, not isolated":
            return f"{self.tier} ({platform.system()}: separate process, limits, deadline)"
        if not self.layers:
            why = f"; unavailable: {self._missing()}" if self.missing else ""
            return f"basic (separate process: rlimits, scrubbed environment, own session{why})"
        parts = []
        if "namespaces" in self.layers:
            parts.append("no network (namespaces), private tmpfs scratch")
        if "user" in self.layers:
            parts.append(f"uid {self.uid}" if self.uid is not None else "uid 0 without capabilities")
        if "landlock" in self.layers:
            parts.append(f"filesystem limited to runtime and scratch (Landlock ABI {self.landlock})")
        if "seccomp" in self.layers:
            parts.append("no fork/exec/sockets (seccomp)")
        text = f"{self.tier}: " + ", ".join(parts)
        if self.missing:
            text += "; missing: " + self._missing()
        return text

    def _missing(self) -> str:
        return ", ".join(f"{k} ({v})" for k, v in sorted(self.missing.items()))

    def command(self, plan: dict, worker_argv: list[str]) -> list[str]:
        """The command line of a worker: the launcher, then ``worker_argv`` (script and arguments)."""
        return [sys.executable, "-I", "-u", "-c", BOOTSTRAP, os.path.abspath(__file__), json.dumps(plan),
                *worker_argv]

    def plan(self, scratch: str, *, scratch_bytes: int, forbid: tuple[str, ...] = ()) -> dict:
        """The launcher's instructions for one worker whose scratch folder is ``scratch``."""
        plan = {"layers": list(self.layers), "scratch": scratch, "scratch_bytes": scratch_bytes,
                "forbid": list(forbid)}
        if "landlock" in self.layers:
            plan.update(read=runtime_paths(), devices=device_paths())
        if "user" in self.layers and self.uid is not None:
            plan.update(uid=self.uid, gid=self.uid)
        return plan

    @property
    def worker_uid(self) -> int | None:
        """The uid a worker runs as when it differs from the grader's (root dropping to 65534)."""
        return self.uid if "user" in self.layers else None


@functools.lru_cache(maxsize=1)
def runtime_paths() -> list[str]:
    """What a worker may read: the Python installation(s), site-packages and system libraries."""
    import site
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    paths.update(p for p in site.getsitepackages() if os.path.isdir(p))
    paths.update(["/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin",
                  "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime",
                  "/proc/cpuinfo", "/proc/meminfo", "/sys/devices/system/cpu", "/sys/devices/system/node",
                  "/dev/urandom", "/dev/random", "/dev/zero"])
    if os.path.exists("/dev/nvidiactl"):       # CUDA: the driver reads its state from /proc and /sys
        paths.update(["/proc/driver/nvidia", "/sys"])
    return sorted(paths)


@functools.lru_cache(maxsize=1)
def device_paths() -> list[str]:
    """Device files a worker may read and write: /dev/null, and NVIDIA GPUs where present."""
    devices = ["/dev/null"]
    if os.path.isdir("/dev"):
        devices += sorted(f"/dev/{n}" for n in os.listdir("/dev") if n.startswith("nvidia"))
    return devices


def _readable_by_others(path: str) -> bool:
    """Whether a uid other than the owner can reach ``path`` (every parent searchable, it readable)."""
    try:
        real = os.path.realpath(path)
        mode = os.stat(real).st_mode
    except OSError:
        return True                 # a path that does not exist costs nothing to allow
    if not mode & stat.S_IROTH:
        return False
    folder = real if stat.S_ISDIR(mode) else os.path.dirname(real)
    while True:
        if not os.stat(folder).st_mode & stat.S_IXOTH:
            return False
        parent = os.path.dirname(folder)
        if parent == folder:
            return True
        folder = parent


def _candidate_layers(is_root: bool) -> tuple[list[str], int | None, dict[str, str]]:
    """Layers worth probing, the uid to drop to, and why the others were left out."""
    layers, missing = ["namespaces"], {}
    uid = None
    if is_root:
        layers.append("user")
        import tempfile
        needed = [sys.prefix, sys.base_prefix, sys.exec_prefix, tempfile.gettempdir()]
        if all(_readable_by_others(p) for p in needed):
            uid = UNPRIVILEGED_ID
    abi = landlock_abi()
    if abi >= 1:
        layers.append("landlock")
    else:
        missing["landlock"] = "kernel without Landlock"
    if seccomp_arch():
        layers.append("seccomp")
    else:
        missing["seccomp"] = f"no filter table for {platform.machine()}"
    return layers, uid, missing


def strong_layers() -> set[str]:
    """The layers ``strong`` demands: every layer there is (``user`` only applies to root)."""
    return {"namespaces", "landlock", "seccomp"} | ({"user"} if os.geteuid() == 0 else set())


def _namespaces_allowed(is_root: bool) -> bool:
    """Whether the kernel lets this user unshare namespaces, from /proc alone (no process started):
    root needs CAP_SYS_ADMIN; anyone else unprivileged user namespaces that no sysctl switched off."""
    def read(path: str) -> str:
        try:
            with open(path) as f:
                return f.read().strip()
        except OSError:
            return ""
    if is_root:
        fields = dict(line.split(":", 1) for line in read("/proc/self/status").splitlines() if ":" in line)
        return bool(int(fields.get("CapEff", "0").strip() or "0", 16) & (1 << 21))     # CAP_SYS_ADMIN
    return (read("/proc/sys/user/max_user_namespaces") not in ("", "0")
            and read("/proc/sys/kernel/unprivileged_userns_clone") != "0"
            and read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") != "1")


def kernel_offers() -> set[str]:
    """The layers this kernel offers, asked of the kernel itself in well under a millisecond (the
    Landlock ABI query, seccomp's mode, namespace permissions), never of a file: a remembered
    verdict that lacks one of them is not believed (the machine is probed again)."""
    if not sys.platform.startswith("linux"):
        return set()
    is_root = os.geteuid() == 0
    offers = {"user"} if is_root else set()
    if landlock_abi() >= 1:
        offers.add("landlock")
    if seccomp_arch() and _libc().prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0:   # EINVAL without seccomp
        offers.add("seccomp")
    if _namespaces_allowed(is_root):
        offers.add("namespaces")
    return offers


def _run_probe(layers: list[str], uid: int | None) -> dict:
    import subprocess
    import tempfile
    from .template import worker_environment
    failed = {"applied": [], "checks": {}, "runtime": "probe failed"}
    with tempfile.TemporaryDirectory(prefix="dlgrade-probe-") as scratch, \
            tempfile.NamedTemporaryFile(prefix="dlgrade-canary-") as canary:
        if uid is not None:
            os.chown(scratch, uid, uid)
        plan = Isolation(tuple(layers), uid).plan(scratch, scratch_bytes=8 << 20)
        plan["probe_canary"] = canary.name
        try:
            proc = subprocess.Popen(Isolation().command(plan, []), cwd=scratch, env=worker_environment(scratch),
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    start_new_session=True)
        except OSError as exc:
            return {**failed, "failed": {"probe": str(exc)[:200]}}
        try:
            out, _ = proc.communicate(timeout=PROBE_SECONDS)
            return json.loads(out.decode().strip().splitlines()[-1])
        except (ValueError, IndexError) as exc:
            return {**failed, "failed": {"probe": str(exc)[:200]}}
        except subprocess.TimeoutExpired:
            return {**failed, "failed": {"probe": f"no report within {PROBE_SECONDS} s"}}
        finally:                                   # reaped within a deadline too
            try:
                os.killpg(proc.pid, 9)
            except OSError:
                pass
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass


def _mode(mode: str | None = None) -> str:
    mode = (mode if mode is not None else os.environ.get(ENV_VAR, "")).strip().lower() or "auto"
    if mode not in ("auto", "basic", "strong"):
        raise IsolationError(f"{ENV_VAR}={mode!r}: expected auto, basic or strong")
    return mode


def choose(mode: str | None = None) -> Isolation:
    """Probe this machine and pick the isolation for ``mode`` (default: ``$DLGRADE_ISOLATION``)."""
    mode = _mode(mode)
    if not sys.platform.startswith("linux"):
        if mode == "strong":
            raise IsolationError(f"{ENV_VAR}=strong: there is no strong isolation on {platform.system()}")
        return Isolation()
    if mode == "basic":
        return Isolation()
    is_root = os.geteuid() == 0
    layers, uid, missing = _candidate_layers(is_root)
    report = _run_probe(layers, uid)
    if report["runtime"]:                 # the layers together break Python or NumPy: none of them
        missing = {"all layers": report["runtime"]}
        working: list[str] = []
    else:
        missing.update(report["failed"])
        missing.update(report["checks"])
        working = [layer for layer in report["applied"] if layer not in report["checks"]]
    chosen = Isolation(tuple(working), uid if "user" in working else None, landlock_abi(),
                       {k: v for k, v in missing.items() if k not in working})
    if mode == "strong" and chosen.tier != "strong":
        lacking = ", ".join(f"{k} ({v})" for k, v in sorted(chosen.missing.items())) or "unknown"
        raise IsolationError(f"{ENV_VAR}=strong, but this machine cannot give: {lacking}")
    return chosen


_current: Isolation | None = None
_probing = threading.Lock()


PROBE_SECONDS = 60                   # a probe that reports nothing by then failed


def forget() -> None:
    """Drop the remembered verdict (a worker could not set up its layers: probe again next time)."""
    global _current
    from . import remembered
    remembered.remove()
    _current = None


def current() -> Isolation:
    """The isolation of this process: probed on first use (about 0.1-0.3 s: a throw-away process
    applies every layer), the verdict kept for a day in ~/.cache/dlgrade (:mod:`grader.sandbox.remembered`:
    only a hint, which cannot weaken a run), keyed by kernel, Python, user and DLGRADE_ISOLATION; a
    worker that then fails to set up makes it probe again."""
    global _current
    from . import remembered
    with _probing:                      # callers in several threads share one probe
        if _current is None:
            mode = _mode()
            _current = remembered.load(mode) or remembered.store(choose(mode), mode)
    return _current


def known() -> bool:
    """Whether :func:`current` would answer at once (a verdict in this process, or remembered)."""
    global _current
    with _probing:
        if _current is None:
            try:
                mode = _mode()
            except IsolationError:           # reported where a worker starts
                return False
            from . import remembered
            _current = Isolation() if mode == "basic" else remembered.load(mode)
    return _current is not None


def _report(argv: list[str]) -> int:
    """``python -m grader.sandbox.isolation [--mode auto|basic|strong] [--startup N]``: this machine's tier."""
    import argparse
    parser = argparse.ArgumentParser(prog="python -m grader.sandbox.isolation", description=_report.__doc__)
    parser.add_argument("--mode", choices=["auto", "basic", "strong"], default=None,
                        help=f"as {ENV_VAR} (default: its value, else auto)")
    parser.add_argument("--startup", type=int, default=0, metavar="N",
                        help="also time N worker starts at this tier and N at the basic tier, "
                             "interleaved, and the layers alone")
    args = parser.parse_args(argv)
    from . import isolation                  # this file run with -m is __main__, not the module workers use
    try:
        chosen = isolation.choose(args.mode)
    except isolation.IsolationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(chosen.description)
    if args.startup:
        return _time_startup(isolation, chosen, args.startup)
    return 0


def _time_startup(module, chosen: Isolation, starts: int) -> int:
    """Start ``starts`` workers at ``chosen``'s tier and as many at the basic tier, alternately; each
    start counts until the worker has imported a one-line module. Prints min and median per tier."""
    import statistics
    from .client import Limits, Worker
    tiers = {chosen.tier: chosen} if chosen.tier == "basic" else {chosen.tier: chosen, "basic": Isolation()}
    times: dict[str, list[float]] = {name: [] for name in tiers}
    for _ in range(starts):
        for name, tier in tiers.items():
            module._current = tier
            start = time.perf_counter()
            worker = Worker({"student": "def f():\n    return 1\n"}, Limits())
            try:
                loaded = worker.load(["student"])
            except IsolationError as exc:
                worker.close()
                print(f"error: a {name} worker did not start: {exc}", file=sys.stderr)
                return 1
            times[name].append(time.perf_counter() - start)
            worker.close()
            if loaded.status != "ok":
                print(f"error: a {name} worker did not start: {loaded.reason}", file=sys.stderr)
                return 1
    for name, seconds in times.items():
        print(f"worker start-up at the {name} tier ({starts} starts, until it has imported a module): "
              f"min {min(seconds) * 1e3:.0f} ms, median {statistics.median(seconds) * 1e3:.0f} ms")
    if chosen.layers:
        layers = [sum(module._run_probe(list(chosen.layers), chosen.uid)["seconds"].values()) for _ in range(starts)]
        print(f"of which applying the layers ({', '.join(chosen.layers)}), measured in the worker: "
              f"min {min(layers) * 1e3:.1f} ms, median {statistics.median(layers) * 1e3:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(_report(sys.argv[1:]))
