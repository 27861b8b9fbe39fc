"""Full-profile runs, only where a GPU is present: each source notebook in the full profile on CUDA,
its time, and the final metrics it printed (lines naming an accuracy or an error rate)."""
from __future__ import annotations

import re

from autograder.course import Course

from .notebooks import execute_plain

NO_GPU = "no GPU on this machine"
METRIC = re.compile(r"(accuracy|error rate|error)\D{0,40}?(\d+(?:\.\d+)?)\s*(%?)", re.IGNORECASE)


def available() -> bool:
    import torch

    return torch.cuda.is_available()


def _printed_metrics(nb) -> list[str]:
    lines = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text = out.get("text", "") if out.get("output_type") == "stream" else ""
            lines += [line.strip() for line in text.splitlines() if METRIC.search(line)]
    return lines[-3:]


def measure(course: Course, assignments: list[str], log=print) -> dict:
    if not available():
        return {"available": False, "note": NO_GPU, "runs": []}
    import torch

    runs = []
    for assignment in assignments:
        log(f"  {assignment}: full profile on {torch.cuda.get_device_name(0)}")
        run = execute_plain(course.source_path(assignment), "full", "cuda", cell_timeout=3600)
        runs.append({"assignment": assignment, "seconds": None if run["seconds"] is None else round(run["seconds"], 1),
                     "errors": run["errors"][:3], "failure": run["failure"], "slowest_cells": run["slowest"],
                     "printed_metrics": _printed_metrics(run["notebook"])})
    return {"available": True, "device": torch.cuda.get_device_name(0), "runs": runs}
