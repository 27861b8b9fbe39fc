"""Helpers for the test cells of 05_architectures: twin models with shared random weights.

The reference model (torchvision's, or one the test builds) is created on the ``meta`` device and then
takes the student's tensors, so no large model is initialised twice and no weights are downloaded.
"""
from __future__ import annotations

import torch
import torch.nn as nn

from cnn_course.checks import check, check_close, check_shape, check_type


def compare_state_dicts(mine: nn.Module, theirs: nn.Module, name: str, hint: str | None = None) -> None:
    """The same state_dict keys and shapes as the reference, saying which differ."""
    a, b = mine.state_dict(), theirs.state_dict()
    missing = [k for k in b if k not in a]
    unexpected = [k for k in a if k not in b]
    check(not missing and not unexpected, name, "state_dict keys differ from the reference's: "
          f"missing {missing[:5]}, unexpected {unexpected[:5]}", hint=hint)
    wrong = [f"{k}: yours {tuple(a[k].shape)}, reference {tuple(b[k].shape)}" for k in b if a[k].shape != b[k].shape]
    check(not wrong, name, "parameter shapes differ from the reference's: " + "; ".join(wrong[:4]), hint=hint)


_TILE = 1_000_003  # a prime: the repeated block never lines up with a row


@torch.no_grad()
def randomise(model: nn.Module, seed: int = 0) -> nn.Module:
    """Seeded random values in every parameter and buffer, BatchNorm statistics included."""
    g = torch.Generator().manual_seed(seed)
    for pname, p in model.named_parameters():
        if p.dim() > 1 and p.numel() > _TILE:
            # a big matrix (VGG's and AlexNet's classifiers): a random block of prime length, repeated, is as
            # good at telling layers apart and costs a copy instead of a hundred million draws
            block = torch.randn(_TILE, generator=g, dtype=p.dtype) * (1.0 / p[0].numel()) ** 0.5
            flat, whole = p.view(-1), p.numel() // _TILE
            flat[:whole * _TILE].view(whole, _TILE).copy_(block.expand(whole, _TILE))
            flat[whole * _TILE:] = block[:p.numel() - whole * _TILE]
        elif p.dim() > 1:
            p.normal_(0.0, (1.0 / p[0].numel()) ** 0.5, generator=g)
        elif pname.endswith("weight"):
            p.uniform_(0.5, 1.5, generator=g)
        else:
            p.normal_(0.0, 0.1, generator=g)
    for bname, b in model.named_buffers():
        if not b.is_floating_point():
            b.zero_()
        elif bname.endswith("running_var"):
            b.uniform_(0.5, 1.5, generator=g)
        else:
            b.normal_(0.0, 0.1, generator=g)
    return model


def twins(build_mine, build_reference, name: str, hint: str | None = None, seed: int = 0, materialise: bool = True):
    """(mine, reference): the student's model with random weights and the reference holding the same tensors.
    With materialise=False only the state_dicts are compared, on the meta device, and nothing is allocated."""
    with torch.device("meta"):
        mine = build_mine()
    check_type(mine, nn.Module, name, hint="return an nn.Module")
    with torch.device("meta"):
        reference = build_reference()
    compare_state_dicts(mine, reference, name, hint)
    if not materialise:
        return mine, reference
    mine.to_empty(device="cpu")
    randomise(mine, seed)
    reference.load_state_dict(mine.state_dict(), strict=True, assign=True)
    return mine.eval(), reference.eval()


def compare_outputs(mine: nn.Module, reference: nn.Module, x: torch.Tensor, name: str, hint: str | None = None):
    """The same output as the reference in evaluation mode, within a tolerance scaled by the output."""
    with torch.no_grad():
        expected = reference.eval()(x)
        got = mine.eval()(x)
    check_type(got, torch.Tensor, f"{name}: output", hint="forward returns one tensor of logits")
    check_shape(got, expected.shape, f"{name}: output shape for input {tuple(x.shape)}", hint=hint)
    scale = max(1.0, expected.abs().max().item())
    check_close(got, expected, f"{name}: output for input {tuple(x.shape)}, same weights as the reference",
                hint=hint, rtol=1e-4, atol=1e-4 * scale)
    return got


IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


def check_imagenet_weights(mine: nn.Module, builder, weights, name: str, hint: str | None = None, **kwargs) -> str:
    """torchvision's ImageNet ``weights`` (a download of the full profile; random ones offline, with one
    [offline] line) loaded into the student's model with ``strict=True`` give torchvision's outputs on a photo of
    the shipped pet sample. Returns the ImageNet class the
    student's model names."""
    import torchvision.transforms.functional as TF

    from cnn_course import data

    reference = data.pretrained_weights(builder, weights, **kwargs).eval()  # eval: GoogLeNet's aux heads idle
    if getattr(reference, "transform_input", False):  # GoogLeNet's weights re-normalise the input inside,
        reference.transform_input = False  # which the student's model (as the paper's) does not
    mine.load_state_dict(data.without_auxiliary_heads(reference.state_dict()), strict=True)
    photo = TF.to_tensor(data.load_pet().convert("RGB").resize((224, 224)))
    logits = compare_outputs(mine, reference, TF.normalize(photo, IMAGENET_MEAN, IMAGENET_STD)[None],
                             f"{name} with torchvision's ImageNet weights", hint)
    return weights.meta["categories"][logits.argmax().item()]
