"""Where a notebook runs: the device (cuda/cpu) and the profile (quick/full).

Both are chosen once per process and can be forced with environment variables, which is how
the autograder's ``--device`` and ``--profile`` flags reach the notebook kernels:

* ``CNN_COURSE_DEVICE``  = auto | cpu | cuda
* ``CNN_COURSE_PROFILE`` = auto | quick | full

``auto`` means: cuda when a GPU is visible; ``full`` only on a GPU runtime that can reach the
internet (Colab), ``quick`` everywhere else, so CI and offline laptops never wait on a download.
"""
from __future__ import annotations

import os
import random
import socket
from functools import lru_cache

PROFILES = ("quick", "full")
_NETWORK_PROBE = ("files.fast.ai", 443)


def _choice(var: str, allowed: tuple[str, ...]) -> str:
    value = os.environ.get(var, "auto").strip().lower() or "auto"
    if value not in allowed + ("auto",):
        raise ValueError(f"{var}={value!r}: expected one of {', '.join(allowed + ('auto',))}")
    return value


def _cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


@lru_cache(maxsize=None)
def has_network(timeout: float = 1.0) -> bool:
    """True when the dataset host answers within ``timeout`` seconds (never hangs longer)."""
    try:
        with socket.create_connection(_NETWORK_PROBE, timeout=timeout):
            return True
    except OSError:
        return False


def device(name: str | None = None):
    """The ``torch.device`` to use: ``name``, else $CNN_COURSE_DEVICE, else cuda if present."""
    import torch

    choice = (name or _choice("CNN_COURSE_DEVICE", ("cpu", "cuda"))).lower()
    if choice == "auto":
        choice = "cuda" if _cuda_available() else "cpu"
    if choice == "cuda" and not _cuda_available():
        raise RuntimeError("device 'cuda' was asked for but torch sees no GPU; use 'cpu' or 'auto'")
    return torch.device(choice)


def profile(name: str | None = None) -> str:
    """``quick`` (small data, CPU, no network) or ``full`` (GPU runtime with network)."""
    choice = (name or _choice("CNN_COURSE_PROFILE", PROFILES)).lower()
    if choice not in PROFILES + ("auto",):
        raise ValueError(f"profile {choice!r}: expected one of {', '.join(PROFILES)}")
    if choice == "auto":
        choice = "full" if _cuda_available() and has_network() else "quick"
    return choice


def seed_everything(seed: int = 0) -> None:
    """Seed Python, NumPy and torch so every run of a notebook sees the same numbers."""
    random.seed(seed)
    try:
        import numpy as np

        np.random.seed(seed)
    except ImportError:
        pass
    try:
        import torch

        torch.manual_seed(seed)
    except ImportError:
        pass


def summary() -> str:
    """One line a notebook prints at the top, so every log says where it ran."""
    import torch

    dev = device()
    gpu = f" ({torch.cuda.get_device_name(dev)})" if dev.type == "cuda" else ""
    return f"profile={profile()}  device={dev}{gpu}  torch={torch.__version__}"
