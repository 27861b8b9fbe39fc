"""``python -m benchmarks``: measure the course's speed and write docs/benchmarks.md and docs/benchmarks.json."""
from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path

from autograder.course import REPO_ROOT, Course

from . import classroom, gpu, grading, kernels, machine, notebooks, reference, report, targets, testsuite

MIN_ROUNDS = 1  # rounds always run (without --repeats); more only within --budget-min
RESERVE_S = 60  # kept for the reference operators, the GPU check and the report


def default_jobs(cores: int) -> list[int]:
    """1 and 2, then doubling up to the number of cores (4, 8, ... on bigger machines)."""
    levels = [1, 2]
    while levels[-1] * 2 <= cores:
        levels.append(levels[-1] * 2)
    return levels


def graded_example_assignment(course: Course) -> str | None:
    for assignment in course.assignments():
        if any(grading.EXAMPLES.glob(f"*/{assignment}")):
            return assignment
    return None


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    p.add_argument("--quick", action="store_true",
                   help="smallest settings (1 repeat, 1 submission, no Dask row, small shapes): a smoke run, not a measurement")
    p.add_argument("--out", default=str(REPO_ROOT / "docs"), help="folder for benchmarks.md/.json (default: docs/)")
    p.add_argument("--repeats", type=int, help="runs of each measurement; the median is reported (default 3, quick 1)")
    p.add_argument("--jobs", type=lambda s: [int(j) for j in s.split(",")],
                   help="--jobs levels of our grader, comma-separated (default: 1,2 and doubling up to the cores)")
    p.add_argument("--assignments", nargs="+", help="source notebooks to execute (default: all)")
    p.add_argument("--budget-min", type=float, default=10,
                   help="without --repeats: after the first round, start another only if the benchmark stays under this "
                        "many minutes (default 10)")
    p.add_argument("--with-tests", action="store_true", help="also time the whole test command (minutes)")
    p.add_argument("--test-seconds", type=float, help="the test command's time, measured elsewhere, for the targets")
    p.add_argument("--class", dest="class_size", type=int, default=0, metavar="N",
                   help="also grade a generated class of N submissions across every assignment with every grader "
                        "(section 6: about a minute per submission on 2 cores)")
    p.add_argument("--class-only", action="store_true",
                   help="with --class: measure section 6 only, keeping sections 1-5 of the existing benchmarks.json")
    return p


