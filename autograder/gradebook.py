"""Put the grader's scores where nbgrader expects them: the gradebook and ``autograded/``.

After this, ``nbgrader generate_feedback`` and ``nbgrader export`` work exactly as after
``nbgrader autograde``.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import SaveCells

from .course import Course


def _ensure_assignment(gb: Gradebook, course: Course, assignment: str, notebook: str) -> None:
    try:
        gb.find_notebook(notebook, assignment)
    except MissingEntry:  # never generated in this course directory: register it as generate_assignment does
        gb.update_or_create_assignment(assignment)
        resources = {"nbgrader": {"db_url": course.db_url, "assignment": assignment, "notebook": notebook}}
        SaveCells().preprocess(course.source(assignment), resources)


def record(course: Course, assignment: str, graded: list[tuple[dict, nbformat.NotebookNode]]) -> Path:
    """Store scores in the gradebook and autograded notebooks on disk; returns the autograded folder."""
    notebook = course.source_path(assignment).stem
    with warnings.catch_warnings(), Gradebook(course.db_url, course_id="cnn-course") as gb:
        # nbgrader's own update_or_create_submission trips SQLAlchemy's autoflush warnings
        warnings.simplefilter("ignore", category=Warning)
        _ensure_assignment(gb, course, assignment, notebook)
        for result, nb in graded:
            student = result["student"]
            gb.update_or_create_student(student)
            gb.update_or_create_submission(assignment, student)
            for test in result["tests"]:
                grade = gb.find_grade(test["grade_id"], notebook, assignment, student)
                grade.auto_score = test["points"]
            gb.db.commit()
            out = course.root / "autograded" / student / assignment / f"{notebook}.ipynb"
            out.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, out)
    return course.root / "autograded"
