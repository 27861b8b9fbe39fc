"""Proof that an assignment's tests work: every mutant (a plausible wrong solution) loses points on its
exercise's tests, and every correct alternative keeps full marks, graded through the autograder.

Mutant files (``tests/mutants/<assignment>.py``) hold two dicts, ``MUTANTS`` and ``ALTERNATIVES``:
exercise -> {description: code}. The code is a whole exercise cell (without its marker line), or
``mutate(exercise, (old, new), ...)``: the source's solution with those edits, resolved when the file is
loaded against the assignment, so a mistake is one readable edit instead of a copy of the solution.

The candidates are graded in sessions (:class:`Session`): one kernel runs a slice of the notebook
(:mod:`autograder.slicing`: its exercises, their tests and the cells those need) once, then each candidate
in turn, one exercise changed at a time, so a mutant is never "caught" by a neighbour's mistake. A mutant's
cells stop at its first real failure: the rest of them (a training demo, the tests after it) cannot undo it.
"""
from __future__ import annotations

import ast
import copy
import functools
import importlib.util
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .assignment import Assignment
from .course import Course, CourseError
from .execute import SKIPPED, Limits
from .grade import Options, grade_one
from .markers import EXERCISE, TEST, Marker, cell_source, exercise_marker, marker_of, nbgrader_metadata
from .results import Result, TestResult
from .slicing import graded_slice, names_used, parse_cell, reads_and_changes
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
    """An assignment's mutants and alternatives, as code: exercise -> {description: cell body}; ``careful``:
    the exercises whose candidates change what came before their cells (a model trained in place), graded
    carefully from the start instead of after a failed check (the file's ``CAREFUL``: only a saving)."""
    mutants: dict[str, dict[str, str]]
    alternatives: dict[str, dict[str, str]]
    careful: frozenset[str] = frozenset()

    def problems(self, assignment: Assignment) -> list[str]:
        """What the course's standard asks and this file lacks: five mutants and an alternative per exercise."""
        found = [f"{e}: {len(self.mutants.get(e, {}))} mutants, at least {MIN_MUTANTS} needed"
                 for e in assignment.exercises if len(self.mutants.get(e, {})) < MIN_MUTANTS]
        found += [f"{e}: no alternative correct solution" for e in assignment.exercises if not self.alternatives.get(e)]
        unknown = (set(self.mutants) | set(self.alternatives) | self.careful) - set(assignment.exercises)
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

    return Candidates(resolved(module.MUTANTS), resolved(getattr(module, "ALTERNATIVES", {})),
                      frozenset(getattr(module, "CAREFUL", ())))


@dataclass(frozen=True)
class Trial:
    """One candidate: ``code`` in place of ``exercise``'s solution."""
    exercise: str
    kind: str  # "mutant" or "alternative"
    description: str
    code: str


@dataclass(frozen=True)
class Verdict:
    exercise: str
    description: str
    kind: str  # "mutant", "alternative" or "reference" (the source's solution, on the slice)
    failed: tuple[str, ...]  # the exercise's tests that failed, by a real failure (not a NameError)
    name_errors: tuple[str, ...]  # failed only with a NameError (perhaps a cell the slice dropped), or not run

    @property
    def holds(self) -> bool:
        """A mutant is caught by a real failure; anything else loses nothing."""
        return bool(self.failed) if self.kind == "mutant" else not (self.failed or self.name_errors)


def _sliced(full: Assignment, exercises: frozenset | None, also_reads: frozenset = frozenset()) -> Assignment:
    cut = graded_slice(full, exercises, also_reads)
    for name in exercises or full.exercises:
        if [(t.grade_id, t.source) for t in cut.exercises[name].tests] != \
                [(t.grade_id, t.source) for t in full.exercises[name].tests]:
            raise CourseError(f"{full.name}: the slice for {name} lost a test")
    return cut


def span(assignment: Assignment, exercise: str) -> list[int]:
    """The code cells a trial of ``exercise`` runs again: from its cell to its last test (the lesson's cells
    between them may use it)."""
    e = assignment.exercises[exercise]
    last = max((t.index for t in e.tests), default=e.index)
    return [i for i in range(e.index, last + 1) if assignment.notebook.cells[i].cell_type == "code"]


