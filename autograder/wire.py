"""What crosses between the grader's checker and a student's kernel: data, never code or pickles.

A message is JSON. Tensors and arrays travel as raw bytes (base64) with an allowlisted dtype and a
shape, rebuilt with ``torch.frombuffer`` / ``numpy.frombuffer``; nothing is unpickled, so a hostile
kernel can send wrong numbers but never run code in the grader. An object that is not data (a
function, a module, a generator) stays in the kernel and is named by a handle, ``{"$ref": id}``.

Both sides import this module: the checker, and the kernel (it is one of the sandbox's public files).
"""
from __future__ import annotations

import base64
import json
import math
import pathlib
from typing import Any, Callable

import numpy as np

COMM_TARGET = "cnn_course.grader"  # the Jupyter comm the kernel answers the checker on
MAX_BYTES = 1 << 30  # one message; a hostile kernel cannot make the grader allocate more
TORCH_DTYPES = ("float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8",
                "bool", "complex64", "complex128")
NUMPY_DTYPES = ("float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint64", "uint32",
                "uint16", "uint8", "bool", "complex64", "complex128")


class NotData(TypeError):
    """The object cannot cross as data (the kernel keeps it and sends a handle instead)."""


class BadMessage(ValueError):
    """A message that is not what this protocol sends (a hostile or broken kernel)."""


def _torch():
    import torch

    return torch


def encode(obj: Any, blobs: list[bytes], ref: Callable[[Any], dict] | None = None) -> Any:
    """``obj`` as JSON-able data, its buffers appended to ``blobs``. ``ref(obj)`` names what is not data;
    without it such an object raises :class:`NotData`."""
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else {"$float": repr(obj)}
    if isinstance(obj, (list, tuple)) and type(obj) in (list, tuple):
        items = [encode(x, blobs, ref) for x in obj]
        return items if isinstance(obj, list) else {"$tuple": items}
    if isinstance(obj, dict):  # dict, OrderedDict (a state_dict)
        return {"$dict": [[encode(k, blobs, ref), encode(v, blobs, ref)] for k, v in obj.items()]}
    if isinstance(obj, np.ndarray) or isinstance(obj, np.generic):
        array = np.asarray(obj)
        array = array if array.flags.c_contiguous else array.copy(order="C")  # (ascontiguousarray makes 0-d 1-d)
        if array.dtype.name not in NUMPY_DTYPES:
            raise NotData(f"a numpy array of dtype {array.dtype}")
        blobs.append(array.tobytes())
        return {"$array": len(blobs) - 1, "dtype": array.dtype.name, "shape": list(array.shape),
                "scalar": isinstance(obj, np.generic)}
    torch = _torch()
    if isinstance(obj, torch.Tensor):
        tensor = obj.detach().to("cpu").contiguous()
        dtype = str(tensor.dtype).removeprefix("torch.")
        if dtype not in TORCH_DTYPES or tensor.layout != torch.strided:
            raise NotData(f"a tensor of dtype {tensor.dtype}, layout {tensor.layout}")
        raw = tensor.reshape(-1).view(torch.uint8) if tensor.numel() else tensor.reshape(-1)
        blobs.append(raw.numpy().tobytes() if tensor.numel() else b"")
        return {"$tensor": len(blobs) - 1, "dtype": dtype, "shape": list(tensor.shape),
                "device": str(obj.device), "grad": bool(obj.requires_grad)}
    if isinstance(obj, torch.Size):
        return {"$size": list(obj)}
    if isinstance(obj, torch.dtype):
        return {"$dtype": str(obj).removeprefix("torch.")}
    if isinstance(obj, torch.device):
        return {"$device": str(obj)}
    if isinstance(obj, slice):
        return {"$slice": [encode(obj.start, blobs), encode(obj.stop, blobs), encode(obj.step, blobs)]}
    if obj is Ellipsis:
        return {"$ellipsis": True}
    if isinstance(obj, pathlib.PurePath):  # a file a test names (04's photos); only its text crosses
        return {"$path": str(obj)}
    if type(obj).__module__.startswith("PIL.") and hasattr(obj, "mode") and hasattr(obj, "size"):
        return {"$pil": encode(np.asarray(obj), blobs), "mode": str(obj.mode)}
    if ref is not None:
        return ref(obj)
    raise NotData(f"a {type(obj).__module__}.{type(obj).__qualname__}")


