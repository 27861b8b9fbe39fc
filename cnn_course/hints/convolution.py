"""Helpers the tests of 01_convolution share."""
from __future__ import annotations

import torch
import torch.nn.functional as F

_allclose = torch.allclose  # bound at import, before any student code runs


def conv_hint(got, x, w, b, s, p, d=1):
    """Name the likely mistake in a wrong conv2d output by redoing the convolution the wrong ways a student might."""
    ref = lambda ww, bb: F.conv2d(x.double().cpu(), ww.double().cpu(), None if bb is None else bb.double().cpu(), s, p, d)
    tries = [("you flipped the kernel (that is true convolution; conv2d must not flip)", w.flip(-1, -2), b)]
    if b is not None:
        tries += [("the bias is missing: add bias[f] to every value of feature map f", w, None),
                  ("the bias is added once per input channel: add it once per filter, after the sum over channels", w, b * x.shape[1])]
    for hint, ww, bb in tries:
        r = ref(ww, bb)
        if tuple(got.shape) == tuple(r.shape) and _allclose(got.detach().double().cpu(), r, rtol=1e-3, atol=1e-3):
            return hint
    return ("out[n, f, i, j] = bias[f] + sum over c, a, b of x_pad[n, c, i*s + a*d, j*s + b*d] * weight[f, c, a, b]: "
            "check the padding (both sides), the stride, the dilation and the sum over ALL input channels")
