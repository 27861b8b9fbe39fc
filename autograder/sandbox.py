"""Run a submission's kernel in a sandbox built from the strongest layers this machine allows.

Layers (probed once per grader process by :func:`probe`):

* ``workdir``   always: the kernel's cwd, ``HOME`` and ``TMPDIR`` are a private folder; the course's public
  helpers reach it as a read-only copy (``cnn_course/`` and the ``autograder`` files the guard and the checks need),
  never the checkout, so ``source/`` is not on its ``sys.path``.
* ``uid``       when the grader is root: the kernel runs as a throwaway uid (one per sandbox) with no
  supplementary groups and ``no_new_privs``; ``kill()`` on the grader fails with EPERM, and every process
  of that uid is killed when grading ends (this catches detached and double-forked ones).
* ``namespaces`` with bubblewrap: no network, its own PID namespace (the grader is invisible; everything
  dies with it), IPC/UTS namespaces, and a mount namespace holding only the OS, the interpreter, the public
  copy and the work folder. The kernel then talks ZMQ over ``ipc`` sockets in the work folder.
* ``landlock``  (Linux >= 5.13, no root needed), used where bubblewrap is not: reads confined to the OS,
  the interpreter, the public copy and the work folder; with ABI >= 4 no TCP connect, with ABI >= 6 no
  signals or abstract unix sockets outside the sandbox.

Levels, what each requires:

* ``strict``   namespaces, plus uid when root.
* ``standard`` the instructor's files unreadable and the grader unsignalable: namespaces, or Landlock
  ABI >= 6 (with uid when root). The default. Where neither exists (Colab), ``skip={"namespaces",
  "landlock"}`` accepts the uid alone: then only files not readable by others are hidden, and the
  network stays open.
* ``none``     workdir only (plus a process-group kill at the end): for trusted notebooks.

:func:`sandbox` raises :class:`SandboxUnavailable` naming what is missing when the level cannot be reached.
"""
from __future__ import annotations

import atexit
import contextlib
import ctypes
import functools
import glob
import json
import os
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from cnn_course.runtime import download_env
from jupyter_client import AsyncKernelManager

from . import datacache
from .environment import REPO_ROOT

PUBLIC = ["cnn_course", "autograder/__init__.py", "autograder/kernel_guard.py", "autograder/protected.py",
          "autograder/kernel_server.py", "autograder/wire.py"]
LEVELS = ("strict", "standard", "basic", "none")  # basic: what Colab allows (the uid alone, when nothing more)
MAX_PROCESSES = 512  # processes and threads of one sandbox's uid (RLIMIT_NPROC)
OS_DIRS = ["/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/etc"]
# What CUDA opens of the host: NVIDIA's device nodes, and the parts of /sys its driver library reads
GPU_SYS = ["/sys/bus", "/sys/class", "/sys/dev", "/sys/devices", "/sys/module"]


def gpu_device_nodes() -> list[str]:
    """NVIDIA's device nodes on this machine (``/dev/nvidiactl``, ``/dev/nvidia-uvm``, ``/dev/nvidia0``, ...,
    ``/dev/nvidia-caps/*``); empty without a GPU. Only a grading that may use the GPU gets them."""
    return sorted(p for p in glob.glob("/dev/nvidia*") + glob.glob("/dev/nvidia-caps/*") if not os.path.isdir(p))


class SandboxUnavailable(Exception):
    """The asked-for isolation level cannot be built on this machine; the message says what is missing."""


