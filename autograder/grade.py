"""Grade submissions: find them, rebuild each from the source, execute it in isolation, score the tests.

Scores come from the grader's own view of each test cell (the kernel's reply, its error output, the
guard's verdict), never from what the notebook prints about itself.
"""
from __future__ import annotations

import os
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import tamper
from .course import REPO_ROOT, Course
from .execute import CellRun, Limits, _append_error, execute
from .markers import marker_of
from .submission import UnreadableSubmission, read_cells, rebuild

PROFILE_LIMITS = {  # per-cell and whole-notebook seconds: GPU training cells need minutes in `full`
    "quick": Limits(cell_timeout=120, total_timeout=900),
    "full": Limits(cell_timeout=3600, total_timeout=4 * 3600),
}


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path | None  # None: the student's folder holds no notebook


@dataclass
class Options:
    profile: str = "quick"
    device: str = "auto"
    jobs: int = 1
    limits: Limits = field(default_factory=Limits)


def find_submissions(target: Path, assignment: str, notebook_name: str) -> list[Submission]:
    """A notebook, a folder of notebooks, or nbgrader's ``submitted/<student>/<assignment>/`` layout."""
    target = Path(target)
    if target.is_file():
        parent = target.parent
        student = parent.parent.name if parent.name == assignment else target.stem
        return [Submission(student, target)]
    if not target.is_dir():
        raise FileNotFoundError(f"no such file or folder: {target}")
    found = []
    for student_dir in sorted(p for p in target.iterdir() if p.is_dir() and (p / assignment).is_dir()):
        notebooks = sorted((student_dir / assignment).glob("*.ipynb"))
        preferred = [p for p in notebooks if p.name == notebook_name]
        found.append(Submission(student_dir.name, (preferred or notebooks or [None])[0]))
    if not found:
        found = [Submission(p.stem, p) for p in sorted(target.glob("*.ipynb"))]
    return found


def kernel_env(course: Course, options: Options) -> dict[str, str]:
    env = dict(os.environ)
    threads = max(1, (os.cpu_count() or 1) // max(1, options.jobs))
    if env.get("OMP_NUM_THREADS", "").isdigit():  # a caller that already shares the cores (pytest -n 2) decides
        threads = min(threads, max(1, int(env["OMP_NUM_THREADS"])))
    threads = str(threads)
    env.update({
        "CNN_COURSE_PROFILE": options.profile,
        "CNN_COURSE_DEVICE": options.device,
        "CNN_COURSE_GRADING": "1",
        "MPLBACKEND": "Agg",
        # the kernel imports the grader's guard and the course helpers from where this package lives
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")])),
        "OMP_NUM_THREADS": threads,  # N kernels side by side must not each take every core
        "MKL_NUM_THREADS": threads,
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    })
    return env


def _test_cells(nb) -> dict[int, object]:
    return {i: m for i, c in enumerate(nb.cells) if (m := marker_of(c)) and m.kind == "test" and c.cell_type == "code"}


def _hint(message: str) -> str:
    if message.startswith("NameError"):
        return message + " (is its exercise cell in the notebook, and does it run without an error?)"
    if message.startswith("NotImplementedError"):
        return "NotImplementedError: the exercise is not implemented yet"
    return message


def _score_tests(nb, runs: list[CellRun] | None, failure: str | None) -> list[dict]:
    tests = []
    for i, marker in _test_cells(nb).items():
        run = runs[i] if runs else CellRun(message=failure or "not run")
        passed = run.status == "ok" and not run.tampered and failure is None
        if failure is not None:
            message = failure
        elif run.tampered:
            message = "tampering detected while this test ran: " + ", ".join(run.tampered) + " replaced"
        elif not passed:
            message = _hint(run.message or "not run")
        else:
            message = ""
        if not passed and not any(o.get("output_type") == "error" for o in nb.cells[i].get("outputs", [])):
            _append_error(nb.cells[i], message)
        tests.append({"grade_id": marker.grade_id, "points": marker.points if passed else 0.0,
                      "max_points": marker.points, "passed": passed, "message": message[:2000]})
    return tests


def grade_one(sub: Submission, assignment: str, source: nbformat.NotebookNode, course: Course,
              options: Options) -> tuple[dict, nbformat.NotebookNode]:
    began = time.monotonic()
    notes: list[str] = []
    failure = None
    runs = None
    nb = source
    try:
        if sub.path is None:
            raise UnreadableSubmission("no notebook was submitted")
        rebuilt = rebuild(source, read_cells(sub.path))
        nb, notes = rebuilt.notebook, rebuilt.notes
        findings = [f"{label} line {line}: {what}"
                    for index, label in rebuilt.student_cells.items()
                    for line, what in tamper.scan(nb.cells[index].source)]
        if findings:
            failure = "tampering: " + "; ".join(findings) + " (the tests rely on these; no points awarded)"
    except UnreadableSubmission as err:
        failure = str(err)
    if failure is None:
        workdir = tempfile.mkdtemp(prefix=f"grade-{sub.student}-")
        try:
            runs = execute(nb, set(_test_cells(nb)), options.limits, kernel_env(course, options), workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    tests = _score_tests(nb, runs, failure)
    result = {
        "student": sub.student,
        "assignment": assignment,
        "notebook": sub.path.name if sub.path else None,
        "score": round(sum(t["points"] for t in tests), 6),
        "max_score": round(sum(t["max_points"] for t in tests), 6),
        "duration_s": round(time.monotonic() - began, 2),
        "tests": tests,
        "notes": notes + ([failure] if failure else []),
    }
    return result, nb


def grade_all(subs: list[Submission], assignment: str, course: Course, options: Options):
    """Grade every submission, ``options.jobs`` at a time; results in the order of ``subs``."""
    source = course.source(assignment)
    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        return list(pool.map(lambda s: grade_one(s, assignment, source, course, options), subs))


def gradescope_results(result: dict) -> dict:
    """The same result in Gradescope's ``results.json`` format."""
    return {
        "score": result["score"],
        "max_score": result["max_score"],
        "execution_time": result["duration_s"],
        "output": "\n".join(result["notes"]),
        "tests": [{"name": t["grade_id"], "score": t["points"], "max_score": t["max_points"],
                   "status": "passed" if t["passed"] else "failed", "output": t["message"],
                   "visibility": "visible"} for t in result["tests"]],
    }
