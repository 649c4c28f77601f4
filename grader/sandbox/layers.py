"""The kernel's isolation layers, applied in the worker process before any student code runs.

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

:func:`apply` applies a plan's layers (the plan comes from :meth:`grader.sandbox.isolation.Isolation.plan`).
This module runs in the worker (loaded by path by :mod:`grader.sandbox.launcher`) and in the parent
(the probe's checks, the tables the tests read), so it imports only the standard library.
"""
from __future__ import annotations

import ctypes
import errno
import os
import platform
import stat
import struct
import sys
import time

LAYERS = ("namespaces", "user", "landlock", "seccomp")

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


# --------------------------------------------------------------------------- what the kernel offers
# Asked by the parent (grader.sandbox.isolation, grader.sandbox.remembered), never in a worker.

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
