"""Shared fixtures: the course, its assignments, and a way to grade notebooks through the autograder."""
from __future__ import annotations

import json
import os
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


@pytest.fixture(autouse=True)
def _kernels_import_this_checkout(monkeypatch):
    """Kernels that tests start directly (companion notebooks) get the environment the grader gives its own."""
    for name, value in course_env().items():
        if os.environ.get(name) != value:
            monkeypatch.setenv(name, value)


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
