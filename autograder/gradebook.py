"""Put the grader's scores where nbgrader expects them: the gradebook and ``autograded/``.

Grades are stored by nbgrader's own ``SaveAutoGrades``, so every field formgrader reads (the score,
``needs_manual_grade``, the solution cells' comments) is set as after ``nbgrader autograde``; only the
score of a test comes from the grader's verdict instead of being read back from the cell's outputs
(nbgrader would zero a passing test that printed a warning to stderr). After this, nbgrader's
feedback, export and formgrader work as usual.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import SaveAutoGrades, SaveCells

from .course import Course
from .environment import tools_on_path
from .results import Result


class SaveVerdicts(SaveAutoGrades):
    """nbgrader's SaveAutoGrades with the test scores given in ``resources["verdicts"]`` (grade_id -> points)."""

    def _add_score(self, cell, resources) -> None:
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        grade = self.gradebook.find_grade(grade_id, self.notebook_id, self.assignment_id, self.student_id)
        grade.auto_score = resources["verdicts"].get(grade_id)
        # nbgrader's rule: a grader's earlier manual score, or no automatic one, still needs a person
        grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
        self.gradebook.db.commit()


def _ensure_assignment(course: Course, assignment: str, notebook: str) -> None:
    with Gradebook(course.db_url, course_id="cnn-course") as gb:
        try:
            gb.find_notebook(notebook, assignment)
            return
        except MissingEntry:  # never generated in this course directory: register it as generate_assignment does
            gb.update_or_create_assignment(assignment)
    resources = {"nbgrader": {"db_url": course.db_url, "assignment": assignment, "notebook": notebook}}
    SaveCells().preprocess(course.source(assignment), resources)


def record(course: Course, assignment: str, graded: list[tuple[Result, nbformat.NotebookNode]]) -> Path:
    """Store scores in the gradebook and autograded notebooks on disk; returns the autograded folder."""
    notebook = course.source_path(assignment).stem
    # nbgrader's own update_or_create_submission trips SQLAlchemy's autoflush warnings
    with warnings.catch_warnings(), tools_on_path():
        warnings.simplefilter("ignore", category=Warning)
        _ensure_assignment(course, assignment, notebook)
        for result, nb in graded:
            with Gradebook(course.db_url, course_id="cnn-course") as gb:
                gb.update_or_create_student(result.student)
                gb.update_or_create_submission(assignment, result.student)
            resources = {"nbgrader": {"db_url": course.db_url, "assignment": assignment, "notebook": notebook,
                                      "student": result.student},
                         "verdicts": {t.grade_id: t.points for t in result.tests}}
            SaveVerdicts().preprocess(nb, resources)
            out = course.root / "autograded" / result.student / assignment / f"{notebook}.ipynb"
            out.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, out)
    return course.root / "autograded"
