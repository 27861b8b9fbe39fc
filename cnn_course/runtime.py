"""Where a notebook runs: the device (cuda/cpu), the profile (quick/full) and whether it may download.

Two questions that used to be one. *Can we download?* (pretrained weights, real datasets) depends on the
network only; *how big do we train?* (the profile) on the device. A CPU laptop with network gets ImageNet
weights and trains small; only an offline machine falls back to the shipped sample and random weights,
with one ``[offline]`` line. All three are chosen once per process and can be forced with environment
variables, which is how the autograder's ``--device`` and ``--profile`` flags reach the notebook kernels:

* ``CNN_COURSE_DEVICE``  = auto | cpu | cuda
* ``CNN_COURSE_PROFILE`` = auto | quick | full
* ``CNN_COURSE_NETWORK`` = auto | on | off   (off: never download; on: download without probing first)
* ``CNN_COURSE_DATA``    = the download cache (default ``~/.cache/cnn_course``)

``auto`` means: cuda when a GPU is visible; downloads when the dataset host answers within a second;
``full`` only on a GPU that can also download (full data and real training), ``quick`` everywhere else:

| device | network | profile | downloads (weights, data) |
|---|---|---|---|
| GPU | yes | full | yes |
| CPU | yes | quick | yes: real pretrained weights, small training |
| GPU or CPU | no | quick | no: the shipped sample, random weights, one ``[offline]`` line |
"""
from __future__ import annotations

import os
import random
import socket
from functools import lru_cache
from pathlib import Path

PROFILES = ("quick", "full")
NETWORK_CHOICES = ("on", "off")
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


def can_download() -> bool:
    """May this process download weights and datasets? ``$CNN_COURSE_NETWORK``: ``off`` never, ``on`` always
    (the download itself then fails loudly or falls back), ``auto`` when the dataset host answers.
    Independent of the device and of the profile: a CPU with network still gets pretrained weights."""
    choice = _choice("CNN_COURSE_NETWORK", NETWORK_CHOICES)
    if choice == "auto":
        return has_network()
    return choice == "on"


def offline_reason() -> str | None:
    """Why downloads are off, for the one ``[offline]`` line; None when they are on."""
    if can_download():
        return None
    if _choice("CNN_COURSE_NETWORK", NETWORK_CHOICES) == "off":
        return "CNN_COURSE_NETWORK=off"
    return f"no answer from {_NETWORK_PROBE[0]}:{_NETWORK_PROBE[1]}"


def cache_dir() -> Path:
    """Where downloads are kept between runs: ``$CNN_COURSE_DATA``, else ``~/.cache/cnn_course``."""
    return Path(os.environ.get("CNN_COURSE_DATA") or Path.home() / ".cache" / "cnn_course")


def download_env(cache: Path, private: Path) -> dict[str, str]:
    """The environment that keeps every download of the course in ``cache``: the course's datasets
    (``CNN_COURSE_DATA``), torchvision's weights (``TORCH_HOME``) and fastai's datasets (its ``config.ini`` in
    ``private``, which sends ``data`` to the cache and keeps fastai's lock files and archives in ``private``:
    a kernel that only reads the cache still runs ``untar_data``)."""
    fastai_home = Path(private) / ".fastai"
    fastai_home.mkdir(parents=True, exist_ok=True)
    (fastai_home / "config.ini").write_text(
        f"[DEFAULT]\ndata = {Path(cache) / 'fastai' / 'data'}\narchive = {fastai_home / 'archive'}\n"
        f"storage = {fastai_home / 'tmp'}\nmodel = {fastai_home / 'models'}\n")
    return {"CNN_COURSE_DATA": str(cache), "TORCH_HOME": str(Path(cache) / "torch"), "FASTAI_HOME": str(fastai_home)}


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
    """How big to train: ``full`` (full data, real training) on a GPU that can download, else ``quick``.
    Whether to download is :func:`can_download`'s question, not this one's."""
    choice = (name or _choice("CNN_COURSE_PROFILE", PROFILES)).lower()
    if choice not in PROFILES + ("auto",):
        raise ValueError(f"profile {choice!r}: expected one of {', '.join(PROFILES)}")
    if choice == "auto":
        choice = "full" if _cuda_available() and can_download() else "quick"
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
    downloads = "on" if can_download() else "off"
    return f"profile={profile()}  device={dev}{gpu}  downloads={downloads}  torch={torch.__version__}"
