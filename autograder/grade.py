"""Grade submissions: rebuild each from the assignment, execute it in isolation, score its tests.

Scores come from the grader's own view of each test cell (the kernel's reply, its error output, the
guard's verdict), never from what the notebook prints about itself.
"""
from __future__ import annotations

import copy
import hashlib
import hmac
import json
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

import nbformat

from . import datacache, tamper
from .assignment import Assignment, Test
from .environment import grading_secret, kernel_env, threads_per_kernel
from .execute import CellRun, GraderError, Limits, append_error, execute
from .progress import Progress
from .sandbox import layers_for, sandbox
from .results import Result, TestResult
from .submission import HandedIn, Submission, rebuild

PROFILE_LIMITS = {  # per-cell and whole-notebook seconds: GPU training cells need minutes in `full`
    "quick": Limits(cell_timeout=120, total_timeout=900),
    "full": Limits(cell_timeout=3600, total_timeout=4 * 3600),
}


@dataclass
class Options:
    profile: str = "quick"
    device: str = "auto"
    jobs: int = 1
    limits: Limits = field(default_factory=Limits)
    isolation: str = "standard"  # the sandbox level (autograder/sandbox.py)
    salt: int | None = None  # the checker's seed salt; None: drawn per submission (grading_salt)


def _hint(message: str) -> str:
    if message.startswith("NameError"):
        return message + " (is its exercise cell in the notebook, and does it run without an error?)"
    if message.startswith("NotImplementedError"):
        return "NotImplementedError: the exercise is not implemented yet"
    return message


def _verdict(test: Test, run: CellRun | None, failure: str | None) -> tuple[bool, str]:
    """Whether one test cell passed, and the message that says why not."""
    if failure is not None:
        return False, failure
    if run.tampered:
        return False, "tampering detected while this test ran: " + ", ".join(run.tampered) + " replaced"
    if test.checked:  # the checker's verdict alone: what the kernel printed about itself counts for nothing
        if run.decided is None:
            return False, _hint(run.message or "not run: the grader could not reach the kernel")
        status, message = run.decided
        return status == "passed", _hint(message)
    if run.status != "ok":
        return False, _hint(run.message or "not run")
    return True, ""


def _score_tests(nb, tests: dict, runs: list[CellRun] | None, failure: str | None) -> tuple[TestResult, ...]:
    scored = []
    for index, test in tests.items():
        passed, message = _verdict(test, runs[index] if runs else None, failure)
        # the autograded notebook shows every failure where it happened (nbgrader's feedback reads it)
        if not passed and not any(o.get("output_type") == "error" for o in nb.cells[index].get("outputs", [])):
            append_error(nb.cells[index], message)
        scored.append(TestResult(test.grade_id, test.points if passed else 0.0, test.points, passed, message[:2000]))
    return tuple(scored)


# after a test: its cell's index, whether it passed and why not -> the later cells not to run (the proof's)
SkipAfterTest = Callable[[int, bool, str], Iterable[int]]


def grade_one(sub: Submission, assignment: Assignment, options: Options,
              skip_after: SkipAfterTest | None = None) -> tuple[Result, nbformat.NotebookNode]:
    return grade_handed_in(HandedIn.read(sub), assignment, options, skip_after)


