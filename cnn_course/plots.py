"""Figures the notebooks share: image grids, training curves, confusion matrices."""
from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np


def _as_image(img) -> np.ndarray:
    """Tensor ``[C,H,W]`` or ``[H,W]``, PIL image or array ``[H,W(,C)]`` -> array matplotlib can show."""
    if hasattr(img, "detach"):
        img = img.detach().cpu().float()
        if img.ndim == 3:
            img = img.permute(1, 2, 0)
        img = img.numpy()
    img = np.asarray(img)
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]
    return img


def show_images(images: Sequence, titles: Sequence[str] | None = None, ncols: int = 4,
                suptitle: str | None = None, cmap: str = "gray", size: float = 2.6):
    """A grid of images with titles; grayscale ones use ``cmap`` and their own value range."""
    n = len(images)
    nrows = (n + ncols - 1) // ncols
    fig, axes = plt.subplots(nrows, min(ncols, n), figsize=(size * min(ncols, n), size * nrows), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        img = _as_image(images[i])
        ax.imshow(img, cmap=cmap if img.ndim == 2 else None)
        if titles:
            ax.set_title(titles[i], fontsize=9)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


def plot_curves(history: dict[str, Sequence[float]], xlabel: str = "epoch", ylabel: str = "value",
                title: str | None = None, ax=None):
    """One line per series, e.g. ``{"train loss": [...], "valid loss": [...]}``."""
    ax = ax or plt.subplots(figsize=(5, 3.2))[1]
    for label, values in history.items():
        ax.plot(range(1, len(values) + 1), values, marker="o", label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    return ax


def plot_confusion(matrix, labels: Sequence[str], title: str = "Confusion matrix", ax=None):
    """Rows are the actual class, columns the predicted one, as fastai draws it."""
    matrix = np.asarray(matrix)
    size = max(4, 0.28 * len(labels))
    ax = ax or plt.subplots(figsize=(size, size))[1]
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("actual")
    ax.set_title(title)
    if len(labels) <= 12:
        for (i, j), v in np.ndenumerate(matrix):
            ax.text(j, i, int(v), ha="center", va="center", fontsize=8)
    return ax
