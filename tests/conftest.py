"""Shared fixtures: the course, its assignments, and a way to grade notebooks through the autograder."""
from __future__ import annotations

import json
import math
import os
from collections import defaultdict
from pathlib import Path

import nbformat
import pytest

from autograder.course import Course
from autograder.environment import REPO_ROOT, course_env
from autograder.execute import Limits
from autograder.grade import Options, grade_all
from autograder.submission import Submission

ROOT = REPO_ROOT
COURSE = Course(ROOT)
ASSIGNMENTS = COURSE.assignments()
QUICK = Options(profile="quick", device="cpu", jobs=1, limits=Limits(cell_timeout=120, total_timeout=600))
# seconds each test took in a whole run (setup + call + teardown), refreshed by
# CNN_COURSE_WRITE_DURATIONS=tests/durations.json ./run.sh test
DURATIONS = Path(__file__).with_name("durations.json")
_spent: dict[str, float] = defaultdict(float)


def _measured() -> dict[str, float]:
    try:
        return json.loads(DURATIONS.read_text())
    except (OSError, ValueError):
        return {}


def _group(item) -> str | None:
    """The xdist_group of a test: its tests share module fixtures, so they run on one worker, in a row."""
    names = {str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in item.iter_markers("xdist_group")}
    return "_".join(sorted(names)) or None


def longest_first(items: list, measured: dict[str, float]) -> None:
    """Sort ``items`` in place, the longest work first (tests not measured yet count as longest), so that with
    ``-n 2 --dist loadgroup`` each worker takes the next longest when it is free and neither idles at the end
    behind a long test. A group is one unit: it costs the sum of its tests and keeps them together."""
    def unit(item):
        return _group(item) or item.nodeid.split("@")[0]

    cost: dict[str, float] = defaultdict(float)
    for item in items:
        cost[unit(item)] += measured.get(item.nodeid.split("@")[0], math.inf)
    items.sort(key=lambda item: (-cost[unit(item)], unit(item)))


def pytest_collection_modifyitems(config, items):
    longest_first(items, _measured())


def pytest_runtest_logreport(report):
    _spent[report.nodeid.split("@")[0]] += report.duration  # on the controller too: xdist relays every report


def pytest_sessionfinish(session):
    out = os.environ.get("CNN_COURSE_WRITE_DURATIONS")
    if out and _spent and not hasattr(session.config, "workerinput"):  # the controller, or a run without -n
        # a whole run replaces the file (tests renamed or removed since drop out); a partial one updates it
        options = session.config.option
        whole = not (options.keyword or options.markexpr or options.file_or_dir)
        merged = {**({} if whole else _measured()), **{nodeid: round(seconds, 1) for nodeid, seconds in _spent.items()}}
        Path(out).write_text(json.dumps(dict(sorted(merged.items())), indent=1) + "\n")


@pytest.fixture(autouse=True)
def _kernels_import_this_checkout(monkeypatch):
    """Kernels that tests start directly (companion notebooks) get the environment the grader gives its own."""
    for name, value in course_env().items():
        if os.environ.get(name) != value:
            monkeypatch.setenv(name, value)


EXAMPLE_CLASS = "00_images_as_tensors"  # the assignment examples/submitted answers


@pytest.fixture(scope="session")
def graded_example_class(tmp_path_factory, worker_id) -> tuple[Path, dict]:
    """The bundled class graded as ./run.sh grades it (the CLI, --jobs 2, JSON and Gradescope files) in a
    scratch course: its folder and its JSON report. Graded once for the whole run: with pytest -n 2 the first
    worker to ask grades it, the other waits for it and reads the same folder (pytest-xdist's recipe); a
    failure is kept, so the other worker reports it instead of grading again."""
    import shutil
    import subprocess
    import sys

    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp()
    folder = (shared if worker_id == "master" else shared.parent) / "graded-example-class"
    root, report, failed = folder / "course", folder / "grades.json", folder / "failed.txt"
    with FileLock(f"{folder}.lock"):
        if not report.exists() and not failed.exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a worker killed half-way left
            COURSE.copy_to(root, ("source", "release", "examples"))
            try:
                done = subprocess.run(
                    [sys.executable, "-m", "autograder", "--course-dir", str(root), "grade",
                     str(root / "examples" / "submitted"), "--assignment", EXAMPLE_CLASS, "--jobs", "2",
                     "--profile", "quick", "--device", "cpu", "--cell-timeout", "15", "--json", str(root / "grades.json"),
                     "--gradescope", str(root / "gradescope")], capture_output=True, text=True, cwd=ROOT,
                    env=course_env(), timeout=900)
                problem = done.returncode and f"exit status {done.returncode}:\n{done.stderr[-4000:]}"
            except subprocess.TimeoutExpired:
                problem = "it took more than 900 s"
            if problem:
                failed.write_text(problem)
            else:
                (folder / "grades.part").write_text((root / "grades.json").read_text())
                (folder / "grades.part").replace(report)  # whole or absent: its presence says the grading finished
    if failed.exists():
        pytest.fail("grading the example class failed: " + failed.read_text())
    return root, json.loads(report.read_text())


def write_submissions(notebooks: dict[str, object], assignment: str, tmp_path: Path) -> list[Submission]:
    """Each notebook (a NotebookNode, or raw text) as a student's file in ``tmp_path/submitted``."""
    subs = []
    for student, nb in notebooks.items():
        path = tmp_path / "submitted" / student / assignment / f"{assignment}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(nb if isinstance(nb, str) else json.dumps(nb))
        subs.append(Submission(student, path))
    return subs


def grade_notebooks(notebooks: dict[str, object], assignment: str, tmp_path: Path, options: Options = QUICK,
                    course: Course = COURSE):
    """Write each notebook (a NotebookNode, or raw text) as a student's file and grade them all.

    Returns ``{student: result as JSON}`` and the graded notebooks, through the same code path as the CLI.
    """
    subs = write_submissions(notebooks, assignment, tmp_path)
    graded = grade_all(subs, course.assignment(assignment), options)
    return {r.student: r.to_json() for r, _ in graded}, {r.student: nb for r, nb in graded}


def failed(result: dict) -> set[str]:
    return {t["grade_id"] for t in result["tests"] if not t["passed"]}


@pytest.fixture
def course_copy(tmp_path) -> Course:
    """A scratch course directory (own gradebook, autograded/ and feedback/) with this course's files."""
    return COURSE.copy_to(tmp_path / "course")


def read(path: Path):
    return nbformat.read(path, as_version=4)
