"""Attacks from a student's notebook, graded as a class through the grader in its default sandbox: none
gains a point, changes a file, reaches the network or outlives its grading, and every other student is
graded as before. (The sandbox's layers one by one: tests/test_sandbox.py.)

Not here yet: attacks from *inside* the kernel on the in-kernel checks (IPython input transformers,
sys.settrace, objects whose __eq__ lies); their defence is verdicts decided outside the kernel (issue 12,
part 2). The static scan and guard catch the plain forms (tests/test_autograder.py).
"""
from __future__ import annotations

import hashlib
import os
import socket
import textwrap
import threading

import psutil
import pytest

from autograder.execute import Limits
from autograder.grade import Options
from conftest import COURSE, grade_notebooks, read

pytestmark = pytest.mark.slow

A = "00_images_as_tensors"
MODEL = COURSE.assignment(A)
RELEASE = read(COURSE.release_path(A))
ANSWERS = MODEL.solutions()
TOKEN = "cnn-course-attack-7f3a"  # on every process an attack starts, to find survivors


def attack(code: str, then: dict[str, str] | None = None):
    """A notebook whose first exercise cell runs ``code`` (its failure ignored), then the answers ``then``."""
    answers = dict(ANSWERS if then is None else then)
    first = next(iter(MODEL.exercises))
    body = answers.get(first, "")  # no answer of its own: only what the attack gets
    answers[first] = "try:\n" + textwrap.indent(textwrap.dedent(code).strip(), "    ") + "\nexcept Exception:\n    pass\n" + body
    return MODEL.answered(answers, RELEASE)


def test_a_class_with_saboteurs_is_graded_as_if_they_were_not_there(tmp_path):
    course = COURSE.copy_to(tmp_path / "course")
    victim = tmp_path / "submitted" / "victim" / A / f"{A}.ipynb"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    heard: list = []
    threading.Thread(target=lambda: heard.append(listener.accept()), daemon=True).start()
    source_nb = course.source_path(A)
    solutions_by_reading_the_source = f'''
        import json
        cells = json.load(open({str(source_nb)!r}))["cells"]
        for cell in cells:
            text = "".join(cell["source"])
            if text.startswith("# EXERCISE"):
                exec(text.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", ""), globals())
    '''
    saboteurs = {
        # in every exercise cell (a later stub would redefine what an earlier cell took), and no work of its own
        "reads_the_source": MODEL.answered({e: textwrap.dedent(solutions_by_reading_the_source) for e in MODEL.exercises},
                                           RELEASE),
        "overwrites_the_victim": attack(f"open({str(victim)!r}, 'w').write('{{}}')"),
        "kills_the_grader": attack(f"import os, signal\nos.kill({os.getpid()}, signal.SIGKILL)\n"
                                   "os.kill(os.getppid(), signal.SIGKILL)"),
        "leaves_a_detached_process": attack(
            f"import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)', "
            f"{TOKEN!r}], start_new_session=True)"),
        "phones_home": attack(f"import socket\nsocket.create_connection(('127.0.0.1', {listener.getsockname()[1]}), "
                              "timeout=3).sendall(b'answers please')"),
        "writes_the_gradebook": attack(f"import sqlite3\nsqlite3.connect({str(course.root / 'gradebook.db')!r})"
                                       ".execute('create table pwned (x)')"),
    }
    honest = {"victim": MODEL.answered(ANSWERS, RELEASE), "untouched": RELEASE}
    files = {**honest, **saboteurs}
    options = Options(profile="quick", device="cpu", jobs=2, limits=Limits(cell_timeout=60, total_timeout=300))
    results, _ = grade_notebooks(files, A, tmp_path, options, course=course)
    written = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (tmp_path / "submitted").rglob("*.ipynb")}
    expected = {"victim": 12, "untouched": 0, "reads_the_source": 0, **{s: 12 for s in saboteurs if s != "reads_the_source"}}
    assert {s: r["score"] for s, r in results.items()} == expected, {s: r["notes"] for s, r in results.items()}
    assert all(r["isolation"].startswith("standard") for r in results.values())
    # nothing changed on disk: every submission as written (grading read them after all were written)
    assert victim.read_text() != "{}"
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in written} == written
    assert not (course.root / "gradebook.db").exists()  # grade_notebooks does not record: nobody else may either
    assert not heard, "a kernel reached a listener on the grader's loopback"
    survivors = [p.info["pid"] for p in psutil.process_iter(["pid", "cmdline"]) if TOKEN in " ".join(p.info["cmdline"] or [])]
    assert not survivors, f"processes started by a submission outlived its grading: {survivors}"
    listener.close()
