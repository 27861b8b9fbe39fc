"""The student-facing checks in cnn_course.checks: what they reject and what they say."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnn_course.checks import CheckFailed, check_close, check_shape, check_source_avoids

NO_TORCH_CONV = [r"F\.conv2d", r"\bconv2d\("]


def explains_the_operator(x, w):
    """Does by hand what F.conv2d does (a docstring that names the operator is not a use of it)."""
    # F.conv2d would be one line; here we loop
    return sum(x[i] * w[i] for i in range(len(w)))


def calls_the_operator(x, w):
    """Correlates x with w."""
    return F.conv2d(x, w)


def test_source_check_ignores_docstrings_and_comments():
    check_source_avoids(explains_the_operator, NO_TORCH_CONV)


def test_source_check_rejects_a_call_and_names_it():
    with pytest.raises(CheckFailed, match="F.conv2d"):
        check_source_avoids(calls_the_operator, NO_TORCH_CONV)


def test_close_check_says_where_and_what():
    expected = torch.zeros(2, 3)
    got = expected.clone()
    got[1, 2] = 5.0
    with pytest.raises(CheckFailed) as failure:
        check_close(got, expected, name="out")
    text = str(failure.value)
    assert "(1, 2)" in text and "5" in text and "AssertionError" not in text


def test_shape_check_shows_both_shapes():
    with pytest.raises(CheckFailed, match=r"\(3, 4\).*\(4, 3\)|\(4, 3\).*\(3, 4\)"):
        check_shape(np.zeros((3, 4)), (4, 3), name="x")
