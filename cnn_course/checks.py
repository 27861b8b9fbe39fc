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


def check_source_avoids(fn: Callable, patterns: Iterable[str], name: str | None = None) -> None:
    """Fail when ``fn``'s source code mentions a forbidden operator (regular expressions)."""
    name = name or getattr(fn, "__name__", "function")
    try:
        source = textwrap.dedent(inspect.getsource(fn))
    except (OSError, TypeError):
        return  # no source (defined by exec): the runtime check in `forbidden` still applies
    code = _code_only(source)
    for pattern in patterns:
        match = re.search(pattern, code)
        if match:
            _fail(name, f"uses {match.group(0)!r}, which this exercise forbids", "write it from scratch")


def _show_check_failure(shell, etype, value, tb, tb_offset=None):
    """IPython handler: a failed check prints its message, not a traceback."""
    if issubclass(etype, NotImplementedError):
        text = "not implemented yet: fill in the cell marked '# EXERCISE: ...' above and run it"
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
