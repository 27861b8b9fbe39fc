"""The student-facing checks in cnn_course.checks: what they reject and what they say."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from cnn_course.checks import CheckFailed, check_calls_avoid, check_close, check_shape, check_source_avoids

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


def pool_with_own_backward(grad_out):
    """A from-scratch backward pass whose helper is called backward."""
    class Router:
        def backward(self, g):
            return g * 2
    return Router().backward(grad_out)


class MyBatchNorm2d:
    def __init__(self, eps):
        self.eps = eps

    def __call__(self, x):
        return (x - x.mean()) / (x.var() + self.eps).sqrt()


def batchnorm_with_own_class(x):
    return MyBatchNorm2d(1e-5)(x)


def batchnorm_with_torch(x):
    return torch.nn.BatchNorm2d(x.shape[1])(x)


def helper_calls_the_operator(x, w):
    return calls_the_operator(x, w)


def pools_through_an_import(x):
    return max_pool2d(x, 2)


from torch.nn.functional import max_pool2d  # noqa: E402  (as a student's cell would import it)


def test_own_names_are_not_forbidden_operators():
    check_source_avoids(pool_with_own_backward, [r"\.backward\(", r"autograd"])
    check_source_avoids(batchnorm_with_own_class, [r"BatchNorm", r"batch_norm"])


def test_what_the_code_uses_is_forbidden_however_it_is_spelled():
    with pytest.raises(CheckFailed, match="BatchNorm2d"):
        check_source_avoids(batchnorm_with_torch, [r"BatchNorm"])
    with pytest.raises(CheckFailed, match="F.conv2d"):
        check_source_avoids(helper_calls_the_operator, NO_TORCH_CONV)
    with pytest.raises(CheckFailed, match="max_pool2d"):
        check_source_avoids(pools_through_an_import, [r"\b(F|functional|torch|nn)\.\w*pool"])
    with pytest.raises(CheckFailed, match="torch.nn.functional.max_pool2d"):
        check_calls_avoid(pools_through_an_import, ["torch.nn.functional.max_pool2d"])
    check_calls_avoid(explains_the_operator, ["torch.nn.functional.conv2d"])


def test_a_python_number_where_a_tensor_belongs_says_so():
    with pytest.raises(CheckFailed, match=r"(?s)Python float.*\.item\(\)"):
        check_close(0.5, torch.tensor(0.5), name="cross_entropy")


def test_a_stub_names_the_exercise_that_is_not_written():
    from cnn_course.checks import _not_written_yet
    namespace = {}
    exec(compile("def correlate2d(image, kernel):\n    raise NotImplementedError()\n", "/tmp/ipykernel_1/1.py", "exec"),
         namespace)
    try:
        namespace["correlate2d"](1, 2)
    except NotImplementedError as error:
        assert _not_written_yet(error.__traceback__) == "correlate2d"


def test_standing_in_swaps_a_notebook_name_for_the_block_and_puts_it_back(monkeypatch):
    from types import SimpleNamespace

    import IPython

    from cnn_course.checks import standing_in

    names = {"helper": lambda: "the student's"}
    monkeypatch.setattr(IPython, "get_ipython", lambda: SimpleNamespace(user_ns=names))
    students = names["helper"]
    with standing_in("helper", "lambda: 'the reference'"):
        assert names["helper"]() == "the reference"
    assert names["helper"] is students
    with pytest.raises(ZeroDivisionError), standing_in("missing", "lambda: 1"):
        assert names["missing"]() == 1
        1 / 0
    assert "missing" not in names  # a name the notebook did not have is removed again, even after a failure
