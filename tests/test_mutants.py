"""Proof that the tests work: every mutant loses points on its exercise's tests, every alternative
correct solution gets full marks, graded through the autograder like a student's notebook.

Mutants of different exercises share a notebook (one grading run per round) unless one exercise's
reference solution calls the other, so a mutant is never "caught" only by a neighbour's mistake.
Rounds grade a graded slice of the notebook (the round's exercises, their tests and the cells those need), not
its figures, demos and other tests: the same tests on the same code, in a fraction of the time.
"""
from __future__ import annotations

import ast
import copy
import functools
import tempfile
from pathlib import Path

import nbformat
import pytest

from autograder.course import Course
from autograder.markers import marker_of, tests_by_exercise
from conftest import ASSIGNMENTS, COURSE, ROOT, grade_notebooks

pytestmark = pytest.mark.slow  # every test here runs notebooks in kernels
from make_examples import load_mutants, solutions

MIN_MUTANTS = 5


def parse_cell(code: str) -> ast.Module:
    """A code cell's syntax tree, IPython magics turned into the calls they stand for."""
    from IPython.core.inputtransformer2 import TransformerManager

    return ast.parse(TransformerManager().transform_cell(code))


def names_used(code: str) -> set[str]:
    """Identifiers the code reads (comments, docstrings and its own definitions aside)."""
    return {n.id for n in ast.walk(parse_cell(code)) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def dependencies(source) -> dict[str, set[str]]:
    """Exercise -> the other exercises its reference solution calls or reads."""
    answers = solutions(source)
    return {e: {o for o in answers if o != e and o in names_used(code)} for e, code in answers.items()}


def rounds(assignment: str) -> list[dict[str, tuple[str, str]]]:
    if not (ROOT / "tests" / "mutants" / f"{assignment}.py").exists():
        return []  # test_each_exercise_has_enough_mutants_and_an_alternative reports it
    source = COURSE.source(assignment)
    deps = dependencies(source)
    queue = {e: list(m.items()) for e, m in load_mutants(assignment).MUTANTS.items()}
    planned = []
    while any(queue.values()):
        chosen: dict[str, tuple[str, str]] = {}
        for exercise, pending in queue.items():
            clash = any(exercise in deps[o] or o in deps[exercise] for o in chosen)
            if pending and not clash:
                chosen[exercise] = pending.pop(0)
        planned.append(chosen)
    return planned


def reads_and_changes(code: str, modules: frozenset = frozenset()) -> tuple[set[str], set[str]]:
    """Names a cell reads, and names it binds or changes at its top level (`x = ...`, `def x`, `import x`,
    `x.attr = ...`, `x[i] = ...`, `x.method(...)`, which may change x in place; a call on a module such as
    `torch.manual_seed(0)` or `plt.show()` does not count)."""
    tree = parse_cell(code)
    changed = set()
    for statement in tree.body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                changed.add(node.id)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node in tree.body:
                changed.add(node.name)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                changed |= {(a.asname or a.name).split(".")[0] for a in node.names}
            elif isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, ast.Store):
                base = node.value
                while isinstance(base, (ast.Attribute, ast.Subscript)):
                    base = base.value
                if isinstance(base, ast.Name):
                    changed.add(base.id)
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            func = statement.value.func
            while isinstance(func, (ast.Attribute, ast.Subscript, ast.Call)):
                func = func.func if isinstance(func, ast.Call) else func.value
            if isinstance(func, ast.Name) and func is not statement.value.func and func.id not in modules:
                changed.add(func.id)
    # a name the cell binds anywhere (locals and parameters too) is its own, not a need on earlier cells
    bound = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    bound |= {a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)}
    bound |= {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    bound |= {(a.asname or a.name).split(".")[0] for n in ast.walk(tree)
              if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
    return names_used(code) - bound, changed


def graded_slice(source, exercises: frozenset | None = None):
    """The source cut to the exercise and test cells of `exercises` (all by default) and the earlier code
    cells they need, transitively: the lesson's figures and demos, and the other exercises' tests, drop out,
    so a round runs in a fraction of the notebook's time. test_the_slice_keeps_full_marks proves the cut
    loses nothing the tests rely on."""
    nb = copy.deepcopy(source)
    owner = {test: exercise for exercise, tests in tests_by_exercise(nb).items() for test in tests}
    modules = frozenset(alias.asname or alias.name.split(".")[0]
                        for cell in nb.cells if cell.cell_type == "code"
                        for node in ast.walk(parse_cell(cell.source))
                        if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names)
    needed: set[str] = set()
    keep = []
    for cell in reversed(nb.cells):
        if cell.cell_type != "code":
            continue
        marker = marker_of(cell)
        graded = marker and (exercises is None or owner.get(marker.grade_id, marker.grade_id) in exercises)
        reads, changes = reads_and_changes(cell.source, modules)
        if graded or changes & needed:
            keep.append(cell)
            needed |= reads
    nb.cells = keep[::-1]
    return nb


@functools.lru_cache(maxsize=None)
def sliced_course(assignment: str, exercises: frozenset | None = None) -> Course:
    """A scratch course whose source notebook is a graded slice (the grader rebuilds from the source)."""
    root = Path(tempfile.mkdtemp(prefix=f"slice-{assignment}-"))
    (root / "source" / assignment).mkdir(parents=True)
    notebook = graded_slice(COURSE.source(assignment), exercises)
    nbformat.write(notebook, root / "source" / assignment / f"{assignment}.ipynb")
    return Course(root)


def with_code(source, answers: dict[str, str]):
    nb = copy.deepcopy(source)
    for cell in nb.cells:
        marker = marker_of(cell)
        if marker and marker.kind == "exercise" and marker.grade_id in answers:
            cell.source = f"# EXERCISE: {marker.grade_id}\n{answers[marker.grade_id].strip()}\n"
    return nb


ROUNDS = [(a, i, r) for a in ASSIGNMENTS for i, r in enumerate(rounds(a))]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_exercise_has_enough_mutants_and_an_alternative(assignment):
    module = load_mutants(assignment)
    exercises = list(tests_by_exercise(COURSE.source(assignment)))
    for exercise in exercises:
        assert len(module.MUTANTS.get(exercise, {})) >= MIN_MUTANTS, f"{exercise}: fewer than {MIN_MUTANTS} mutants"
        assert module.ALTERNATIVES.get(exercise), f"{exercise}: no alternative correct solution"
    assert set(module.MUTANTS) | set(module.ALTERNATIVES) <= set(exercises)


@pytest.mark.parametrize("assignment,index,planned", ROUNDS,
                         ids=[f"{a}-round{i}" for a, i, _ in ROUNDS])
def test_every_mutant_loses_points(assignment, index, planned, tmp_path):
    # only the tests of this round's exercises: a mutant must lose points on its own tests anyway
    course = sliced_course(assignment, frozenset(planned))
    source = course.source(assignment)
    groups = tests_by_exercise(source)
    every_test = tests_by_exercise(COURSE.source(assignment))
    assert {e: groups[e] for e in planned} == {e: every_test[e] for e in planned}, "the slice lost a test"
    nb = with_code(source, {e: code for e, (_, code) in planned.items()})
    results, _ = grade_notebooks({"mutants": nb}, assignment, tmp_path, course=course)
    # an undefined name may be a cell the slice wrongly dropped, so it proves nothing on its own (it may
    # also follow a real failure: a hidden test reading what its failed visible test did not define)
    lost = {t["grade_id"] for t in results["mutants"]["tests"] if not t["passed"] and "NameError" not in t["message"]}
    survivors = [f"{e}: {name}" for e, (name, _) in planned.items() if not lost & set(groups[e])]
    assert not survivors, f"mutants that kept full marks, or lost points only to a NameError: {survivors}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_slice_keeps_full_marks(assignment, tmp_path):
    course = sliced_course(assignment)
    full, sliced = COURSE.source(assignment), course.source(assignment)
    assert tests_by_exercise(sliced) == tests_by_exercise(full)
    assert len(sliced.cells) < len(full.cells)
    results, _ = grade_notebooks({"reference": sliced}, assignment, tmp_path, course=course)
    result = results["reference"]
    assert result["score"] == result["max_score"], [t for t in result["tests"] if not t["passed"]]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_alternative_solutions_get_full_marks(assignment, tmp_path):
    course = sliced_course(assignment)
    source = course.source(assignment)
    alternatives = load_mutants(assignment).ALTERNATIVES
    notebooks = {}
    for k in range(max(len(v) for v in alternatives.values())):
        picked = {e: list(v.values())[k] for e, v in alternatives.items() if len(v) > k}
        notebooks[f"alternatives{k}"] = with_code(source, picked)
    results, _ = grade_notebooks(notebooks, assignment, tmp_path, course=course)
    for student, result in results.items():
        assert result["score"] == result["max_score"], [t for t in result["tests"] if not t["passed"]]