def decode(data: Any, blobs: list[bytes], deref: Callable[[dict], Any] | None = None,
           device: Callable[[str], Any] | None = None) -> Any:
    """The inverse of :func:`encode`, validating every field; ``deref`` resolves handles (refused
    without it), ``device`` maps a tensor's device name to where it should live (default: CPU)."""
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        return [decode(x, blobs, deref, device) for x in data]
    if not isinstance(data, dict) or len(data) == 0:
        raise BadMessage(f"unexpected {type(data).__name__} in a message")
    if "$tuple" in data:
        return tuple(decode(x, blobs, deref, device) for x in _list(data["$tuple"]))
    if "$dict" in data:
        return {decode(_pair(kv)[0], blobs, deref, device): decode(_pair(kv)[1], blobs, deref, device)
                for kv in _list(data["$dict"])}
    if "$float" in data:
        if data["$float"] not in ("nan", "inf", "-inf"):
            raise BadMessage("bad float")
        return float(data["$float"])
    if "$array" in data:
        dtype, shape, raw = _buffer(data, "$array", NUMPY_DTYPES, blobs)
        array = np.frombuffer(raw, dtype=np.dtype(dtype)).reshape(shape).copy()
        return array[()] if data.get("scalar") is True and array.ndim == 0 else array
    torch = _torch()
    if "$tensor" in data:
        dtype, shape, raw = _buffer(data, "$tensor", TORCH_DTYPES, blobs)
        torch_dtype = getattr(torch, dtype)
        if raw:
            tensor = torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(torch_dtype).reshape(shape)
        else:
            tensor = torch.empty(shape, dtype=torch_dtype)
        where = device(str(data.get("device", "cpu"))) if device else None
        if where is not None:
            tensor = tensor.to(where)
        if data.get("grad") is True and tensor.is_floating_point():
            tensor.requires_grad_(True)
        return tensor
    if "$size" in data:
        return torch.Size([_int(x) for x in _list(data["$size"])])
    if "$dtype" in data:
        if data["$dtype"] not in TORCH_DTYPES:
            raise BadMessage("bad dtype")
        return getattr(torch, data["$dtype"])
    if "$device" in data:
        return torch.device(str(data["$device"]))
    if "$slice" in data:
        return slice(*(decode(x, blobs, deref, device) for x in _list(data["$slice"])[:3]))
    if "$ellipsis" in data:
        return Ellipsis
    if "$path" in data:
        if not isinstance(data["$path"], str):
            raise BadMessage("a path that is not text")
        return pathlib.Path(data["$path"])
    if "$pil" in data:
        import PIL.Image

        return PIL.Image.fromarray(decode(data["$pil"], blobs), mode=str(data.get("mode")))
    if "$ref" in data or "$global" in data:
        if deref is None:
            raise BadMessage("a handle where only data may come")
        return deref(data)
    raise BadMessage(f"unknown field {sorted(data)[0]!r}")


def _list(x: Any) -> list:
    if not isinstance(x, list):
        raise BadMessage("expected a list")
    return x


def _pair(x: Any) -> list:
    if not isinstance(x, list) or len(x) != 2:
        raise BadMessage("expected a key-value pair")
    return x


def _int(x: Any) -> int:
    if not isinstance(x, int) or isinstance(x, bool) or x < 0:
        raise BadMessage("expected a non-negative integer")
    return x


def _buffer(data: dict, key: str, allowed: tuple, blobs: list[bytes]) -> tuple[str, list[int], bytes]:
    dtype, shape, index = data.get("dtype"), [_int(n) for n in _list(data.get("shape"))], data[key]
    if dtype not in allowed:
        raise BadMessage(f"dtype {dtype!r} is not allowed")
    if not isinstance(index, int) or not 0 <= index < len(blobs):
        raise BadMessage("no such buffer")
    raw = blobs[index]
    itemsize = 2 if dtype == "bfloat16" else np.dtype(dtype).itemsize
    if len(raw) != math.prod(shape) * itemsize:
        raise BadMessage(f"buffer of {len(raw)} bytes for shape {shape} of {dtype}")
    return dtype, shape, raw


def dumps(message: dict, blobs: list[bytes]) -> str:
    return json.dumps({"message": message, "blobs": [base64.b64encode(b).decode("ascii") for b in blobs]})


def loads(text: str) -> tuple[dict, list[bytes]]:
    """(message, buffers) from :func:`dumps`'s text; :class:`BadMessage` for anything else."""
    if not isinstance(text, str) or len(text) > MAX_BYTES * 4 // 3 + 4096:
        raise BadMessage("not a message, or larger than the grader accepts")
    try:
        outer = json.loads(text)
        blobs = [base64.b64decode(b, validate=True) for b in _list(outer["blobs"])]
        message = outer["message"]
    except (ValueError, KeyError, TypeError) as err:
        raise BadMessage(f"not a message: {err}") from err
    if not isinstance(message, dict):
        raise BadMessage("not a message")
    return message, blobs
