"""Fast checks of the grader's parts that need no kernel: markers, rebuilding, the tamper scan."""
import json
import threading

import nbformat
import pytest

from autograder import syntax, tamper
from autograder.markers import marker_of, sync_metadata
from autograder.submission import UnreadableSubmission, read_cells, rebuild
from conftest import COURSE

A = "00_images_as_tensors"


def cell(source, **metadata):
    return {"cell_type": "code", "source": source, "metadata": metadata, "outputs": []}


def test_markers_are_read_from_the_first_line_or_metadata():
    assert marker_of(cell("# EXERCISE: conv2d\ndef conv2d(): ...")).grade_id == "conv2d"
    test = marker_of(cell("\n# TEST: test_conv2d (2.5 points)\n"))
    assert (test.kind, test.grade_id, test.points) == ("test", "test_conv2d", 2.5)
    by_meta = marker_of(cell("def f(): ...", nbgrader={"grade_id": "f", "solution": True, "grade": False}))
    assert (by_meta.kind, by_meta.grade_id) == ("exercise", "f")
    assert marker_of(cell("x = 1  # EXERCISE: not a marker")) is None


def test_sync_metadata_reports_duplicates_and_markers_in_markdown():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("# EXERCISE: f\n"), nbformat.v4.new_code_cell("# EXERCISE: f\n"),
        nbformat.v4.new_markdown_cell("# TEST: test_f (1 points)"), nbformat.v4.new_code_cell("# TEST: oops\n")])
    problems = sync_metadata(nb)
    assert any("used by two cells" in p for p in problems)
    assert any("markdown" in p for p in problems)
    assert any("malformed" in p for p in problems)
    assert nb.cells[0].metadata.nbgrader["solution"] is True


@pytest.mark.parametrize("text,reason", [("", "empty"), ("{\"cells\": [", "broken JSON"), ("[1, 2]", "not an object"),
                                         ("{\"cells\": 3}", "not a list")])
def test_unreadable_files_say_why(tmp_path, text, reason):
    path = tmp_path / "x.ipynb"
    path.write_text(text)
    with pytest.raises(UnreadableSubmission, match=reason):
        read_cells(path)


def test_rebuild_takes_exercises_from_the_student_and_everything_else_from_the_source(tmp_path):
    source = COURSE.source(A)
    student = [cell("# EXERCISE: normalize\ndef normalize(x, m, s): return 'mine'"),
               cell("# TEST: test_normalize (1 points)\npass"),
               cell("helper = 42"),
               cell("# EXERCISE: to_tensor\nraise NotImplementedError()"),
               cell("# EXERCISE: to_tensor\ndef to_tensor(img): return 'second copy'")]
    path = tmp_path / "s.ipynb"
    path.write_text(json.dumps({"cells": student}))
    rebuilt = rebuild(COURSE.assignment(A), read_cells(path))
    sources = [c.source for c in rebuilt.notebook.cells]
    assert any("return 'mine'" in s for s in sources)
    assert any("second copy" in s for s in sources)
    test_cell = next(s for s in sources if s.startswith("# TEST: test_normalize "))
    assert test_cell == next(c.source for c in source.cells if c.source.startswith("# TEST: test_normalize "))
    helper_at = sources.index("helper = 42")
    assert sources[helper_at - 1].startswith("# EXERCISE: normalize")  # kept after the exercise it followed
    assert {"to_grayscale: missing from the submission", "channel_histograms: missing from the submission"} <= set(rebuilt.notes)


@pytest.mark.parametrize("code", [
    "torch.allclose = lambda *a, **k: True",
    "import numpy as np\nnp.testing.assert_allclose = print",
    "import numpy.testing as npt\nnpt.assert_allclose = print",
    "get_ipython().showtraceback = lambda *a: None",
    "from cnn_course import checks\nchecks.check_close = print",
    "import cnn_course.checks as c\nsetattr(c, 'check_close', print)",
    "import builtins\nbuiltins.isinstance = lambda *a: True",
    "__builtins__['len'] = lambda x: 0",
    "import sys\nsys.modules['cnn_course.checks'] = None",
    "import autograder",
    "%time torch.testing.assert_close = print",
    "import torch as t\nt.equal = lambda a, b: True",  # the runtime guard restores it: the scan must agree
])
def test_tamper_scan_flags(code):
    assert tamper.scan(code), code


@pytest.mark.parametrize("code", [
    "torch.backends.cudnn.benchmark = True",
    "import numpy as np\nx = np.allclose(a, b)",
    "def check_close(a, b):\n    return abs(a - b) < 1e-3",
    "model.weight.data = w\nplt.rcParams['figure.dpi'] = 120",
    "def conv2d(x):\n    return x +",  # a syntax error is the student's own problem, not tampering
])
def test_tamper_scan_leaves_honest_code_alone(code):
    assert not tamper.scan(code), code


def test_the_scan_flags_everything_the_runtime_guard_restores():
    from autograder import protected

    for module, names in protected.MODULE_ATTRS.items():
        for name in names:
            assert tamper.scan(f"import {module} as m\nm.{name} = None"), f"{module}.{name}"
    for name in protected.SHELL_METHODS + protected.SHELL_ATTRS:
        assert tamper.scan(f"get_ipython().{name} = None"), name


class _CollectedWithPythonCode:
    """A cycle whose finaliser runs Python code when the collector frees it: the moment the interpreter may
    hand the GIL to another thread in the middle of building a syntax tree."""

    def __init__(self):
        self.cycle = self

    def __del__(self):
        sum(range(50))


def test_the_grader_parses_student_code_in_many_threads_at_once():
    # --jobs N scans N submissions side by side; on CPython 3.11 a bare ast.parse here fails about one
    # parse in seven with "SystemError: AST constructor recursion depth mismatch" (python/cpython#106905)
    code = "\n".join(f"def f{i}(x):\n    return [(a, b) for a in range({i}) for b in x if a and (b or {{'k': [a]}})]"
                     for i in range(100))
    errors = []

    def scan_many():
        for _ in range(15):
            garbage = [_CollectedWithPythonCode() for _ in range(200)]
            del garbage
            try:
                assert len(syntax.parse(code).body) == 100
            except SystemError as error:
                errors.append(error)

    threads = [threading.Thread(target=scan_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
