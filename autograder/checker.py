"""Decide a test outside the student's kernel: the grader's checker.

A test cell's code (its visible checks and its hidden block) runs here, in a process of the grader's,
never in the kernel. The names it uses that the kernel defines (the graded functions, the lesson's data)
are bound to proxies: calling one sends the arguments into the kernel as data (:mod:`autograder.wire`),
the student's function runs there, and only its result comes back, as data. The comparison, the expected
values and the hidden code itself stay here, so nothing the student's code does in its own process (an
input transformer, ``sys.settrace``, a replaced ``torch.allclose``, an ``__eq__`` that lies) can change
a verdict, and the hidden tests never reach the kernel to leak.

Seeds are salted per grading (``salt``): ``torch.manual_seed(1)`` in a hidden test draws other numbers
for every grading, so answers cannot be precomputed; salt 0 keeps the numbers the source wrote.

The parent side is :class:`Checker` (a pooled subprocess); the child runs :func:`_serve`.
"""
from __future__ import annotations

import ast
import asyncio
import atexit
import builtins
import contextlib
import hashlib
import json
import os
import subprocess
import sys
import threading
from typing import Awaitable, Callable

from . import syntax, wire

# Names a test may use without importing them: bound to the grader's own modules, never to the kernel's.
MODULES = {"np": "numpy", "numpy": "numpy", "torch": "torch", "nn": "torch.nn", "F": "torch.nn.functional",
           "math": "math", "random": "random", "torchvision": "torchvision", "PIL": "PIL", "cnn_course": "cnn_course"}


class KernelGone(BaseException):
    """The student's kernel died or stopped answering during a check (not an Exception: a test's
    ``except Exception`` must not swallow it)."""


class StudentError(Exception):
    """An exception the student's code raised in the kernel, of a type the grader does not rebuild."""


# ---------------------------------------------------------------------------------------- child process
class _Channel:
    def __init__(self, read, write):
        self.read, self.write = read, write
        self.forbidden: list[tuple[tuple[str, ...], str]] = []
        self.handles: set[int] = set()  # the kernel objects this test holds handles to

    def release(self) -> None:
        """Let the kernel forget the handles the test received (its models, its in_kernel objects), so that a
        long session of tests does not keep every one of them alive."""
        if self.handles:
            with contextlib.suppress(KernelGone, Exception):
                self.request({"op": "release", "refs": sorted(self.handles)}, [])
            self.handles.clear()

    def send(self, *message) -> None:
        self.write.write(json.dumps(message) + "\n")
        self.write.flush()

    def receive(self) -> list:
        line = self.read.readline()
        if not line:
            raise SystemExit(0)  # the grader went away
        return json.loads(line)

    def request(self, message: dict, blobs: list[bytes]):
        """One request to the kernel; the decoded answer's (value, mutated)."""
        if self.forbidden and message.get("op") == "call":
            names = tuple(n for paths, _ in self.forbidden for n in paths)
            message = {**message, "forbidden": list(names), "forbidden_name": self.forbidden[-1][1]}
        self.send("call", wire.dumps(message, blobs))
        kind, text = self.receive()
        if kind != "reply":
            raise KernelGone(text)
        answer, answer_blobs = wire.loads(text)
        if "error" in answer:
            raise _rebuilt_error(answer["error"])

        def deref(data):
            if "$ref" not in data or not isinstance(data["$ref"], int):
                raise wire.BadMessage("a kernel global where a handle may come")
            self.handles.add(data["$ref"])
            return Remote(self, {"$ref": data["$ref"]}, str(data.get("type", "object")))

        value = wire.decode(answer.get("value"), answer_blobs, deref)
        mutated = wire.decode({"$dict": [[k, v] for k, v in (answer.get("mutated") or {}).items()]}, answer_blobs)
        return value, mutated


def _rebuilt_error(error: dict) -> BaseException:
    kind, message = str(error.get("type", "Error")), str(error.get("message", ""))
    if kind == "CheckFailed":
        from cnn_course.checks import CheckFailed

        return CheckFailed(message)
    builtin = getattr(builtins, kind, None)
    if isinstance(builtin, type) and issubclass(builtin, Exception) and kind not in ("StopIteration",):
        with contextlib.suppress(Exception):
            return builtin(message)
    return StudentError(f"{kind}: {message}")


def _outgoing(obj) -> dict:
    if isinstance(obj, Remote):
        return object.__getattribute__(obj, "_ref")
    raise wire.NotData(f"the grader cannot pass a {type(obj).__qualname__} into the student's kernel")


def _copy_back(original, new) -> None:
    """What the student's call did to an argument in place, done to the grader's copy."""
    import numpy as np
    import torch

    if isinstance(original, torch.Tensor) and isinstance(new, torch.Tensor):
        with torch.no_grad():
            if original.shape == new.shape and original.dtype == new.dtype:
                original.copy_(new)
            else:
                original.data = new
    elif isinstance(original, np.ndarray) and isinstance(new, np.ndarray) and original.shape == new.shape:
        original[...] = new


