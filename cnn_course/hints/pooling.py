"""Helpers the tests of 02_pooling share."""
from __future__ import annotations

import torch
import torch.nn as nn

from cnn_course import checks
from cnn_course.checks import check


def conv_groups(fn, *args):
    """``fn(*args)``, and the ``groups=`` of every ``F.conv2d`` call it made (a spy on ``torch.conv2d``)."""
    calls, real = [], torch.conv2d

    def spy(*a, **k):
        calls.append(k.get("groups", a[6] if len(a) > 6 else 1))
        return real(*a, **k)

    torch.nn.functional.conv2d = torch.conv2d = spy
    try:
        return fn(*args), calls
    finally:
        torch.nn.functional.conv2d = torch.conv2d = real


def inspect_cnn(model, x):
    """Run model on x, recording what each Conv2d and Linear layer received."""
    seen = []
    hooks = [m.register_forward_hook(lambda m, inp, out: seen.append((type(m).__name__, inp[0].detach(), out.detach())))
             for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    try:
        with torch.no_grad():
            out = model(x)
    finally:
        for h in hooks:
            h.remove()
    return out, seen


def check_architecture(model, x, what):
    # the hooks go where the model is: in the student's kernel when the grader decides the test
    out, seen = checks.in_kernel("from cnn_course.hints.pooling import inspect_cnn", name="inspect_cnn")(model.eval(), x)
    kinds = [k for k, _, _ in seen]
    convs = [(i, o) for k, i, o in seen if k == "Conv2d"]
    check(kinds.count("Conv2d") == 2, what, f"expected 2 convolutions in the forward pass, found {kinds.count('Conv2d')}",
          "conv -> ReLU -> pool -> conv -> ReLU -> pool -> fully connected")
    check(len(kinds) > 0 and kinds[-1] == "Linear", what, "the last layer to run must be a fully connected nn.Linear",
          "finish with nn.Linear(features, num_classes) on the flattened maps")
    (in1, out1), (in2, out2) = convs
    check(in2.shape[-1] <= out1.shape[-1] // 2 and in2.shape[-2] <= out1.shape[-2] // 2, what,
          f"the second convolution sees {tuple(in2.shape[-2:])} maps, but the first one produced "
          f"{tuple(out1.shape[-2:])}: no pooling halved them", "add a 2x2 max pooling after the first ReLU")
    check(bool((in2 >= 0).all()), what, "the second convolution receives negative values",
          "apply ReLU after the first convolution (before or after pooling: max pooling and ReLU commute)")
    linear_in = [i for k, i, _ in seen if k == "Linear"][0]
    check(bool((linear_in >= 0).all()), what, "the fully connected layer receives negative values",
          "apply ReLU (then pooling) after the second convolution too")
    pooled_area = linear_in.shape[-1] // out2.shape[1]
    check(pooled_area <= (out2.shape[-2] // 2) * (out2.shape[-1] // 2), what,
          f"the classifier gets {linear_in.shape[-1]} features, more than {out2.shape[1]} channels of a halved "
          f"{out2.shape[-2]}x{out2.shape[-1]} map hold: the second pooling is missing", "pool after the second ReLU")
    return out
