"""Helpers the tests of 04_pet_breeds share."""
from __future__ import annotations

import numpy as _np
import torch as _torch
from PIL import Image as _Image

from cnn_course import data as _data

_nn = _torch.nn


class ProbeLoader:
    """A loader that yields one fixed batch n times and notes, at each batch, the model's mode and autograd."""

    def __init__(self, xb, yb, n):
        self.xb, self.yb, self.n, self.model, self.seen = xb, yb, n, None, []

    def __iter__(self):
        for _ in range(self.n):
            self.seen.append((self.model.training, _torch.is_grad_enabled()))
            yield self.xb, self.yb

    def __len__(self):
        return self.n


def tiny_pet_setup(n_train, seed=0):
    """A tiny CNN (body, head) and a fixed batch of 8 pet photos of 8 breeds at 32x32."""
    _torch.manual_seed(seed)
    _body = _nn.Sequential(_nn.Conv2d(3, 16, 3, 2, 1), _nn.BatchNorm2d(16), _nn.ReLU(),
                           _nn.Conv2d(16, 32, 3, 2, 1), _nn.BatchNorm2d(32), _nn.ReLU())
    _head = _nn.Sequential(_nn.AdaptiveAvgPool2d(1), _nn.Flatten(), _nn.Linear(32, 8))
    _model = _nn.Sequential(_body, _head)
    _files = _data.pets_sample_files()[::37][:8]
    _xb = _torch.stack([_torch.tensor(_np.asarray(_Image.open(_f).convert("RGB").resize((32, 32))), dtype=_torch.float32).permute(2, 0, 1) / 255
                        for _f in _files])
    _xb = (_xb - _xb.mean(dim=(0, 2, 3), keepdim=True)) / _xb.std(dim=(0, 2, 3), keepdim=True)
    _yb = _torch.arange(8)
    _train, _valid = ProbeLoader(_xb, _yb, n_train), ProbeLoader(_xb, _yb, 1)
    _train.model = _valid.model = _model
    return _model, _train, _valid


def snapshot(module):
    return [p.detach().clone() for p in module.parameters()]


def moved(before, module):
    return max(float((b - p.detach()).abs().max()) for b, p in zip(before, module.parameters()))


def seeded_learner(seed):
    """A ResNet-18 Learner over one photo per breed, its random weights drawn from ``seed``: built from the same
    seed where the test runs and where the student's code runs, it is the same network on both sides."""
    from fastai.vision.all import (CategoryBlock, DataBlock, ImageBlock, RegexLabeller, Resize, resnet18, using_attr,
                                   vision_learner)
    files = _data.pets_sample_files()[::10]
    dls = DataBlock(blocks=(ImageBlock, CategoryBlock), get_items=lambda _: files,
                    splitter=lambda items: (list(range(len(items))), [0]),
                    get_y=using_attr(RegexLabeller(r"^(.+)_\d+\.jpg$"), "name"), item_tfms=Resize(40)
                    ).dataloaders(_data.PETS_SAMPLE, bs=8, num_workers=0)
    _torch.random.manual_seed(seed)
    return vision_learner(dls, resnet18, pretrained=False)