class Remote:
    """An object that lives in the student's kernel. Calls, attributes, items and iteration go there;
    what comes back is data, or another :class:`Remote`."""

    __slots__ = ("_channel", "_ref", "_type")

    def __init__(self, channel: _Channel, ref: dict, type_name: str):
        object.__setattr__(self, "_channel", channel)
        object.__setattr__(self, "_ref", ref)
        object.__setattr__(self, "_type", type_name)

    def _ask(self, op: str, **fields):
        blobs: list[bytes] = []
        message = {"op": op, "target": object.__getattribute__(self, "_ref")}
        for key, value in fields.items():
            message[key] = wire.encode(value, blobs, _outgoing)
        return object.__getattribute__(self, "_channel").request(message, blobs)

    def __call__(self, *args, **kwargs):
        value, mutated = self._ask("call", args=list(args), kwargs=kwargs)
        for key, new in mutated.items():
            _copy_back(args[int(key)] if key.isdigit() else kwargs[key], new)
        return value

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._ask("getattr", name=name)[0]

    def __getitem__(self, key):
        return self._ask("getitem", key=key)[0]

    def __iter__(self):
        return iter(self._ask("iter")[0])

    def __len__(self) -> int:
        return self._ask("len")[0]

    def __repr__(self) -> str:
        return f"<{object.__getattribute__(self, '_type')} in the student's kernel>"


@contextlib.contextmanager
def _recorded_forbidden(channel: _Channel, *paths: str, name: str = "your function"):
    """``cnn_course.checks.forbidden`` in the checker: the operators are made to raise in the kernel,
    around each call of the student's code the block makes (patching the grader's own torch would
    only break the test's expected values)."""
    channel.forbidden.append((paths, name))
    try:
        yield
    finally:
        channel.forbidden.pop()


def _in_kernel(helper_name: str, original):
    """A check that reads a function's syntax tree reads it where the function is: in the kernel."""
    def check(fn, *args, **kwargs):
        if isinstance(fn, Remote):
            return fn._ask("course_check", name=helper_name, args=list(args), kwargs=kwargs)[0]
        return original(fn, *args, **kwargs)
    return check


def _salted(salt: int):
    def mix(seed):
        if not salt or seed is None:
            return seed
        return int.from_bytes(hashlib.sha256(f"{seed}:{salt}".encode()).digest()[:4], "little")
    return mix


@contextlib.contextmanager
def _seeds(salt: int):
    """Every seed the test sets, mixed with the grading's salt; unseeded randomness starts from it too."""
    import random

    import numpy as np
    import torch

    mix = _salted(salt)
    saved = [(torch, "manual_seed"), (np.random, "seed"), (np.random, "default_rng"), (random, "seed")]
    originals = {(owner, name): getattr(owner, name) for owner, name in saved}
    torch.manual_seed = lambda seed: originals[(torch, "manual_seed")](mix(seed))
    np.random.seed = lambda seed=None: originals[(np.random, "seed")](mix(seed))
    np.random.default_rng = lambda seed=None: originals[(np.random, "default_rng")](mix(seed))
    random.seed = lambda a=None, version=2: originals[(random, "seed")](mix(a), version)
    torch.manual_seed(0), np.random.seed(0), random.seed(0)
    try:
        yield
    finally:
        for (owner, name), original in originals.items():
            setattr(owner, name, original)


def kernel_names(code: str) -> list[str]:
    """The names ``code`` reads and never binds, that neither Python nor :data:`MODULES` provides: what
    it wants from the kernel."""
    tree = syntax.parse(code)
    loaded, bound = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded.append(node.id) if isinstance(node.ctx, ast.Load) else bound.add(node.id))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return sorted({n for n in loaded if n not in bound and n not in MODULES and not hasattr(builtins, n)})


def _run_test(channel: _Channel, code: str, name: str, salt: int) -> tuple[str, str]:
    """('passed'|'failed'|'error'|'crashed', message) for one test's code."""
    import importlib

    from cnn_course.checks import CheckFailed

    try:
        compiled = compile(code, f"<{name}>", "exec")
        names = kernel_names(code)
        namespace: dict = {"__builtins__": builtins, "__name__": "__grader_check__"}
        namespace.update({alias: importlib.import_module(module) for alias, module in MODULES.items()})
        found, _ = channel.request({"op": "globals", "names": names}, [])
        if not isinstance(found, dict):
            raise wire.BadMessage("the kernel's globals came back as something else")
        namespace.update({name: found[name] for name in names if name in found})
        with _seeds(salt):
            exec(compiled, namespace)
    except KernelGone as gone:
        return "crashed", str(gone)
    except CheckFailed as failed:
        return "failed", str(failed)
    except AssertionError as failed:
        return "failed", f"AssertionError: {failed}"
    except StudentError as err:
        return "error", str(err)
    except Exception as err:
        return "error", f"{type(err).__name__}: {err}"
    return "passed", ""