# Runs as `python -c` between the provisioner and ipykernel (as root, inside bwrap if any): drop to the uid,
# set no_new_privs, apply Landlock, then exec the kernel. A string, so no grader file has to be readable.
_LAUNCHER = r'''
import ctypes, json, os, sys
cfg = json.loads(sys.argv[1]); cmd = sys.argv[2:]
os.environ.pop("JPY_PARENT_PID", None)  # ipykernel exits when that pid is not its visible parent
libc = ctypes.CDLL(None, use_errno=True)
if cfg["uid"] is not None:
    import resource
    os.setgroups([]); os.setgid(cfg["uid"]); os.setuid(cfg["uid"])
    # the uid is this sandbox's alone: a fork bomb stops at this many processes and threads
    resource.setrlimit(resource.RLIMIT_NPROC, (cfg["nproc"], cfg["nproc"]))
if libc.prctl(38, 1, 0, 0, 0):  # PR_SET_NO_NEW_PRIVS: no setuid binary can give privileges back
    sys.exit("sandbox: no_new_privs refused")
ll = cfg["landlock"]
if ll:
    abi = ll["abi"]
    fs = (1 << (13 if abi < 2 else 14 if abi < 3 else 15 if abi < 5 else 16)) - 1
    net = 3 if abi >= 4 else 0
    scoped = 3 if abi >= 6 else 0
    attr = (ctypes.c_uint64 * 3)(fs, net, scoped)
    fd = libc.syscall(444, ctypes.byref(attr), 24 if abi >= 6 else 16 if abi >= 4 else 8, 0)
    if fd < 0:
        sys.exit(f"sandbox: landlock_create_ruleset failed ({ctypes.get_errno()})")
    READ = 1 | 4 | 8  # execute, read file, read dir
    for path, writable in ll["paths"]:
        try:
            pfd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            continue
        beneath = (ctypes.c_uint8 * 12)()
        if os.path.isdir(path):
            allowed = fs if writable else READ
        else:  # a file takes only file rights: execute, read, and write/truncate/ioctl when writable
            allowed = fs & ((1 | 2 | 4 | 16384 | 32768) if writable else (1 | 4))
        ctypes.memmove(beneath, ctypes.byref(ctypes.c_uint64(allowed)), 8)
        ctypes.memmove(ctypes.byref(beneath, 8), ctypes.byref(ctypes.c_int32(pfd)), 4)
        if libc.syscall(445, fd, 1, beneath, 0):
            sys.exit(f"sandbox: landlock_add_rule {path} failed ({ctypes.get_errno()})")
        os.close(pfd)
    if libc.syscall(446, fd, 0):
        sys.exit(f"sandbox: landlock_restrict_self failed ({ctypes.get_errno()})")
os.execvpe(cmd[0], cmd, os.environ)
'''


@dataclass(frozen=True)
class Capabilities:
    root: bool
    bwrap: str | None  # path of a bubblewrap that can build the namespaces here
    landlock_abi: int  # 0: none
    missing: dict[str, str] = field(default_factory=dict)  # layer -> why it is not available


def _landlock_abi() -> int:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return max(0, libc.syscall(444, None, 0, 1))  # LANDLOCK_CREATE_RULESET_VERSION
    except (OSError, AttributeError):
        return 0


@functools.lru_cache(maxsize=1)
def probe() -> Capabilities:
    """Which layers this machine allows (tried for real: a container may refuse what is installed)."""
    missing = {}
    root = os.geteuid() == 0
    if not root:
        missing["uid"] = "the grader does not run as root (another uid needs root)"
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        missing["namespaces"] = "bubblewrap is not installed: apt-get install bubblewrap"
    else:
        trial = subprocess.run([bwrap, "--unshare-net", "--unshare-pid", "--die-with-parent", "--ro-bind", "/", "/",
                                "--proc", "/proc", "--dev", "/dev", "true"], capture_output=True, text=True)
        if trial.returncode != 0:
            missing["namespaces"] = f"bubblewrap cannot create namespaces here: {trial.stderr.strip()[:200]}"
            bwrap = None
    abi = _landlock_abi()
    if abi == 0:
        missing["landlock"] = "Landlock is not available (Linux >= 5.13 with landlock enabled in the LSM list)"
    return Capabilities(root, bwrap, abi, missing)


def _layers(level: str, caps: Capabilities, skip: frozenset = frozenset()) -> list[str]:
    """The layers to build for ``level``: the strongest this machine allows, less ``skip``; raises when
    that falls short of the level."""
    if skip:
        missing = {**caps.missing, **{layer: f"{layer} was skipped" for layer in skip}}
        caps = Capabilities(caps.root and "uid" not in skip, None if "namespaces" in skip else caps.bwrap,
                            0 if "landlock" in skip else caps.landlock_abi, missing)
    if level not in LEVELS:
        raise ValueError(f"isolation level must be one of {', '.join(LEVELS)}, not {level!r}")
    layers = ["workdir"] + (["uid"] if caps.root and level != "none" else [])
    if level == "none":
        return layers
    if caps.bwrap:
        return layers + ["namespaces"]
    if level == "strict":
        raise SandboxUnavailable(f"--isolation strict needs namespaces: {caps.missing['namespaces']}")
    if caps.landlock_abi >= 6:
        return layers + ["landlock"]
    if "uid" in layers and (level == "basic" or (level == "standard" and "landlock" in skip)):
        return layers  # the uid alone (Colab): instructor files must not be world-readable
    if level == "basic":
        raise SandboxUnavailable("--isolation basic needs another uid: "
                                 + caps.missing.get("uid", "the grader does not run as root"))
    raise SandboxUnavailable("--isolation standard needs bubblewrap or Landlock ABI >= 6: "
                             f"{caps.missing.get('namespaces')}; "
                             f"{caps.missing.get('landlock', f'Landlock ABI is only {caps.landlock_abi}')}"
                             " (on Colab, as root without either: --isolation basic, the uid alone)")


