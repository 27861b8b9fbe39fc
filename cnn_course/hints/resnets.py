"""Helpers the tests of 03_resnets share: compare a student's module with torchvision's, key by key
and output by output.

The student's module lives where the student's code runs (the grader's kernel, when the grader decides the
test); the reference is built here. Both take the same seeded values by key (``architectures.randomise``),
so no weights cross between them: the student's module answers where it is, and only its outputs, input
gradients and a description of its layers come back to be compared.
"""
from __future__ import annotations

import torch
import torch.nn as nn

from cnn_course import checks
from cnn_course.checks import check, check_close, check_shape
from cnn_course.hints.architectures import _compare_shapes, randomise


# --- run where the student's code runs (in the grader's kernel, through cnn_course.checks.in_kernel) ---------
def state_shapes(model) -> dict:
    """{key: shape} of the model's state_dict; None when it is not a module."""
    if not isinstance(model, nn.Module):
        return None
    return {k: list(v.shape) for k, v in model.state_dict().items()}


def run_module(model, x, training: bool, weights=None):
    """(output, gradient of (output * weights).sum() with respect to x) in the given mode; no gradient in
    evaluation mode, or when the output's shape is not the weights'."""
    model.train(training)
    x = x.clone().requires_grad_(training)
    out = model(x)
    if not training or not isinstance(out, torch.Tensor) or weights is None or out.shape != weights.shape:
        return (out.detach() if isinstance(out, torch.Tensor) else out), None
    (out * weights).sum().backward()
    return out.detach(), x.grad


def count_parameters(model) -> int:
    return sum(p.numel() for p in model.parameters())


def describe(model, x) -> dict:
    """What a CIFAR ResNet's tests read of the model: its layers, the output of one forward pass of x in
    evaluation mode without gradients, the output shape of every 3x3 convolution in the order they ran."""
    if not isinstance(model, nn.Module):
        return {"kind": type(model).__name__}
    record, hooks = [], []
    for m in model.modules():
        if isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3):
            hooks.append(m.register_forward_hook(lambda mod, inp, out: record.append(list(out.shape))))
    try:
        with torch.no_grad():
            out = model.eval()(x)
    finally:
        for h in hooks:
            h.remove()
    convs = [m for m in model.modules() if isinstance(m, nn.Conv2d)]
    return {"kind": "Module", "output": out, "conv3_outputs": record,
            "convs": [{"kernel_size": list(m.kernel_size), "in_channels": m.in_channels, "out_channels": m.out_channels}
                      for m in convs],
            "batchnorms": sum(isinstance(m, nn.BatchNorm2d) for m in model.modules()),
            "linears": [[m.in_features, m.out_features] for m in model.modules() if isinstance(m, nn.Linear)],
            "parameters": count_parameters(model)}


@torch.no_grad()
def zero_block_convs(model):
    """Zero every 3x3 convolution except the stem's (the one that reads the 3 input channels)."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3) and m.in_channels != 3:
            m.weight.zero_()
    return model


@torch.no_grad()
def shift_block_batchnorms(model, shift: float):
    """Every BatchNorm2d's β but the first (the stem's) set to ``shift``."""
    for m in [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)][1:]:
        m.bias.fill_(shift)
    return model
# ---------------------------------------------------------------------------------------------------------


def where_student_code_runs(name: str):
    """This module's function ``name``, as the student's kernel has it (here, outside the grader)."""
    return checks.in_kernel(f"from cnn_course.hints.resnets import {name}", name=name)


def load_strict(model, reference, name, hint, seed=0):
    """The same state_dict keys and shapes as the reference (as ``load_state_dict(strict=True)`` demands), saying
    which differ; then both hold the same random values, BatchNorm statistics included."""
    shapes = where_student_code_runs("state_shapes")(model)
    check(shapes is not None, name, "is not an nn.Module", hint="subclass nn.Module and call super().__init__()")
    _compare_shapes(shapes, state_shapes(reference), name, hint)
    where_student_code_runs("randomise")(model, seed)
    randomise(reference, seed)


def compare_modules(model, reference, x, name, hint, modes=(False, True)):
    """Same output as the reference in evaluation and training mode, and the same gradients."""
    run = where_student_code_runs("run_module")
    for training in modes:
        with torch.no_grad():
            out_shape = reference.eval()(x).shape
        weights = torch.randn(out_shape, dtype=x.dtype) if training else None
        expected, expected_grad = run_module(reference, x, training, weights)
        got, got_grad = run(model, x, training, weights)
        mode = "training" if training else "evaluation"
        check_shape(got, expected.shape, f"{name}: output shape for input {tuple(x.shape)}", hint=hint)
        scale = max(1.0, expected.abs().max().item())
        check_close(got, expected, f"{name}: output in {mode} mode, input {tuple(x.shape)}", hint=hint,
                    rtol=1e-4, atol=1e-4 * scale)
        if training:
            gscale = max(1.0, expected_grad.abs().max().item())
            check_close(got_grad, expected_grad, f"{name}: gradient with respect to the input", hint=hint,
                        rtol=1e-3, atol=1e-4 * gscale)


def fingerprints(model) -> dict:
    """{key: [sum, sum of squares]} of the model's state_dict, in float64: enough to tell which entries changed
    without sending a ResNet-50's 100 MB."""
    return {k: [v.double().sum().item(), v.double().square().sum().item()] for k, v in model.state_dict().items()}


def resnet_with_random_values(builder_name: str, seed: int, **kwargs):
    """torchvision's ``builder_name(**kwargs)`` holding ``architectures.randomise``'s values for ``seed``."""
    import torchvision

    return randomise(getattr(torchvision.models, builder_name)(**kwargs), seed)
