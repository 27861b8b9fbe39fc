"""One assignment, parsed once: its exercises, each with its solution, stub, tests and points, and the
lesson's own cells. Every layer (rebuild, scoring, release checks, feedback, examples, the proof,
benchmarks, tests) reads an assignment through this model instead of parsing cells itself.

The solution and hidden-test delimiters and the stub are nbgrader's, read from the course's
``nbgrader_config.py``, so the course states them once.
"""
from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .markers import cell_source, exercise_marker, marker_of


@dataclass(frozen=True)
class Delimiters:
    """nbgrader's markers inside cells, as configured for this course."""
    begin_solution: str = "### BEGIN SOLUTION"
    end_solution: str = "### END SOLUTION"
    begin_hidden: str = "### BEGIN HIDDEN TESTS"
    end_hidden: str = "### END HIDDEN TESTS"
    stub: str = "# YOUR CODE HERE\nraise NotImplementedError()"

    @classmethod
    def from_config(cls, config) -> "Delimiters":
        """From an nbgrader (traitlets) configuration; None: nbgrader's defaults."""
        from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions

        solutions, hidden = ClearSolutions(config=config), ClearHiddenTests(config=config)
        return cls(solutions.begin_solution_delimeter, solutions.end_solution_delimeter,
                   hidden.begin_test_delimeter, hidden.end_test_delimeter, solutions.code_stub["python"])

    @classmethod
    @functools.lru_cache(maxsize=None)
    def of_course(cls, root: Path) -> "Delimiters":
        """From the course's ``nbgrader_config.py``."""
        from traitlets.config.loader import PyFileConfigLoader

        config_file = Path(root) / "nbgrader_config.py"
        if not config_file.exists():
            return cls.from_config(None)
        return cls.from_config(PyFileConfigLoader(config_file.name, path=str(config_file.parent)).load_config())

    def _split(self, code: str, begin: str, end: str) -> tuple[list[str], list[str]]:
        """(lines outside begin..end, lines inside), delimiter lines dropped; matched as nbgrader does
        (a line *containing* the delimiter)."""
        outside, inside, within = [], [], False
        for line in code.splitlines(keepends=True):
            if begin in line:
                within = True
            elif end in line:
                within = False
            else:
                (inside if within else outside).append(line)
        return outside, inside

    def without_solution_markers(self, code: str) -> str:
        """The cell as a student who solved it has it: the solution's own delimiter lines removed."""
        return "".join(line for line in code.splitlines(keepends=True)
                       if self.begin_solution not in line and self.end_solution not in line)

    def solution_lines(self, code: str) -> str:
        return "".join(self._split(code, self.begin_solution, self.end_solution)[1])

    def visible_part(self, code: str) -> str:
        return "".join(self._split(code, self.begin_hidden, self.end_hidden)[0])

    def public_part(self, code: str) -> str:
        """What a cell shows outside its solution and hidden-test blocks."""
        return "".join(self._split(self.visible_part(code), self.begin_solution, self.end_solution)[0])

    def without_hidden_markers(self, code: str) -> str:
        """The test cell whole, as the grader's checker runs it: visible and hidden lines in their order."""
        return "".join(line for line in code.splitlines(keepends=True)
                       if self.begin_hidden not in line and self.end_hidden not in line)

    def hidden_part(self, code: str) -> str:
        return "".join(self._split(code, self.begin_hidden, self.end_hidden)[1])

    def hide_hidden_tests(self, code: str, replacement: str) -> str:
        """The test cell with its hidden block replaced by one line (what feedback shows)."""
        out, within = [], False
        for line in code.splitlines(keepends=True):
            if self.begin_hidden in line:
                within = True
                out.append(replacement)
            elif self.end_hidden in line:
                within = False
            elif not within:
                out.append(line)
        return "".join(out)

    def is_stub(self, code: str) -> bool:
        """An exercise cell still holding the release's stub (the student has not answered it)."""
        return self.stub.strip().splitlines()[-1] in code


# A line in a test cell that leaves its verdict to the kernel (the reason follows), in an assignment whose
# verdicts the grader decides; see Test.checked.
IN_KERNEL = "# verdict in the kernel:"
KERNEL_SIDE = "# (the hidden tests run in the grader, outside this kernel)\n"


@dataclass(frozen=True)
class Test:
    grade_id: str
    points: float
    index: int  # cell index in the source notebook
    source: str
    visible: str  # the code students see (hidden block removed)
    hidden: str  # the hidden block's code ('' when the test has none)
    # True: the grader's checker decides it (autograder/checker.py), and the kernel runs only `in_kernel`
    checked: bool = False
    checked_code: str = ""  # the whole test, visible and hidden, as the checker runs it

    @property
    def in_kernel(self) -> str:
        """What the student's kernel runs of this test: all of it, or (``checked``) its visible part."""
        if not self.checked or not self.hidden:
            return self.source
        return self.visible.rstrip("\n") + "\n" + KERNEL_SIDE


