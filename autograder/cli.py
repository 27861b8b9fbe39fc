"""``python -m autograder COMMAND``: release, grade, prove, feedback, export, sync-metadata, demo, fetch-data,
companions."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import nbformat

from . import results as results_format
from .course import Course, CourseError, generate_release
from .execute import GraderError, Limits
from .grade import PROFILE_LIMITS, Options, grade_all
from .markers import sync_metadata
from .results import Result
from .sandbox import LEVELS
from .submission import find_submissions

EXAMPLES = "examples/submitted"


def _resolve_profile(name: str) -> str:
    if name != "auto":
        return name
    from cnn_course.runtime import profile

    return profile("auto")


def grade_table(results: list[Result], several: bool = False) -> str:
    """One line per submission; ``several``: the batch holds several assignments, each line says which."""
    names = [r.student + (f" {r.assignment}" if several else "") for r in results]
    width = max([7] + [len(who) for who in names])
    lines = [f"{'student':<{width}}  {'score':>11}  {'seconds':>7}  notes"]
    for r, who in zip(results, names):
        note = "; ".join(r.notes)
        lines.append(f"{who:<{width}}  {r.score:>5g} / {r.max_score:<3g}  {r.duration_s:>7.1f}  "
                     f"{note[:90] + ('…' if len(note) > 90 else '')}")
    return "\n".join(lines)


def _write_json(path: Path, data: dict) -> None:
    Path(path).write_text(json.dumps(data, indent=2) + "\n")


def _already_graded(json_out: Path | None) -> dict[tuple[str, str], Result]:
    """For --resume: the results of an earlier run's JSON report that were graded to the end."""
    if not json_out or not Path(json_out).exists():
        return {}
    earlier = [Result.from_json(s) for s in json.loads(Path(json_out).read_text())["submissions"]]
    return {(r.student, r.assignment): r for r in earlier if r.graded}


def grade(course: Course, target: Path, assignment: str | list[str], options: Options, json_out: Path | None = None,
          gradescope: Path | None = None, gradebook: bool = True, cluster: str | None = None,
          resume: bool = False) -> list[Result]:
    """Grade a notebook or a folder of submissions (on this machine, or on a Dask cluster); record, print
    and write the results. Several assignments share one pool of workers. With ``resume``, what the JSON
    report already holds is not graded again."""
    from .gradebook import record

    names = [assignment] if isinstance(assignment, str) else list(assignment)
    if len(names) > 1 and Path(target).is_file():
        raise CourseError(f"{target} is one notebook: grade it with one --assignment")
    found = [(sub, name) for name in names
             for sub in find_submissions(Path(target), name, course.source_path(name).name)]
    if not found:
        print(f"no submissions for {', '.join(names)} in {target}", file=sys.stderr)
        return []
    earlier = _already_graded(json_out) if resume else {}
    todo = [(s, name) for s, name in found if (s.student, name) not in earlier]
    if earlier:
        print(f"--resume: {len(earlier)} already graded in {json_out}, {len(todo)} to grade")
    models = {name: course.assignment(name) for name in names}
    subs, per_sub = [s for s, _ in todo], [models[name] for _, name in todo]
    if cluster:
        from .cluster import grade_on_cluster

        graded = grade_on_cluster(subs, per_sub, options, cluster)
    else:
        graded = grade_all(subs, per_sub, options, progress=True)
    new = {(r.student, r.assignment): (r, nb) for r, nb in graded}
    if gradebook:
        for name in names:
            record(course, name, [pair for key, pair in new.items() if key[1] == name])
    results = [earlier.get((s.student, name)) or new[(s.student, name)][0] for s, name in found]
    print(grade_table(results, several=len(names) > 1))
    if json_out:
        _write_json(json_out, results_format.report(results, names, options.profile, options.device, options.jobs))
    if gradescope:
        out = Path(gradescope)
        if len(results) == 1 and out.suffix == ".json":
            _write_json(out, results[0].to_gradescope())
        else:
            out.mkdir(parents=True, exist_ok=True)
            for r in results:
                _write_json(out / (f"{r.student}-{r.assignment}.json" if len(names) > 1 else f"{r.student}.json"),
                            r.to_gradescope())
    return results


def release(course: Course, assignments: list[str]) -> None:
    for assignment in assignments or course.assignments():
        print(f"released {generate_release(course, assignment).relative_to(course.root)}")


def feedback(course: Course, assignment: str) -> None:
    course.nbgrader("generate_feedback", assignment, "--force")
    print(f"feedback in {course.root / 'feedback'}")


def export(course: Course, to: Path) -> None:
    course.nbgrader("export", f"--CsvExportPlugin.filename={Path(to).resolve()}")
    print(f"grades exported to {to}")