def _defined_outside(assignment: Assignment, cells: list) -> set[str]:
    """The names the notebook's code cells other than ``cells`` bind or change."""
    outside = [c for c in assignment.notebook.cells if c.cell_type == "code" and all(c is not s for s in cells)]
    return set().union(*(reads_and_changes(c.source)[1] for c in outside))


def _forgotten(cells: list, exercise_cell, previous: str | None, elsewhere: set[str]) -> set[str]:
    """What to forget before a candidate runs, so that nothing it does not define itself is graded: the names
    the exercise cell defines, those the span's lesson cells make afresh (a value a failed candidate's cells
    could not remake is not the previous candidate's), and those the previous candidate defined that no cell
    of the notebook outside the span defines (``elsewhere``: never a name of the lesson's)."""
    names = top_level_names(exercise_cell.source)
    for cell in cells:
        if marker_of(cell) is None:  # a lesson cell (a test's names live in the grader's checker)
            names |= top_level_names(cell.source) - names_used(cell.source)  # `x = f(x)` needs the x before
    if previous is not None:
        names |= top_level_names(previous) - elsewhere
    return names


def _renamed(cell, suffix: str, code: str | None = None):
    """A copy of a cell, its marker's id (if any) given ``suffix`` so its tests are counted apart."""
    out = copy.deepcopy(cell)
    if "id" in out:  # nbformat wants each cell's id once in a notebook
        out["id"] = f"{out['id']}{suffix.replace('.', '-')}"
    marker = marker_of(cell)
    if marker is None:
        return out
    if code is None:  # the cell's own code, less its marker line (a marker kept only in metadata: all of it)
        lines = cell_source(cell).splitlines(keepends=True)
        first = next((i for i, line in enumerate(lines) if line.strip()), None)
        marked = first is not None and (EXERCISE.match(lines[first]) or TEST.match(lines[first]))
        code = "".join(lines[first + 1:] if marked else lines)
    header = exercise_marker(marker.grade_id + suffix) if marker.kind == "exercise" else \
        f"# TEST: {marker.grade_id}{suffix} ({marker.points!r} points)"
    body = code
    out.source = f"{header}\n{body}"
    renamed = Marker(marker.kind, marker.grade_id + suffix, marker.points)
    out.metadata["nbgrader"] = nbgrader_metadata(renamed)
    return out


