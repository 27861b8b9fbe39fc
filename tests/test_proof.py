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


def test_prove_command_names_what_does_not_hold_and_exits_1(tmp_path):
    import subprocess
    import sys

    course = COURSE.copy_to(tmp_path / "course")
    (course.root / "tests" / "mutants").mkdir(parents=True)
    (course.root / "tests" / "mutants" / "00_images_as_tensors.py").write_text(
        "from autograder.proof import mutate\n"
        "MUTANTS = {'to_tensor': {'the solution itself': mutate('to_tensor'),\n"
        "                         'forgets to scale': mutate('to_tensor', ('/ 255.0', ''))}}\n"
        "ALTERNATIVES = {'to_tensor': {'returns None': 'def to_tensor(img):\\n    return None\\n'}}\n")
    done = subprocess.run([sys.executable, "-m", "autograder", "--course-dir", str(course.root), "prove",
                           "00_images_as_tensors", "--exercise", "to_tensor", "--jobs", "2"],
                          capture_output=True, text=True)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert any("the solution itself: NOT CAUGHT" in line for line in lines), lines
    assert any("forgets to scale: caught by test_to_tensor" in line for line in lines), lines
    assert any("returns None: LOST POINTS on test_to_tensor" in line for line in lines), lines
    assert lines[-1] == "00_images_as_tensors: 2 mutants, 1 alternatives, 2 do not hold"