def _options(args) -> Options:
    profile = _resolve_profile(args.profile)
    base = PROFILE_LIMITS[profile]
    limits = Limits(cell_timeout=args.cell_timeout or base.cell_timeout,
                    total_timeout=args.timeout or base.total_timeout,
                    memory_mb=args.memory_mb or base.memory_mb)
    return Options(profile=profile, device=args.device, jobs=args.jobs, limits=limits, isolation=args.isolation)


def cmd_grade(args) -> int:
    if args.resume and not args.json:
        raise CourseError("--resume needs --json: the report of the earlier run says what is already graded")
    course = Course(Path(args.course_dir).resolve())
    assignments = course.assignments() if args.assignment == ["all"] else args.assignment
    grade(course, Path(args.target), assignments, _options(args),
          args.json, args.gradescope, gradebook=not args.no_gradebook, cluster=args.cluster, resume=args.resume)
    return 0


def cmd_prove(args) -> int:
    from .proof import prove

    course = Course(Path(args.course_dir).resolve())
    verdicts = prove(course, args.assignment, set(args.exercise) if args.exercise else None, args.jobs)
    bad = [v for v in verdicts if not v.holds]
    mutants = sum(v.kind == "mutant" for v in verdicts)
    alternatives = sum(v.kind == "alternative" for v in verdicts)
    print(f"{args.assignment}: {mutants} mutants, {alternatives} alternatives, "
          + ("all hold" if not bad else f"{len(bad)} do not hold"))
    return 1 if bad else 0


def cmd_release(args) -> int:
    course = Course(Path(args.course_dir).resolve())
    if args.home:
        from .release import HomeError, set_home

        try:
            print(f"course home: {set_home(course.root, args.home).where} (recorded in nbgrader_config.py)")
        except HomeError as err:
            raise CourseError(str(err)) from None
    if args.pin:
        from .release import PinError, pin_commit

        try:
            sha = pin_commit(course.root, args.pin)
        except PinError as err:
            raise CourseError(str(err)) from None
        print(f"setup cells pinned to commit {sha} (push it)" if sha else "setup cells follow the branch (pin removed)")
    release(course, args.assignments)
    from .release import GRADING_NOTEBOOK, configured_home, sync_grading_notebook

    if sync_grading_notebook(course.root, configured_home(course.root)):
        print(f"updated {GRADING_NOTEBOOK} (the course's home)")
    return 0


def cmd_sync(args) -> int:
    status = 0
    for path in args.notebooks:
        nb = nbformat.read(path, as_version=4)
        problems = sync_metadata(nb)
        nbformat.write(nb, path)
        for problem in problems:
            print(f"{path}: {problem}", file=sys.stderr)
            status = 1
    return status


def cmd_feedback(args) -> int:
    feedback(Course(Path(args.course_dir).resolve()), args.assignment)
    return 0


def cmd_companions(args) -> int:
    from . import companions

    stale = 0
    for path in companions.companions():
        if args.check:
            found = companions.differences(nbformat.read(path, as_version=4), companions.execute(path))
            stale += bool(found)
            print(f"{path.name}: " + ("current" if not found else "STALE\n  " + "\n  ".join(found)))
        else:
            companions.store(path)
            print(f"{path.name}: executed and stored with its outputs")
    if stale:
        print(f"error: {stale} companion notebook(s) stale: run `python -m autograder companions`", file=sys.stderr)
    return 1 if stale else 0


def cmd_fetch_data(args) -> int:
    from . import datacache

    cache = Path(args.to).resolve() if args.to else datacache.location()
    print(f"fetching what the full profile downloads into {cache} (what is there already is only checked)")
    failed = datacache.fetch(cache)
    print(f"{cache}: {datacache.size(cache) / 2**30:.2f} GiB, readable by every sandboxed kernel (read-only)")
    if failed:
        print(f"error: {len(failed)} could not be fetched ({', '.join(failed)}); without them the full profile's "
              "kernels fall back to the shipped sample and random weights: run this again where the network "
              "reaches PyPI's and torchvision's hosts", file=sys.stderr)
        return 1
    return 0


def cmd_export(args) -> int:
    export(Course(Path(args.course_dir).resolve()), Path(args.to))
    return 0


