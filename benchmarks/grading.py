"""Grading a class: our grader (``--jobs 1``, ``--jobs 2``, ...) against plain ``nbgrader autograde``.

Both run as their command-line tools do, on the same bundled example submissions, in scratch copies of
the course (source/, release/, nbgrader_config.py; ``nbgrader generate_assignment`` first; nbgrader's
``submitted/<student>/<assignment>/`` layout), one after the other in each round, in a different order
each round. Only submissions that plain nbgrader can grade take part; the others are listed with why.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import nbformat

from autograder.course import Course
from autograder.environment import REPO_ROOT, course_env
from autograder.submission import find_submissions

from .timing import median, paired_ratio, rotated, stopwatch

EXAMPLES = REPO_ROOT / "examples" / "submitted"
NBGRADER = "nbgrader"
CLUSTER = "cluster=2"
UNBOXED = "unboxed=1"  # --jobs 1 --isolation none: what the sandbox and the checker cost
# A submission whose grading time is set by the per-cell timeout (120 s ours, 300 s in nbgrader_config.py)
# measures the timeout, not the grader: it is left out of the comparison.
TIMEOUT_BOUND = {"gus_infinite_loop": "loops forever: its time is the per-cell timeout (ours 120 s, nbgrader's "
                                      "300 s), not grading speed"}


def nbgrader_refuses(path: Path) -> str | None:
    """Why plain ``nbgrader autograde`` cannot grade this file (None: it can)."""
    try:
        with warnings.catch_warnings():  # nbformat's notes on mangled cell ids are not the point here
            warnings.simplefilter("ignore")
            nb = nbformat.read(path, as_version=4)
    except Exception:
        return "not valid notebook JSON: plain nbgrader cannot read it"
    ids = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta is None:
            continue
        if meta.get("schema_version") != 3:
            return "nbgrader metadata without schema_version 3: plain nbgrader stops ('run nbgrader update')"
        ids.append(meta.get("grade_id"))
    dups = sorted({i for i in ids if ids.count(i) > 1})
    if dups:
        return f"duplicated nbgrader cell ids ({', '.join(map(str, dups))}): plain nbgrader refuses it"
    return None


def pick_submissions(assignment: str, limit: int | None) -> tuple[list[tuple[str, Path]], dict[str, str]]:
    chosen, excluded = [], {}
    for sub in find_submissions(EXAMPLES, assignment, f"{assignment}.ipynb"):
        reason = "no notebook" if sub.path is None else TIMEOUT_BOUND.get(sub.student) or nbgrader_refuses(sub.path)
        if reason:
            excluded[sub.student] = reason
        elif limit is None or len(chosen) < limit:
            chosen.append((sub.student, sub.path))
        else:
            excluded[sub.student] = "left out by --quick"
    return chosen, excluded


def scratch_course(root: Path, assignment: str, submissions) -> Course:
    course = Course(REPO_ROOT).copy_to(root)
    course.nbgrader("generate_assignment", assignment, "--force")
    for student, path in submissions:
        target = root / "submitted" / student / assignment / path.name
        target.parent.mkdir(parents=True)
        shutil.copy(path, target)
    return course


def ours_command(course: Course, assignment: str | list[str], jobs: int, out_json: Path) -> list[str]:
    """Our grade command for one assignment, or several in one pool of workers."""
    chosen = [a for name in ([assignment] if isinstance(assignment, str) else assignment) for a in ("--assignment", name)]
    return [sys.executable, "-m", "autograder", "--course-dir", str(course.root), "grade",
            str(course.root / "submitted"), *chosen, "--jobs", str(jobs),
            "--profile", "quick", "--device", "cpu", "--json", str(out_json)]


def nbgrader_command(course: Course, assignment: str) -> list[str]:
    return [sys.executable, "-m", "nbgrader", "autograde", assignment, "--force",
            f"--CourseDirectory.root={course.root}"]


def _run(cmd: list[str], cwd: Path) -> str | None:
    # plain nbgrader reads the profile from the environment; ours is told it on its command line
    done = subprocess.run(cmd, cwd=cwd, env=course_env(CNN_COURSE_PROFILE="quick", CNN_COURSE_DEVICE="cpu"),
                          capture_output=True, text=True)
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip().splitlines()[-3:]
        return f"exit status {done.returncode}: " + " | ".join(tail)[:300]
    return None


def _nbgrader_scores(course: Course, assignment: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gb:
        return {s.student_id: s.score for s in gb.assignment_submissions(assignment)}


class ClassGrading:
    """Section 2, one round at a time; ``close()`` removes the scratch courses."""

    def __init__(self, assignment: str, jobs_levels: list[int], limit: int | None = None, cluster: bool = True):
        self.assignment, self.jobs_levels = assignment, jobs_levels
        self.submissions, self.excluded = pick_submissions(assignment, limit)
        # the thread pool at each level, and (unless told not to) the same class on a 2-worker Dask LocalCluster
        self.names = [NBGRADER] + [f"jobs={j}" for j in jobs_levels] + [CLUSTER] * cluster + [UNBOXED]
        self.times: dict[str, list] = {name: [] for name in self.names}
        self.problems: dict[str, str] = {}
        self.scores: dict[str, dict] = {}
        self.scratch = Path(tempfile.mkdtemp(prefix="bench-grading-"))
        self.isolation: list[str] = []
        self.ours = self.plain = None
        if self.submissions:
            self.ours = scratch_course(self.scratch / "ours", assignment, self.submissions)
            self.plain = scratch_course(self.scratch / "nbgrader", assignment, self.submissions)

    def round(self, r: int, log=print) -> None:
        if not self.submissions:
            return
        for name in rotated(self.names, r):
            if name == NBGRADER:
                cmd, course, out = nbgrader_command(self.plain, self.assignment), self.plain, None
            else:
                out = self.scratch / f"{name}.json"
                cmd, course = ours_command(self.ours, self.assignment, int(name.split("=")[1]), out), self.ours
                if name == CLUSTER:
                    cmd += ["--cluster", "local"]
                if name == UNBOXED:
                    cmd += ["--isolation", "none"]
            sink: list[float] = []
            with stopwatch(sink):
                problem = _run(cmd, course.root)
            self.times[name].append(sink[0])
            if problem:
                self.problems[name] = problem
            if out is not None and out.exists():
                graded = json.loads(out.read_text())["submissions"]
                self.scores[name] = {s["student"]: s["score"] for s in graded}
                if name == "jobs=1":
                    self.isolation = sorted({s.get("isolation", "?") for s in graded})
        log("  grading: " + ", ".join(f"{k} {v[-1]:.1f} s" for k, v in self.times.items()))

    def result(self) -> dict:
        n = len(self.submissions)
        result = {"assignment": self.assignment, "submissions": [s for s, _ in self.submissions],
                  "excluded": self.excluded, "jobs_levels": self.jobs_levels, "rows": [], "scores": {}, "notes": []}
        if not n or not self.times[NBGRADER]:
            result["notes"].append("no submission that plain nbgrader can grade" if not n else "not run")
            return result
        self.scores[NBGRADER] = _nbgrader_scores(self.plain, self.assignment)
        result["scores"] = {name: self.scores[name] for name in self.names if name in self.scores}
        for name in self.names:
            total = median(self.times[name])
            result["rows"].append({
                "grader": {NBGRADER: "plain nbgrader autograde (serial)",
                           CLUSTER: "ours --cluster local (Dask, 2 workers)",
                           UNBOXED: "ours --jobs 1 --isolation none (no sandbox)"}.get(name, f"ours --jobs {name[5:]}"),
                "key": name, "runs_s": [round(t, 2) for t in self.times[name]], "median_s": round(total, 2),
                "seconds_per_submission": round(total / n, 2), "submissions_per_minute": round(60 * n / total, 1),
                "speedup_vs_nbgrader": round(paired_ratio(self.times[NBGRADER], self.times[name]), 2),
                "problem": self.problems.get(name),
            })
        result["max_score"] = self.ours.assignment(self.assignment).points
        result["isolation"] = self.isolation  # the level --jobs 1 reached on this machine
        result["commands"] = {
            "ours": f"python -m autograder grade submitted --assignment {self.assignment} --jobs N --profile quick "
                    "--device cpu --json grades.json",
            NBGRADER: f"nbgrader autograde {self.assignment} --force"}
        return result

    def close(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)
