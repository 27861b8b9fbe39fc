"""Grading on a Dask cluster (a real LocalCluster of 2 worker processes): the same results as one machine,
a worker lost mid-task retried elsewhere, the gradebook left to the driver, and --resume."""
from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest

from autograder.execute import Limits
from autograder.grade import Options
from conftest import COURSE, grade_notebooks, read

pytestmark = pytest.mark.slow  # kernels and worker processes

A = "00_images_as_tensors"
MODEL = COURSE.assignment(A)
FAST = Options(profile="quick", device="cpu", jobs=1, limits=Limits(cell_timeout=30, total_timeout=300, memory_mb=1500))


def class_of_four():
    release = read(COURSE.release_path(A))
    answers = MODEL.solutions()
    wrong = answers["to_grayscale"].replace("0.299, 0.587, 0.114", "1 / 3, 1 / 3, 1 / 3")
    return {"ada": MODEL.answered(answers, release), "ben": MODEL.answered({**answers, "to_grayscale": wrong}, release),
            "cam": release, "fay": '{"cells": ['}


def write_class(notebooks: dict, root):
    from autograder.submission import Submission

    subs = []
    for student, nb in notebooks.items():
        path = root / student / A / f"{A}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(nb if isinstance(nb, str) else json.dumps(nb))
        subs.append(Submission(student, path))
    return subs


def kill_the_first_busy_worker(client, killed: list) -> None:
    """SIGKILL the process of the first worker seen running a task (the worker, not the student's kernel)."""
    pids = client.run(os.getpid)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not killed:
        busy = [w for w, keys in client.processing().items() if keys]
        if busy:
            time.sleep(1.0)  # well inside the task: its kernel is running
            os.kill(pids[busy[0]], signal.SIGKILL)
            killed.append(busy[0])
        time.sleep(0.2)


def without_times(results: dict) -> dict:
    return {s: {k: v for k, v in r.items() if k != "duration_s"} for s, r in results.items()}


def test_a_local_cluster_grades_as_one_machine_does_and_survives_a_lost_worker(tmp_path):
    from distributed import Client, LocalCluster

    from autograder.cluster import grade_on_cluster

    notebooks = class_of_four()
    serial, _ = grade_notebooks(notebooks, A, tmp_path / "serial", FAST)
    subs = write_class(notebooks, tmp_path / "cluster")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            Client(cluster) as watcher:
        killed: list = []
        killer = threading.Thread(target=kill_the_first_busy_worker, args=(watcher, killed), daemon=True)
        killer.start()
        graded = grade_on_cluster(subs, MODEL, Options(**{**FAST.__dict__, "jobs": 2}), cluster.scheduler_address)
        killer.join()
        # only the driver writes the gradebook: no worker ever loaded the module that does
        assert not any(watcher.run(lambda: __import__("sys").modules.get("autograder.gradebook") is not None).values())
    assert killed, "no worker was seen running a task"
    on_cluster = {r.student: r.to_json() for r, _ in graded}
    assert all(r.graded for r, _ in graded), [r.notes for r, _ in graded]
    assert without_times(on_cluster) == without_times(serial)
    assert [on_cluster[s]["score"] for s in "ada ben cam fay".split()] == [12, 9, 0, 0]


def test_resume_grades_only_what_the_report_lacks(tmp_path, capsys):
    from autograder.cli import grade
    from autograder.results import report

    notebooks = class_of_four()
    subs = write_class(notebooks, tmp_path / "submitted")
    first, _ = grade_notebooks({"ada": notebooks["ada"], "fay": notebooks["fay"]}, A, tmp_path / "first", FAST)
    lost = {**first["fay"], "graded": False, "notes": ["not graded: KilledWorker"]}
    earlier = {"ada": first["ada"], "fay": lost}  # ben and cam missing, fay lost with its worker
    out = tmp_path / "grades.json"
    out.write_text(json.dumps({"assignment": A, "submissions": list(earlier.values())}))
    results = grade(COURSE, tmp_path / "submitted", A, FAST, json_out=out, gradebook=False, resume=True)
    assert "1 already graded" in capsys.readouterr().out and len(subs) == 4
    by_student = {r.student: r for r in results}
    assert by_student["ada"].duration_s == first["ada"]["duration_s"]  # kept, not graded again
    assert all(r.graded for r in results)
    assert [by_student[s].score for s in "ada ben cam fay".split()] == [12, 9, 0, 0]
    assert json.loads(out.read_text()) == report(results, [A], FAST.profile, FAST.device, FAST.jobs)


def test_a_local_cluster_on_a_gpu_machine_gives_each_worker_one_gpu():
    # no GPU here: two pretended GPUs prove the layout (the count is all that torch.cuda would add)
    from autograder.cluster import connect

    with connect("local", workers=1, gpus=2) as client:
        workers = client.scheduler_info()["workers"].values()
        assert [w["resources"] for w in workers] == [{"GPU": 1}, {"GPU": 1}]
        seen = client.run(lambda: os.environ.get("CUDA_VISIBLE_DEVICES"))
    assert sorted(seen.values()) == ["0", "1"]  # each worker, and so each kernel it starts, sees only its own


def test_the_dashboard_printed_for_a_local_cluster_is_served():
    import urllib.request

    from autograder.cluster import connect, dashboard_line

    with connect("local", 1) as client:
        line = dashboard_line(client, "local")
        link = line.split(": ", 1)[1]
        with urllib.request.urlopen(link, timeout=30) as page:
            assert page.status == 200 and b"Dask" in page.read()


def test_several_assignments_share_one_pool_and_each_is_recorded_as_its_own(tmp_path):
    from nbgrader.api import Gradebook

    from autograder.cli import grade

    course = COURSE.copy_to(tmp_path / "course")
    conv = "01_convolution"
    write_class({"ada": class_of_four()["ada"], "cam": read(COURSE.release_path(A))}, tmp_path / "submitted")
    untouched = tmp_path / "submitted" / "ada" / conv / f"{conv}.ipynb"
    untouched.parent.mkdir(parents=True)
    untouched.write_text(json.dumps(read(COURSE.release_path(conv))))
    out = tmp_path / "grades.json"
    results = grade(course, tmp_path / "submitted", [A, conv], Options(**{**FAST.__dict__, "jobs": 2}), json_out=out)
    assert [(r.student, r.assignment, r.score) for r in results] == [("ada", A, 12), ("cam", A, 0), ("ada", conv, 0)]
    report = json.loads(out.read_text())
    assert report["assignments"] == [A, conv] and report["assignment"] is None
    with Gradebook(course.db_url) as gb:  # each assignment's grades where nbgrader's own autograde puts them
        assert {s.student_id: s.score for s in gb.assignment_submissions(A)} == {"ada": 12, "cam": 0}
        assert {s.student_id: s.score for s in gb.assignment_submissions(conv)} == {"ada": 0}