def layers_for(level: str, skip=()) -> list[str]:
    """The layers ``level`` builds on this machine; raises :class:`SandboxUnavailable` (naming what is
    missing) when it cannot be reached, so a batch can refuse before any kernel starts."""
    return _layers(level, probe(), frozenset(skip))


@functools.lru_cache(maxsize=1)
def public_copy() -> Path:
    """One read-only copy of the public helpers per grader process, outside the checkout."""
    dest = Path(tempfile.mkdtemp(prefix="cnn-course-public-"))
    atexit.register(shutil.rmtree, dest, ignore_errors=True)
    for rel in PUBLIC:
        src, dst = REPO_ROOT / rel, dest / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(src, dst)
    for p in [dest, *dest.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)
    return dest


def _interpreter_dirs() -> list[str]:
    dirs = {sys.prefix, sys.base_prefix, str(Path(sys.executable).resolve().parent.parent)}
    return sorted(d for d in dirs if not any(d.startswith(o + "/") for o in OS_DIRS))


def _let_others_traverse(paths: list[str]) -> list[str]:
    """A throwaway uid must reach the interpreter (often under /root, mode 700): add search-only permission
    (o+x, never read) to the ancestors that lack it. Returns what it changed, for the report."""
    changed = []
    for path in paths:
        for parent in reversed(Path(path).parents):
            mode = parent.stat().st_mode
            if not mode & stat.S_IXOTH:
                parent.chmod(mode | stat.S_IXOTH)
                changed.append(str(parent))
    return changed


@dataclass
class Sandbox:
    """One submission's sandbox: its layers, work folder, uid, and the kernel manager that starts inside it."""

    level: str
    layers: list[str]
    workdir: Path
    uid: int | None
    public: Path
    notes: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)  # GPU device nodes passed in (empty: the GPU stays out)
    cache: Path | None = None  # the grader's download cache (autograder/datacache.py), read-only inside
    downloads: dict[str, str] = field(default_factory=dict)  # the kernel's environment that reads it

    @property
    def name(self) -> str:
        """What to report (grade table, JSON ``isolation``): e.g. ``standard (workdir+uid+namespaces)``."""
        return f"{self.level} ({'+'.join(self.layers)})"

    def env(self, base: dict[str, str]) -> dict[str, str]:
        """The kernel's environment: ``base`` with the public copy as the only course path, private HOME/TMPDIR."""
        env = {k: v for k, v in base.items() if k != "JPY_PARENT_PID"}
        env.update(PYTHONPATH=str(self.public), HOME=str(self.workdir), TMPDIR=str(self.workdir / "tmp"),
                   MPLCONFIGDIR=str(self.workdir / ".matplotlib"), **self.downloads)
        return env

    def wrap(self, cmd: list[str]) -> list[str]:
        """The kernel command ``cmd`` as it runs inside the sandbox."""
        readable = OS_DIRS + _interpreter_dirs() + [str(self.public)] + ([str(self.cache)] if self.cache else [])
        landlock = None
        if "landlock" in self.layers:
            paths = [(p, False) for p in readable + ["/proc", "/sys"]]
            paths += [(str(self.workdir), True), ("/dev/null", True), ("/dev/urandom", False), ("/dev/shm", True)]
            paths += [(node, True) for node in self.devices]  # open, read, write and ioctl: what CUDA does
            landlock = {"abi": probe().landlock_abi, "paths": paths}
        launcher = [sys.executable, "-c", _LAUNCHER, json.dumps({"uid": self.uid, "landlock": landlock, "nproc": MAX_PROCESSES})]
        if "namespaces" not in self.layers:
            return launcher + cmd if (self.uid is not None or landlock) else cmd
        box = [probe().bwrap, "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
               "--die-with-parent", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
               # POSIX semaphores (multiprocessing locks: DataLoader workers, fastai) live in /dev/shm
               "--perms", "1777", "--tmpfs", "/dev/shm"]
        for node in self.devices:  # bwrap's /dev holds only null, zero, random and the like
            box += ["--dev-bind", node, node]
        if self.devices:
            box += [a for path in GPU_SYS if os.path.exists(path) for a in ("--ro-bind", path, path)]
        for path in readable:
            if os.path.exists(path):
                # bwrap makes missing parents 0700: a throwaway uid could not traverse /root to the venv
                box += [a for parent in reversed(Path(path).parents) if str(parent) != "/"
                        for a in ("--perms", "0755", "--dir", str(parent))]
                box += ["--ro-bind", path, path]
        box += ["--bind", str(self.workdir), str(self.workdir), "--chdir", str(self.workdir)]
        return box + ["--"] + launcher + cmd

    def kernel_manager(self, kernel_name: str = "python3") -> "SandboxedKernelManager":
        """For ``nbclient.NotebookClient(nb, km=...)``: starts the kernel inside this sandbox."""
        km = SandboxedKernelManager(kernel_name=kernel_name, sandbox=self)
        km.connection_file = str(self.workdir / "kernel.json")  # readable by the uid, same path inside bwrap
        if "namespaces" in self.layers or "landlock" in self.layers:
            km.transport = "ipc"  # loopback TCP is not shared with a network namespace, and Landlock denies it
            km.ip = str(self.workdir / "kernel-ipc")
        return km

    def kill_all(self) -> None:
        """No process the submission started may outlive its grading: kill every process of the uid
        (catches ``start_new_session`` and double forks). Namespaces need nothing more: the PID namespace
        dies with its first process, which dies with bwrap (``--die-with-parent``)."""
        if self.uid is None:
            return
        for _ in range(50):
            pid = os.fork()
            if pid == 0:  # a child that becomes the uid: kill(-1) then reaches exactly that uid's processes
                try:
                    os.setgroups([]); os.setgid(self.uid); os.setuid(self.uid)
                    os.kill(-1, signal.SIGKILL)
                finally:
                    os._exit(0)
            os.waitpid(pid, 0)
            if not _pids_of(self.uid):
                return
            time.sleep(0.02)


