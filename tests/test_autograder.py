"""The autograder end to end: exact scores on the bundled class and on every kind of damage,
isolation, tampering, parallel = serial, the JSON, Gradescope output, feedback and export."""
from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pytest

from autograder.execute import Limits
from autograder.grade import Options
from autograder.proof import load_candidates
from conftest import COURSE, ROOT, failed, grade_notebooks, read
from examples.make_examples import strip_metadata

pytestmark = pytest.mark.slow  # every test here runs notebooks in kernels

A = "00_images_as_tensors"
MODEL = COURSE.assignment(A)
RELEASE = read(COURSE.release_path(A))
ANSWERS = MODEL.solutions()
WRONG_GRAYSCALE = next(iter(load_candidates(COURSE, A).mutants["to_grayscale"].values()))
EXPECTED = json.loads((ROOT / "examples" / "expected_scores.json").read_text())[A]
FAST = Options(profile="quick", device="cpu", jobs=1, limits=Limits(cell_timeout=15, total_timeout=300, memory_mb=1500))
GRAYSCALE_TESTS = {"test_to_grayscale", "test_to_grayscale_hidden"}
NORMALIZE_HIDDEN = {"test_normalize_hidden"}


def run_cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, capture_output=True, text=True)


def solved(**overrides):
    return MODEL.answered({**ANSWERS, **overrides}, RELEASE)


def only_for_float64(body: str) -> str:
    """A correct normalize that does ``body`` when given float64 input (only the hidden tests pass it)."""
    return ANSWERS["normalize"].replace('"""\n', f'"""\n    if x.dtype == torch.float64:\n        {body}\n', 1)


@pytest.mark.xdist_group("example_class")  # in a row on one worker: the other never waits for the class
def test_bundled_class_gets_exactly_the_expected_scores(graded_example_class):
    _, report = graded_example_class
    assert {r["student"]: r["score"] for r in report["submissions"]} == EXPECTED


@pytest.mark.xdist_group("example_class")
def test_json_schema(graded_example_class):
    _, report = graded_example_class
    assert report["assignment"] == A and report["profile"] == "quick"
    for r in report["submissions"]:
        assert set(r) >= {"student", "assignment", "notebook", "score", "max_score", "duration_s", "tests", "device"}
        # what the kernel computed on; nothing ran for an unreadable file or a statically flagged tamperer
        assert r["device"] == ("not run" if r["student"] in ("fay_broken_file", "eve_tampers") else "cpu"), r
        assert r["max_score"] == 12 and r["score"] == sum(t["points"] for t in r["tests"])
        assert isinstance(r["duration_s"], float) and r["duration_s"] >= 0
        for t in r["tests"]:
            assert set(t) == {"grade_id", "points", "max_points", "passed", "message"}
            assert (t["points"] == t["max_points"]) == t["passed"]
            assert bool(t["message"]) != t["passed"], t  # a failure always says why, a pass says nothing


@pytest.mark.xdist_group("example_class")
def test_gradescope_results(graded_example_class):
    root, _ = graded_example_class
    ada = json.loads((root / "gradescope" / "ada_complete.json").read_text())
    assert ada["score"] == ada["max_score"] == 12
    assert {t["status"] for t in ada["tests"]} == {"passed"} and len(ada["tests"]) == 8


@pytest.mark.xdist_group("example_class")
def test_messages_say_what_is_wrong(graded_example_class):
    _, report = graded_example_class
    ben = next(r for r in report["submissions"] if r["student"] == "ben_partial")
    message = next(t["message"] for t in ben["tests"] if t["grade_id"] == "test_to_grayscale")
    assert "expected" in message and "got" in message and "Hint" in message
    assert "Traceback" not in message and len(message.splitlines()) <= 3
    fay = next(r for r in report["submissions"] if r["student"] == "fay_broken_file")
    assert "not a valid notebook" in fay["tests"][0]["message"]
    eve = next(r for r in report["submissions"] if r["student"] == "eve_tampers")
    assert "torch.allclose" in eve["tests"][0]["message"]


