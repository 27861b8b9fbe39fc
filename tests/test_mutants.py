"""Proof that the tests work: every mutant loses points on its exercise's tests, every alternative
correct solution gets full marks, graded through the autograder like a student's notebook.

Mutants of different exercises share a notebook (one grading run per round) unless one exercise's
reference solution calls the other, so a mutant is never "caught" only by a neighbour's mistake.
"""
from __future__ import annotations

import ast
import copy

import pytest

from autograder.markers import marker_of, tests_by_exercise
from conftest import ASSIGNMENTS, COURSE, ROOT, failed, grade_notebooks

pytestmark = pytest.mark.slow  # every test here runs notebooks in kernels
from make_examples import load_mutants, solutions

MIN_MUTANTS = 5


def names_used(code: str) -> set[str]:
    """Identifiers the code reads (comments, docstrings and its own definitions aside)."""
    from IPython.core.inputtransformer2 import TransformerManager

    tree = ast.parse(TransformerManager().transform_cell(code))
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


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
    source = COURSE.source(assignment)
    groups = tests_by_exercise(source)
    nb = with_code(source, {e: code for e, (_, code) in planned.items()})
    results, _ = grade_notebooks({"mutants": nb}, assignment, tmp_path)
    lost = failed(results["mutants"])
    survivors = [f"{e}: {name}" for e, (name, _) in planned.items() if not lost & set(groups[e])]
    assert not survivors, f"mutants that kept full marks: {survivors}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_alternative_solutions_get_full_marks(assignment, tmp_path):
    source = COURSE.source(assignment)
    alternatives = load_mutants(assignment).ALTERNATIVES
    notebooks = {}
    for k in range(max(len(v) for v in alternatives.values())):
        picked = {e: list(v.values())[k] for e, v in alternatives.items() if len(v) > k}
        notebooks[f"alternatives{k}"] = with_code(source, picked)
    results, _ = grade_notebooks(notebooks, assignment, tmp_path)
    for student, result in results.items():
        assert result["score"] == result["max_score"], [t for t in result["tests"] if not t["passed"]]
