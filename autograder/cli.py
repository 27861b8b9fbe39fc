"""``python -m autograder COMMAND``: release, grade, feedback, export, sync-metadata, demo."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import nbformat

from .course import Course, CourseError, generate_release
from .execute import GraderError, Limits
from .grade import PROFILE_LIMITS, Options, find_submissions, grade_all, gradescope_results
from .markers import sync_metadata

EXAMPLES = "examples/submitted"


def _resolve_profile(name: str) -> str:
    if name != "auto":
        return name
    from cnn_course.runtime import profile

    return profile("auto")


def grade_table(results: list[dict]) -> str:
    width = max([7] + [len(r["student"]) for r in results])
    lines = [f"{'student':<{width}}  {'score':>11}  {'seconds':>7}  notes"]
    for r in results:
        note = "; ".join(r["notes"])
        lines.append(f"{r['student']:<{width}}  {r['score']:>5g} / {r['max_score']:<3g}  {r['duration_s']:>7.1f}  "
                     f"{note[:90] + ('…' if len(note) > 90 else '')}")
    return "\n".join(lines)


def cmd_grade(args) -> int:
    from .gradebook import record

    course = Course(Path(args.course_dir).resolve())
    profile = _resolve_profile(args.profile)
    base = PROFILE_LIMITS[profile]
    limits = Limits(cell_timeout=args.cell_timeout or base.cell_timeout,
                    total_timeout=args.timeout or base.total_timeout,
                    memory_mb=args.memory_mb or base.memory_mb)
    options = Options(profile=profile, device=args.device, jobs=args.jobs, limits=limits)
    notebook_name = course.source_path(args.assignment).name
    subs = find_submissions(Path(args.target), args.assignment, notebook_name)
    if not subs:
        print(f"no submissions for {args.assignment} in {args.target}", file=sys.stderr)
        return 0
    graded = grade_all(subs, args.assignment, course, options)
    results = [r for r, _ in graded]
    if not args.no_gradebook:
        record(course, args.assignment, graded)
    print(grade_table(results))
    if args.json:
        report = {"assignment": args.assignment, "profile": profile, "device": args.device,
                  "jobs": args.jobs, "submissions": results}
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    if args.gradescope:
        out = Path(args.gradescope)
        if len(results) == 1 and out.suffix == ".json":
            out.write_text(json.dumps(gradescope_results(results[0]), indent=2) + "\n")
        else:
            out.mkdir(parents=True, exist_ok=True)
            for r in results:
                (out / f"{r['student']}.json").write_text(json.dumps(gradescope_results(r), indent=2) + "\n")
    return 0


def cmd_release(args) -> int:
    course = Course(Path(args.course_dir).resolve())
    for assignment in args.assignments or course.assignments():
        print(f"released {generate_release(course, assignment).relative_to(course.root)}")
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
    course = Course(Path(args.course_dir).resolve())
    course.nbgrader("generate_feedback", args.assignment, "--force")
    print(f"feedback in {course.root / 'feedback'}")
    return 0


def cmd_export(args) -> int:
    course = Course(Path(args.course_dir).resolve())
    course.nbgrader("export", f"--CsvExportPlugin.filename={Path(args.to).resolve()}")
    print(f"grades exported to {args.to}")
    return 0


def cmd_demo(args) -> int:
    """The main job: release every assignment, grade the bundled submissions, feedback, export."""
    course = Course(Path(args.course_dir).resolve())
    cmd_release(argparse.Namespace(course_dir=args.course_dir, assignments=[]))
    examples = course.root / EXAMPLES
    for assignment in course.assignments():
        if not any(examples.glob(f"*/{assignment}")):
            continue
        print(f"\n== grading the example submissions of {assignment} ({args.jobs} at a time)")
        cmd_grade(argparse.Namespace(
            target=str(examples), assignment=assignment, jobs=args.jobs, device="auto", profile="auto",
            json=str(course.root / f"grades-{assignment}.json"), gradescope=None, course_dir=args.course_dir,
            # the example class holds an infinite loop; its notebooks need seconds per cell
            cell_timeout=30, timeout=None, memory_mb=None, no_gradebook=False))
        cmd_feedback(argparse.Namespace(course_dir=args.course_dir, assignment=assignment))
    return cmd_export(argparse.Namespace(course_dir=args.course_dir, to=str(course.root / "grades.csv")))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    p.add_argument("--course-dir", default=".", help="the nbgrader course directory (default: .)")
    sub = p.add_subparsers(dest="command", required=True)

    g = sub.add_parser("grade", help="autograde a notebook or a folder of submissions")
    g.add_argument("target", help="a notebook, or a folder in nbgrader's <student>/<assignment>/ layout")
    g.add_argument("--assignment", required=True)
    g.add_argument("--jobs", type=int, default=1, help="submissions graded in parallel")
    g.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    g.add_argument("--profile", choices=["auto", "quick", "full"], default="auto")
    g.add_argument("--json", help="write the results as JSON here")
    g.add_argument("--gradescope", help="write Gradescope results.json (a folder when there are several)")
    g.add_argument("--cell-timeout", type=float, help="seconds per cell (default: by profile)")
    g.add_argument("--timeout", type=float, help="seconds per notebook (default: by profile)")
    g.add_argument("--memory-mb", type=int, help="memory limit of one kernel")
    g.add_argument("--no-gradebook", action="store_true", help="do not write gradebook.db and autograded/")
    g.set_defaults(run=cmd_grade)

    r = sub.add_parser("release", help="generate release/ from source/ with nbgrader")
    r.add_argument("assignments", nargs="*", help="default: all")
    r.set_defaults(run=cmd_release)

    s = sub.add_parser("sync-metadata", help="set nbgrader metadata from the cell markers, clear outputs")
    s.add_argument("notebooks", nargs="+")
    s.set_defaults(run=cmd_sync)

    f = sub.add_parser("feedback", help="nbgrader generate_feedback (hidden tests removed)")
    f.add_argument("assignment")
    f.set_defaults(run=cmd_feedback)

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