@pytest.mark.xdist_group("example_class")
def test_formgrader_has_nothing_waiting_for_manual_grading(graded_example_class):
    from nbgrader.api import Gradebook, Grade

    root, report = graded_example_class
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        submissions = gb.submission_dicts(A)  # what formgrader's "Manage Submissions" lists
        assert {s["student"] for s in submissions} == {r["student"] for r in report["submissions"]}
        assert [s["student"] for s in submissions if s["needs_manual_grade"]] == []
        assert gb.db.query(Grade).filter(Grade.needs_manual_grade).count() == 0
        scores = {s["student"]: s["score"] for s in submissions}
    assert scores == {r["student"]: r["score"] for r in report["submissions"]}


@pytest.mark.xdist_group("example_class")
def test_feedback_hides_hidden_tests_and_export_has_the_scores(graded_example_class):
    root, _ = graded_example_class
    assert run_cli("--course-dir", str(root), "feedback", A).returncode == 0
    html = (root / "feedback" / "ben_partial" / A / f"{A}.html").read_text()
    assert "test_to_grayscale_hidden" in html and "hidden tests ran here" in html
    assert "BEGIN HIDDEN TESTS" not in html
    for secret in ("rng = np.random.default_rng(7)", "narrow = torch.full", "torch.manual_seed(3)"):
        assert secret not in html
    assert run_cli("--course-dir", str(root), "export", "--to", str(root / "grades.csv")).returncode == 0
    rows = (root / "grades.csv").read_text().splitlines()
    ben = next(line for line in rows if line.split(",")[3:4] == ["ben_partial"] or ",ben_partial," in line)
    assert ",6.0," in ben


def test_parallel_results_equal_serial(tmp_path):
    class_ = {"a": solved(), "b": solved(to_grayscale=WRONG_GRAYSCALE), "c": RELEASE}
    serial, _ = grade_notebooks(class_, A, tmp_path / "s", FAST)
    parallel, _ = grade_notebooks(class_, A, tmp_path / "p", Options(**{**FAST.__dict__, "jobs": 3}))
    strip = lambda rs: {s: {k: v for k, v in r.items() if k != "duration_s"} for s, r in rs.items()}  # noqa: E731
    assert strip(serial) == strip(parallel)
    assert [serial[s]["score"] for s in "abc"] == [12, 9, 0]


def test_damaged_notebooks_are_graded_on_what_they_contain(tmp_path):
    no_grayscale = solved()
    no_grayscale.cells = [c for c in no_grayscale.cells if "EXERCISE: to_grayscale" not in c.source]
    as_markdown = solved()
    for cell in as_markdown.cells:
        if "EXERCISE: channel_histograms" in cell.source:
            cell.cell_type = "markdown"
            cell.pop("outputs"), cell.pop("execution_count")
    marker_deleted = solved()
    for cell in marker_deleted.cells:
        if "EXERCISE: normalize" in cell.source:
            cell.source = cell.source.split("\n", 1)[1]  # marker line gone, nbgrader metadata still there
    results, _ = grade_notebooks({"missing": no_grayscale, "markdown": as_markdown, "unmarked": marker_deleted,
                                  "v3": nbformat.writes(solved(), version=3),
                                  "no_metadata_no_marker": strip_metadata(marker_deleted)},
                                 A, tmp_path, FAST)
    assert results["missing"]["score"] == 9 and failed(results["missing"]) == GRAYSCALE_TESTS
    assert "to_grayscale: missing from the submission" in results["missing"]["notes"]
    assert results["markdown"]["score"] == 12
    assert results["unmarked"]["score"] == 12
    assert results["v3"]["score"] == 12
    assert results["no_metadata_no_marker"]["score"] == 12  # kept as a cell the student added


def test_crashes_loops_and_memory_cost_only_the_tests_they_hit(tmp_path):
    cases = {
        "os_exit": only_for_float64("import os; os._exit(1)"),
        "sys_exit": only_for_float64("import sys; sys.exit(1)"),
        "raises_system_exit": only_for_float64("raise SystemExit(3)"),
        "loop": only_for_float64("while True: pass"),
        "memory": only_for_float64("hog = [bytearray(10**8) for _ in range(200)]"),
        "segfault": only_for_float64("import ctypes; ctypes.string_at(0)"),
    }
    results, notebooks = grade_notebooks({k: solved(normalize=v) for k, v in cases.items()}, A, tmp_path,
                                         Options(**{**FAST.__dict__, "jobs": 2}))
    for student in cases:
        assert results[student]["score"] == 10, (student, results[student])
        assert failed(results[student]) == NORMALIZE_HIDDEN, student
    assert "timed out" in results["loop"]["tests"][-1]["message"]
    assert "memory" in results["memory"]["tests"][-1]["message"]
    assert "kernel died" in results["os_exit"]["tests"][-1]["message"]


