"""Proof that the tests work: every mutant loses points on its exercise's tests, every alternative
correct solution gets full marks, graded through the autograder like a student's notebook.

Mutants of different exercises share a notebook (one grading run per round) unless one exercise's
reference solution calls the other, so a mutant is never "caught" only by a neighbour's mistake.
Each round grades a slice of the notebook (its exercises, their tests and the cells those need; see
notebook_slice.py), not the figures, demos and other tests: the same tests on the same code, in a fraction
of the time.
"""
from __future__ import annotations

import copy

import pytest

from autograder.markers import marker_of, tests_by_exercise
from conftest import ASSIGNMENTS, COURSE, ROOT, grade_notebooks
from make_examples import load_mutants, solutions
from notebook_slice import names_used, sliced_course

pytestmark = pytest.mark.slow  # every test here runs notebooks in kernels

MIN_MUTANTS = 5


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
