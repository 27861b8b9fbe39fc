"""The reference operators students are asked to match, timed against PyTorch's on this CPU.

The reference code is never copied here: it is read from the exercise cells of the source notebooks
(``# EXERCISE: <name>``, solution markers stripped) and executed together with the notebook's own imports
and helper functions (``pair``, ``as_pair``, ...). A missing assignment or function skips its rows.
"""
from __future__ import annotations

import ast
import math
import time

from autograder.course import Course, CourseError

from .timing import median

DISTURBED_NOTE = ("the multi-threaded run was disturbed by other processes (slower than with one thread): "
                  "the targets use the one-thread ratio")
LOOP_NOTE = "loop conv2d runs at the small shape only: it loops over every output pixel in Python (slow by design)"

# (label, assignment, reference function, PyTorch operator, shapes); shapes are (name, input, weight or pooling)
CONV_SHAPES = [
    ("small", (1, 3, 32, 32), (16, 3, 3, 3)),
    ("medium", (8, 32, 64, 64), (64, 32, 3, 3)),
    ("ResNet layer1", (16, 64, 56, 56), (64, 64, 3, 3)),
]
POOL_SHAPES = [  # (name, input, (kernel, stride, padding))
    ("small", (1, 3, 32, 32), (2, 2, 0)),
    ("medium", (8, 32, 64, 64), (2, 2, 0)),
    ("ResNet stem", (16, 64, 112, 112), (3, 2, 1)),
]


def _helpers(cell_source: str) -> list[ast.stmt]:
    """Top-level imports and function/class definitions of a non-graded cell (nothing that computes)."""
    try:
        tree = ast.parse(cell_source)
    except SyntaxError:  # IPython magics (the setup cell): not needed here
        return []
    return [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef))]


def load(course: Course, assignment: str) -> tuple[dict | None, list[str]]:
    """The namespace holding every exercise's reference solution of ``assignment``, and notes on problems."""
    try:
        model = course.assignment(assignment)
    except (CourseError, FileNotFoundError) as err:
        return None, [f"{assignment} is not in source/ yet ({err})"]
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    namespace = {"__name__": f"reference_{assignment}", "torch": torch, "np": np, "numpy": np, "F": F, "nn": nn,
                 "math": math, "time": time}
    notes = []
    exercises = {e.index: e for e in model.exercises.values()}
    tests = {t.index for t in model.tests}
    for index, cell in enumerate(model.notebook.cells):
        if cell.cell_type != "code" or index in tests:
            continue
        if index not in exercises:
            for node in _helpers(cell.source):
                try:
                    exec(compile(ast.Module([node], []), f"<{assignment} helper>", "exec"), namespace)
                except Exception as err:
                    notes.append(f"{assignment}: a helper line failed ({type(err).__name__}: {err})")
        else:
            name = exercises[index].name
            try:
                exec(compile(exercises[index].solution, f"<{assignment} exercise {name}>", "exec"), namespace)
            except Exception as err:
                notes.append(f"{assignment}: exercise {name} did not run ({type(err).__name__}: {err})")
    return namespace, notes


def time_pair(ours, theirs, runs: int, min_seconds: float = 0.02) -> tuple[list[float], list[float]]:
    """Seconds per call of each, ``runs`` rounds, the two timed next to each other in every round."""
    ours(), theirs()  # warm up (allocations, lazy initialisation)
    numbers = []
    for fn in (ours, theirs):
        began = time.perf_counter()
        fn()
        once = time.perf_counter() - began
        numbers.append(max(1, min(1000, math.ceil(min_seconds / max(once, 1e-7)))))
    times: tuple[list[float], list[float]] = ([], [])
    for r in range(runs):
        order = [0, 1] if r % 2 == 0 else [1, 0]
        for k in order:
            fn, number = (ours, theirs)[k], numbers[k]
            began = time.perf_counter()
            for _ in range(number):
                fn()
            times[k].append((time.perf_counter() - began) / number)
    return times


def _disturbed(all_threads: dict, one_thread: dict) -> bool:
    """More threads never make an operator 1.5 times slower on an idle machine; on a busy one a parallel
    operator waits for a core another process holds (milliseconds per call)."""
    return (all_threads["pytorch_ms"] > 1.5 * one_thread["pytorch_ms"]
            or all_threads["reference_ms"] > 1.5 * one_thread["reference_ms"])


