"""Helpers for the test cells of 05_architectures: twin models with the same random weights.

The student's model is built where the student's code runs (the grader's kernel, when the grader decides the
test), first on the ``meta`` device so that its keys and shapes are compared before anything is allocated; the
reference (torchvision's, or one the test builds) is built here. Each then draws the same seeded values by key
(:func:`randomise`), so no weights cross between them and only the outputs come back to be compared.
"""
from __future__ import annotations

import zlib

import torch
import torch.nn as nn

from cnn_course import checks
from cnn_course.checks import check, check_close, check_shape, check_type


_TILE = 1_000_003  # a prime: the repeated block never lines up with a row


@torch.no_grad()
def randomise(model: nn.Module, seed: int = 0) -> nn.Module:
    """Seeded random values in every parameter and buffer, BatchNorm statistics included. Each tensor's values
    depend only on ``seed``, its key and its shape, so two models with the same state_dict keys and shapes get
    the same values wherever they are built (the student's in the kernel, the reference in the grader)."""
    for key, t in model.state_dict().items():
        g = torch.Generator().manual_seed(seed * 1_000_003 + zlib.crc32(key.encode()))
        if not t.is_floating_point():
            t.zero_()
        elif t.dim() > 1 and t.numel() > _TILE:
            # a big matrix (VGG's and AlexNet's classifiers): a random block of prime length, repeated, is as
            # good at telling layers apart and costs a copy instead of a hundred million draws
            block = torch.randn(_TILE, generator=g, dtype=t.dtype) * (1.0 / t[0].numel()) ** 0.5
            flat, whole = t.view(-1), t.numel() // _TILE
            flat[:whole * _TILE].view(whole, _TILE).copy_(block.expand(whole, _TILE))
            flat[whole * _TILE:] = block[:t.numel() - whole * _TILE]
        elif t.dim() > 1:
            t.normal_(0.0, (1.0 / t[0].numel()) ** 0.5, generator=g)
        elif key.endswith(("weight", "running_var")):
            t.uniform_(0.5, 1.5, generator=g)
        else:
            t.normal_(0.0, 0.1, generator=g)
    return model


# --- run where the student's code runs (in the grader's kernel, through cnn_course.checks.in_kernel) ---------
def built_on_meta(build, args=(), kwargs=None):
    """``build(*args, **kwargs)`` on the meta device: (the model, or None and the type it returned; its
    state_dict's {key: shape})."""
    with torch.device("meta"):
        model = build(*args, **(kwargs or {}))
    if not isinstance(model, nn.Module):
        return None, type(model).__name__, {}
    return model, "Module", {k: list(v.shape) for k, v in model.state_dict().items()}


def materialised(model: nn.Module, seed: int) -> nn.Module:
    """A meta-device model on the CPU, holding :func:`randomise`'s values for ``seed``, in evaluation mode."""
    return randomise(model.to_empty(device="cpu"), seed).eval()


@torch.no_grad()
def output_in_eval(model: nn.Module, x: torch.Tensor):
    return model.eval()(x)
# ---------------------------------------------------------------------------------------------------------


def _where_student_code_runs(name: str):
    return checks.in_kernel(f"from cnn_course.hints.architectures import {name}", name=name)


def twins(build, args, build_reference, name: str, hint: str | None = None, seed: int = 0, materialise: bool = True,
          kwargs: dict | None = None):
    """(mine, reference): the student's ``build(*args, **kwargs)``, made where the student's code runs, and the
    reference ``build_reference()``, made here; the same state_dict keys and shapes, then the same random
    values. With materialise=False only the keys and shapes are compared, on the meta device."""
    mine, kind, shapes = _where_student_code_runs("built_on_meta")(build, tuple(args), kwargs or {})
    check(kind == "Module", name, f"expected a Module, got {kind}", hint="return an nn.Module")
    with torch.device("meta"):
        reference = build_reference()
    _compare_shapes(shapes, {k: list(v.shape) for k, v in reference.state_dict().items()}, name, hint)
    if not materialise:
        return mine, reference
    return _where_student_code_runs("materialised")(mine, seed), materialised(reference, seed)


