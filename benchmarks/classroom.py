"""Section 6 (``--class N``): a generated class across every assignment, graded side by side by plain
``nbgrader autograde``, ours ``--jobs 1``, ``--jobs 2`` and a 2-worker Dask cluster, and projected to 300 students.

The class is N submissions spread over the assignments in turn, each of one of the kinds a class hands in:
``complete``; ``partial`` (the first half of the exercises answered, the rest as released); ``mistakes`` (every
other exercise holds one of its mutants from ``tests/mutants/``, a real student's mistake); ``broken`` (the first
exercise's cell fails on an import, so its tests fail by NameError); ``untouched`` (the release as received);
``looping`` (the last exercise's cell never ends: every grader stops it at the same per-cell timeout).
Every notebook is built from the release and the source's solutions, so nothing here is written twice.

Plain nbgrader grades one assignment per command (``nbgrader autograde A``), one after the other, as an
instructor would; ours grades the whole class in one command (``--assignment`` repeated), so its workers share
one pool and none idles behind one assignment's slowest notebook. Each runs in a scratch copy of the course
(ours and nbgrader's, both after ``nbgrader generate_assignment``). The Dask cluster is started once for the whole
class, as an instructor's ``dask scheduler`` would be, and our command connects to it (``--cluster tcp://...``):
what it costs over the thread pool is then Dask's per-task overhead, not its start-up.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import nbformat

from autograder.course import Course
from autograder.environment import REPO_ROOT
from autograder.proof import load_candidates

from .grading import NBGRADER, _nbgrader_scores, _run, nbgrader_command, ours_command
from .timing import stopwatch

KINDS = ("complete", "partial", "mistakes", "broken", "untouched", "looping")
# the looping kind's cost, the same for every grader; above every legitimate cell of the quick profile with two
# kernels sharing two cores (a 20 s limit cut 03's training cells there and cost complete submissions points)
CELL_TIMEOUT_S = 60
CLUSTER = "dask=2"
GRADERS = (NBGRADER, "jobs=1", "jobs=2", CLUSTER)
PROJECTED_STUDENTS = 300
PROJECTED_WORKERS = (1, 2, 4, 8, 16)


def answers_of(course: Course, assignment: str, kind: str) -> dict[str, str] | None:
    """The exercise cells a submission of ``kind`` holds (None: the release as received)."""
    model = course.assignment(assignment)
    answers, names = model.solutions(), list(model.exercises)
    if kind == "untouched":
        return None
    if kind == "partial":
        return {e: answers[e] for e in names[: (len(names) + 1) // 2]}
    if kind == "mistakes":
        mutants = load_candidates(course, assignment).mutants
        return {**answers, **{e: next(iter(mutants[e].values())) for e in names[1::2] if mutants.get(e)}}
    if kind == "broken":
        return {**answers, names[0]: "import a_module_the_student_never_installed\n" + answers[names[0]]}
    if kind == "looping":
        return {**answers, names[-1]: answers[names[-1]] + "\nwhile True:  # the student's loop never ends\n    pass\n"}
    return answers


def generate(course: Course, into: Path, size: int, assignments: list[str] | None = None) -> list[dict]:
    """``size`` submissions of ``assignments`` (default: all) written into ``into/submitted/``: assignments in
    turn, kinds in turn."""
    assignments, made = assignments or course.assignments(), []
    for i in range(size):
        assignment, kind = assignments[i % len(assignments)], KINDS[(i // len(assignments)) % len(KINDS)]
        release = nbformat.read(course.release_path(assignment), as_version=4)
        answers = answers_of(course, assignment, kind)
        nb = release if answers is None else course.assignment(assignment).answered(answers, release)
        student = f"s{i:03d}_{kind}"
        path = Path(into) / "submitted" / student / assignment / course.source_path(assignment).name
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
        made.append({"student": student, "assignment": assignment, "kind": kind})
    return made


def _scratch(root: Path, submitted: Path) -> Course:
    """A scratch copy of the course, its assignments generated, holding a copy of the class."""
    course = Course(REPO_ROOT).copy_to(root)
    for assignment in course.assignments():
        course.nbgrader("generate_assignment", assignment, "--force")
    shutil.copytree(submitted, root / "submitted")
    return course


class ClassBench:
    """Grades the generated class once with every grader; ``close()`` removes the scratch courses."""

    def __init__(self, size: int, assignments: list[str] | None = None):
        self.size = size
        self.scratch = Path(tempfile.mkdtemp(prefix="bench-class-"))
        self.submissions = generate(Course(REPO_ROOT), self.scratch / "class", size, assignments)
        self.ours = _scratch(self.scratch / "ours", self.scratch / "class" / "submitted")
        self.plain = _scratch(self.scratch / "nbgrader", self.scratch / "class" / "submitted")
        self.assignments = sorted({s["assignment"] for s in self.submissions})
        self.seconds: dict[str, dict[str, float]] = {g: {} for g in GRADERS}  # per assignment
        self.wall: dict[str, float] = {}  # our commands' wall time for the whole class
        self.scores: dict[str, dict[str, float]] = {g: {} for g in GRADERS}
        self.problems: dict[str, list[str]] = {g: [] for g in GRADERS}

    def _command(self, grader: str, address: str) -> tuple[list[str], Path]:
        out = self.scratch / f"{grader}.json"
        jobs = 2 if grader == CLUSTER else int(grader.split("=")[1])
        cmd = ours_command(self.ours, self.assignments, jobs, out) + ["--cell-timeout", str(CELL_TIMEOUT_S)]
        return cmd + (["--cluster", address] if grader == CLUSTER else []), out

    def _nbgrader(self, log) -> None:
        """One ``nbgrader autograde`` per assignment, serially: what plain nbgrader offers."""
        for assignment in self.assignments:
            cmd = nbgrader_command(self.plain, assignment) + [f"--Execute.timeout={CELL_TIMEOUT_S}"]
            sink: list[float] = []
            with stopwatch(sink):
                problem = _run(cmd, self.plain.root)
            self.seconds[NBGRADER][assignment] = sink[0]
            if problem:
                self.problems[NBGRADER].append(f"{assignment}: {problem}")
            self.scores[NBGRADER].update(_nbgrader_scores(self.plain, assignment))
        log(f"  class, nbgrader: {sum(self.seconds[NBGRADER].values()):.1f} s")

    def run(self, log=print) -> None:
        from distributed import LocalCluster

        # one cluster for the whole class, as a running `dask scheduler` with two `dask worker`s would be
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
            for grader in GRADERS:
                if grader == NBGRADER:
                    self._nbgrader(log)
                    continue
                cmd, out = self._command(grader, cluster.scheduler_address)
                sink: list[float] = []
                with stopwatch(sink):
                    problem = _run(cmd, self.ours.root)
                self.wall[grader] = sink[0]
                if problem:
                    self.problems[grader].append(problem)
                for s in json.loads(out.read_text())["submissions"] if out.exists() else []:
                    self.scores[grader][s["student"]] = s["score"]
                    # the notebook-seconds each assignment took (they overlap when two workers grade)
                    spent = self.seconds[grader]
                    spent[s["assignment"]] = spent.get(s["assignment"], 0.0) + s["duration_s"]
                log(f"  class, {grader}: {self.wall[grader]:.1f} s")

    def result(self) -> dict:
        counts = {a: sum(s["assignment"] == a for s in self.submissions) for a in self.assignments}
        totals = {g: self.wall.get(g, sum(self.seconds[g].values())) for g in GRADERS}
        rows = [{"key": g, "total_s": round(totals[g], 1), "seconds_per_submission": round(totals[g] / self.size, 2),
                 "submissions_per_minute": round(60 * self.size / totals[g], 1),
                 "speedup_vs_nbgrader": round(totals[NBGRADER] / totals[g], 2),
                 "per_assignment_s": {a: round(self.seconds[g].get(a, 0.0), 1) for a in self.assignments},
                 "problems": self.problems[g]} for g in GRADERS]
        ours = [g for g in GRADERS if g != NBGRADER]
        differ = sorted(s for s in self.scores["jobs=1"] if len({self.scores[g].get(s) for g in ours}) > 1)
        # 300 students hand in every assignment; each assignment's mean time per submission at --jobs 1, and the
        # parallel efficiency measured with 2 workers, carried to more of them
        per_student_s = sum(self.seconds["jobs=1"].get(a, 0.0) / counts[a] for a in self.assignments)
        efficiency = totals["jobs=1"] / (2 * totals["jobs=2"])
        projection = [{"workers": w, "hours": round(PROJECTED_STUDENTS * per_student_s / (w * (efficiency if w > 1 else 1))
                                                    / 3600, 1)} for w in PROJECTED_WORKERS]
        return {"size": self.size, "kinds": list(KINDS), "cell_timeout_s": CELL_TIMEOUT_S, "counts": counts,
                "submissions": self.submissions, "rows": rows, "scores_equal": not differ, "scores_differ": differ,
                "scores": self.scores, "dask_over_jobs2": round(totals[CLUSTER] / totals["jobs=2"], 3),
                "projection": {"students": PROJECTED_STUDENTS, "assignments": len(self.assignments),
                               "seconds_per_student_all_assignments": round(per_student_s, 1),
                               "efficiency_at_2": round(efficiency, 3), "rows": projection}}

    def close(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)
