"""Read a student's notebook, whatever their tools did to it, and rebuild the notebook to grade.

The rebuilt notebook is the instructor's source notebook with each exercise cell replaced by the
student's code for that exercise (found by its marker, or by nbgrader metadata when the marker line
was deleted) and the cells the student added kept after the exercise they follow. Test cells and the
lesson's own cells always come from the source: edited, deleted or duplicated tests change nothing.
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .markers import Marker, cell_source, marker_of

STUB = "raise NotImplementedError"


class UnreadableSubmission(Exception):
    """The file is not a notebook we can read (the message says why, for the student)."""


@dataclass
class Rebuilt:
    notebook: nbformat.NotebookNode
    student_cells: dict[int, str] = field(default_factory=dict)  # index in notebook -> exercise id or "added"
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


def _normalise(code: str) -> str:
    return re.sub(r"\s+", " ", code).strip()


def _with_marker(code: str, marker: Marker) -> str:
    """The student's code, with the marker line put back first if they deleted it."""
    if marker_of({"source": code, "metadata": {}}) == marker:
        return code
    return f"# EXERCISE: {marker.grade_id}\n{code}"


def rebuild(source: nbformat.NotebookNode, cells: list[dict]) -> Rebuilt:
    exercise_ids = [m.grade_id for c in source.cells if (m := marker_of(c)) and m.kind == "exercise"]
    lesson_code = {_normalise(cell_source(c)) for c in source.cells
                   if c.cell_type == "code" and marker_of(c) is None}

    answers: dict[str, str] = {}
    added: dict[str | None, list[str]] = {}
    copies: dict[str, int] = {}
    after: str | None = None
    for cell in cells:
        marker, code = marker_of(cell), cell_source(cell)
        if marker and marker.kind == "exercise" and marker.grade_id in exercise_ids:
            copies[marker.grade_id] = copies.get(marker.grade_id, 0) + 1
            # A later copy wins, as it would when run top to bottom, unless it is an untouched stub.
            if marker.grade_id not in answers or STUB not in code:
                answers[marker.grade_id] = code
            after = marker.grade_id
        elif marker and marker.kind == "test":
            continue  # the instructor's version is used
        elif cell.get("cell_type") == "code" and code.strip() and _normalise(code) not in lesson_code:
            added.setdefault(after, []).append(code)

    out = Rebuilt(copy.deepcopy(source))
    out.notes += [f"{gid}: {n} copies in the submission, the last one was graded"
                  for gid, n in copies.items() if n > 1]
    new_cells = []

    def add_student_cells(key: str | None) -> None:
        for code in added.pop(key, []):
            out.student_cells[len(new_cells)] = "added"
            new_cells.append(nbformat.v4.new_code_cell(code))

    for cell in out.notebook.cells:
        marker = marker_of(cell)
        if marker and marker.kind == "exercise":
            add_student_cells(None)  # cells added above the first exercise
            if marker.grade_id in answers:
                cell.source = _with_marker(answers[marker.grade_id], marker)
            else:
                cell.source = f"# EXERCISE: {marker.grade_id}\n# (this exercise is missing from the submission)"
                out.notes.append(f"{marker.grade_id}: missing from the submission")
            out.student_cells[len(new_cells)] = marker.grade_id
            new_cells.append(cell)
            add_student_cells(marker.grade_id)
        else:
            new_cells.append(cell)
    add_student_cells(None)
    out.notebook.cells = new_cells
    return out
