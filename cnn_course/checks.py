"""Self-checks that say what is wrong: used by the visible tests students run and the hidden ones.

Every failure raises :class:`CheckFailed` with the expected and the actual value, the first index
that differs and a hint. Inside Jupyter or Colab the failure prints as a few lines, not a traceback.
"""
from __future__ import annotations

import ast
import contextlib
import inspect
import re
import textwrap
from typing import Any, Callable, Iterable

import numpy as np

# Bound at import, before any student code runs: rebinding torch.allclose later changes nothing here.
_np_asarray = np.asarray
_np_isclose = np.isclose
_np_argwhere = np.argwhere


class CheckFailed(AssertionError):
    """A self-check failed; the message says what was expected, what came out, and a hint."""


def _fail(name: str, problem: str, hint: str | None) -> None:
    message = f"{name}: {problem}"
    if hint:
        message += f"\n  Hint: {hint}"
    raise CheckFailed(message)


def _to_numpy(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):  # torch tensor, on any device, with or without grad
        value = value.detach().cpu()
        if str(value.dtype) == "torch.bfloat16":
            value = value.float()
        value = value.numpy()
    return _np_asarray(value)


def _shape(value: Any) -> tuple | None:
    shape = getattr(value, "shape", None)
    return tuple(shape) if shape is not None else None


def _fmt(x: Any) -> str:
    if isinstance(x, (float, np.floating)):
        return f"{x:.6g}"
    return repr(x.item() if hasattr(x, "item") and getattr(x, "size", 2) == 1 else x)


def check(condition: bool, name: str, problem: str, hint: str | None = None) -> None:
    """Fail with ``name: problem`` (and the hint) unless ``condition`` holds."""
    if not condition:
        _fail(name, problem, hint)


def check_type(value: Any, expected: type | tuple, name: str, hint: str | None = None) -> None:
    if not isinstance(value, expected):
        names = expected.__name__ if isinstance(expected, type) else " or ".join(t.__name__ for t in expected)
        _fail(name, f"expected a {names}, got {type(value).__name__}", hint)


def check_shape(value: Any, expected: Iterable[int], name: str, hint: str | None = None) -> None:
    expected = tuple(expected)
    got = _shape(value)
    if got is None:
        if isinstance(value, (int, float, complex)) and not isinstance(value, bool):
            _fail(name, f"expected a tensor of shape {expected}, got the Python {type(value).__name__} {value!r}",
                  "return the tensor itself, not .item() or float(...) of it: the caller may still need its "
                  "gradient" + (f"; {hint}" if hint else ""))
        _fail(name, f"expected an array of shape {expected}, got {type(value).__name__}", hint)
    if got != expected:
        _fail(name, f"expected shape {expected}, got {got}", hint)


def check_dtype(value: Any, expected: Any, name: str, hint: str | None = None) -> None:
    got = getattr(value, "dtype", type(value))
    if got != expected:
        _fail(name, f"expected dtype {expected}, got {got}", hint)


def check_equal(got: Any, expected: Any, name: str, hint: str | None = None) -> None:
    """Exact equality for ints, strings, tuples, dicts; arrays go through :func:`check_close`."""
    if _shape(expected) is not None:
        check_close(got, expected, name, hint, rtol=0, atol=0)
    elif got != expected:
        _fail(name, f"expected {expected!r}, got {got!r}", hint)


