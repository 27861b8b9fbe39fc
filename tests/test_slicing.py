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


def simulated_kernel(calls):
    """proof._grade's stand-in: runs a session's notebook in order on a pretend kernel. A cell whose code says
    WRONG fails its exercise's tests; CORRUPT passes them but, like a mutant that trains a shared model in
    place, breaks every test run after it in that kernel; RAISES gets an error output."""
    import copy

    from autograder.markers import marker_of
    from autograder.results import Result, TestResult

    def grade(session, options):
        calls.append([t.description for t in session.trials])
        tests, code, corrupt = [], {}, False
        graded = copy.deepcopy(session.assignment.notebook)
        for cell in graded.cells:
            if "RAISES" in cell.source:
                cell.outputs = [nbformat.v4.new_output("error", ename="ValueError", evalue="boom", traceback=[])]
            marker = marker_of(cell)
            if marker is not None and marker.kind == "exercise":
                code[marker.grade_id.split(".")[0]] = cell.source
            elif marker is not None:
                exercise = "double" if "double" in marker.grade_id else "halve"
                failed = corrupt or "WRONG" in code[exercise]
                tests.append(TestResult(marker.grade_id, 0 if failed else 1, 1, not failed,
                                        "AssertionError" if failed else ""))
            corrupt = corrupt or "CORRUPT" in cell.source and marker is not None and marker.kind == "exercise"
        return Result("proof", "lesson", None, 0.0, tuple(tests)), graded
    return grade


def test_a_source_cell_that_raises_is_a_reference_verdict_that_does_not_hold(monkeypatch):
    """The proof's session on the whole notebook stands for running the source on its own: a lesson cell that
    raises (no test reads it, so no test fails) is reported; the same cell run with a candidate is not."""
    from autograder import proof

    monkeypatch.setattr(proof, "_grade", simulated_kernel([]))
    base = lesson()
    base.notebook.cells[5].source += "  # RAISES"  # the demo after double's test
    trials = (proof.Trial("double", "mutant", "wrong", "def double(x):  # WRONG RAISES\n    return x"),)
    _, verdicts = proof.grade_session(proof.Session(base, trials))
    assert [(v.exercise, v.holds) for v in verdicts if v.kind == "reference"] == \
        [("double", True), ("halve", True), ("cell 5", False)]
    assert [v.description for v in verdicts if v.exercise == "cell 5"] == ["the source's cell 5 raised ValueError: boom"]
    _, clean = proof.grade_session(proof.Session(lesson(), trials))
    assert all(v.holds for v in clean)


def test_a_candidate_that_leaves_the_kernel_unsound_costs_no_later_verdict(monkeypatch):
    """Candidates of an exercise run one after another; the source's span runs once after the last. When it
    fails, they are graded again, the source's span before the first and after each, so the mutant after the
    corrupting one (right after all: these tests cannot catch it) is reported as not caught, as it would be alone."""
    from autograder import proof

    calls = []
    monkeypatch.setattr(proof, "_grade", simulated_kernel(calls))
    trials = (proof.Trial("double", "mutant", "wrong", "def double(x):  # WRONG\n    return x"),
              proof.Trial("double", "mutant", "corrupts", "def double(x):  # WRONG CORRUPT\n    return x"),
              proof.Trial("double", "mutant", "right after all", "def double(x):\n    return x + x"),
              proof.Trial("double", "alternative", "adds", "def double(x):\n    return x + x"),
              proof.Trial("halve", "mutant", "halve wrong", "def halve(x):  # WRONG\n    return x"))
    _, verdicts = proof.grade_session(proof.Session(lesson(), trials))
    everything = [t.description for t in trials]
    assert calls == [everything,                                   # one kernel: the closing check of double fails
                     everything,                                   # again, checked after each: corrupts is found
                     ["right after all", "adds", "halve wrong"]]  # the rest in a fresh kernel
    graded = {v.description: v for v in verdicts if v.kind in ("mutant", "alternative")}
    assert list(graded) == [t.description for t in trials]
    assert [graded[d].holds for d in graded] == [True, True, False, True, True]
    assert all(v.holds for v in verdicts if v.kind == "reference")


def test_sound_candidates_cost_one_kernel_and_one_source_span_per_exercise(monkeypatch):
    from autograder import proof

    calls = []
    monkeypatch.setattr(proof, "_grade", simulated_kernel(calls))
    trials = tuple(proof.Trial("double", "mutant", f"wrong {k}", f"def double(x):  # WRONG\n    return x * {k}")
                   for k in range(3))
    session = proof.Session(lesson(), trials)
    _, verdicts = proof.grade_session(session)
    assert len(calls) == 1 and all(v.holds for v in verdicts)
    graded_ids = [e for e in session.assignment.exercises if "." in e]
    assert graded_ids == ["double.t0", "double.t1", "double.t2", "double.s2"]