@dataclass(frozen=True)
class Exercise:
    name: str
    index: int
    source: str  # the source cell, solution delimiters included
    solution: str  # the cell as a student who solved it has it
    tests: tuple[Test, ...]

    @property
    def tests_by_cell(self) -> dict[int, Test]:
        """Cell index in the source notebook -> the test in that cell."""
        return {t.index: t for t in self.tests}

    @property
    def points(self) -> float:
        return sum(t.points for t in self.tests)

    @property
    def solution_body(self) -> str:
        """The solution without its marker line (what a mutant edits)."""
        return self.solution.split("\n", 1)[1] if "\n" in self.solution else ""


@dataclass(frozen=True)
class Assignment:
    name: str
    path: Path
    notebook: nbformat.NotebookNode
    delimiters: Delimiters
    exercises: dict[str, Exercise]
    lesson_code: frozenset[str]  # the unmarked code cells, whitespace-normalised (never the student's)

    @classmethod
    def load(cls, path: Path, delimiters: Delimiters | None = None) -> "Assignment":
        path = Path(path)
        return cls.parse(nbformat.read(path, as_version=4), path.stem, path, delimiters or Delimiters())

    @classmethod
    def parse(cls, nb: nbformat.NotebookNode, name: str, path: Path | None = None,
              delimiters: Delimiters | None = None) -> "Assignment":
        delimiters = delimiters or Delimiters()
        by_grader = verdicts_by_grader(nb)
        found: dict[str, tuple[int, str, list[Test]]] = {}
        current = None
        lesson = set()
        for index, cell in enumerate(nb.cells):
            marker = marker_of(cell) if cell.cell_type == "code" else None
            code = cell_source(cell)
            if marker is None:
                if cell.cell_type == "code":
                    lesson.add(normalise(code))
            elif marker.kind == "exercise":
                current = marker.grade_id
                found[current] = (index, code, [])
            elif current is not None:  # a test belongs to the exercise above it
                checked = by_grader and IN_KERNEL not in code
                found[current][2].append(Test(marker.grade_id, marker.points, index, code,
                                              delimiters.visible_part(code), delimiters.hidden_part(code),
                                              checked, delimiters.without_hidden_markers(code) if checked else ""))
        exercises = {name_: Exercise(name_, index, code, delimiters.without_solution_markers(code), tuple(tests))
                     for name_, (index, code, tests) in found.items()}
        return cls(name, Path(path) if path else Path(f"{name}.ipynb"), nb, delimiters, exercises, frozenset(lesson))

    @property
    def tests(self) -> list[Test]:
        return [t for e in self.exercises.values() for t in e.tests]

    @property
    def tests_by_cell(self) -> dict[int, Test]:
        """Cell index in the source notebook -> the test in that cell."""
        return {t.index: t for t in self.tests}

    @property
    def points(self) -> float:
        return sum(t.points for t in self.tests)

    def exercise_of(self, test_id: str) -> str:
        return next(e.name for e in self.exercises.values() for t in e.tests if t.grade_id == test_id)

    def solutions(self) -> dict[str, str]:
        return {name: e.solution for name, e in self.exercises.items()}

    def answered(self, answers: dict[str, str], notebook: nbformat.NotebookNode | None = None):
        """A copy of ``notebook`` (default: the source) with the named exercise cells holding ``answers``
        (code with or without its marker line)."""
        nb = copy.deepcopy(self.notebook if notebook is None else notebook)
        for cell in nb.cells:
            marker = marker_of(cell) if cell.cell_type == "code" else None
            if marker and marker.kind == "exercise" and marker.grade_id in answers:
                cell.source = with_marker(answers[marker.grade_id], marker.grade_id)
        return nb


def verdicts_by_grader(nb: nbformat.NotebookNode) -> bool:
    """Whether the source notebook's tests are decided by the grader's checker (``"cnn_course":
    {"verdicts": "grader"}`` in its metadata) rather than inside the student's kernel."""
    return nb.get("metadata", {}).get("cnn_course", {}).get("verdicts") == "grader"


def normalise(code: str) -> str:
    return " ".join(code.split())


def with_marker(code: str, exercise: str) -> str:
    """The exercise's code with its marker line first (put back when the student deleted it)."""
    marker = marker_of({"source": code, "metadata": {}})
    if marker and marker.kind == "exercise" and marker.grade_id == exercise:
        return code
    return f"{exercise_marker(exercise)}\n{code.strip()}\n"