def grade_handed_in(handed: HandedIn, assignment: Assignment, options: Options,
                    skip_after: SkipAfterTest | None = None) -> tuple[Result, nbformat.NotebookNode]:
    began = time.monotonic()
    notes: list[str] = []
    failure = handed.problem
    runs, device, isolation = None, "not run", "not run"
    nb, tests = assignment.notebook, assignment.tests_by_cell
    if failure is None:
        rebuilt = rebuild(assignment, handed.cells)
        nb, tests, notes = rebuilt.notebook, rebuilt.tests, rebuilt.notes
        if skip_after is not None and len(nb.cells) != len(assignment.notebook.cells):
            raise ValueError("skip_after names cells by their place in the assignment's notebook: the submission "
                             "must add none")
        findings = [f"{label} line {line}: {what}"
                    for index, label in rebuilt.student_cells.items()
                    for line, what in tamper.scan(nb.cells[index].source)]
        if findings:
            failure = "tampering: " + "; ".join(findings) + " (the tests rely on these; no points awarded)"
    if failure is None:
        env = kernel_env(options.profile, options.device, threads_per_kernel(options.jobs))
        checks = {index: (test.grade_id, test.checked_code) for index, test in tests.items() if test.checked}
        for index, test in tests.items():
            nb.cells[index].source = test.in_kernel  # a test the grader decides keeps its hidden code here
        salt = options.salt if options.salt is not None else grading_salt(handed.cells)
        # on leaving the sandbox, no process the submission started is alive
        with sandbox(options.isolation, gpus=options.device != "cpu") as box:
            execution = execute(nb, set(tests), options.limits, env, box, checks, salt,
                                None if skip_after is None else
                                lambda i, run: skip_after(i, *_verdict(tests[i], run, None)))
        for index, test in tests.items():
            nb.cells[index].source = test.source  # the instructor's view keeps them (feedback hides them)
            runs, device, isolation = execution.runs, execution.device, box.name
    elif nb is assignment.notebook:
        nb = copy.deepcopy(nb)  # scoring writes the failure into the notebook: never into the shared source
    scored = _score_tests(nb, tests, runs, failure)
    result = Result(handed.student, assignment.name, handed.notebook,
                    round(time.monotonic() - began, 2), scored, tuple(notes + ([failure] if failure else [])), device,
                    isolation=isolation)
    return result, nb


def grading_salt(cells) -> int:
    """The seed salt of one submission's hidden tests: unknowable to the student (keyed by a secret of the
    grader's machine), the same each time the same notebook is graded (so --jobs, --cluster and a re-run
    agree)."""
    digest = hmac.new(grading_secret(), json.dumps(cells, sort_keys=True, default=str).encode(), hashlib.sha256)
    return int.from_bytes(digest.digest()[:4], "little") or 1


def require_device(device: str) -> None:
    """Refuse, before any kernel starts, a GPU this machine does not have (grading would silently use the CPU
    or fail in every notebook)."""
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise GraderError("--device cuda: torch sees no GPU on this machine (torch.cuda.is_available() is "
                              "False); grade with --device cpu, or --device auto to use a GPU only where there is one")


def warn_without_cache(options: Options) -> None:
    """The full profile's data reach a sandboxed kernel only through the grader's download cache."""
    cache = datacache.location()
    if options.profile == "full" and options.isolation != "none" and not datacache.shareable(cache):
        print(f"warning: no download cache at {cache}: sandboxed kernels cannot download, so the full profile's "
              "datasets and ImageNet weights fall back to the shipped sample and random weights; run "
              "`python -m autograder fetch-data` first", file=sys.stderr)


def not_graded(handed: HandedIn, assignment: Assignment, reason: str) -> tuple[Result, nbformat.NotebookNode]:
    """The result of a submission the grader could not finish (not the student's doing): every test 0 and
    the reason, marked so that ``--resume`` grades it again."""
    nb = copy.deepcopy(assignment.notebook)
    failure = f"not graded: {reason}"
    tests = assignment.tests_by_cell
    result = Result(handed.student, assignment.name, handed.notebook, 0.0, _score_tests(nb, tests, None, failure),
                    (failure,), graded=False)
    return result, nb


def per_submission(assignment: Assignment | list[Assignment], subs: list) -> list[Assignment]:
    """The assignment each submission answers: one for all of them, or one each."""
    return assignment if isinstance(assignment, list) else [assignment] * len(subs)


def grade_all(subs: list[Submission], assignment: Assignment | list[Assignment], options: Options,
              progress: bool = False):
    """Grade every submission, ``options.jobs`` at a time; ``[(result, graded notebook)]`` in their order.
    ``assignment``: the one every submission answers, or one per submission (a whole class's assignments share
    one pool, so no worker idles behind one assignment's slowest notebook)."""
    require_device(options.device)
    layers_for(options.isolation)  # refuse, before any kernel starts, a level this machine cannot build
    warn_without_cache(options)
    models = per_submission(assignment, subs)
    graded: list = [None] * len(subs)
    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool, \
            Progress(len(subs) if progress else 0, options.jobs) as bar:
        futures = {pool.submit(grade_one, sub, model, options): i for i, (sub, model) in enumerate(zip(subs, models))}
        for future in as_completed(futures):
            i = futures[future]
            graded[i] = future.result()
            bar.done(subs[i].student)
    return graded
