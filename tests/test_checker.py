"""The grader's checker and its wire: data round-trips exactly, a hostile message is refused (never
unpickled, never executed), and a test's code finds the kernel's names it needs and nothing else."""
from __future__ import annotations

import json
import math
import pathlib

import numpy as np
import PIL.Image
import pytest
import torch

from autograder import wire
from autograder.checker import MAX_IDLE, StudentError, _pool, _rebuilt_error, checker, kernel_names
from autograder.environment import kernel_env
from autograder.grade import grading_salt
from conftest import COURSE


def round_trip(value):
    blobs: list[bytes] = []
    message = {"value": wire.encode(value, blobs)}
    decoded, decoded_blobs = wire.loads(wire.dumps(message, blobs))
    return wire.decode(decoded["value"], decoded_blobs)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int64,
                                   torch.uint8, torch.bool])
def test_tensors_cross_exactly(dtype):
    x = (torch.randn(3, 4, 5) * 100).to(dtype)
    back = round_trip(x)
    assert back.dtype == dtype and back.shape == x.shape and torch.equal(back, x)
    strided = torch.arange(24.0).reshape(4, 6).t()  # not contiguous
    assert torch.equal(round_trip(strided), strided)
    assert round_trip(torch.zeros(0, 3)).shape == (0, 3)


def test_everything_a_test_compares_crosses_with_its_type():
    state = {"conv.weight": torch.randn(2, 3), "conv.bias": torch.zeros(2)}
    value = [1, 2.5, float("nan"), "s", None, True, (1, 2), np.arange(6, dtype=np.uint8).reshape(2, 3),
             np.float32(1.5), torch.Size([2, 3]), torch.float64, slice(1, None, 2), state]
    back = round_trip(value)
    assert back[:2] == [1, 2.5] and math.isnan(back[2]) and back[3:7] == ["s", None, True, (1, 2)]
    assert back[7].dtype == np.uint8 and (back[7] == value[7]).all()
    assert isinstance(back[8], np.float32) and back[8] == 1.5
    assert back[9] == torch.Size([2, 3]) and back[10] is torch.float64 and back[11] == slice(1, None, 2)
    assert list(back[12]) == list(state) and all(torch.equal(back[12][k], state[k]) for k in state)
    image = PIL.Image.fromarray(np.arange(24, dtype=np.uint8).reshape(2, 4, 3))
    assert (np.asarray(round_trip(image)) == np.asarray(image)).all()
    path = round_trip(pathlib.PurePosixPath("images") / "Bengal_107.jpg")
    assert isinstance(path, pathlib.Path) and path == pathlib.Path("images/Bengal_107.jpg")


def test_what_is_not_data_does_not_cross_without_a_handle():
    with pytest.raises(wire.NotData):
        wire.encode(torch.nn.Linear(2, 2), [])
    with pytest.raises(wire.NotData):
        wire.encode(lambda: 0, [])
    assert wire.encode(torch.nn.Linear(2, 2), [], ref=lambda obj: {"$ref": 7}) == {"$ref": 7}


@pytest.mark.parametrize("hostile", [
    "not json",
    json.dumps({"message": {"value": {"$tensor": 0, "dtype": "float32", "shape": [2]}}, "blobs": ["AAAA"]}),  # 3 bytes
    json.dumps({"message": {"value": {"$tensor": 0, "dtype": "object", "shape": [1]}}, "blobs": ["AAAAAAAAAAA="]}),
    json.dumps({"message": {"value": {"$array": 5, "dtype": "float32", "shape": [1]}}, "blobs": []}),
    json.dumps({"message": {"value": {"$array": 0, "dtype": "float32", "shape": [-1]}}, "blobs": ["AAAAAA=="]}),
    json.dumps({"message": {"value": {"$pickle": "gASV"}}, "blobs": []}),
    json.dumps({"message": {"value": {"$global": "os"}}, "blobs": []}),  # the kernel may not name grader objects
    json.dumps({"message": {"value": {"$dtype": "__import__('os')"}}, "blobs": []}),
])
def test_a_hostile_answer_is_refused(hostile):
    with pytest.raises(wire.BadMessage):
        message, blobs = wire.loads(hostile)
        wire.decode(message["value"], blobs)


def test_a_test_asks_the_kernel_only_for_names_it_reads_and_does_not_define():
    code = ("import PIL.Image\nfrom cnn_course.checks import check_close\nx = torch.rand(3)\n"
            "def helper(v):\n    return v * 2\n"
            "for shape in [(1, 2)]:\n    got = to_tensor(np.zeros(shape))\ncheck_close(img, pixels, 'n')\n"
            "try:\n    pass\nexcept ValueError as err:\n    print(err)\n")
    assert kernel_names(code) == ["img", "pixels", "to_tensor"]


def test_the_students_exceptions_come_back_as_types_the_tests_expect():
    assert isinstance(_rebuilt_error({"type": "NotImplementedError", "message": ""}), NotImplementedError)
    assert type(_rebuilt_error({"type": "CheckFailed", "message": "m"})).__name__ == "CheckFailed"
    # never the student's own class, and never one that would stop the checker
    assert isinstance(_rebuilt_error({"type": "MyError", "message": "m"}), StudentError)
    assert isinstance(_rebuilt_error({"type": "SystemExit", "message": "0"}), StudentError)


def test_the_salt_is_per_submission_and_stable():
    a, b = [{"source": "x = 1"}], [{"source": "x = 2"}]
    assert grading_salt(a) == grading_salt(a) != grading_salt(b)


def test_hidden_tests_never_reach_the_kernel():
    model = COURSE.assignment("00_images_as_tensors")
    assert all(test.checked for test in model.tests)
    for test in (t for t in model.tests if t.hidden.strip()):
        kernel_side = test.in_kernel
        assert test.hidden.strip().splitlines()[-1] not in kernel_side
        assert model.delimiters.begin_hidden not in kernel_side
        assert test.hidden.strip().splitlines()[0] in test.checked_code


def test_checkers_are_reused_whatever_else_the_environment_holds():
    env = kernel_env("quick", "cpu", 1)
    with checker({**env, "PYTEST_CURRENT_TEST": "one test"}) as first:
        pass
    with checker({**env, "PYTEST_CURRENT_TEST": "another"}) as second:
        pass
    assert first is second and first.proc.poll() is None
    assert len(_pool) <= MAX_IDLE


@pytest.mark.slow
def test_a_test_is_decided_on_the_kernel_as_its_cell_left_it():
    """The checker decides each test right after its cell ran, so a later cell's change (here, a function
    defined again) is not what an earlier test sees."""
    import nbformat

    from autograder.execute import Limits, execute
    from autograder.sandbox import sandbox

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code) for code in (
        "def answer():\n    return 1", "x = answer()", "def answer():\n    return 2", "y = answer()")])
    checks = {1: ("test_first", "assert answer() == 1, answer()"), 3: ("test_second", "assert answer() == 2, answer()")}
    with sandbox("standard") as box:
        runs = execute(nb, {1, 3}, Limits(cell_timeout=30, total_timeout=120), kernel_env("quick", "cpu", 1), box,
                       checks).runs
    assert [runs[1].decided, runs[3].decided] == [("passed", ""), ("passed", "")], [runs[1].decided, runs[3].decided]