def _serve() -> None:
    """The checker process: runs tests as the parent asks, relaying kernel requests through it."""
    protocol_out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # what the tests print must not reach the protocol
    channel = _Channel(sys.stdin, protocol_out)
    import torch

    torch.set_num_threads(max(1, int(os.environ.get("OMP_NUM_THREADS", "1"))))
    from cnn_course import checks

    checks.forbidden = lambda *paths, name="your function": _recorded_forbidden(channel, *paths, name=name)
    checks.check_calls_avoid = _in_kernel("check_calls_avoid", checks.check_calls_avoid)
    checks.check_source_avoids = _in_kernel("check_source_avoids", checks.check_source_avoids)
    checks.check_operations_do_not_grow = _in_kernel("check_operations_do_not_grow", checks.check_operations_do_not_grow)
    checks.in_kernel = lambda code, name=None: channel.request(
        {"op": "in_kernel", "code": str(code), "name": name}, [])[0]
    # a value compared must be data: an object left in the kernel (a tensor subclass whose __eq__ or
    # numpy() lies) has no shape or values here, whatever its attributes claim
    shape_of, to_numpy = checks._shape, checks._to_numpy

    def data_only(value):
        if isinstance(value, Remote):
            raise checks.CheckFailed(f"the student's code gave {value!r}, not a tensor, an array or a number")
        return to_numpy(value)

    checks._shape = lambda value: None if isinstance(value, Remote) else shape_of(value)
    checks._to_numpy = data_only
    channel.send("ready")
    while True:
        kind, *rest = channel.receive()
        if kind == "run":
            code, name, salt = rest
            channel.forbidden.clear()
            verdict = _run_test(channel, code, name, int(salt))
            if verdict[0] != "crashed":
                channel.release()
            channel.handles.clear()
            channel.send("verdict", *verdict)
        else:
            return


# --------------------------------------------------------------------------------------- parent side
Relay = Callable[[str], Awaitable[str]]


class Checker:
    """One checker process. :meth:`decide` runs a test's code there, answering its kernel requests with
    ``relay`` (the grader's link to the student's kernel)."""

    def __init__(self, env: dict[str, str]):
        self.proc = subprocess.Popen([sys.executable, "-m", "autograder.checker"], env=env, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        if self._receive() != ["ready"]:
            raise RuntimeError("the grader's checker process did not start")

    def _receive(self) -> list:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the grader's checker process stopped")
        return json.loads(line)

    def _send(self, *message) -> None:
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()

    async def decide(self, code: str, name: str, salt: int, relay: Relay) -> tuple[str, str]:
        self._send("run", code, name, salt)
        while True:
            kind, *rest = await asyncio.to_thread(self._receive)
            if kind == "verdict":
                return rest[0], rest[1]
            try:
                answer = await relay(rest[0])
            except KernelGone as gone:
                self._send("dead", str(gone) or "the kernel died")
            else:
                self._send("reply", answer)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.proc.kill()
            self.proc.wait(5)


# What makes two checkers interchangeable (the rest of the environment, e.g. pytest's PYTEST_CURRENT_TEST,
# changes between gradings and must not start a new one each time).
POOL_KEY = ("CNN_COURSE_PROFILE", "CNN_COURSE_DEVICE", "OMP_NUM_THREADS", "PYTHONPATH", "CUDA_VISIBLE_DEVICES")
MAX_IDLE = 4  # idle checkers kept in one grader process (each holds torch: about 300 MB)
_pool: list[tuple[tuple, Checker]] = []  # idle ones, oldest first; the newest alike is reused
_pool_lock = threading.Lock()


@contextlib.contextmanager
def checker(env: dict[str, str]):
    """A checker started with ``env`` (the kernel's profile, device and thread share), reused across
    gradings in this grader process: it holds only the grader's code."""
    key = tuple(env.get(name) for name in POOL_KEY)
    with _pool_lock:
        # the one returned last: the pool may hold several alike, and the warmest serves best
        match = next((i for i in reversed(range(len(_pool))) if _pool[i][0] == key), None)
        found = _pool.pop(match)[1] if match is not None else None
    found = found if found and found.proc.poll() is None else Checker(env)
    try:
        yield found
    except BaseException:
        found.close()
        raise
    else:
        with _pool_lock:
            _pool.append((key, found))
            while len(_pool) > MAX_IDLE:
                _pool.pop(0)[1].close()


@atexit.register
def _close_all() -> None:
    for _, one in _pool:
        one.close()


if __name__ == "__main__":
    _serve()
