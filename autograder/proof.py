"""Proof that an assignment's tests work: every mutant (a plausible wrong solution) loses points on its
exercise's tests, and every correct alternative keeps full marks, graded through the autograder.

Mutant files (``tests/mutants/<assignment>.py``) hold two dicts, ``MUTANTS`` and ``ALTERNATIVES``:
exercise -> {description: code}. The code is a whole exercise cell (without its marker line), or
``mutate(exercise, (old, new), ...)``: the source's solution with those edits, resolved when the file is
loaded against the assignment, so a mistake is one readable edit instead of a copy of the solution.

Mutants of different exercises share a notebook (one grading per round) unless one exercise's solution
reads the other, so a mutant is never "caught" by a neighbour's mistake. Each round grades a slice of the
notebook (:mod:`autograder.slicing`): its exercises, their tests and the cells those need.
"""
from __future__ import annotations

import importlib.util
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .assignment import Assignment
from .course import Course, CourseError
from .grade import Options, grade_one
from .results import Result
from .slicing import graded_slice, names_used
from .submission import Submission

MIN_MUTANTS = 5
MUTANTS_DIR = Path("tests") / "mutants"


@dataclass(frozen=True)
class Edit:
    """The reference solution of ``exercise`` with each edit applied: an ``(old, new)`` replacement, or a
    function of the code for an edit that a replacement cannot say."""
    exercise: str
    edits: tuple

    def apply(self, solution: str) -> str:
        code = solution
        for edit in self.edits:
            if callable(edit):
                code = edit(code)
                continue
            old, new = edit
            # exactly once: a changed solution then breaks the mutant loudly instead of leaving it correct
            if code.count(old) != 1:
                raise ValueError(f"{self.exercise}: {old!r} occurs {code.count(old)} times in the reference solution")
            code = code.replace(old, new)
        return code


def mutate(exercise: str, *edits) -> Edit:
    return Edit(exercise, tuple(edits))


@dataclass(frozen=True)
class Candidates:
    """An assignment's mutants and alternatives, as code: exercise -> {description: cell body}."""
    mutants: dict[str, dict[str, str]]
    alternatives: dict[str, dict[str, str]]

    def problems(self, assignment: Assignment) -> list[str]:
        """What the course's standard asks and this file lacks: five mutants and an alternative per exercise."""
        found = [f"{e}: {len(self.mutants.get(e, {}))} mutants, at least {MIN_MUTANTS} needed"
                 for e in assignment.exercises if len(self.mutants.get(e, {})) < MIN_MUTANTS]
        found += [f"{e}: no alternative correct solution" for e in assignment.exercises if not self.alternatives.get(e)]
        unknown = (set(self.mutants) | set(self.alternatives)) - set(assignment.exercises)
        return found + [f"{e}: not an exercise of {assignment.name}" for e in sorted(unknown)]


def proof_file(course: Course, name: str) -> Path:
    return course.root / MUTANTS_DIR / f"{name}.py"


