"""Helpers the tests of 03_resnets share: compare a student's module with torchvision's, key by key
and output by output."""
from __future__ import annotations

import torch
import torch.nn as nn

from cnn_course.checks import check, check_close, check_shape


def randomise_bn(module):
    """Random BatchNorm state, so that a missing or misplaced BatchNorm shows in evaluation mode too."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5); m.bias.normal_(0, 0.3)
                m.running_mean.normal_(0, 0.3); m.running_var.uniform_(0.5, 2.0)
    return module


def load_strict(model, reference, name, hint):
    """model.load_state_dict(reference.state_dict(), strict=True), saying which keys or shapes differ."""
    mine, theirs = model.state_dict(), reference.state_dict()
    missing = [k for k in theirs if k not in mine]
    unexpected = [k for k in mine if k not in theirs]
    check(not missing and not unexpected, name, "state_dict keys differ from torchvision's: "
          f"missing {missing[:6]}, unexpected {unexpected[:6]}", hint=hint)
    wrong = [f"{k}: yours {tuple(mine[k].shape)}, torchvision's {tuple(theirs[k].shape)}"
             for k in theirs if mine[k].shape != theirs[k].shape]
    check(not wrong, name, "parameter shapes differ from torchvision's: " + "; ".join(wrong[:4]), hint=hint)
    model.load_state_dict(theirs, strict=True)


def compare_modules(model, reference, x, name, hint, modes=(False, True)):
    """Same output as the reference in evaluation and training mode, and the same gradients."""
    for training in modes:
        model.train(training); reference.train(training)
        xr, xm = x.clone().requires_grad_(training), x.clone().requires_grad_(training)
        expected, got = reference(xr), model(xm)
        mode = "training" if training else "evaluation"
        check_shape(got, expected.shape, f"{name}: output shape for input {tuple(x.shape)}", hint=hint)
        scale = max(1.0, expected.detach().abs().max().item())
        check_close(got, expected, f"{name}: output in {mode} mode, input {tuple(x.shape)}", hint=hint,
                    rtol=1e-4, atol=1e-4 * scale)
        if training:
            weights = torch.randn_like(expected)
            (expected * weights).sum().backward(); (got * weights).sum().backward()
            gscale = max(1.0, xr.grad.abs().max().item())
            check_close(xm.grad, xr.grad, f"{name}: gradient with respect to the input", hint=hint,
                        rtol=1e-3, atol=1e-4 * gscale)