def cmd_demo(args) -> int:
    """The main job: release every assignment, grade the bundled submissions, feedback, export."""
    course = Course(Path(args.course_dir).resolve())
    release(course, [])
    examples = course.root / EXAMPLES
    # the example class holds an infinite loop; its notebooks need seconds per cell
    profile = _resolve_profile("auto")
    options = Options(profile=profile, device="auto", jobs=args.jobs,
                      limits=Limits(cell_timeout=30, total_timeout=PROFILE_LIMITS[profile].total_timeout))
    for assignment in course.assignments():
        if not any(examples.glob(f"*/{assignment}")):
            continue
        print(f"\n== grading the example submissions of {assignment} ({args.jobs} at a time)")
        grade(course, examples, assignment, options, json_out=course.root / f"grades-{assignment}.json")
        feedback(course, assignment)
    export(course, course.root / "grades.csv")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    p.add_argument("--course-dir", default=".", help="the nbgrader course directory (default: .)")
    sub = p.add_subparsers(dest="command", required=True)

    g = sub.add_parser("grade", help="autograde a notebook or a folder of submissions")
    g.add_argument("target", help="a notebook, or a folder in nbgrader's <student>/<assignment>/ layout")
    g.add_argument("--assignment", required=True, action="append",
                   help="repeatable; `all`: every assignment of the course (one pool of workers for all of them)")
    g.add_argument("--jobs", type=int, default=1, help="submissions graded in parallel (workers of --cluster local)")
    g.add_argument("--cluster", metavar="ADDRESS", help="grade on a Dask scheduler (tcp://host:8786), or `local` "
                                                       "for a LocalCluster of --jobs workers")
    g.add_argument("--isolation", choices=LEVELS, default="standard",
                   help="the kernel's sandbox (README: threat model); refused when this machine cannot build it; "
                        "basic: the uid alone where nothing more is allowed (Colab)")
    g.add_argument("--resume", action="store_true", help="grade only what the --json report lacks or could not finish")
    g.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    g.add_argument("--profile", choices=["auto", "quick", "full"], default="auto")
    g.add_argument("--json", help="write the results as JSON here")
    g.add_argument("--gradescope", help="write Gradescope results.json (a folder when there are several)")
    g.add_argument("--cell-timeout", type=float, help="seconds per cell (default: by profile)")
    g.add_argument("--timeout", type=float, help="seconds per notebook (default: by profile)")
    g.add_argument("--memory-mb", type=int, help="memory limit of one kernel")
    g.add_argument("--no-gradebook", action="store_true", help="do not write gradebook.db and autograded/")
    g.set_defaults(run=cmd_grade)

    pr = sub.add_parser("prove", help="grade every mutant and alternative of an assignment (tests/mutants/)")
    pr.add_argument("assignment")
    pr.add_argument("--exercise", action="append", help="only this exercise's (repeatable)")
    pr.add_argument("--jobs", type=int, default=1, help="rounds graded in parallel")
    pr.set_defaults(run=cmd_prove)

    r = sub.add_parser("release", help="generate release/ from source/ with nbgrader")
    r.add_argument("assignments", nargs="*", help="default: all")
    r.add_argument("--home", metavar="OWNER/NAME[@BRANCH]", help="the course's home (or NAME==VERSION on PyPI): "
                   "badges and setup cells point there; remembered in nbgrader_config.py")
    r.add_argument("--pin", nargs="?", const="HEAD", metavar="COMMIT",
                   help="setup cells install the helpers of this commit of the course's checkout (default HEAD; "
                        "`none` removes the pin); remembered in nbgrader_config.py")
    r.set_defaults(run=cmd_release)

    s = sub.add_parser("sync-metadata", help="set nbgrader metadata from the cell markers, clear outputs")
    s.add_argument("notebooks", nargs="+")
    s.set_defaults(run=cmd_sync)

    f = sub.add_parser("feedback", help="nbgrader generate_feedback (hidden tests removed)")
    f.add_argument("assignment")
    f.set_defaults(run=cmd_feedback)

    cp = sub.add_parser("companions", help="run notebooks/*_demos.ipynb (quick profile, CPU) and store their outputs")
    cp.add_argument("--check", action="store_true", help="compare with the stored outputs instead; exit 1 when stale")
    cp.set_defaults(run=cmd_companions)

    fd = sub.add_parser("fetch-data", help="download what the full profile needs into the grader's cache, "
                        "which every sandboxed kernel reads (they have no network)")
    fd.add_argument("--to", help="the cache folder (default: $CNN_COURSE_DATA, else ~/.cache/cnn_course); "
                    "grade with the same CNN_COURSE_DATA")
    fd.set_defaults(run=cmd_fetch_data)

    e = sub.add_parser("export", help="nbgrader export to CSV")
    e.add_argument("--to", default="grades.csv")
    e.set_defaults(run=cmd_export)

    d = sub.add_parser("demo", help="release everything, grade the bundled examples, feedback, export")
    d.add_argument("--jobs", type=int, default=2)
    d.set_defaults(run=cmd_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except (CourseError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except GraderError as err:
        print(f"grader error: {err}", file=sys.stderr)
        return 1
