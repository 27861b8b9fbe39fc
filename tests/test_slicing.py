"""The notebook slicer behind the proof's sessions: which names a cell reads and changes, and which cells a
slice keeps. No kernel: test_proof grades real slices (the source's solutions keep full marks in each session)."""
import nbformat
import pytest

from autograder.assignment import Assignment
from autograder.slicing import graded_slice, reads_and_changes

MODULES = frozenset({"torch", "plt", "np"})


@pytest.mark.parametrize("code,reads,changes", [
    ("x = f(y)", {"f", "y"}, {"x"}),
    ("def f(a):\n    return a + b", {"b"}, {"f"}),                # parameters are the cell's own
    ("model.fc = nn.Linear(2, 3)", {"model", "nn"}, {"model"}),  # an attribute set changes its object
    ("history.append(1)", {"history"}, {"history"}),             # a method call may change its object
    ("torch.manual_seed(0)", {"torch"}, set()),                  # a call on a module changes no variable
    ("%matplotlib inline\nimport numpy as np", set(), {"np"}),   # magics parse
])
def test_reads_and_changes(code, reads, changes):
    assert reads_and_changes(code, MODULES) == (reads, changes)


def lesson():
    cells = ["import torch\nimport matplotlib.pyplot as plt",
             "data = torch.arange(6.0)",
             "plt.plot(data)",                                   # a figure: no test needs it
             "# EXERCISE: double\ndef double(x):\n    return 2 * x",
             "# TEST: test_double (1 points)\nassert torch.equal(double(data), data + data)",
             "summary = double(data).sum()\nprint(summary)",      # a demo after the test
             "# EXERCISE: halve\ndef halve(x):\n    return x / 2",
             "# TEST: test_halve (1 points)\nassert torch.equal(halve(double(data)), data)"]
    return Assignment.parse(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), "lesson")


def first_lines(assignment):
    return [cell.source.splitlines()[0] for cell in assignment.notebook.cells]


def test_the_slice_keeps_graded_cells_and_what_they_read():
    assert first_lines(graded_slice(lesson())) == [
        "import torch", "data = torch.arange(6.0)", "# EXERCISE: double", "# TEST: test_double (1 points)",
        "# EXERCISE: halve", "# TEST: test_halve (1 points)"]


def test_a_slice_for_some_exercises_keeps_the_others_only_where_needed():
    # halve's test calls double, so double's cell stays; double's own test goes
    assert first_lines(graded_slice(lesson(), frozenset({"halve"}))) == [
        "import torch", "data = torch.arange(6.0)", "# EXERCISE: double", "# EXERCISE: halve",
        "# TEST: test_halve (1 points)"]
    assert "# EXERCISE: halve" not in first_lines(graded_slice(lesson(), frozenset({"double"})))


def test_a_star_import_is_kept_whenever_a_kept_cell_reads_a_name():
    # `from fastai.vision.all import *` may bind DataBlock: no syntax tree shows which names it binds
    cells = ["from math import *", "import torch", "# EXERCISE: root\ndef root(x):\n    return sqrt(x)",
             "# TEST: test_root (1 points)\nassert root(4.0) == 2.0"]
    lesson = Assignment.parse(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), "star")
    assert first_lines(graded_slice(lesson)) == [
        "from math import *", "# EXERCISE: root", "# TEST: test_root (1 points)"]