def check_close(got: Any, expected: Any, name: str, hint: str | None = None,
                rtol: float = 1e-4, atol: float = 1e-5) -> None:
    """Same shape and values within ``atol + rtol*|expected|``; reports the first mismatch."""
    if got is None:
        _fail(name, "got None: did the function forget to return its result?", hint)
    exp_shape = _shape(expected)
    if exp_shape is not None:
        check_shape(got, exp_shape, name, hint)
    g = _to_numpy(got).astype(np.float64)
    e = _to_numpy(expected).astype(np.float64)
    close = _np_isclose(g, e, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return
    bad = _np_argwhere(~close)
    first = tuple(int(i) for i in bad[0]) if e.ndim else ()
    diff = np.abs(g - e)
    problem = (
        f"values differ at index {first}: expected {_fmt(e[first])}, got {_fmt(g[first])} "
        f"({len(bad)} of {e.size} elements differ, largest difference {_fmt(np.nanmax(diff))}; "
        f"tolerance atol={atol:g}, rtol={rtol:g})"
    )
    _fail(name, problem, hint)


def check_in_range(value: Any, low: float, high: float, name: str, hint: str | None = None) -> None:
    v = _to_numpy(value)
    if v.size and (v.min() < low or v.max() > high):
        _fail(name, f"values must lie in [{low}, {high}], got min {_fmt(v.min())}, max {_fmt(v.max())}", hint)


def _resolve(path: str) -> tuple[Any, str]:
    module_name, _, attr = path.rpartition(".")
    owner: Any = __import__(module_name.split(".")[0])
    for part in module_name.split(".")[1:]:
        owner = getattr(owner, part)
    return owner, attr


@contextlib.contextmanager
def forbidden(*paths: str, name: str = "your function"):
    """Make ``torch.nn.functional.conv2d`` etc. raise while the block runs (from-scratch exercises)."""
    saved = []
    for path in paths:
        owner, attr = _resolve(path)
        original = getattr(owner, attr)

        def refuse(*args, _path=path, **kwargs):
            raise CheckFailed(f"{name} must be written from scratch: it called {_path}, which this exercise forbids")

        saved.append((owner, attr, original))
        setattr(owner, attr, refuse)
    try:
        yield
    finally:
        for owner, attr, original in reversed(saved):
            setattr(owner, attr, original)


def count_tensor_operations(fn: Callable, *args: Any, **kwargs: Any) -> int:
    """How many torch functions and tensor methods one call of ``fn`` makes (indexing and arithmetic included),
    counted through a ``TorchFunctionMode``: a number that depends on the code, never on the machine's speed."""
    from torch.overrides import TorchFunctionMode

    class Counting(TorchFunctionMode):
        calls = 0

        def __torch_function__(self, func, types, args=(), kwargs=None):
            Counting.calls += 1
            return func(*args, **(kwargs or {}))

    with Counting():
        fn(*args, **kwargs)
    return Counting.calls


def check_operations_do_not_grow(fn: Callable, small: tuple, large: tuple, name: str, hint: str | None = None,
                                 slack: int = 8) -> None:
    """Fail when ``fn`` makes more tensor operations on the ``large`` arguments than on the ``small`` ones
    (beyond ``slack``): a Python loop over positions, where the exercise asks for whole-tensor operations."""
    few, many = count_tensor_operations(fn, *small), count_tensor_operations(fn, *large)
    check(many <= few + slack, name, f"{many} tensor operations on the larger input against {few} on the smaller "
          "one: the work grows with the input's size, so the code loops over its positions in Python", hint)


def _code_only(source: str) -> str:
    """The source without comments and docstrings, so explaining an operator is not using it."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return "\n".join(line.split("#", 1)[0] for line in source.splitlines())
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (isinstance(body, list) and body and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)):
            body[0] = ast.Pass()
    return ast.unparse(tree)


def _dotted(node: ast.AST) -> list[str] | None:
    """``F.conv2d`` -> ['F', 'conv2d']; None for anything but a chain of names."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return [node.id] + parts[::-1]


def _local_names(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
    return names


def _qualified(obj: Any) -> str:
    module = getattr(obj, "__module__", None) or ""
    qualname = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", None) or ""
    return f"{module}.{qualname}" if module and qualname else qualname or module


def used_operators(fn: Callable) -> list[tuple[str, list[str], Any]]:
    """What ``fn`` (and the functions and classes of its own module that it uses) refers to outside its own
    code: ``(as written, [names it resolves to], object)`` for each chain of names the syntax tree holds,
    resolved through ``fn``'s globals. A local variable (``loss.backward()``, ``self.backward()``) resolves to
    nothing here: what such a call reaches is checked at run time by :func:`forbidden`."""
    import builtins
    found, seen, todo = [], set(), [fn]
    home = getattr(fn, "__module__", None)
    while todo:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        try:
            source = textwrap.dedent(inspect.getsource(item))
            tree = ast.parse(source)
        except (OSError, TypeError, SyntaxError, IndentationError):
            continue
        scope = getattr(item, "__globals__", None)
        if scope is None:  # a class: the globals of its methods
            methods = [m for m in vars(item).values() if hasattr(m, "__globals__")]
            scope = methods[0].__globals__ if methods else getattr(inspect.getmodule(item), "__dict__", {})
        local = _local_names(tree) - {getattr(item, "__name__", "")}
        chains = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
                chains.append(node)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                chains.append(node)
        inner = {id(n.value) for n in chains if isinstance(n, ast.Attribute)}
        for node in chains:
            if id(node) in inner:
                continue  # only the longest chain: F.conv2d, not F
            parts = _dotted(node)
            if not parts or parts[0] in local:
                continue
            if parts[0] in scope:
                obj = scope[parts[0]]
            elif hasattr(builtins, parts[0]):
                obj = getattr(builtins, parts[0])
            else:
                continue
            root = obj
            resolved_parts = 1
            for part in parts[1:]:
                try:
                    obj = getattr(obj, part)
                except Exception:
                    break
                resolved_parts += 1
            if resolved_parts < len(parts):
                continue
            if getattr(obj, "__module__", None) == home and home is not None and (
                    inspect.isfunction(obj) or inspect.isclass(obj)):
                todo.append(obj)  # the student's own helper: what it uses counts, not its name
                continue
            names = [".".join(parts)]
            if inspect.ismodule(root):
                names.append(".".join([root.__name__] + parts[1:]))
            names.append(_qualified(obj))
            if getattr(obj, "__module__", None) and getattr(obj, "__name__", None):
                names.append(f"{obj.__module__}.{obj.__name__}")
            found.append((".".join(parts), names, obj))
    return found


def check_calls_avoid(fn: Callable, operators: Iterable[str], name: str | None = None) -> None:
    """Fail when ``fn`` (or a helper of its own it uses) refers to one of ``operators`` (dotted paths such as
    ``"torch.nn.functional.conv2d"``), however it is spelled: ``F.conv2d``, ``conv2d`` imported from there,
    ``torch.nn.functional.conv2d``. Its own names (a helper ``backward``, a class ``MyBatchNorm2d``) never count."""
    name = name or getattr(fn, "__name__", "function")
    targets = {}
    for path in operators:
        try:
            owner, attr = _resolve(path)
            targets[id(getattr(owner, attr))] = path
        except (ImportError, AttributeError):
            continue
    for written, _, obj in used_operators(fn):
        if id(obj) in targets:
            _fail(name, f"uses {written} ({targets[id(obj)]}), which this exercise forbids", "write it from scratch")


def made_here(code: str, name: str | None = None) -> Any:
    """What ``code`` builds (an expression, or with ``name`` a block defining ``name``, over ``torch``, ``np``,
    ``nn``, ``F``, ``math`` and ``torchvision``), built where the test runs: the test's own copy of what
    :func:`in_kernel` builds for the student's code, to compute expected values with."""
    import math

    import torch

    namespace = {"torch": torch, "np": np, "nn": torch.nn, "F": torch.nn.functional, "math": math}
    if "torchvision" in code:  # imported only when used: it costs seconds
        import torchvision

        namespace["torchvision"] = torchvision
    if name is None:
        return eval(compile(code, "<in_kernel>", "eval"), namespace)
    exec(compile(code, "<in_kernel>", "exec"), namespace)
    return namespace[name]


def in_kernel(code: str, name: str | None = None) -> Any:
    """An object a test hands to the student's code (a function to differentiate, a transform), built where
    that code runs: ``code`` as :func:`made_here` reads it. Here it is simply built; a test the grader decides
    gets a handle to the same object made inside the student's kernel, since only data crosses between them."""
    return made_here(code, name)


def twin_in_kernel(code: str, model) -> Any:
    """The module ``code`` builds (see :func:`in_kernel`), holding ``model``'s weights and buffers, on its device
    and in its mode: the test's own module, handed to the student's code where that code runs."""
    twin, state = in_kernel(code), model.state_dict()
    twin.load_state_dict(state)
    device = next((t.device for t in state.values()), None)
    twin = twin.to(device) if device is not None else twin
    return twin.train(model.training)


_STAND_IN = """
def _stand_in(name, value):
    from IPython import get_ipython
    names = get_ipython().user_ns
    had, old = name in names, names.get(name)
    names[name] = value
    def restore():
        if had:
            names[name] = old
        else:
            names.pop(name, None)
    return restore
"""


@contextlib.contextmanager
def standing_in(name: str, code: str, code_name: str | None = None):
    """While the block runs, the notebook's ``name`` is the object ``code`` builds (as :func:`in_kernel` builds
    it, where the student's code runs): a test of one function runs with a reference helper in place of the
    student's, so a wrong helper costs points once, in its own test. Afterwards the name is put back, or
    removed again if the notebook had none; both happen where the name lives, so the student's object never
    travels (only a handle to the undo does)."""
    restore = in_kernel(_STAND_IN, "_stand_in")(name, in_kernel(code, code_name))
    try:
        yield
    finally:
        restore()


def check_source_avoids(fn: Callable, patterns: Iterable[str], name: str | None = None) -> None:
    """Fail when ``fn`` uses an operator whose name matches one of ``patterns`` (regular expressions, matched
    against what the code refers to, as written and as resolved: ``F.max_pool2d`` and
    ``torch.nn.functional.max_pool2d``). Comments, docstrings and the names of the student's own functions,
    methods and classes never match; methods called on a local variable are left to :func:`forbidden`."""
    name = name or getattr(fn, "__name__", "function")
    patterns = [re.compile(p) for p in patterns]
    for written, names, _ in used_operators(fn):
        for pattern in patterns:
            if any(pattern.search(n) for n in names):
                _fail(name, f"uses {written!r}, which this exercise forbids", "write it from scratch")


def _not_written_yet(tb) -> str | None:
    """The exercise a bare ``raise NotImplementedError()`` comes from, when it is a notebook cell's stub."""
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return None
    code = tb.tb_frame.f_code
    filename = code.co_filename
    if not (filename.startswith("<") or "ipykernel" in filename or "ipython-input" in filename):
        return None  # raised inside a library: its own message says more
    qualname = getattr(code, "co_qualname", code.co_name)
    return None if qualname.startswith("<") else qualname


def _show_check_failure(shell, etype, value, tb, tb_offset=None):
    """IPython handler: a failed check prints its message, not a traceback."""
    if issubclass(etype, NotImplementedError) and not str(value):
        exercise = _not_written_yet(tb)
        if exercise:
            text = f"`{exercise}` is not written yet: fill in the exercise cell above and run it"
        else:
            text = "not written yet: fill in the cell marked '# EXERCISE: ...' above and run it"
    elif issubclass(etype, NotImplementedError):
        text = str(value)
    else:
        text = str(value)
    shell._showtraceback(etype, value, [f"\033[0;31m{etype.__name__}\033[0m: {text}"])


def _install_ipython_handler() -> None:
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.set_custom_exc((CheckFailed, NotImplementedError), _show_check_failure)


_install_ipython_handler()
