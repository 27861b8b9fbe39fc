"""Runs inside the kernel that executes a submission, before any student code.

``install()`` remembers the objects the tests rely on (torch/numpy comparison functions, the course's
check helpers, builtins, IPython's error display and execution machinery). Before each test cell the
grader calls ``restore()``, which puts every one of them back; after it, ``verify(nonce)`` prints which
were replaced while the test ran. A monkeypatch therefore changes nothing and is reported.
"""
from __future__ import annotations

import builtins
import importlib
import sys

from autograder import protected

_originals: dict[tuple[object, str], object] = {}
_modules: list = []  # the course's modules, kept loaded


def _course_modules() -> list:
    """Every module of the course's helper package, and the guard's own: a test may call any of them."""
    import pkgutil

    package = importlib.import_module("cnn_course")
    names = ["cnn_course"] + [info.name for info in pkgutil.walk_packages(package.__path__, "cnn_course.")]
    return [importlib.import_module(name) for name in names + ["autograder.protected", "autograder.kernel_guard"]]


def _remember(owner: object, name: str) -> None:
    if hasattr(owner, name):
        _originals[(owner, name)] = getattr(owner, name)


def _shell():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def install() -> None:
    """Snapshot everything the tests trust. Call once, before the first student cell."""
    for module_name, names in protected.MODULE_ATTRS.items():
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for name in names:
            _remember(module, name)
    _modules[:] = _course_modules()
    for module in _modules:
        for name, value in list(vars(module).items()):
            if callable(value) and not name.startswith("__"):
                _remember(module, name)
    for name in dir(builtins):
        # `_`, `__` change with every displayed result; ipykernel rebinds `input` for each request
        if not name.startswith("_") and name not in ("input", "raw_input"):
            _remember(builtins, name)
    shell = _shell()
    if shell is not None:
        for name in protected.SHELL_METHODS:
            _remember(type(shell), name)
        for name in protected.SHELL_ATTRS:
            _remember(shell, name)
        kernel = getattr(shell, "kernel", None)
        if kernel is not None:
            for name in protected.KERNEL_METHODS:
                _remember(type(kernel), name)


def device_name() -> str:
    """The device this kernel's notebook computes on (``cnn_course.device()``), a GPU by its name."""
    import cnn_course
    import torch

    device = cnn_course.device()
    return f"cuda ({torch.cuda.get_device_name(device)})" if device.type == "cuda" else device.type


def _instance_overrides() -> list[tuple[object, str]]:
    """Methods a student set on the shell or kernel *instance*, shadowing the class's."""
    found = []
    shell = _shell()
    if shell is not None:
        found += [(shell, n) for n in protected.SHELL_METHODS if n in vars(shell)]
        kernel = getattr(shell, "kernel", None)
        if kernel is not None:
            found += [(kernel, n) for n in protected.KERNEL_METHODS if n in vars(kernel)]
    return found


def _label(owner: object, name: str) -> str:
    prefix = getattr(owner, "__name__", type(owner).__name__)
    return f"{prefix}.{name}"


def tampered() -> list[str]:
    changed = [_label(o, n) for (o, n), v in _originals.items() if getattr(o, n, None) is not v]
    return changed + [_label(o, n) for o, n in _instance_overrides()]


def restore() -> None:
    for (owner, name), value in _originals.items():
        if getattr(owner, name, None) is not value:
            setattr(owner, name, value)
    for owner, name in _instance_overrides():
        delattr(owner, name)
    for module in _modules:  # a student's `del sys.modules[...]` must not unload them
        sys.modules.setdefault(module.__name__, module)


def verify(nonce: str) -> None:
    """Print one line the grader reads: ``GUARD <nonce> OK`` or ``GUARD <nonce> TAMPERED a,b``."""
    changed = tampered()
    restore()
    status = "OK" if not changed else "TAMPERED " + ",".join(sorted(set(changed)))
    sys.__stdout__.flush()
    print(f"GUARD {nonce} {status}", flush=True)
