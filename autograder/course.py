"""The course directory nbgrader works in, and nbgrader's own steps run on it.

``source/<assignment>/<assignment>.ipynb`` -> ``release/`` (generate_assignment) ->
``submitted/<student>/<assignment>/`` -> ``autograded/`` + ``gradebook.db`` (our grader) ->
``feedback/`` (generate_feedback) -> ``grades.csv`` (export).
"""
from __future__ import annotations

import copy
import functools
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .assignment import Assignment, Delimiters
from .environment import REPO_ROOT, course_env
from .markers import marker_of, sync_metadata


class CourseError(Exception):
    """A problem with the course itself (unknown assignment, bad markers): the grader cannot run."""


@dataclass(frozen=True)
class Course:
    root: Path = REPO_ROOT

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.root / 'gradebook.db'}"

    def assignments(self) -> list[str]:
        return sorted(p.name for p in (self.root / "source").iterdir() if p.is_dir() and any(p.glob("*.ipynb")))

    def source_path(self, assignment: str) -> Path:
        folder = self.root / "source" / assignment
        notebooks = sorted(folder.glob("*.ipynb"))
        if not notebooks:
            known = ", ".join(self.assignments()) or "none"
            raise CourseError(f"unknown assignment {assignment!r} (assignments: {known})")
        if len(notebooks) > 1:
            raise CourseError(f"{folder} holds {len(notebooks)} notebooks; an assignment has exactly one")
        return notebooks[0]

    def source(self, assignment: str) -> nbformat.NotebookNode:
        return nbformat.read(self.source_path(assignment), as_version=4)

    @property
    def delimiters(self) -> Delimiters:
        return Delimiters.of_course(self.root)

    def assignment(self, name: str) -> Assignment:
        """The assignment's source notebook, parsed (once per version of the file)."""
        path = self.source_path(name)
        return _parsed(path, path.stat().st_mtime_ns, self.delimiters)

    def copy_to(self, root: Path, folders: tuple[str, ...] = ("source", "release")) -> "Course":
        """A scratch course (its own gradebook, autograded/ and feedback/) with these folders of this one."""
        root = Path(root)
        root.mkdir(parents=True, exist_ok=True)
        for name in folders:
            shutil.copytree(self.root / name, root / name)
        shutil.copy(self.root / "nbgrader_config.py", root)
        return Course(root)

    def release_path(self, assignment: str) -> Path:
        return self.root / "release" / assignment / self.source_path(assignment).name

    def nbgrader(self, *args: str) -> subprocess.CompletedProcess:
        """Run one nbgrader command on this course; raise CourseError with its log when it fails."""
        cmd = [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={self.root}"]
        # nbgrader_config.py names our feedback preprocessor: nbgrader must be able to import it
        done = subprocess.run(cmd, cwd=self.root, capture_output=True, text=True, env=course_env())
        if done.returncode != 0:
            raise CourseError(f"nbgrader {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done


@functools.lru_cache(maxsize=32)
def _parsed(path: Path, mtime_ns: int, delimiters: Delimiters) -> Assignment:
    return Assignment.load(path, delimiters)


def check_markers(nb: nbformat.NotebookNode, name: str) -> None:
    """The nbgrader metadata must be exactly what the markers say (run sync-metadata to fix)."""
    synced = copy.deepcopy(nb)
    problems = sync_metadata(synced)
    for cell, fixed in zip(nb.cells, synced.cells):
        if cell.metadata.get("nbgrader") != fixed.metadata.get("nbgrader"):
            m = marker_of(fixed) or marker_of(cell)
            problems.append(f"metadata of cell {m.grade_id if m else '?'} disagrees with its marker")
        if cell.cell_type == "code" and cell.outputs:
            problems.append("a source notebook must be committed without outputs")
            break
    if problems:
        raise CourseError(f"{name}: " + "; ".join(problems) +
                          "\n  fix: python -m autograder sync-metadata " + name)


def generate_release(course: Course, assignment: str) -> Path:
    """nbgrader generate_assignment, after checking the markers; returns the release notebook."""
    path = course.source_path(assignment)
    check_markers(course.source(assignment), str(path.relative_to(course.root)))
    course.nbgrader("generate_assignment", assignment, "--force")
    return course.release_path(assignment)
