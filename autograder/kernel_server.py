"""Runs inside the student's kernel: answers the grader's checker, one comm message per request.

The checker (outside the kernel) sends a request naming an object of the kernel (a global, or a handle
from an earlier answer) and what to do with it: fetch it, call it, read an attribute or an item, iterate
it. The answer is data (:mod:`autograder.wire`) or a handle for what is not data. Tensors and arrays
passed to a call that the call changed go back too, so ``f(x)`` changing ``x`` in place is seen.

Nothing here decides a grade, and the student's code may replace all of it: it can then only send
wrong data, which is what a wrong answer does anyway.
"""
from __future__ import annotations

import contextlib

from autograder import wire

_handles: dict[int, object] = {}


def _namespace() -> dict:
    from IPython import get_ipython

    return get_ipython().user_ns


def _deref(data: dict):
    if data.get("$ref") not in _handles:
        raise wire.BadMessage("no such handle")
    return _handles[data["$ref"]]


def _ref(obj) -> dict:
    _handles[id(obj)] = obj
    return {"$ref": id(obj), "type": f"{type(obj).__module__}.{type(obj).__qualname__}"}


def _device(name: str):
    import torch

    if name.startswith("cuda") and torch.cuda.is_available():
        return torch.device(name)
    if name == "mps" and getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
        return torch.device(name)
    return None


def _snapshot(value):
    import numpy as np
    import torch

    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if isinstance(value, np.ndarray):
        return value.copy()
    return None


def _changed(before, after) -> bool:
    import numpy as np
    import torch

    if isinstance(after, torch.Tensor):
        return before.shape != after.shape or not torch.equal(before, after.detach())
    return before.shape != after.shape or not np.array_equal(before, after, equal_nan=True)


def _call(target, request: dict, blobs: list[bytes]):
    args = wire.decode(request.get("args", []), blobs, _deref, _device)
    kwargs = wire.decode(request.get("kwargs", {"$dict": []}), blobs, _deref, _device)
    before = {i: _snapshot(a) for i, a in enumerate(args)} | {k: _snapshot(v) for k, v in kwargs.items()}
    guard = contextlib.nullcontext()
    if request.get("forbidden"):
        from cnn_course.checks import forbidden

        guard = forbidden(*request["forbidden"], name=str(request.get("forbidden_name") or "your function"))
    with guard:
        value = target(*args, **kwargs)
    mutated = {str(k): v for k, v in ({i: a for i, a in enumerate(args)} | kwargs).items()
               if before[k] is not None and _changed(before[k], v)}
    return value, mutated


def _answer(request: dict, blobs: list[bytes]) -> tuple[dict, list[bytes]]:
    op = request.get("op")
    out: list[bytes] = []
    if op == "release":
        for ref in request.get("refs", []):
            _handles.pop(ref, None)
        return {"value": None}, out
    if op == "globals":  # those of these names the kernel defines, with their values: one request per test
        namespace = _namespace()
        found = {n: namespace[n] for n in request.get("names", []) if isinstance(n, str) and n in namespace}
        return {"value": wire.encode(found, out, _ref)}, out
    if op == "in_kernel":  # an object of the test's, built here (cnn_course.checks.in_kernel)
        from cnn_course.checks import made_here

        return {"value": _ref(made_here(str(request.get("code")), request.get("name")))}, out
    target = _deref(request.get("target") or {})
    if op == "call":
        value, mutated = _call(target, request, blobs)
    elif op == "getattr":
        value, mutated = getattr(target, str(request.get("name"))), {}
    elif op == "getitem":
        value, mutated = target[wire.decode(request.get("key"), blobs, _deref)], {}
    elif op == "iter":
        return {"value": [wire.encode(x, out, _ref) for x in target]}, out
    elif op == "len":
        value, mutated = len(target), {}
    elif op == "course_check":  # a check that must watch the function itself (its syntax tree, its operations): best effort
        from cnn_course import checks

        helper = {"check_calls_avoid": checks.check_calls_avoid,
                  "check_source_avoids": checks.check_source_avoids,
                  "check_operations_do_not_grow": checks.check_operations_do_not_grow}[request.get("name")]
        rest = wire.decode(request.get("args", []), blobs, _deref)
        kwargs = wire.decode(request.get("kwargs", {"$dict": []}), blobs, _deref)
        value, mutated = helper(target, *rest, **kwargs), {}
    else:
        raise wire.BadMessage(f"unknown request {op!r}")
    return {"value": wire.encode(value, out, _ref),
            "mutated": {k: wire.encode(v, out) for k, v in mutated.items()}}, out


def answer(text: str) -> str:
    """The answer to one request (the checker's text), as text."""
    try:
        request, blobs = wire.loads(text)
        value, out = _answer(request, blobs)
    except BaseException as err:  # the student's exception is the answer, KeyboardInterrupt included
        value, out = {"error": {"type": type(err).__name__, "message": str(err)[:4000]}}, []
    return wire.dumps(value, out)


def listen() -> None:
    """Answer the grader on a Jupyter comm (target :data:`wire.COMM_TARGET`): a request and its answer are
    one message each way, with none of a cell's execution around them."""
    from comm import get_comm_manager

    def opened(comm, _message) -> None:
        comm.on_msg(lambda message: comm.send({"answer": answer(str(message["content"]["data"].get("request", "")))}))

    get_comm_manager().register_target(wire.COMM_TARGET, opened)
