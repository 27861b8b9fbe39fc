"""Medians and side-by-side ratios: every ratio is taken within one round, then the median of the rounds."""
from __future__ import annotations

import statistics
import time
from contextlib import contextmanager


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(a, b):
    return a / b if a is not None and b else None


def paired_ratio(numerators, denominators):
    """Median of the per-round ratios (round i of both measured next to each other)."""
    return median([ratio(a, b) for a, b in zip(numerators, denominators)])


@contextmanager
def stopwatch(into: list):
    began = time.perf_counter()
    try:
        yield
    finally:
        into.append(time.perf_counter() - began)


def rotated(items: list, round_index: int) -> list:
    """The items in a different order each round, so no one of them always runs first (or last)."""
    k = round_index % len(items) if items else 0
    return items[k:] + items[:k]
