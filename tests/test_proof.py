"""Proof that the tests work (``python -m autograder prove``, one round per test here so that pytest -n 2
spreads them): every mutant loses points on its exercise's tests by a real failure, every alternative
correct solution gets full marks, and the slices the rounds grade lose nothing the tests need."""
from __future__ import annotations

import pytest

from autograder import proof
from conftest import ASSIGNMENTS, COURSE

pytestmark = pytest.mark.slow  # every test here runs notebooks in kernels

# an assignment without its proof file fails test_each_exercise_has_enough_mutants_and_an_alternative
ROUNDS = [r for a in ASSIGNMENTS if proof.proof_file(COURSE, a).exists() for r in proof.plan(COURSE, a)]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_exercise_has_enough_mutants_and_an_alternative(assignment):
    problems = proof.load_candidates(COURSE, assignment).problems(COURSE.assignment(assignment))
    assert not problems, problems


@pytest.mark.parametrize("round_", ROUNDS, ids=[r.label for r in ROUNDS])
def test_every_mutant_is_caught_and_every_alternative_keeps_full_marks(round_):
    result, verdicts = proof.grade_round(round_)
    bad = [(v.description, v.failed, v.name_errors) for v in verdicts if not v.holds]
    assert not bad, f"{round_.kind}s that do not hold (description, real failures, NameError-only failures): {bad}"
    if round_.kind == "alternative":
        assert result.score == result.max_score, [t for t in result.tests if not t.passed]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_slice_keeps_full_marks(assignment):
    round_ = proof.reference_round(COURSE, assignment)
    full = COURSE.assignment(assignment)
    assert len(round_.assignment.notebook.cells) < len(full.notebook.cells)
    result, _ = proof.grade_round(round_)
    assert result.score == result.max_score == full.points, [t for t in result.tests if not t.passed]