def test_output_flood_and_warnings_do_not_cost_a_correct_answer(tmp_path):
    noisy = ANSWERS["channel_histograms"].replace('"""\n', '"""\n    for i in range(20000):\n        print("spam", i)\n', 1)
    warns = ANSWERS["to_tensor"].replace('"""\n', '"""\n    import sys, warnings\n    warnings.warn("deprecated", UserWarning)\n'
                                         '    print("to stderr", file=sys.stderr)\n', 1)
    capped = Options(**{**FAST.__dict__, "limits": Limits(cell_timeout=60, max_output_bytes=100_000)})
    results, notebooks = grade_notebooks({"noisy": solved(channel_histograms=noisy, to_tensor=warns)}, A, tmp_path, capped)
    assert results["noisy"]["score"] == 12, results["noisy"]
    stored = max(len(json.dumps(c.get("outputs", []))) for c in notebooks["noisy"].cells)
    assert stored < 200_000  # the cap, plus one message of slack and the image outputs


TAMPERING = {
    "redefines the check helper": "def check_close(*args, **kwargs):\n    pass\n",
    "patches torch.allclose": "import torch\ntorch.allclose = lambda *a, **k: True\n",
    "patches numpy.testing": "import numpy.testing\nnumpy.testing.assert_allclose = lambda *a, **k: None\n",
    "silences showtraceback": "get_ipython().showtraceback = lambda *a, **k: None\n",
    "patches the check module": "import cnn_course.checks as c\nc.check_close = lambda *a, **k: None\n",
    "patches the grader": "import autograder.kernel_guard as g\ng.verify = lambda nonce: print('GUARD', nonce, 'OK')\n",
    # built at run time, so only the runtime guard can see it
    "hides it in exec": "exec('import cnn_course.checks as c; c.' + 'check_close = lambda *a, **k: None')\n",
    "patches during the test": None,
}


def test_tampering_gains_no_points(tmp_path):
    wrong = WRONG_GRAYSCALE
    notebooks = {}
    for name, patch in TAMPERING.items():
        if patch is None:  # the patch runs inside the graded function, while the test runs
            code = wrong.replace("def to_grayscale(x):\n", "def to_grayscale(x):\n    import cnn_course.checks as c; "
                                 "exec('c.' + 'check_close = lambda *a, **k: None')\n")
        else:
            code = patch + wrong
        notebooks[name.replace(" ", "_")] = solved(to_grayscale=code)
    results, _ = grade_notebooks(notebooks, A, tmp_path, Options(**{**FAST.__dict__, "jobs": 2}))
    for student, result in results.items():
        assert result["score"] <= 9, (student, result)  # the honest score of this wrong answer
        assert GRAYSCALE_TESTS <= failed(result), student


def test_cli_exit_status(tmp_path):
    assert run_cli("grade", str(COURSE.release_path(A)), "--assignment", A, "--no-gradebook").returncode == 0
    bad = run_cli("grade", str(COURSE.release_path(A)), "--assignment", "no_such_assignment")
    assert bad.returncode == 2 and "unknown assignment" in bad.stderr
    missing = run_cli("grade", str(tmp_path / "nothing.ipynb"), "--assignment", A)
    assert missing.returncode == 2 and "no such file" in missing.stderr
    import torch

    if not torch.cuda.is_available():  # a GPU asked for where there is none: refused before any kernel starts
        no_gpu = run_cli("grade", str(COURSE.release_path(A)), "--assignment", A, "--device", "cuda", "--no-gradebook")
        assert no_gpu.returncode == 1 and "torch sees no GPU" in no_gpu.stderr and "student" not in no_gpu.stdout