def measure_class(size: int, log) -> dict:
    """Section 6: the generated class, graded once by every grader (see benchmarks/classroom.py)."""
    log(f"6. a generated class of {size} submissions across every assignment")
    began, load = time.perf_counter(), machine.load()
    bench = classroom.ClassBench(size)
    try:
        bench.run(log=log)
        result = bench.result()
    finally:
        bench.close()
    return result | {"load": {"start": load, "end": machine.load()}, "duration_s": round(time.perf_counter() - began, 1),
                     "date": machine.describe()["date"]}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parser().parse_args(argv)
    began = time.perf_counter()
    course = Course(REPO_ROOT)
    repeats = args.repeats or (1 if args.quick else 3)
    budget_s = None if args.repeats or args.quick else 60 * args.budget_min
    cores = os.cpu_count() or 1
    jobs = args.jobs or default_jobs(cores)
    assignments = args.assignments or course.assignments()

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    if args.class_only:
        if not args.class_size:
            raise SystemExit("--class-only needs --class N")
        previous = Path(args.out) / "benchmarks.json"
        if not previous.exists():
            raise SystemExit(f"--class-only keeps sections 1-5 of {previous}, which does not exist: run without it")
        result = json.loads(previous.read_text())
        result["class"] = measure_class(args.class_size, log)
        # sections 1-5 took what they took; section 6 says its own time
        write(result, began, args.out, log, keep_duration=True)
        return 0

    result = {"schema": 1, "command": "python -m benchmarks" + (" " + shlex.join(argv) if argv else ""),
              "machine": machine.describe(), "load": {"start": machine.load(), "samples": {}}}
    load = result["load"]
    log(f"benchmark on {result['machine']['cpu']} ({cores} cores), load {load['start']}; {repeats} round(s)")

    example = graded_example_assignment(course)
    nb_runs = notebooks.NotebookRuns(course, assignments)
    log(f"setting up the grading comparison on the example class of {example} (ours --jobs {jobs} vs nbgrader)")
    # --quick leaves out the Dask cluster's row: tests/test_cluster.py grades on one, and a smoke run needs no second
    class_grading = grading.ClassGrading(example, jobs, limit=1 if args.quick else None, cluster=not args.quick) \
        if example else None
    rounds, skipped = [], None
    try:
        for r in range(repeats):
            projected = time.perf_counter() - began + (rounds[-1] if rounds else 0) + RESERVE_S
            if r >= MIN_ROUNDS and budget_s is not None and projected > budget_s:
                left = f"round {r + 1} was" if r + 1 == repeats else f"rounds {r + 1}-{repeats} were"
                skipped = (f"{left} skipped: one more would have taken the benchmark past its {budget_s / 60:g}-minute "
                           "budget (`--budget-min`; an explicit `--repeats` runs them all)")
                log("  " + skipped)
                break
            round_began = time.perf_counter()
            log(f"round {r + 1}/{repeats}: 1./3. source notebooks, plain and graded")
            nb_runs.round(r, log=log)
            load["samples"][f"round {r + 1}, notebooks"] = machine.load()
            if class_grading:
                log(f"round {r + 1}/{repeats}: 2. grading the example class")
                class_grading.round(r, log=log)
                load["samples"][f"round {r + 1}, grading"] = machine.load()
            rounds.append(time.perf_counter() - round_began)
        result["grading"] = (class_grading.result() if class_grading else
                             {"rows": [], "notes": ["no bundled example submissions"], "submissions": []})
    finally:
        if class_grading:
            class_grading.close()
    result["notebooks"] = nb_runs.rows()
    result["settings"] = {"quick": args.quick, "repeats": repeats, "rounds": len(rounds),
                          "rounds_s": [round(t, 1) for t in rounds], "skipped": skipped,
                          "budget_min": budget_s and budget_s / 60, "jobs": jobs, "assignments": assignments}

    log("4. reference operators vs PyTorch")
    result["reference"] = reference.measure(course, runs=5 * repeats, quick=args.quick, log=log)
    log("7. a kernel's start-up and imports")
    result["kernels"] = kernels.measure(levels=("standard",), runs=1, imports=kernels.IMPORTS[:1], log=log) \
        if args.quick else kernels.measure(runs=2, log=log)
    log("5. GPU")
    result["gpu"] = gpu.measure(course, assignments, log=log)
    result["settings"]["sections_s"] = round(time.perf_counter() - began, 1)  # before --class and --with-tests

    if args.class_size:
        result["class"] = measure_class(args.class_size, log)
    if args.test_seconds is not None:
        result["tests"] = testsuite.given(args.test_seconds)
    elif args.with_tests:
        result["tests"] = {"seconds": None, "source": None, "note": "being measured: the benchmark stopped first"}
    else:
        result["tests"] = testsuite.not_measured()
    load["end"] = machine.load()
    # busy: others were running when it started, or the load passed what the benchmark itself makes (its
    # kernels keep at most every core busy) while it ran
    during = [v[0] for v in load["samples"].values() if v]
    load["high"] = bool(load["start"] and (load["start"][0] > cores / 2 or max(during, default=0) > cores + 1))
    write(result, began, args.out, log)
    if args.with_tests:  # the report is already written: minutes of tests cannot lose it
        log("whole test command (minutes)")
        result["tests"] = testsuite.measure()
        write(result, began, args.out, log)
    return 0


def write(result: dict, began: float, out: str, log, keep_duration: bool = False) -> None:
    """The report, its targets evaluated; ``keep_duration``: the run's time is the earlier one (--class-only)."""
    result["targets"] = targets.evaluate(result)
    if not keep_duration:
        result["duration_s"] = round(time.perf_counter() - began, 1)
    md, js = report.write(result, Path(out))
    log(f"wrote {md} and {js} after {(time.perf_counter() - began) / 60:.1f} min")
    for t in result["targets"]:
        value = "" if t["measured"] is None else f": {t['measured']:g}{t['unit']}"
        log(f"  {t['status']:>12}  {t['target']}{value}")
