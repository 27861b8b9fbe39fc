"""Shared fixtures: the course, its assignments, and a way to grade notebooks through the autograder."""
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "examples"))
# kernels started by the tests (companion notebooks) import cnn_course from this checkout
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
os.environ.setdefault("MPLBACKEND", "Agg")

from autograder.course import Course  # noqa: E402
from autograder.execute import Limits  # noqa: E402
from autograder.grade import Options, Submission, grade_all  # noqa: E402

COURSE = Course(ROOT)
ASSIGNMENTS = COURSE.assignments()
QUICK = Options(profile="quick", device="cpu", jobs=1, limits=Limits(cell_timeout=120, total_timeout=600))


def grade_notebooks(notebooks: dict[str, object], assignment: str, tmp_path: Path, options: Options = QUICK,
                    course: Course = COURSE):
    """Write each notebook (a NotebookNode, or raw text) as a student's file and grade them all.

    Returns ``{student: result}`` and the graded notebooks, through the same code path as the CLI.
    """
    subs = []
    for student, nb in notebooks.items():
        path = tmp_path / "submitted" / student / assignment / f"{assignment}.ipynb"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(nb if isinstance(nb, str) else json.dumps(nb))
        subs.append(Submission(student, path))
    graded = grade_all(subs, assignment, course, options)
    return {r["student"]: r for r, _ in graded}, {r["student"]: nb for r, nb in graded}


def failed(result: dict) -> set[str]:
    return {t["grade_id"] for t in result["tests"] if not t["passed"]}


@pytest.fixture
def course_copy(tmp_path) -> Course:
    """A scratch course directory (own gradebook, autograded/ and feedback/) with this course's files."""
    root = tmp_path / "course"
    root.mkdir()
    for name in ("source", "release"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copy(ROOT / "nbgrader_config.py", root)
    return Course(root)


def read(path: Path):
    return nbformat.read(path, as_version=4)
