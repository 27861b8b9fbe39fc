"""Markers: the first line of a graded cell names it, so a cell is found again without metadata.

    # EXERCISE: to_tensor              -> solution cell, grade_id "to_tensor"
    # TEST: test_to_tensor (2 points)  -> test cell, grade_id "test_to_tensor", 2 points
"""
from __future__ import annotations

import re
from dataclasses import dataclass

EXERCISE = re.compile(r"^\s*#\s*EXERCISE:\s*(?P<id>[A-Za-z_][\w.-]*)\s*$")
TEST = re.compile(r"^\s*#\s*TEST:\s*(?P<id>[A-Za-z_][\w.-]*)\s*\((?P<points>\d+(?:\.\d+)?)\s*points?\)\s*$")


@dataclass(frozen=True)
class Marker:
    kind: str  # "exercise" or "test"
    grade_id: str
    points: float = 0.0


def exercise_marker(grade_id: str) -> str:
    return f"# EXERCISE: {grade_id}"


def cell_source(cell) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def first_code_line(source: str) -> str:
    for line in source.splitlines():
        if line.strip():
            return line
    return ""


def marker_of(cell) -> Marker | None:
    """The cell's marker, from its first non-blank line; falls back to nbgrader metadata."""
    line = first_code_line(cell_source(cell))
    if m := EXERCISE.match(line):
        return Marker("exercise", m["id"])
    if m := TEST.match(line):
        return Marker("test", m["id"], float(m["points"]))
    meta = (cell.get("metadata") or {}).get("nbgrader") or {}
    grade_id = meta.get("grade_id")
    if not isinstance(grade_id, str):
        return None
    if meta.get("solution") and not meta.get("grade"):
        return Marker("exercise", grade_id)
    if meta.get("grade") and not meta.get("solution"):
        try:
            return Marker("test", grade_id, float(meta.get("points", 0)))
        except (TypeError, ValueError):
            return Marker("test", grade_id, 0.0)
    return None


def nbgrader_metadata(marker: Marker) -> dict:
    if marker.kind == "exercise":
        return {"grade": False, "solution": True, "locked": False, "grade_id": marker.grade_id,
                "schema_version": 3}
    points = int(marker.points) if float(marker.points).is_integer() else marker.points
    return {"grade": True, "solution": False, "locked": True, "grade_id": marker.grade_id,
            "points": points, "schema_version": 3}


def sync_metadata(nb) -> list[str]:
    """Set nbgrader metadata from the markers (and drop it from unmarked cells); clear outputs.

    Returns the problems found: duplicate ids, markers in markdown cells, tests without points.
    """
    problems, seen = [], set()
    for cell in nb.cells:
        cell.metadata.pop("nbgrader", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        line = first_code_line(cell_source(cell))
        if not (EXERCISE.match(line) or TEST.match(line)):
            if line.lstrip().startswith(("# EXERCISE", "# TEST")):
                problems.append(f"malformed marker: {line.strip()!r}")
            continue
        marker = marker_of(cell)
        if cell.cell_type != "code":
            problems.append(f"{marker.grade_id}: marker in a {cell.cell_type} cell")
            continue
        if marker.grade_id in seen:
            problems.append(f"{marker.grade_id}: used by two cells")
        seen.add(marker.grade_id)
        cell.metadata["nbgrader"] = nbgrader_metadata(marker)
    return problems