def _timed(ours, theirs, runs: int, threads: int) -> dict:
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        ours_t, theirs_t = time_pair(ours, theirs, runs)
    finally:
        torch.set_num_threads(before)
    return {"reference_ms": round(1000 * median(ours_t), 3), "pytorch_ms": round(1000 * median(theirs_t), 3),
            "ratio": float(f"{median([a / b for a, b in zip(ours_t, theirs_t)]):.3g}")}


def cases(quick: bool):
    """(label, assignment, function, operator, shape name, make inputs, reference call, PyTorch call)."""
    import torch.nn.functional as F

    conv = CONV_SHAPES[:1] if quick else CONV_SHAPES
    pool = POOL_SHAPES[:1] if quick else POOL_SHAPES
    for name, xs, ws in conv:
        yield ("conv2d_im2col", "01_convolution", "conv2d_im2col", "F.conv2d", name, (xs, ws),
               lambda fn, x, w, b: fn(x, w, b, stride=1, padding=1),
               lambda x, w, b: F.conv2d(x, w, b, stride=1, padding=1))
    for name, xs, ws in conv:
        yield ("loop conv2d", "01_convolution", "conv2d", "F.conv2d", name, (xs, ws),
               lambda fn, x, w, b: fn(x, w, b, stride=1, padding=1),
               lambda x, w, b: F.conv2d(x, w, b, stride=1, padding=1))
    for name, xs, (k, s, p) in pool:
        yield ("pool2d (max)", "02_pooling", "pool2d", "F.max_pool2d", name, (xs, (k, s, p)),
               lambda fn, x, k, s, p: fn(x, k, s, p, mode="max"),
               lambda x, k, s, p: F.max_pool2d(x, k, s, p))


def _shape_text(spec) -> str:
    xs, other = spec
    if len(other) == 4:
        return f"x {list(xs)}, w {list(other)}, padding 1"
    k, s, p = other
    return f"x {list(xs)}, kernel {k}, stride {s}" + (f", padding {p}" if p else "")


def measure(course: Course, runs: int, quick: bool, log=print) -> list[dict]:
    import torch

    loaded: dict[str, tuple] = {}
    rows = []
    threads = sorted({1, torch.get_num_threads()})  # one thread: robust to a busy machine; all: what students get
    for label, assignment, function, operator, shape_name, spec, call_ours, call_theirs in cases(quick):
        if assignment not in loaded:
            loaded[assignment] = load(course, assignment)
        namespace, notes = loaded[assignment]
        row = {"reference": label, "function": function, "assignment": assignment, "pytorch": operator,
               "shape": shape_name, "inputs": _shape_text(spec), "reference_ms": None, "pytorch_ms": None,
               "ratio": None, "threads": torch.get_num_threads(), "single_thread": None, "max_abs_diff": None,
               "disturbed": None, "note": None}
        rows.append(row)
        fn = (namespace or {}).get(function)
        if namespace is None:
            row["note"] = notes[0]
            continue
        if not callable(fn):
            row["note"] = f"{function} is not defined by the exercise cells of {assignment}" + (
                f" ({notes[0]})" if notes else "")
            continue
        if function == "conv2d" and shape_name != CONV_SHAPES[0][0]:
            row["note"] = LOOP_NOTE
            continue
        torch.manual_seed(0)
        xs, other = spec
        if len(other) == 4:  # convolution: input, weight, bias
            args = (torch.randn(xs), torch.randn(other), torch.randn(other[0]))
        else:  # pooling: input, kernel, stride, padding
            args = (torch.randn(xs), *other)
        try:
            with torch.no_grad():
                diff = (call_ours(fn, *args) - call_theirs(*args)).abs().max().item()
                timed = {n: _timed(lambda: call_ours(fn, *args), lambda: call_theirs(*args), runs, n)
                         for n in threads}
        except Exception as err:
            row["note"] = f"the reference failed: {type(err).__name__}: {str(err)[:200]}"
            continue
        row.update(timed[threads[-1]])
        row["single_thread"] = timed[1]
        row["max_abs_diff"] = float(f"{diff:.2g}")
        row["disturbed"] = _disturbed(timed[threads[-1]], timed[1])
        notes = [LOOP_NOTE] if function == "conv2d" else []
        if diff > 1e-3:
            notes.append("its result differs from PyTorch's")
        if row["disturbed"]:
            notes.append(DISTURBED_NOTE)
        row["note"] = "; ".join(notes) or None
        log(f"  {label} {shape_name}: {row['reference_ms']:.3f} ms vs {row['pytorch_ms']:.3f} ms ({row['ratio']}x); "
            f"1 thread {timed[1]['ratio']}x")
    return rows