def _compare_shapes(mine: dict, theirs: dict, name: str, hint: str | None) -> None:
    missing = [k for k in theirs if k not in mine]
    unexpected = [k for k in mine if k not in theirs]
    check(not missing and not unexpected, name, "state_dict keys differ from the reference's: "
          f"missing {missing[:5]}, unexpected {unexpected[:5]}", hint=hint)
    wrong = [f"{k}: yours {tuple(mine[k])}, reference {tuple(theirs[k])}" for k in theirs if list(mine[k]) != list(theirs[k])]
    check(not wrong, name, "parameter shapes differ from the reference's: " + "; ".join(wrong[:4]), hint=hint)


def compare_outputs(mine, reference: nn.Module, x: torch.Tensor, name: str, hint: str | None = None):
    """The same output as the reference in evaluation mode, within a tolerance scaled by the output; the
    student's model answers where it runs, the reference here."""
    expected = output_in_eval(reference, x)
    got = _where_student_code_runs("output_in_eval")(mine, x)
    check_type(got, torch.Tensor, f"{name}: output", hint="forward returns one tensor of logits")
    check_shape(got, expected.shape, f"{name}: output shape for input {tuple(x.shape)}", hint=hint)
    scale = max(1.0, expected.abs().max().item())
    check_close(got, expected, f"{name}: output for input {tuple(x.shape)}, same weights as the reference",
                hint=hint, rtol=1e-4, atol=1e-4 * scale)
    return got


IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def with_imagenet_weights(builder_name: str, weights_name: str) -> nn.Module:
    """torchvision's ``builder_name`` holding its ImageNet ``weights_name`` (random ones offline, the same
    wherever they are drawn, and one [offline] line), in evaluation mode, without auxiliary heads' effect."""
    import torchvision

    from cnn_course import data

    builder, weights = getattr(torchvision.models, builder_name), torchvision.models.get_weight(weights_name)
    reference = data.pretrained_weights(builder, weights)
    if not data.weights_cached(weights):
        randomise(reference, 0)
    if getattr(reference, "transform_input", False):  # GoogLeNet's weights re-normalise the input inside,
        reference.transform_input = False  # which the student's model (as the paper's) does not
    return reference.eval()  # eval: GoogLeNet's aux heads idle


def pet_photo() -> torch.Tensor:
    import torchvision.transforms.functional as TF

    from cnn_course import data

    photo = TF.to_tensor(data.load_pet().convert("RGB").resize((224, 224)))
    return TF.normalize(photo, IMAGENET_MEAN, IMAGENET_STD)[None]


def imagenet_logits(model: nn.Module, builder_name: str, weights_name: str) -> torch.Tensor:
    """``model`` (the student's, where it runs) given the ImageNet weights, on a photo of the pet sample."""
    from cnn_course import data

    state = data.without_auxiliary_heads(with_imagenet_weights(builder_name, weights_name).state_dict())
    model.load_state_dict(state, strict=True)
    return output_in_eval(model, pet_photo())


def check_imagenet_weights(mine, builder, weights, name: str, hint: str | None = None) -> str:
    """torchvision's ImageNet ``weights`` (a download of the full profile) loaded into the student's model with
    ``strict=True`` give torchvision's outputs on a photo of the shipped pet sample. Returns the ImageNet class the
    student's model names."""
    weights_name = f"{type(weights).__name__}.{weights.name}"
    expected = output_in_eval(with_imagenet_weights(builder.__name__, weights_name), pet_photo())
    got = _where_student_code_runs("imagenet_logits")(mine, builder.__name__, weights_name)
    check_type(got, torch.Tensor, f"{name} with torchvision's ImageNet weights: output")
    check_shape(got, expected.shape, f"{name} with torchvision's ImageNet weights: output shape", hint=hint)
    check_close(got, expected, f"{name} with torchvision's ImageNet weights", hint=hint,
                rtol=1e-4, atol=1e-4 * max(1.0, expected.abs().max().item()))
    return weights.meta["categories"][got.argmax().item()]


def torchvision_on_meta(builder_name: str, **kwargs) -> nn.Module:
    """torchvision's ``builder_name(**kwargs)`` on the meta device: its layers and shapes, no memory, no weights."""
    import torchvision

    with torch.device("meta"):
        return getattr(torchvision.models, builder_name)(**kwargs)