def test_before_a_candidate_the_kernel_forgets_what_the_span_and_the_previous_candidate_made():
    """A candidate that fails to define its function must not be graded on the previous candidate's values
    (a lesson cell's result it could not remake), and the previous candidate's helpers go too, unless the
    lesson defines the same name elsewhere (then it is the lesson's)."""
    from autograder import proof

    cells = ["import torch\ndata = torch.arange(4.0)\ndef helper(x):\n    return x",
             "# EXERCISE: double\ndef double(x):\n    return 2 * x",
             "doubled = double(data)",
             "acc = torch.zeros(4)\nacc = acc + doubled",                    # reads acc: needs the acc before
             "# TEST: test_double (1 points)\nresult = doubled.sum()\nassert result == 12"]
    a = Assignment.parse(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), "lesson")
    trials = (proof.Trial("double", "mutant", "first", "def double(x):\n    return x\ndef _twice(x):\n    return x\n"
                          "def helper(x):\n    return 0"),
              proof.Trial("double", "mutant", "second", "def double(x):\n    return 3 * x"))
    forget_cells = [c.source for c in proof.Session(a, trials).assignment.notebook.cells if "globals().pop" in c.source]
    first, second = (set(eval(source.split(" in ", 1)[1].split(":")[0])) for source in forget_cells)
    assert first == {"double", "doubled"}
    assert second == {"double", "doubled", "_twice"}  # helper is the lesson's; acc and result are not forgotten


def test_a_caught_mutant_skips_the_rest_of_its_span_and_an_alternative_never_does():
    """After each test the grader asks what not to run: once a mutant's test failed for real, the rest of its
    own cells (a training demo, the tests after it) cannot make it pass; an alternative must pass them all,
    and a NameError or a test that never ran proves nothing, so nothing is skipped for them."""
    from autograder import proof

    cells = ["import torch", "# EXERCISE: double\ndef double(x):\n    return 2 * x",
             "# TEST: test_double (1 points)\nassert double(1) == 2",
             "demo = double(torch.ones(3))",                                    # a lesson cell of the span
             "# TEST: test_double_demo (1 points)\nassert demo.sum() == 6"]
    a = Assignment.parse(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), "lesson")
    session = proof.Session(a, (proof.Trial("double", "mutant", "wrong", "def double(x):\n    return x"),
                                proof.Trial("double", "alternative", "adds", "def double(x):\n    return x + x")))
    nb = session.assignment.notebook.cells
    mutant, alternative = session.candidate_cells[0], session.candidate_cells[1]
    assert [first_lines_of(nb[i]) for i in mutant] == [
        "# EXERCISE: double.t0", "# TEST: test_double.t0 (1.0 points)", "demo = double(torch.ones(3))",
        "# TEST: test_double_demo.t0 (1.0 points)"]
    first_test = mutant.start + 1
    assert list(session.skip_after(first_test, False, "AssertionError")) == [mutant.start + 2, mutant.start + 3]
    for passed, message in ((True, ""), (False, "NameError: name 'double' is not defined"),
                            (False, "not run: the kernel was restarted too many times")):
        assert not session.skip_after(first_test, passed, message)
    assert not session.skip_after(alternative.start + 1, False, "AssertionError")
    assert not session.skip_after(len(cells) - 1, False, "AssertionError")  # the slice's own run: the source's
    assert max(alternative) < len(nb) - 1  # the closing source span follows, never skipped


def first_lines_of(cell) -> str:
    return cell.source.splitlines()[0]


def test_a_session_on_the_whole_notebook_reruns_only_the_slices_cells_with_a_candidate():
    """The session that stands for running the source runs every cell first; a candidate's span is still the
    slice's, so a demo between the exercise and its test that no test reads never runs again."""
    from autograder import proof

    cells = ["import torch", "# EXERCISE: double\ndef double(x):\n    return 2 * x", "print('a demo no test reads')",
             "# TEST: test_double (1 points)\nassert double(torch.ones(1)) == 2"]
    full = Assignment.parse(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells]), "demo")
    trials = (proof.Trial("double", "mutant", "wrong", "def double(x):\n    return x"),)
    session = proof.Session(graded_slice(full, frozenset({"double"})), trials, whole=full)
    run = session.assignment.notebook.cells
    assert [c.source for c in run[:4]] == cells
    assert [run[i].source.splitlines()[0] for i in session.candidate_cells[0]] == \
        ["# EXERCISE: double.t0", "# TEST: test_double.t0 (1.0 points)"]
    assert sum("a demo" in c.source for c in run) == 1
