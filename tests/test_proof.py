"""Proof that the tests work (``python -m autograder prove``, one round per test here so that pytest -n 2
spreads them): every mutant loses points on its exercise's tests by a real failure, every alternative
correct solution gets full marks, and the slices the rounds grade lose nothing the tests need."""
from __future__ import annotations

import pytest

from autograder import proof
from conftest import ASSIGNMENTS, COURSE

pytestmark = pytest.mark.slow  # every test here runs notebooks in kernels

# two sessions per assignment, so pytest -n 2 spreads the longest assignment's work too; an assignment
# without its proof file fails test_each_exercise_has_enough_mutants_and_an_alternative
SESSIONS = [s for a in ASSIGNMENTS if proof.proof_file(COURSE, a).exists() for s in proof.sessions(COURSE, a, parts=2)]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_exercise_has_enough_mutants_and_an_alternative(assignment):
    problems = proof.load_candidates(COURSE, assignment).problems(COURSE.assignment(assignment))
    assert not problems, problems


@pytest.mark.parametrize("session", SESSIONS, ids=[s.label for s in SESSIONS])
def test_every_mutant_is_caught_and_every_alternative_keeps_full_marks(session):
    """Also: the source's solutions get full marks in the session's first run, on the slice (it kept every
    cell their tests need) or, in one session per assignment, on the whole notebook: the source runs clean
    (no cell raises) and passes every test, graded as a student's notebook is. Each candidate starts where
    the source's solution passes (06's linear_probe mutants that train its encoder in place are graded
    carefully, proof.grade_session)."""
    full = COURSE.assignment(session.base.name)
    whole = session.whole is not None
    assert len(session.base.notebook.cells) < len(full.notebook.cells)
    result, verdicts = proof.grade_session(session)
    bad = [(v.kind, v.exercise, v.description, v.failed, v.name_errors) for v in verdicts if not v.holds]
    # the source's own failures say why (a mutant's are its tests' business)
    why = {t.grade_id: t.message[-600:] for t in result.tests if not t.passed and "." not in t.grade_id}
    assert not bad, f"what does not hold (kind, exercise, description, real failures, NameError-only failures): {bad}" \
        + (f"; the source's failed tests said: {why}" if why else "")
    kinds = [(v.exercise, v.description) for v in verdicts if v.kind in ("mutant", "alternative")]
    assert kinds == [(t.exercise, t.description) for t in session.trials]
    tried = {t.exercise for t in session.trials}
    assert {t.grade_id for t in result.tests if "." not in t.grade_id} >= \
        {t.grade_id for e in (full.exercises if whole else tried) for t in full.exercises[e].tests}
    if whole:  # every test of the source's, not only those of the exercises tried here, passed
        assert {v.exercise for v in verdicts if v.kind == "reference"} == set(full.exercises)


def test_sessions_cover_every_candidate_once():
    for assignment in ASSIGNMENTS:
        candidates = proof.load_candidates(COURSE, assignment)
        expected = sorted((e, d) for table in (candidates.mutants, candidates.alternatives)
                          for e, entries in table.items() for d in entries)
        split = proof.sessions(COURSE, assignment, parts=2)
        assert sorted((t.exercise, t.description) for s in split for t in s.trials) == expected
        assert len(split) == 2 and all(s.trials for s in split)
        # one session grades the whole source notebook (it stands for running the source on its own)
        [whole] = [s.whole for s in split if s.whole is not None]
        assert whole.notebook.cells == COURSE.assignment(assignment).notebook.cells


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
    # a caught mutant stops at its first real failure (the hidden test after it is not run); an alternative runs all
    assert any(line.endswith("forgets to scale: caught by test_to_tensor") for line in lines), lines
    assert any(line.endswith("returns None: LOST POINTS on test_to_tensor, test_to_tensor_hidden") for line in lines), lines
    assert lines[-1] == "00_images_as_tensors: 2 mutants, 1 alternatives, 2 do not hold"