@dataclass(frozen=True)
class Session:
    """The proof's work for one kernel: the slice runs once with the source's solutions; then, per exercise,
    each candidate's span in turn and the span once more as the source has it. That last run's tests must
    pass, or the span cannot run twice or some candidate changed state from before its span (a model it
    trained in place), and the exercise's candidates are graded again in a fresh kernel
    (:func:`grade_session`), ``careful``: the source's span before the first and after each, so a verdict is
    never a previous candidate's doing. A mutant is thus graded by the same tests, the same checker and the
    same kernel as a student's notebook, at the cost of its span, not of a kernel and the whole notebook.
    With ``whole``, the whole source notebook runs first instead of the slice (the spans are still the
    slice's: a lesson cell no test reads never runs again with a candidate)."""
    base: Assignment  # the slice
    trials: tuple[Trial, ...]
    careful: frozenset[str] = frozenset()  # exercises whose source span runs after every candidate
    whole: Assignment | None = None  # the whole source notebook, run first instead of the slice

    @property
    def first(self) -> Assignment:
        """What the kernel runs before the first candidate: the slice, or the whole source notebook."""
        return self.whole or self.base

    @property
    def label(self) -> str:
        return f"{self.base.name}: " + ", ".join(dict.fromkeys(t.exercise for t in self.trials))

    def first_of_exercise(self, k: int) -> int:
        """The position of the first trial of trial ``k``'s exercise in the run of trials ``k`` belongs to."""
        while k > 0 and self.trials[k - 1].exercise == self.trials[k].exercise:
            k -= 1
        return k

    def restores_after(self, k: int) -> bool:
        trial = self.trials[k]
        return trial.exercise in self.careful or k + 1 == len(self.trials) or \
            self.trials[k + 1].exercise != trial.exercise

    @property
    def assignment(self) -> Assignment:
        return self._built[0]

    @property
    def candidate_cells(self) -> dict[int, range]:
        """Trial position -> the positions, in :attr:`assignment`'s notebook, of the span run with its candidate."""
        return self._built[1]

    def skip_after(self, index: int, passed: bool, message: str) -> range:
        """The cells not to run after the test at ``index`` (the grader asks after each): once a mutant's test
        failed for real, the rest of its span, which cannot make it pass again; nothing for an alternative,
        which every test must pass."""
        for k, cells in self.candidate_cells.items():
            if index in cells and self.trials[k].kind == "mutant" and not passed and _real(message):
                return range(index + 1, cells.stop)
        return range(0)

    @functools.cached_property
    def _built(self) -> tuple[Assignment, dict[int, range]]:
        """The slice, then for each trial: the span as the source has it (``<id>.p<k>``, before a careful
        exercise's first trial: it must pass when run again), a cell that forgets what the span and the
        previous candidate defined (:func:`_forgotten`: a candidate that defines less, or fails to run, is
        not graded on code that is not its own), the span with the candidate (``<id>.t<k>``), and, after the
        exercise's last trial (after each, for a careful exercise), the span as the source has it
        (``<id>.s<k>``)."""
        nb, elsewhere, candidate_cells = copy.deepcopy(self.first.notebook), {}, {}
        for k, trial in enumerate(self.trials):
            cells = [self.base.notebook.cells[i] for i in span(self.base, trial.exercise)]
            exercise_cell = self.base.notebook.cells[self.base.exercises[trial.exercise].index]
            first = self.first_of_exercise(k) == k
            if first and trial.exercise in self.careful:
                nb.cells += [_renamed(c, f".p{k}") for c in cells]
            if trial.exercise not in elsewhere:  # once per exercise: it reads every other cell of the slice
                elsewhere[trial.exercise] = _defined_outside(self.base, cells)
            forget = _forgotten(cells, exercise_cell, None if first else self.trials[k - 1].code,
                                elsewhere[trial.exercise])
            nb.cells.append(nbformat.v4.new_code_cell(
                f"for __name in {sorted(forget)!r}:\n    globals().pop(__name, None)"))
            candidate_cells[k] = range(len(nb.cells), len(nb.cells) + len(cells))
            nb.cells += [_renamed(c, f".t{k}", trial.code if c is exercise_cell else None) for c in cells]
            if self.restores_after(k):
                nb.cells += [_renamed(c, f".s{k}") for c in cells]
        return Assignment.parse(nb, self.first.name, self.first.path, self.first.delimiters), candidate_cells


