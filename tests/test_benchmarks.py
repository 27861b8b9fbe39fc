"""The benchmark command runs end to end on its smallest settings and writes a report of the right shape.

No timing is asserted here (a loaded CI machine must not fail the suite): only that every section is
present and filled, and that the targets table names each target with a known status. One test, one run
of the benchmark (pytest-xdist would run a module fixture once per worker).
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ASSIGNMENTS, COURSE, ROOT, read

SECTIONS = ["## Machine", "## Targets", "## 1. Notebooks", "## 2. Grading a class", "## 3. Grader overhead",
            "## 4. Reference operators vs PyTorch", "## 5. GPU", "## 6. A generated class",
            "## 7. A kernel's start-up"]
STATUSES = {"met", "missed", "not measured", "see GPU section"}


def check_header(data, md):
    for key in ("cpu", "cores", "memory_gib", "torch", "date"):
        assert data["machine"][key], key
    assert data["command"].startswith("python -m benchmarks --quick")
    assert data["settings"]["quick"] and data["settings"]["repeats"] == data["settings"]["rounds"] == 1
    assert data["load"]["start"] is None or len(data["load"]["start"]) == 3
    assert all(section in md for section in SECTIONS), [s for s in SECTIONS if s not in md]


def check_notebooks(data):
    [row] = data["notebooks"]
    assert row["assignment"] == ASSIGNMENTS[0] and row["profile"] == "quick"
    assert len(row["plain_runs_s"]) == len(row["graded_runs_s"]) == 1
    assert row["plain_median_s"] > 0 and row["graded_median_s"] > 0 and row["overhead"] > 0
    assert row["score"] == row["max_score"] > 0, row["notes"]


def check_grading(grading):
    assert len(grading["submissions"]) == 1  # --quick: one submission per grader
    assert "fay_broken_file" in grading["excluded"]  # plain nbgrader cannot read it: said, not hidden
    keys = [r["key"] for r in grading["rows"]]
    assert keys[0] == "nbgrader" and {"jobs=1", "jobs=2", "unboxed=1"} <= set(keys)
    assert grading["isolation"] and all(level.startswith("standard") for level in grading["isolation"])
    for row in grading["rows"]:
        assert row["median_s"] > 0 and row["submissions_per_minute"] > 0 and row["speedup_vs_nbgrader"] > 0
        assert row["problem"] is None, row
    for key in keys:  # every grader graded every chosen submission
        assert set(grading["scores"][key]) >= set(grading["submissions"]), key
    assert grading["scores"]["jobs=1"] == grading["scores"]["jobs=2"] == grading["scores"]["unboxed=1"]


def check_reference_and_gpu(data):
    rows = data["reference"]
    assert {r["function"] for r in rows} == {"conv2d_im2col", "conv2d", "pool2d"}
    assert {r["shape"] for r in rows} == {"small"}  # --quick: small shapes only
    for row in rows:  # measured, or skipped with a reason (an assignment still being written)
        assert (row["ratio"] is not None and row["ratio"] > 0) or row["note"], row
    [kernel] = data["kernels"]["rows"]  # --quick: the default sandbox level, one kernel
    assert kernel["level"] == "standard" and set(kernel["seconds"]) == {"ready", *data["kernels"]["imports"]}
    assert all(s > 0 for s in kernel["seconds"].values()) and kernel["total"] >= kernel["seconds"]["torch"]
    if not data["machine"]["gpu"]:
        assert data["gpu"] == {"available": False, "note": "no GPU on this machine", "runs": []}


def check_targets(data):
    targets = data["targets"]
    assert all(t["status"] in STATUSES for t in targets), targets
    names = " ".join(t["target"] for t in targets)
    for what in ("test command", "the benchmark itself", "quick profile", "--jobs 2", "overhead", "--isolation none", "conv2d_im2col", "pool2d", "pets",
                 "ResNet-20"):
        assert what in names, what
    assert all((t["status"] == "missed") == bool(t["by"]) for t in targets)
    assert data["tests"]["seconds"] is None and "--with-tests" in data["tests"]["note"]


@pytest.mark.slow
def test_quick_benchmark_writes_a_report_of_the_right_shape(tmp_path):
    cmd = [sys.executable, "-m", "benchmarks", "--quick", "--assignments", ASSIGNMENTS[0], "--out", str(tmp_path)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    data, md = json.loads((tmp_path / "benchmarks.json").read_text()), (tmp_path / "benchmarks.md").read_text()
    check_header(data, md)
    check_notebooks(data)
    check_grading(data["grading"])
    check_reference_and_gpu(data)
    check_targets(data)


def exercise_cells(nb) -> list[str]:
    return [c.source for c in nb.cells if c.cell_type == "code" and c.source.startswith("# EXERCISE")]


def test_the_generated_class_holds_every_kind_for_each_assignment(tmp_path):
    from benchmarks import classroom

    two = ASSIGNMENTS[:2]
    made = classroom.generate(COURSE, tmp_path, 14, two)
    assert [(m["assignment"], m["kind"]) for m in made[::2]] == [(two[0], k) for k in classroom.KINDS + ("complete",)]
    by_kind = {m["kind"]: read(tmp_path / "submitted" / m["student"] / two[0] / f"{two[0]}.ipynb")
               for m in made if m["assignment"] == two[0]}
    release = read(COURSE.release_path(two[0]))
    stub = "raise NotImplementedError"
    solutions = list(COURSE.assignment(two[0]).solutions().values())
    assert exercise_cells(by_kind["untouched"]) == exercise_cells(release)
    assert all(s.strip() in cell for s, cell in zip(solutions, exercise_cells(by_kind["complete"])))
    assert not any(stub in cell for cell in exercise_cells(by_kind["complete"]))
    partial = [stub in cell for cell in exercise_cells(by_kind["partial"])]
    assert partial == [False] * ((len(solutions) + 1) // 2) + [True] * (len(solutions) // 2)
    mistaken = [s.strip() in cell for s, cell in zip(solutions, exercise_cells(by_kind["mistakes"]))]
    assert mistaken == [i % 2 == 0 for i in range(len(solutions))]  # every other exercise holds a mutant
    assert "import a_module_the_student_never_installed" in exercise_cells(by_kind["broken"])[0]
    assert "while True" in exercise_cells(by_kind["looping"])[-1]


def test_the_class_section_projects_a_course_of_300():
    from benchmarks import report

    rows = [{"key": k, "total_s": t, "seconds_per_submission": t / 14, "submissions_per_minute": 60 * 14 / t,
             "speedup_vs_nbgrader": 700 / t, "per_assignment_s": {"a": t / 2, "b": t / 2}, "problems": []}
            for k, t in [("nbgrader", 700), ("jobs=1", 600), ("jobs=2", 400), ("dask=2", 410)]]
    section = {"size": 14, "kinds": ["complete"], "cell_timeout_s": 20, "counts": {"a": 7, "b": 7}, "rows": rows,
               "scores_equal": True, "scores_differ": [], "dask_over_jobs2": 1.025, "date": "today", "duration_s": 2110,
               "load": {"start": [0.1, 0.1, 0.1]},
               "projection": {"students": 300, "assignments": 2, "seconds_per_student_all_assignments": 85.7,
                              "efficiency_at_2": 0.75, "rows": [{"workers": 1, "hours": 7.1}, {"workers": 4, "hours": 2.4}]}}
    text = "\n".join(report.class_section(section))
    assert "| ours `--jobs 2` | 400 s | 28.6 s | 2.1 | 1.75× | 200 s | 200 s |" in text
    assert "the same score for every student" in text and "| 4 | 2.4 |" in text


def test_the_suite_starts_the_longest_work_first_and_keeps_a_group_together():
    import pytest

    from conftest import longest_first

    class Item:
        def __init__(self, nodeid, group=None):
            self.nodeid, self.marks = nodeid, [pytest.mark.xdist_group(group).mark] if group else []

        def iter_markers(self, name):
            return iter([m for m in self.marks if m.name == name])

    items = [Item("a::short"), Item("b::lab1@browser", "browser"), Item("a::long"), Item("c::new"),
             Item("b::lab2@browser", "browser")]
    longest_first(items, {"a::short": 1.0, "a::long": 90.0, "b::lab1": 60.0, "b::lab2": 50.0})
    # never measured: maybe long, so first; the browser group (110 s together) before the 90 s test
    assert [i.nodeid for i in items] == ["c::new", "b::lab1@browser", "b::lab2@browser", "a::long", "a::short"]


@pytest.mark.slow
def test_pytest_xdist_runs_a_group_on_one_worker(tmp_path):
    """The suite's module fixtures (a graded class, a JupyterLab) are built once only if `--dist loadgroup`
    keeps an xdist_group on one worker; pytest 9.2 broke that for pytest-xdist 3.8 (the group never reached
    the test's id), so each worker built them again: the pins must keep it working."""
    (tmp_path / "test_grouped.py").write_text(
        "import os, pytest\n"
        + "".join(f"@pytest.mark.xdist_group('g')\ndef test_{n}():\n    print('WORKER', os.environ['PYTEST_XDIST_WORKER'])\n"
                  for n in "abcd") + "def test_alone():\n    pass\n")
    done = subprocess.run([sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-p", "no:cacheprovider",
                           "-rP", "-q", str(tmp_path / "test_grouped.py")], capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    workers = [line.split()[1] for line in done.stdout.splitlines() if line.startswith("WORKER")]
    assert len(workers) == 4 and len(set(workers)) == 1, done.stdout