def load_candidates(course: Course, name: str) -> Candidates:
    path = proof_file(course, name)
    if not path.exists():
        raise CourseError(f"{name} has no proof file: write {path.relative_to(course.root)}")
    spec = importlib.util.spec_from_file_location(f"mutants_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    exercises = course.assignment(name).exercises

    def resolved(table: dict) -> dict[str, dict[str, str]]:
        return {exercise: {description: code.apply(exercises[code.exercise].solution_body)
                           if isinstance(code, Edit) else code for description, code in entries.items()}
                for exercise, entries in table.items()}

    return Candidates(resolved(module.MUTANTS), resolved(getattr(module, "ALTERNATIVES", {})))


@dataclass(frozen=True)
class Round:
    """One graded notebook of the proof: a slice of the assignment with some exercises answered."""
    assignment: Assignment  # the slice
    kind: str  # "mutant", "alternative" or "reference" (the source's own solutions)
    picks: dict[str, tuple[str, str]]  # exercise -> (description, code)

    @property
    def label(self) -> str:
        return f"{self.assignment.name}: {self.kind}s of " + ", ".join(self.picks) if self.picks else \
            f"{self.assignment.name}: the reference solutions"


@dataclass(frozen=True)
class Verdict:
    exercise: str
    description: str
    kind: str
    failed: tuple[str, ...]  # the exercise's tests that failed, by a real failure (not a NameError)
    name_errors: tuple[str, ...]  # failed only with a NameError: perhaps a cell the slice dropped

    @property
    def holds(self) -> bool:
        """A mutant is caught by a real failure; an alternative loses nothing."""
        return bool(self.failed) if self.kind == "mutant" else not (self.failed or self.name_errors)


def _sliced(full: Assignment, exercises: frozenset | None) -> Assignment:
    cut = graded_slice(full, exercises)
    for name in exercises or full.exercises:
        if [(t.grade_id, t.source) for t in cut.exercises[name].tests] != \
                [(t.grade_id, t.source) for t in full.exercises[name].tests]:
            raise CourseError(f"{full.name}: the slice for {name} lost a test")
    return cut


def dependencies(assignment: Assignment) -> dict[str, set[str]]:
    """Exercise -> the other exercises its reference solution calls or reads."""
    return {name: {other for other in assignment.exercises if other != name and other in names_used(e.solution)}
            for name, e in assignment.exercises.items()}


def plan(course: Course, name: str, exercises: set[str] | None = None) -> list[Round]:
    """Every round of the proof of ``name`` (only ``exercises``' candidates, if given)."""
    full = course.assignment(name)
    candidates = load_candidates(course, name)
    wanted = set(full.exercises) if exercises is None else set(exercises)
    unknown = wanted - set(full.exercises)
    if unknown:
        raise CourseError(f"{name} has no exercise {', '.join(sorted(unknown))}")
    deps = dependencies(full)
    queue = {e: list(m.items()) for e, m in candidates.mutants.items() if e in wanted}
    rounds = []
    while any(queue.values()):
        chosen: dict[str, tuple[str, str]] = {}
        for exercise, pending in queue.items():
            clash = any(exercise in deps[o] or o in deps[exercise] for o in chosen)
            if pending and not clash:
                chosen[exercise] = pending.pop(0)
        rounds.append(Round(_sliced(full, frozenset(chosen)), "mutant", chosen))
    alternatives = {e: list(v.items()) for e, v in candidates.alternatives.items() if e in wanted}
    everything = _sliced(full, frozenset(wanted))
    for k in range(max((len(v) for v in alternatives.values()), default=0)):
        rounds.append(Round(everything, "alternative", {e: v[k] for e, v in alternatives.items() if len(v) > k}))
    return rounds


def reference_round(course: Course, name: str) -> Round:
    """The full slice with the source's own solutions: it must keep full marks, or the slice cut too much."""
    return Round(_sliced(course.assignment(name), None), "reference", {})


def grade_round(round_: Round, options: Options = Options(profile="quick", device="cpu")) -> tuple[Result, list[Verdict]]:
    nb = round_.assignment.answered({e: code for e, (_, code) in round_.picks.items()})
    with tempfile.TemporaryDirectory(prefix="proof-") as scratch:
        path = Path(scratch) / f"{round_.assignment.name}.ipynb"
        nbformat.write(nb, path)
        result, _ = grade_one(Submission(round_.kind, path), round_.assignment, options)
    verdicts = []
    for exercise, (description, _) in round_.picks.items():
        own = {t.grade_id for t in round_.assignment.exercises[exercise].tests}
        lost = [t for t in result.tests if t.grade_id in own and not t.passed]
        # an undefined name may be a cell the slice wrongly dropped, so it proves nothing on its own (it may
        # also follow a real failure: a hidden test reading what its failed visible test did not define)
        real = tuple(t.grade_id for t in lost if "NameError" not in t.message)
        verdicts.append(Verdict(exercise, description, round_.kind, real,
                                tuple(t.grade_id for t in lost if t.grade_id not in real)))
    return result, verdicts


def prove(course: Course, name: str, exercises: set[str] | None = None, jobs: int = 1,
          options: Options = Options(profile="quick", device="cpu"), log=print) -> list[Verdict]:
    """Grade every round of the proof, ``jobs`` at a time, and log one line per mutant and alternative."""
    rounds = plan(course, name, exercises)
    kernel = Options(options.profile, options.device, jobs, options.limits)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        graded = list(pool.map(lambda r: grade_round(r, kernel), rounds))
    verdicts = [v for _, vs in graded for v in vs]
    for exercise in course.assignment(name).exercises:
        mine = [v for v in verdicts if v.exercise == exercise]
        if mine:
            log(f"{exercise}")
        for v in mine:
            if v.kind == "mutant":
                status = f"caught by {', '.join(v.failed)}" if v.holds else \
                    "NOT CAUGHT" + (f" (only NameError in {', '.join(v.name_errors)})" if v.name_errors else "")
            else:
                status = "full marks" if v.holds else f"LOST POINTS on {', '.join(v.failed + v.name_errors)}"
            log(f"  {'ok ' if v.holds else 'BAD'} {v.kind:<11} {v.description}: {status}")
    return verdicts