def top_level_names(code: str) -> set[str]:
    """The names a cell binds at its top level: its functions, classes and assignments (not its imports: an
    earlier cell of the lesson has them too)."""
    tree = parse_cell(code)
    names = {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    for statement in tree.body:
        if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            names |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


def sessions(course: Course, name: str, exercises: set[str] | None = None, parts: int = 1) -> list[Session]:
    """The proof of ``name`` (only ``exercises``' candidates, if given) as ``parts`` sessions of about equal
    work, each on the slice its exercises need; proving every exercise, the session with the largest slice
    runs the whole notebook first instead of its slice (its candidates still rerun only the slice's cells),
    so that its first run is the source graded as it stands (every test passed, no cell raised:
    :func:`grade_session`'s reference verdicts) at the cost of the cells its slice left out, not of another
    kernel running the whole notebook."""
    full = course.assignment(name)
    candidates = load_candidates(course, name)
    wanted = set(full.exercises) if exercises is None else set(exercises)
    unknown = wanted - set(full.exercises)
    if unknown:
        raise CourseError(f"{name} has no exercise {', '.join(sorted(unknown))}")
    trials = {e: [Trial(e, kind, description, code)
                  for kind, table in (("mutant", candidates.mutants), ("alternative", candidates.alternatives))
                  for description, code in table.get(e, {}).items()] for e in full.exercises if e in wanted}
    groups: list[list[str]] = [[] for _ in range(max(1, min(parts, len(trials))))]
    for exercise in sorted(trials, key=lambda e: -len(trials[e])):  # the most trials first, to the lightest
        min(groups, key=lambda g: sum(len(trials[e]) for e in g)).append(exercise)
    work = []
    for group in filter(None, groups):
        chosen = tuple(t for e in full.exercises if e in group for t in trials[e])
        # a candidate may read what the source's solution does not (another exercise's class): keep it defined
        reads = frozenset().union(*(reads_and_changes(t.code)[0] for t in chosen))
        work.append(Session(_sliced(full, frozenset(group), reads), chosen, candidates.careful & set(group)))
    if exercises is None:
        largest = max(work, key=lambda s: len(s.base.notebook.cells))
        work[work.index(largest)] = Session(largest.base, largest.trials, largest.careful, whole=full)
    return work


PROOF_LIMITS = Limits(cell_timeout=120, total_timeout=3600)  # a session runs many spans in its one notebook


def _grade(session: Session, options: Options) -> tuple[Result, nbformat.NotebookNode]:
    extended = session.assignment
    with tempfile.TemporaryDirectory(prefix="proof-") as scratch:
        path = Path(scratch) / f"{extended.name}.ipynb"
        nbformat.write(extended.notebook, path)
        return grade_one(Submission("proof", path), extended, options, session.skip_after)


def _raised(session: Session, graded: nbformat.NotebookNode) -> list[Verdict]:
    """The source's own cells other than tests (lesson and exercise cells) that raised in the session's first
    run, each a reference verdict that does not hold; its tests have theirs."""
    found = []
    for index, cell in enumerate(graded.cells[:len(session.first.notebook.cells)]):
        error = next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)
        if error is not None and index not in session.first.tests_by_cell:
            found.append(Verdict(f"cell {index}", f"the source's cell {index} raised "
                                 f"{error.get('ename')}: {error.get('evalue', '')[:200]}", "reference",
                                 (str(error.get("ename")),), ()))
    return found


def _never_ran(test: TestResult) -> bool:
    """The grader did not get to run the test (the notebook's time limit, too many restarts)."""
    return test.message.startswith("not run")


def _real(message: str) -> bool:
    """A failure that proves something: not an undefined name (maybe a cell the slice wrongly dropped; it may
    also follow a real failure: a hidden test reading what its failed visible test did not define), not a test
    that never ran (the session's time limit, too many restarts)."""
    return "NameError" not in message and not message.startswith("not run")


def _verdict(session: Session, result: Result, exercise: str, graded_as: str, kind: str, description: str) -> Verdict:
    """What ``exercise``'s tests, renamed ``graded_as`` in the session's notebook, say about a candidate."""
    lost = {t.grade_id: t for t in result.tests if not t.passed and t.message != SKIPPED}
    failures = [lost[t.grade_id] for t in session.assignment.exercises[graded_as].tests if t.grade_id in lost]
    real = [t for t in failures if _real(t.message)]
    suffix = graded_as.removeprefix(exercise)  # the trial's ".t3": reported by the tests' own names

    def named(tests) -> tuple[str, ...]:
        return tuple(t.grade_id.removesuffix(suffix) if suffix else t.grade_id for t in tests)

    return Verdict(exercise, description, kind, named(real), named(t for t in failures if t not in real))


