"""Read a student's notebook, whatever their tools did to it, and rebuild the notebook to grade.

The rebuilt notebook is the instructor's source notebook with each exercise cell replaced by the
student's code for that exercise (found by its marker, or by nbgrader metadata when the marker line
was deleted) and the cells the student added kept after the exercise they follow. Test cells and the
lesson's own cells always come from the source: edited, deleted or duplicated tests change nothing.
"""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .assignment import Assignment, Test, normalise, with_marker
from .markers import cell_source, exercise_marker, marker_of


class UnreadableSubmission(Exception):
    """The file is not a notebook we can read (the message says why, for the student)."""


@dataclass(frozen=True)
class Submission:
    student: str
    path: Path | None  # None: the student's folder holds no notebook


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


@dataclass(frozen=True)
class HandedIn:
    """What one student handed in, read into data on the machine that has the file (a cluster's workers
    need not see it): the notebook's cells, or why they could not be read."""
    student: str
    notebook: str | None  # the file's name
    cells: list[dict] | None
    problem: str | None = None

    @classmethod
    def read(cls, sub: Submission) -> "HandedIn":
        if sub.path is None:
            return cls(sub.student, None, None, "no notebook was submitted")
        try:
            return cls(sub.student, sub.path.name, read_cells(sub.path))
        except UnreadableSubmission as err:
            return cls(sub.student, sub.path.name, None, str(err))


@dataclass
class Rebuilt:
    notebook: nbformat.NotebookNode
    student_cells: dict[int, str] = field(default_factory=dict)  # index in notebook -> exercise id or "added"
    tests: dict[int, Test] = field(default_factory=dict)  # index in notebook -> the source's test
    notes: list[str] = field(default_factory=list)


def read_cells(path: Path) -> list[dict]:
    """The cells of any notebook JSON (v4, or v3 worksheets), tolerating missing metadata."""
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        raise UnreadableSubmission(f"cannot read the file: {err.strerror}") from err
    if not text.strip():
        raise UnreadableSubmission("the file is empty")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise UnreadableSubmission(
            f"not a valid notebook: broken JSON at line {err.lineno}, column {err.colno} ({err.msg})") from err
    if not isinstance(data, dict):
        raise UnreadableSubmission("not a valid notebook: the JSON is not an object")
    if "cells" in data:
        raw = data["cells"]
    else:  # nbformat 3 keeps cells in worksheets and code in "input"
        raw = [c for ws in data.get("worksheets", []) for c in ws.get("cells", [])]
        for cell in raw:
            if isinstance(cell, dict) and "input" in cell:
                cell.setdefault("source", cell["input"])
    if not isinstance(raw, list):
        raise UnreadableSubmission("not a valid notebook: 'cells' is not a list")
    cells = [c for c in raw if isinstance(c, dict) and isinstance(c.get("cell_type", "code"), str)]
    for cell in cells:
        if not isinstance(cell.get("metadata"), dict):
            cell["metadata"] = {}
    return cells


def rebuild(assignment: Assignment, cells: list[dict]) -> Rebuilt:
    exercise_ids = assignment.exercises
    stub = assignment.delimiters.is_stub

    answers: dict[str, str] = {}
    added: dict[str | None, list[str]] = {}
    copies: dict[str, int] = {}
    after: str | None = None
    for cell in cells:
        marker, code = marker_of(cell), cell_source(cell)
        if marker and marker.kind == "exercise" and marker.grade_id in exercise_ids:
            copies[marker.grade_id] = copies.get(marker.grade_id, 0) + 1
            # A later copy wins, as it would when run top to bottom, unless it is an untouched stub.
            if marker.grade_id not in answers or not stub(code):
                answers[marker.grade_id] = code
            after = marker.grade_id
        elif marker and marker.kind == "test":
            continue  # the instructor's version is used
        elif cell.get("cell_type") == "code" and code.strip() and normalise(code) not in assignment.lesson_code:
            added.setdefault(after, []).append(code)

    out = Rebuilt(copy.deepcopy(assignment.notebook))
    tests = assignment.tests_by_cell
    exercises = {e.index: e.name for e in assignment.exercises.values()}
    out.notes += [f"{gid}: {n} copies in the submission, the last one was graded"
                  for gid, n in copies.items() if n > 1]
    new_cells = []

    def add_student_cells(key: str | None) -> None:
        for code in added.pop(key, []):
            out.student_cells[len(new_cells)] = "added"
            new_cells.append(nbformat.v4.new_code_cell(code))

    for index, cell in enumerate(out.notebook.cells):
        if index in exercises:
            name = exercises[index]
            add_student_cells(None)  # cells added above the first exercise
            if name in answers:
                cell.source = with_marker(answers[name], name)
            else:
                cell.source = f"{exercise_marker(name)}\n# (this exercise is missing from the submission)"
                out.notes.append(f"{name}: missing from the submission")
            out.student_cells[len(new_cells)] = name
            new_cells.append(cell)
            add_student_cells(name)
        else:
            if index in tests:
                out.tests[len(new_cells)] = tests[index]
            new_cells.append(cell)
    add_student_cells(None)
    out.notebook.cells = new_cells
    return out
