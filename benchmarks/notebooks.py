"""Every source notebook, executed plainly (nbclient, a fresh kernel) and graded by our grader, side by side.

Plain execution is what a student's "Run all" costs; grading the same notebook (the instructor's source
as a submission: same cells, hidden tests included) adds the grader's work: rebuilding the notebook,
the guard around each test, the watchdog. Their ratio is the grader's overhead.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from datetime import datetime

import nbformat
from nbclient import NotebookClient

from autograder.course import Course
from autograder.environment import kernel_env, threads_per_kernel
from autograder.grade import PROFILE_LIMITS, Options, grade_all
from autograder.submission import Submission

from .timing import median, paired_ratio, rotated


def _cell_seconds(cell) -> float | None:
    timing = cell.get("metadata", {}).get("execution", {})
    try:
        start = datetime.fromisoformat(timing["iopub.execute_input"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(timing["shell.execute_reply"].replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None
    return (end - start).total_seconds()


def execute_plain(path, profile: str, device: str, cell_timeout: float = 600) -> dict:
    """Run one notebook top to bottom in a fresh kernel (startup included); seconds, errors, slowest cells."""
    nb = nbformat.read(path, as_version=4)
    workdir = tempfile.mkdtemp(prefix="bench-nb-")
    began = time.perf_counter()
    try:
        client = NotebookClient(nb, kernel_name="python3", timeout=int(cell_timeout), allow_errors=True,
                                record_timing=True, resources={"metadata": {"path": workdir}})
        # what the grader's kernel gets at --jobs 1
        client.execute(env=kernel_env(profile, device, threads_per_kernel(1)), stderr=subprocess.DEVNULL)
        failure = None
    except Exception as err:  # a timeout or a dead kernel: the run has no time worth reporting
        failure = f"{type(err).__name__}: {str(err).splitlines()[0][:200] if str(err) else ''}"
    finally:
        seconds = time.perf_counter() - began
        shutil.rmtree(workdir, ignore_errors=True)
    errors = [f"cell {i}: {o.get('ename')}: {str(o.get('evalue'))[:120]}" for i, c in enumerate(nb.cells)
              for o in c.get("outputs", []) if o.get("output_type") == "error"]
    cells = [(s, i, (c.source.splitlines() or [""])[0][:60]) for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and (s := _cell_seconds(c)) is not None]
    slowest = [{"cell": i, "first_line": line, "seconds": round(s, 2)}
               for s, i, line in sorted(cells, reverse=True)[:3]]
    return {"seconds": None if failure else seconds, "failure": failure, "errors": errors, "slowest": slowest,
            "notebook": nb}


def grade_source(course: Course, assignment: str, profile: str, device: str) -> dict:
    """Grade the source notebook itself as one submission, in this process (as the tests do)."""
    options = Options(profile=profile, device=device, jobs=1, limits=PROFILE_LIMITS[profile])
    began = time.perf_counter()
    [(result, _)] = grade_all([Submission("source", course.source_path(assignment))], course.assignment(assignment),
                              options)
    return {"seconds": time.perf_counter() - began, "score": result.score, "max_score": result.max_score,
            "failed": [t.grade_id for t in result.tests if not t.passed]}


class NotebookRuns:
    """Section 1 (plain execution) and 3 (graded / plain), one round at a time: in each round every notebook
    runs plainly and graded, next to each other, in a different order each round."""

    def __init__(self, course: Course, assignments: list[str], profile: str = "quick", device: str = "cpu"):
        self.course, self.assignments, self.profile, self.device = course, assignments, profile, device
        self.plain: dict[str, list] = {a: [] for a in assignments}
        self.graded: dict[str, list] = {a: [] for a in assignments}
        self.last_plain: dict[str, dict] = {}
        self.last_graded: dict[str, dict] = {}

    def round(self, r: int, log=print) -> None:
        for assignment in rotated(self.assignments, r):
            for kind in rotated(["plain", "graded"], r):
                if kind == "plain":
                    run = execute_plain(self.course.source_path(assignment), self.profile, self.device)
                    run.pop("notebook")
                    self.last_plain[assignment] = run
                    self.plain[assignment].append(run["seconds"])
                    continue
                try:
                    run = grade_source(self.course, assignment, self.profile, self.device)
                except Exception as err:  # the grader could not run: say so, keep the plain numbers
                    run = {"seconds": None, "error": f"{type(err).__name__}: {err}"[:300]}
                self.last_graded[assignment] = run
                self.graded[assignment].append(run["seconds"])
            log(f"  {assignment}: plain {_fmt(self.plain[assignment][-1])} s, "
                f"graded {_fmt(self.graded[assignment][-1])} s")

    def rows(self) -> list[dict]:
        return [self._row(a) for a in self.assignments if self.plain[a]]

    def _row(self, assignment: str) -> dict:
        plain, graded = self.plain[assignment], self.graded[assignment]
        last_plain, last_graded = self.last_plain[assignment], self.last_graded.get(assignment, {})
        notes = []
        if last_plain["failure"]:
            notes.append("plain run failed: " + last_plain["failure"])
        if last_plain["errors"]:
            notes.append(f"{len(last_plain['errors'])} cell error(s), first: {last_plain['errors'][0]}")
        if last_graded.get("error"):
            notes.append("grading failed: " + last_graded["error"])
        elif last_graded.get("failed"):
            notes.append(f"graded {last_graded['score']:g}/{last_graded['max_score']:g}, failed: "
                         + ", ".join(last_graded["failed"][:5]))
        return {
            "assignment": assignment, "profile": self.profile, "device": self.device,
            "plain_runs_s": _round(plain), "plain_median_s": _round1(median(plain)),
            "graded_runs_s": _round(graded), "graded_median_s": _round1(median(graded)),
            "overhead": _round1(paired_ratio(graded, plain), 3),
            "score": last_graded.get("score"), "max_score": last_graded.get("max_score"),
            "slowest_cells": last_plain["slowest"], "notes": notes,
        }


def _fmt(v):
    return "-" if v is None else f"{v:.1f}"


def _round1(v, digits=2):
    return None if v is None else round(v, digits)


def _round(values):
    return [_round1(v) for v in values]