def grade_session(session: Session, options: Options = Options(profile="quick", device="cpu", limits=PROOF_LIMITS)
                  ) -> tuple[Result, list[Verdict]]:
    """The session's verdicts: the source's solutions on the slice or the whole notebook (kind "reference":
    each exercise's tests, and each of its other cells that raised), then each candidate's.
    The kernel must be sound when a candidate starts: the source's span passes again after an exercise's last
    candidate (this assumes that a candidate does not undo what an earlier one changed; the proof file's
    CAREFUL names the exercises whose candidates change anything from before their cells). When it does not (the span cannot run twice, or a candidate changed, in place, state from
    before its span: a model it trained), or a candidate's tests were not run (the time limit, too many
    restarts), the exercise's candidates are graded again in a fresh kernel, carefully: the source's span
    before the first and after each; when it fails there, the candidates after it are. In a fresh kernel a
    failure is the proof's own, reported against the source's solution."""
    first, verdicts, part = None, [], session
    while True:
        result, graded = _grade(part, options)
        if first is None:
            first = result
            verdicts += [_verdict(part, result, e, e, "reference", "the source's solution")
                         for e in part.first.exercises]
            verdicts += _raised(part, graded)
        decided, again_from = [], None  # (trial position, verdict); where the next kernel starts, if anywhere
        for k, trial in enumerate(part.trials):
            fresh, start = k == 0, part.first_of_exercise(k)  # fresh: nothing but the slice ran before it
            exercise = trial.exercise
            if start == k and exercise in part.careful:
                again = _verdict(part, result, exercise, f"{exercise}.p{k}", "reference",
                                 "the source's solution, its cells from the exercise to its last test run again")
                if not again.holds and not fresh:
                    again_from = k
                    break
                if not again.holds:
                    decided.append((k, again))
            own = {t.grade_id for t in part.assignment.exercises[f"{exercise}.t{k}"].tests}
            if not fresh and any(_never_ran(t) for t in result.tests if t.grade_id in own):
                again_from = k if exercise in part.careful else start  # an unchecked candidate may be the cause
                part = Session(part.base, part.trials, part.careful | {exercise})
                break
            decided.append((k, _verdict(part, result, exercise, f"{exercise}.t{k}", trial.kind, trial.description)))
            if not part.restores_after(k) or _verdict(part, result, exercise, f"{exercise}.s{k}", "restore", "").holds:
                continue
            # the span cannot run again, or a candidate left the kernel unsound: in a careful exercise, the one
            # just graded (those after it are graded again); otherwise any of them (all are)
            careful = exercise in part.careful
            if careful and k + 1 == len(part.trials):
                continue
            again_from = k + 1 if careful else start
            part = Session(part.base, part.trials, part.careful | {exercise})
            break
        verdicts += [v for k, v in decided if again_from is None or k < again_from]
        if again_from is None:
            return first, verdicts
        # a fresh kernel on the slice alone: the whole notebook, if any, ran once, for the reference verdicts
        part = Session(part.base, part.trials[again_from:], part.careful)


def prove(course: Course, name: str, exercises: set[str] | None = None, jobs: int = 1,
          options: Options = Options(profile="quick", device="cpu", limits=PROOF_LIMITS), log=print) -> list[Verdict]:
    """Grade every session of the proof, ``jobs`` at a time, and log one line per mutant and alternative."""
    work = sessions(course, name, exercises, parts=jobs)
    kernel = Options(options.profile, options.device, jobs, options.limits)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        graded = list(pool.map(lambda s: grade_session(s, kernel), work))
    verdicts = [v for _, vs in graded for v in vs]
    exercises_of = course.assignment(name).exercises
    for v in verdicts:
        if v.exercise not in exercises_of:  # a cell of the source's that raised
            log(f"  BAD {v.kind:<11} {v.description}")
    for exercise in exercises_of:
        mine = [v for v in verdicts if v.exercise == exercise and (v.kind in ("mutant", "alternative") or not v.holds)]
        if mine:
            log(f"{exercise}")
        for v in mine:
            if v.kind == "mutant":
                status = f"caught by {', '.join(v.failed)}" if v.holds else \
                    "NOT CAUGHT" + (f" (only NameError or not run in {', '.join(v.name_errors)})" if v.name_errors else "")
            else:
                status = "full marks" if v.holds else f"LOST POINTS on {', '.join(v.failed + v.name_errors)}"
            log(f"  {'ok ' if v.holds else 'BAD'} {v.kind:<11} {v.description}: {status}")
    return verdicts