def _pids_of(uid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    pids.append(int(entry))
    return pids


class SandboxedKernelManager(AsyncKernelManager):
    """jupyter_client's manager with the launch command wrapped by the sandbox and cleanup that kills
    whatever the submission left behind."""

    def __init__(self, *args, sandbox: Sandbox, **kwargs):
        super().__init__(*args, **kwargs)
        self.sandbox = sandbox

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        if self.sandbox.uid is not None:
            os.chown(self.connection_file, self.sandbox.uid, self.sandbox.uid)
        kw["cwd"] = str(self.sandbox.workdir)
        kw["env"] = self.sandbox.env(kw.get("env") or dict(os.environ))
        kw.pop("start_new_session", None)
        return await super()._async_launch_kernel(self.sandbox.wrap(kernel_cmd), **kw)

    async def _async_shutdown_kernel(self, now: bool = False, restart: bool = False) -> None:
        # without uid or PID namespace (level none, Landlock alone) the kernel's descendants are the best
        # handle left: a start_new_session child is still one; a double-forked orphan is not
        try:
            leftovers = psutil.Process(self.provisioner.pid).children(recursive=True) if self.provisioner else []
        except psutil.Error:
            leftovers = []
        await super()._async_shutdown_kernel(now=now, restart=restart)
        for proc in leftovers:
            with contextlib.suppress(psutil.Error):
                proc.kill()

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        self.sandbox.kill_all()
        await super()._async_cleanup_resources(restart)


@contextlib.contextmanager
def sandbox(level: str = "standard", workdir: str | os.PathLike | None = None, skip=(), gpus: bool = False):
    """A sandbox for one submission's grading; on exit every process it started is dead.

    ``workdir``: the private work folder (made, and removed on exit, when not given); ``skip``: layers not
    to build even where available (tests prove each layer alone; Colab-like setups); ``gpus``: the kernel
    may use this machine's NVIDIA GPUs (their device nodes are passed into namespaces and allowed by
    Landlock; without it they stay out). Raises :class:`SandboxUnavailable` when ``level`` cannot be built
    here."""
    layers = layers_for(level, skip)
    own = workdir is None
    work = Path(tempfile.mkdtemp(prefix="grade-") if own else workdir)
    uid = 100_000 + secrets.randbelow(2**30) if "uid" in layers else None
    cache = datacache.location()
    cache = cache if datacache.shareable(cache) else None
    box = Sandbox(level, layers, work, uid, public_copy(), devices=gpu_device_nodes() if gpus else [], cache=cache,
                  downloads=download_env(cache, work) if cache else {})
    (work / "tmp").mkdir(exist_ok=True)
    if uid is not None:
        for p in [work, *work.rglob("*")]:
            os.chown(p, uid, uid, follow_symlinks=False)
        if "namespaces" not in layers:
            reached = _interpreter_dirs() + ([str(cache)] if cache else [])
            box.notes += [f"o+x added to {p}" for p in _let_others_traverse(reached)]
    try:
        yield box
    finally:
        box.kill_all()
        if own:
            shutil.rmtree(work, ignore_errors=True)
