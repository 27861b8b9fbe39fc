"""Wrong and alternative-correct solutions for 02_pooling (pooling, unpooling and the first whole CNN).

Each entry is the whole exercise cell without its marker line; it runs in the notebook, so `torch`, `F`, `nn`,
`as_pair`, `progress_bar` and `cnn_course` are defined.
"""

# The reference pool2d, parametrised so that each pool2d mutant changes one thing.
_POOL2D = '''
def pool2d(x, kernel_size, stride=None, padding=0, mode="max"):
    kh, kw = as_pair(kernel_size)
    sh, sw = as_pair({stride_default})
    ph, pw = as_pair(padding)
    if ph or pw:
        x = F.pad(x, {pad_spec}, value={fill})
    H, W = x.shape[-2:]
    oh, ow = (H - kh) // sh + 1, (W - kw) // sw + 1
    combine = {combine}
    rows = x[..., 0:(oh - 1) * sh + 1:sh, :].clone()
    for i in range(1, kh):
        rows = combine(rows, x[..., i:i + (oh - 1) * sh + 1:sh, :])
    out = rows[..., 0:(ow - 1) * sw + 1:sw]
    for j in range(1, kw):
        out = combine(out, rows[..., j:j + (ow - 1) * sw + 1:sw])
    if {divide}:
        out = out / {divisor}
    return out
'''
_POOL2D_OK = dict(stride_default="kernel_size if stride is None else stride", pad_spec="(pw, pw, ph, ph)",
                  fill='float("-inf") if mode == "max" else 0.0',
                  combine='torch.maximum if mode == "max" else torch.add', divide='mode == "avg"', divisor="(kh * kw)")


def _pool2d(**change):
    return _POOL2D.format(**{**_POOL2D_OK, **change})


_MAXPOOL_IDX = '''
def maxpool2d_with_indices(x, kernel_size, stride=None):
    kh, kw = as_pair(kernel_size)
    sh, sw = as_pair(kernel_size if stride is None else stride)
    N, C, H, W = x.shape
    windows = x.unfold(2, kh, sh).unfold(3, kw, sw)
    oh, ow = windows.shape[2], windows.shape[3]
    out, where = windows.reshape(N, C, oh, ow, kh * kw).max(dim=-1)
    rows = torch.arange(oh).view(-1, 1) * sh + where // kw
    cols = torch.arange(ow) * sw + where % kw
    return out, {indices}
'''

MUTANTS = {
    "pool2d": {
        "average instead of max": _pool2d(combine="torch.add", divide='mode in ("max", "avg")'),
        "stride ignored (always the kernel size)": _pool2d(stride_default="kernel_size"),
        "stride defaults to 1 instead of the kernel size": _pool2d(stride_default="1 if stride is None else stride"),
        "pads max pooling with zeros instead of -inf": _pool2d(fill="0.0"),
        "sum mode returns the average": _pool2d(divide='mode in ("avg", "sum")'),
        "avg divides by the window's row count only": _pool2d(divisor="kh"),
        "pads only the bottom and right": _pool2d(pad_spec="(0, 2 * pw, 0, 2 * ph)"),
        "kernel pair read as (width, height)": _pool2d().replace("kh, kw = as_pair(kernel_size)",
                                                                 "kw, kh = as_pair(kernel_size)"),
        "one window too few (output size H // s - 1)": _pool2d().replace(
            "oh, ow = (H - kh) // sh + 1, (W - kw) // sw + 1", "oh, ow = (H - kh) // sh, (W - kw) // sw"),
        "calls F.max_pool2d": '''
def pool2d(x, kernel_size, stride=None, padding=0, mode="max"):
    if mode == "max":
        return F.max_pool2d(x, kernel_size, stride, padding)
    out = F.avg_pool2d(x, kernel_size, stride, padding)
    kh, kw = as_pair(kernel_size)
    return out * (kh * kw) if mode == "sum" else out
''',
        "hides the torch call behind an alias": '''
def pool2d(x, kernel_size, stride=None, padding=0, mode="max"):
    pool = getattr(torch.nn.functional, "max_pool2d" if mode == "max" else "avg_pool2d")
    out = pool(x, kernel_size, stride, padding)
    kh, kw = as_pair(kernel_size)
    return out * (kh * kw) if mode == "sum" else out
''',
    },
    "maxpool2d_with_indices": {
        "indices relative to the window instead of the plane": _MAXPOOL_IDX.format(indices="where"),
        "row stride uses the output width": _MAXPOOL_IDX.format(indices="rows * ow + cols"),
        "ignores the stride in the plane position": _MAXPOOL_IDX.format(
            indices="(torch.arange(oh).view(-1, 1) * kh + where // kw) * W + torch.arange(ow) * kw + where % kw"),
        "column-major position (col * H + row)": _MAXPOOL_IDX.format(indices="cols * H + rows"),
        "indices as float": _MAXPOOL_IDX.format(indices="(rows * W + cols).float()"),
        "last maximum wins on ties": '''
def maxpool2d_with_indices(x, kernel_size, stride=None):
    kh, kw = as_pair(kernel_size)
    sh, sw = as_pair(kernel_size if stride is None else stride)
    N, C, H, W = x.shape
    windows = x.unfold(2, kh, sh).unfold(3, kw, sw)
    oh, ow = windows.shape[2], windows.shape[3]
    flat = windows.reshape(N, C, oh, ow, kh * kw).flip(-1)
    out, where = flat.max(dim=-1)
    where = kh * kw - 1 - where
    rows = torch.arange(oh).view(-1, 1) * sh + where // kw
    cols = torch.arange(ow) * sw + where % kw
    return out, rows * W + cols
''',
        "uses F.max_pool2d(return_indices=True)": '''
def maxpool2d_with_indices(x, kernel_size, stride=None):
    return F.max_pool2d(x, kernel_size, stride, return_indices=True)
''',
    },
    "max_unpool2d": {
        "ignores output_size (twice the pooled size)": '''
def max_unpool2d(pooled, indices, output_size):
    N, C, h, w = pooled.shape
    H, W = 2 * h, 2 * w
    out = pooled.new_zeros(N, C, H * W)
    out.scatter_(2, indices.reshape(N, C, -1), pooled.reshape(N, C, -1))
    return out.view(N, C, H, W)
''',
        "adds values that share a switch (scatter_add_)": '''
def max_unpool2d(pooled, indices, output_size):
    H, W = tuple(output_size)[-2:]
    N, C = pooled.shape[:2]
    out = pooled.new_zeros(N, C, H * W)
    out.scatter_add_(2, indices.reshape(N, C, -1), pooled.reshape(N, C, -1))
    return out.view(N, C, H, W)
''',
        "nearest-neighbour upsampling (fills the whole window)": '''
def max_unpool2d(pooled, indices, output_size):
    H, W = tuple(output_size)[-2:]
    h, w = pooled.shape[-2:]
    up = pooled.repeat_interleave(H // h, dim=-2).repeat_interleave(W // w, dim=-1)
    return F.pad(up, (0, W - up.shape[-1], 0, H - up.shape[-2]))
''',
        "value at the window's top-left corner": '''
def max_unpool2d(pooled, indices, output_size):
    H, W = tuple(output_size)[-2:]
    N, C, h, w = pooled.shape
    out = pooled.new_zeros(N, C, H, W)
    out[..., 0:h * (H // h):H // h, 0:w * (W // w):W // w] = pooled
    return out
''',
        "decodes indices with the pooled width": '''
def max_unpool2d(pooled, indices, output_size):
    H, W = tuple(output_size)[-2:]
    N, C, h, w = pooled.shape
    out = pooled.new_zeros(N, C, H, W)
    rows, cols = indices // w, indices % w
    n = torch.arange(N).view(-1, 1, 1, 1).expand_as(indices)
    c = torch.arange(C).view(1, -1, 1, 1).expand_as(indices)
    out[n, c, rows.clamp(max=H - 1), cols] = pooled
    return out
''',
        "scatters every plane into the first one": '''
def max_unpool2d(pooled, indices, output_size):
    H, W = tuple(output_size)[-2:]
    N, C = pooled.shape[:2]
    out = pooled.new_zeros(N * C * H * W)
    out.scatter_(0, indices.reshape(-1), pooled.reshape(-1))
    return out.view(N, C, H, W)
''',
    },
    "pool2d_backward": {
        "max gradient spread to every element of the window": '''
def pool2d_backward(grad_out, x, kernel_size, stride=None, mode="max"):
    kh, kw = as_pair(kernel_size)
    sh, sw = as_pair(kernel_size if stride is None else stride)
    oh, ow = grad_out.shape[-2:]
    share = grad_out / (kh * kw) if mode == "avg" else grad_out
    grad_x = torch.zeros_like(x)
    for i in range(kh):
        for j in range(kw):
            grad_x[..., i:i + (oh - 1) * sh + 1:sh, j:j + (ow - 1) * sw + 1:sw] += share
    return grad_x
''',
        "overlapping windows overwrite instead of adding": '''
def pool2d_backward(grad_out, x, kernel_size, stride=None, mode="max"):
    kh, kw = as_pair(kernel_size)
    sh, sw = as_pair(kernel_size if stride is None else stride)
    N, C, H, W = x.shape
    oh, ow = grad_out.shape[-2:]
    if mode == "max":
        _, where = maxpool2d_with_indices(x, kernel_size, stride)
        grad_x = grad_out.new_zeros(N, C, H * W)
        grad_x.scatter_(2, where.reshape(N, C, -1), grad_out.reshape(N, C, -1))
        return grad_x.view(N, C, H, W)
    share = grad_out / (kh * kw) if mode == "avg" else grad_out
    grad_x = grad_out.new_zeros(N, C, H, W)
    for i in range(kh):
        for j in range(kw):
            grad_x[..., i:i + (oh - 1) * sh + 1:sh, j:j + (ow - 1) * sw + 1:sw] = share
    return grad_x
''',
        "last maximum gets the gradient on ties": '''
def pool2d_backward(grad_out, x, kernel_size, stride=None, mode="max"):
    kh, kw = as_pair(kernel_size)
    sh, sw = as_pair(kernel_size if stride is None else stride)
    N, C, H, W = x.shape
    oh, ow = grad_out.shape[-2:]
    if mode == "max":
        windows = x.unfold(2, kh, sh).unfold(3, kw, sw).reshape(N, C, oh, ow, kh * kw)
        where = kh * kw - 1 - windows.flip(-1).argmax(dim=-1)
        rows = torch.arange(oh, device=x.device).view(-1, 1) * sh + where // kw
        cols = torch.arange(ow, device=x.device) * sw + where % kw
        grad_x = grad_out.new_zeros(N, C, H * W)
        grad_x.scatter_add_(2, (rows * W + cols).reshape(N, C, -1), grad_out.reshape(N, C, -1))
        return grad_x.view(N, C, H, W)
    share = grad_out / (kh * kw) if mode == "avg" else grad_out
    grad_x = grad_out.new_zeros(N, C, H, W)
    for i in range(kh):
        for j in range(kw):
            grad_x[..., i:i + (oh - 1) * sh + 1:sh, j:j + (ow - 1) * sw + 1:sw] += share
    return grad_x
''',
        "avg gradient not divided by the window area": '''
def pool2d_backward(grad_out, x, kernel_size, stride=None, mode="max"):
    kh, kw = as_pair(kernel_size)
    sh, sw = as_pair(kernel_size if stride is None else stride)
    N, C, H, W = x.shape
    oh, ow = grad_out.shape[-2:]
    if mode == "max":
        _, where = maxpool2d_with_indices(x, kernel_size, stride)
        grad_x = grad_out.new_zeros(N, C, H * W)
        grad_x.scatter_add_(2, where.reshape(N, C, -1), grad_out.reshape(N, C, -1))
        return grad_x.view(N, C, H, W)
    grad_x = grad_out.new_zeros(N, C, H, W)
    for i in range(kh):
        for j in range(kw):
            grad_x[..., i:i + (oh - 1) * sh + 1:sh, j:j + (ow - 1) * sw + 1:sw] += grad_out
    return grad_x
''',
        "stride ignored (windows assumed not to overlap)": '''
def pool2d_backward(grad_out, x, kernel_size, stride=None, mode="max"):
    kh, kw = as_pair(kernel_size)
    N, C, H, W = x.shape
    oh, ow = grad_out.shape[-2:]
    if mode == "max":
        _, where = maxpool2d_with_indices(x, kernel_size, kernel_size)
        grad_x = grad_out.new_zeros(N, C, H * W)
        n = min(where.shape[-2], oh), min(where.shape[-1], ow)
        g = grad_out[..., :n[0], :n[1]]
        grad_x.scatter_add_(2, where[..., :n[0], :n[1]].reshape(N, C, -1), g.reshape(N, C, -1))
        return grad_x.view(N, C, H, W)
    share = grad_out / (kh * kw) if mode == "avg" else grad_out
    up = share.repeat_interleave(kh, dim=-2).repeat_interleave(kw, dim=-1)[..., :H, :W]
    return F.pad(up, (0, W - up.shape[-1], 0, H - up.shape[-2]))
''',
        "window-relative switches used as plane positions": '''
def pool2d_backward(grad_out, x, kernel_size, stride=None, mode="max"):
    kh, kw = as_pair(kernel_size)
    sh, sw = as_pair(kernel_size if stride is None else stride)
    N, C, H, W = x.shape
    oh, ow = grad_out.shape[-2:]
    if mode == "max":
        where = x.unfold(2, kh, sh).unfold(3, kw, sw).reshape(N, C, oh, ow, kh * kw).argmax(dim=-1)
        grad_x = grad_out.new_zeros(N, C, H * W)
        grad_x.scatter_add_(2, where.reshape(N, C, -1), grad_out.reshape(N, C, -1))
        return grad_x.view(N, C, H, W)
    share = grad_out / (kh * kw) if mode == "avg" else grad_out
    grad_x = grad_out.new_zeros(N, C, H, W)
    for i in range(kh):
        for j in range(kw):
            grad_x[..., i:i + (oh - 1) * sh + 1:sh, j:j + (ow - 1) * sw + 1:sw] += share
    return grad_x
''',
        "uses autograd": '''
def pool2d_backward(grad_out, x, kernel_size, stride=None, mode="max"):
    leaf = x.detach().clone().requires_grad_(True)
    kh, kw = as_pair(kernel_size)
    sh, sw = as_pair(kernel_size if stride is None else stride)
    windows = leaf.unfold(2, kh, sh).unfold(3, kw, sw)
    out = windows.amax(dim=(-2, -1)) if mode == "max" else windows.sum(dim=(-2, -1))
    if mode == "avg":
        out = out / (kh * kw)
    out.backward(grad_out)
    return leaf.grad
''',
    },
    "global_avg_pool": {
        "keeps the spatial dimensions": "def global_avg_pool(x):\n    return x.mean(dim=(2, 3), keepdim=True)\n",
        "global max instead of mean": "def global_avg_pool(x):\n    return x.amax(dim=(2, 3))\n",
        "sum instead of mean": "def global_avg_pool(x):\n    return x.sum(dim=(2, 3))\n",
        "divides by H only": "def global_avg_pool(x):\n    return x.sum(dim=(2, 3)) / x.shape[2]\n",
        "averages over the channels too": "def global_avg_pool(x):\n    return x.mean(dim=(1, 2, 3))\n",
        "averages over the last dimension only": "def global_avg_pool(x):\n    return x.mean(dim=-1)[..., 0]\n",
        "uses F.adaptive_avg_pool2d": "def global_avg_pool(x):\n    return F.adaptive_avg_pool2d(x, 1).flatten(1)\n",
    },
    "adaptive_avg_pool2d": {
        "bins off by one (end = floor)": '''
def adaptive_avg_pool2d(x, output_size):
    oh, ow = as_pair(output_size)
    H, W = x.shape[-2:]
    def bins(n_in, n_out):
        w = x.new_zeros(n_out, n_in)
        for i in range(n_out):
            start, end = (i * n_in) // n_out, max((i + 1) * n_in // n_out, (i * n_in) // n_out + 1)
            w[i, start:end] = 1.0 / (end - start)
        return w
    return bins(H, oh) @ x @ bins(W, ow).T
''',
        "fixed window and stride H // h": '''
def adaptive_avg_pool2d(x, output_size):
    oh, ow = as_pair(output_size)
    H, W = x.shape[-2:]
    kh, kw = max(H // oh, 1), max(W // ow, 1)
    out = x.new_zeros(*x.shape[:2], oh, ow)
    for i in range(oh):
        for j in range(ow):
            out[..., i, j] = x[..., i * kh:i * kh + kh, j * kw:j * kw + kw].mean(dim=(-2, -1))
    return out
''',
        "start rounded up instead of down": '''
def adaptive_avg_pool2d(x, output_size):
    oh, ow = as_pair(output_size)
    H, W = x.shape[-2:]
    def bins(n_in, n_out):
        w = x.new_zeros(n_out, n_in)
        for i in range(n_out):
            end = -((-(i + 1) * n_in) // n_out)
            start = min(-((-i * n_in) // n_out), end - 1)
            w[i, start:end] = 1.0 / (end - start)
        return w
    return bins(H, oh) @ x @ bins(W, ow).T
''',
        "output height and width swapped": '''
def adaptive_avg_pool2d(x, output_size):
    oh, ow = as_pair(output_size)
    H, W = x.shape[-2:]
    def bins(n_in, n_out):
        w = x.new_zeros(n_out, n_in)
        for i in range(n_out):
            start, end = (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)
            w[i, start:end] = 1.0 / (end - start)
        return w
    return bins(H, ow) @ x @ bins(W, oh).T
''',
        "sums the bins instead of averaging": '''
def adaptive_avg_pool2d(x, output_size):
    oh, ow = as_pair(output_size)
    H, W = x.shape[-2:]
    def bins(n_in, n_out):
        w = x.new_zeros(n_out, n_in)
        for i in range(n_out):
            start, end = (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)
            w[i, start:end] = 1.0
        return w
    return bins(H, oh) @ x @ bins(W, ow).T
''',
        "an int size read as (size, 1)": '''
def adaptive_avg_pool2d(x, output_size):
    oh, ow = (output_size, 1) if isinstance(output_size, int) else tuple(output_size)
    H, W = x.shape[-2:]
    def bins(n_in, n_out):
        w = x.new_zeros(n_out, n_in)
        for i in range(n_out):
            start, end = (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)
            w[i, start:end] = 1.0 / (end - start)
        return w
    return bins(H, oh) @ x @ bins(W, ow).T
''',
        "uses F.adaptive_avg_pool2d": "def adaptive_avg_pool2d(x, output_size):\n"
                                     "    return F.adaptive_avg_pool2d(x, output_size)\n",
    },
    "avg_pool_as_conv": {
        "forgets groups (mixes the channels)": '''
def avg_pool_as_conv(x, kernel_size):
    kh, kw = as_pair(kernel_size)
    c = x.shape[1]
    weight = x.new_full((c, c, kh, kw), 1.0 / (kh * kw))
    return F.conv2d(x, weight, stride=(kh, kw))
''',
        "kernel of ones (sum pooling)": '''
def avg_pool_as_conv(x, kernel_size):
    kh, kw = as_pair(kernel_size)
    c = x.shape[1]
    return F.conv2d(x, x.new_ones(c, 1, kh, kw), stride=(kh, kw), groups=c)
''',
        "stride 1": '''
def avg_pool_as_conv(x, kernel_size):
    kh, kw = as_pair(kernel_size)
    c = x.shape[1]
    return F.conv2d(x, x.new_full((c, 1, kh, kw), 1.0 / (kh * kw)), groups=c)
''',
        "divides by kh only": '''
def avg_pool_as_conv(x, kernel_size):
    kh, kw = as_pair(kernel_size)
    c = x.shape[1]
    return F.conv2d(x, x.new_full((c, 1, kh, kw), 1.0 / kh), stride=(kh, kw), groups=c)
''',
        "kernel pair read as (width, height)": '''
def avg_pool_as_conv(x, kernel_size):
    kw, kh = as_pair(kernel_size)
    c = x.shape[1]
    return F.conv2d(x, x.new_full((c, 1, kh, kw), 1.0 / (kh * kw)), stride=(kh, kw), groups=c)
''',
        "no convolution at all (unfold and mean)": '''
def avg_pool_as_conv(x, kernel_size):
    kh, kw = as_pair(kernel_size)
    return x.unfold(2, kh, kh).unfold(3, kw, kw).mean(dim=(-2, -1))
''',
        "uses F.avg_pool2d": "def avg_pool_as_conv(x, kernel_size):\n    return F.avg_pool2d(x, kernel_size)\n",
    },
    "shift_invariance": {
        "fraction of outputs that changed": '''
def shift_invariance(layer, images, shift=1):
    with torch.no_grad():
        a, b = layer(images), layer(torch.roll(images, shifts=shift, dims=-1))
    return 1.0 - torch.isclose(a, b, rtol=1e-5, atol=1e-6).double().mean().item()
''',
        "shifts along the height": '''
def shift_invariance(layer, images, shift=1):
    with torch.no_grad():
        a, b = layer(images), layer(torch.roll(images, shifts=shift, dims=-2))
    return torch.isclose(a, b, rtol=1e-5, atol=1e-6).double().mean().item()
''',
        "shifts to the left": '''
def shift_invariance(layer, images, shift=1):
    with torch.no_grad():
        a, b = layer(images), layer(torch.roll(images, shifts=-shift, dims=-1))
    return torch.isclose(a, b, rtol=1e-5, atol=1e-6).double().mean().item()
''',
        "zero-filled shift instead of a circular roll": '''
def shift_invariance(layer, images, shift=1):
    shifted = torch.zeros_like(images)
    if shift > 0:
        shifted[..., shift:] = images[..., :-shift]
    elif shift < 0:
        shifted[..., :shift] = images[..., -shift:]
    else:
        shifted = images
    with torch.no_grad():
        a, b = layer(images), layer(shifted)
    return torch.isclose(a, b, rtol=1e-5, atol=1e-6).double().mean().item()
''',
        "counts instead of a fraction": '''
def shift_invariance(layer, images, shift=1):
    with torch.no_grad():
        a, b = layer(images), layer(torch.roll(images, shifts=shift, dims=-1))
    return float(torch.isclose(a, b, rtol=1e-5, atol=1e-6).sum().item())
''',
        "compares the output shifted back (equivariance)": '''
def shift_invariance(layer, images, shift=1):
    with torch.no_grad():
        a, b = layer(images), layer(torch.roll(images, shifts=shift, dims=-1))
    return torch.isclose(a, torch.roll(b, shifts=-shift, dims=-1), rtol=1e-5, atol=1e-6).double().mean().item()
''',
        "fraction of images left entirely unchanged": '''
def shift_invariance(layer, images, shift=1):
    with torch.no_grad():
        a, b = layer(images), layer(torch.roll(images, shifts=shift, dims=-1))
    return torch.isclose(a, b, rtol=1e-5, atol=1e-6).flatten(1).all(dim=1).double().mean().item()
''',
    },
    "softmax": {
        "unstable (no max subtraction)": '''
def softmax(z, dim=-1):
    e = z.exp()
    return e / e.sum(dim=dim, keepdim=True)
''',
        "subtracts the global maximum": '''
def softmax(z, dim=-1):
    e = (z - z.max()).exp()
    return e / e.sum(dim=dim, keepdim=True)
''',
        "normalises over dim 0": '''
def softmax(z, dim=-1):
    e = (z - z.amax(dim=dim, keepdim=True)).exp()
    return e / e.sum(dim=0, keepdim=True)
''',
        "normalises by the sum of the whole tensor": '''
def softmax(z, dim=-1):
    e = (z - z.amax(dim=dim, keepdim=True)).exp()
    return e / e.sum()
''',
        "returns log-softmax": '''
def softmax(z, dim=-1):
    s = z - z.amax(dim=dim, keepdim=True)
    return s - s.exp().sum(dim=dim, keepdim=True).log()
''',
        "forgets the exponential": '''
def softmax(z, dim=-1):
    s = z - z.amin(dim=dim, keepdim=True)
    return s / s.sum(dim=dim, keepdim=True)
''',
        "uses torch.softmax": "def softmax(z, dim=-1):\n    return torch.softmax(z, dim=dim)\n",
    },
    "cross_entropy": {
        "unstable: log of a naive softmax": '''
def cross_entropy(logits, targets):
    p = logits.exp() / logits.exp().sum(dim=1, keepdim=True)
    return -p.gather(1, targets.view(-1, 1)).log().mean()
''',
        "log of a stable softmax (log(0) for far-off classes)": '''
def cross_entropy(logits, targets):
    e = (logits - logits.amax(dim=1, keepdim=True)).exp()
    p = e / e.sum(dim=1, keepdim=True)
    return -p.gather(1, targets.view(-1, 1)).log().mean()
''',
        "clamps the probability at 1e-12": '''
def cross_entropy(logits, targets):
    e = (logits - logits.amax(dim=1, keepdim=True)).exp()
    p = e / e.sum(dim=1, keepdim=True)
    return -p.gather(1, targets.view(-1, 1)).clamp_min(1e-12).log().mean()
''',
        "forgets to add the maximum back": '''
def cross_entropy(logits, targets):
    m = logits.amax(dim=1, keepdim=True)
    lse = (logits - m).exp().sum(dim=1).log()
    return (lse - logits.gather(1, targets.view(-1, 1)).squeeze(1)).mean()
''',
        "sum instead of mean over the batch": '''
def cross_entropy(logits, targets):
    m = logits.amax(dim=1, keepdim=True)
    lse = m.squeeze(1) + (logits - m).exp().sum(dim=1).log()
    return (lse - logits.gather(1, targets.view(-1, 1)).squeeze(1)).sum()
''',
        "picks logits[:, targets] (an N x N matrix)": '''
def cross_entropy(logits, targets):
    m = logits.amax(dim=1, keepdim=True)
    lse = m + (logits - m).exp().sum(dim=1, keepdim=True).log()
    return (lse - logits[:, targets]).mean()
''',
        "goes through .item() (no gradient)": '''
def cross_entropy(logits, targets):
    total = 0.0
    for z, y in zip(logits, targets):
        m = z.max().item()
        total += m + math.log(sum(math.exp(v - m) for v in z.tolist())) - z[y].item()
    return torch.tensor(total / len(targets))
import math
''',
        "uses F.cross_entropy": "def cross_entropy(logits, targets):\n    return F.cross_entropy(logits, targets)\n",
    },
    "SmallCNN": {
        "no pooling": '''
class SmallCNN(nn.Module):
    def __init__(self, num_classes, in_channels=1, image_size=8):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(in_channels, 16, 3, padding=1), nn.ReLU(),
                                      nn.Conv2d(16, 32, 3, padding=1), nn.ReLU())
        self.classifier = nn.Linear(32 * image_size * image_size, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))
''',
        "no ReLU": '''
class SmallCNN(nn.Module):
    def __init__(self, num_classes, in_channels=1, image_size=8):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(in_channels, 16, 3, padding=1), nn.MaxPool2d(2),
                                      nn.Conv2d(16, 32, 3, padding=1), nn.MaxPool2d(2))
        self.classifier = nn.Linear(32 * (image_size // 4) ** 2, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))
''',
        "softmax at the end": '''
class SmallCNN(nn.Module):
    def __init__(self, num_classes, in_channels=1, image_size=8):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(in_channels, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Linear(32 * (image_size // 4) ** 2, num_classes)

    def forward(self, x):
        return torch.softmax(self.classifier(self.features(x).flatten(1)), dim=1)
''',
        "a single convolution block": '''
class SmallCNN(nn.Module):
    def __init__(self, num_classes, in_channels=1, image_size=8):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(in_channels, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Linear(32 * (image_size // 2) ** 2, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))
''',
        "classifier sized for 28x28 whatever image_size says": '''
class SmallCNN(nn.Module):
    def __init__(self, num_classes, in_channels=1, image_size=8):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(in_channels, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Linear(32 * 7 * 7, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))
''',
        "ten classes hard-coded": '''
class SmallCNN(nn.Module):
    def __init__(self, num_classes, in_channels=1, image_size=8):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(in_channels, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Linear(32 * (image_size // 4) ** 2, 10)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))
''',
        "in_channels ignored": '''
class SmallCNN(nn.Module):
    def __init__(self, num_classes, in_channels=1, image_size=8):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Linear(32 * (image_size // 4) ** 2, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))
''',
        "ReLU only after the last block (a linear first block)": '''
class SmallCNN(nn.Module):
    def __init__(self, num_classes, in_channels=1, image_size=8):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(in_channels, 16, 3, padding=1), nn.AvgPool2d(2),
                                      nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Linear(32 * (image_size // 4) ** 2, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))
''',
    },
    "train_small_cnn": {
        "never steps the optimiser": '''
def train_small_cnn(model, train, valid, epochs=10, lr=3e-3, batch_size=64, device=None, progress=True):
    device = device or cnn_course.device()
    model.to(device)
    (xt, yt), (xv, yv) = [(a.to(device), b.to(device)) for a, b in (train, valid)]
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history = {"train_loss": [], "valid_loss": [], "valid_acc": []}
    for _ in range(epochs):
        model.train()
        total = 0.0
        for idx in torch.randperm(len(xt), device=device).split(batch_size):
            loss = F.cross_entropy(model(xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            total += loss.item() * len(idx)
        model.eval()
        with torch.no_grad():
            logits = model(xv)
        history["train_loss"].append(total / len(xt))
        history["valid_loss"].append(F.cross_entropy(logits, yv).item())
        history["valid_acc"].append((logits.argmax(1) == yv).float().mean().item())
    return history
''',
        "learning rate far too small": '''
def train_small_cnn(model, train, valid, epochs=10, lr=1e-5, batch_size=64, device=None, progress=True):
    device = device or cnn_course.device()
    model.to(device)
    (xt, yt), (xv, yv) = [(a.to(device), b.to(device)) for a, b in (train, valid)]
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history = {"train_loss": [], "valid_loss": [], "valid_acc": []}
    for _ in range(epochs):
        model.train()
        total = 0.0
        for idx in torch.randperm(len(xt), device=device).split(batch_size):
            loss = F.cross_entropy(model(xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        model.eval()
        with torch.no_grad():
            logits = model(xv)
        history["train_loss"].append(total / len(xt))
        history["valid_loss"].append(F.cross_entropy(logits, yv).item())
        history["valid_acc"].append((logits.argmax(1) == yv).float().mean().item())
    return history
''',
        "one batch per epoch (return inside the batch loop)": '''
def train_small_cnn(model, train, valid, epochs=10, lr=3e-3, batch_size=64, device=None, progress=True):
    device = device or cnn_course.device()
    model.to(device)
    (xt, yt), (xv, yv) = [(a.to(device), b.to(device)) for a, b in (train, valid)]
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history = {"train_loss": [], "valid_loss": [], "valid_acc": []}
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(xt), device=device).split(batch_size):
            loss = F.cross_entropy(model(xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            break
        model.eval()
        with torch.no_grad():
            logits = model(xv)
        history["train_loss"].append(loss.item())
        history["valid_loss"].append(F.cross_entropy(logits, yv).item())
        history["valid_acc"].append((logits.argmax(1) == yv).float().mean().item())
    return history
''',
        "reports training accuracy as validation accuracy": '''
def train_small_cnn(model, train, valid, epochs=10, lr=3e-3, batch_size=64, device=None, progress=True):
    device = device or cnn_course.device()
    model.to(device)
    (xt, yt), (xv, yv) = [(a.to(device), b.to(device)) for a, b in (train, valid)]
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history = {"train_loss": [], "valid_loss": [], "valid_acc": []}
    for _ in range(epochs):
        model.train()
        total = 0.0
        for idx in torch.randperm(len(xt), device=device).split(batch_size):
            loss = F.cross_entropy(model(xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        model.eval()
        with torch.no_grad():
            logits, train_logits = model(xv), model(xt)
        history["train_loss"].append(total / len(xt))
        history["valid_loss"].append(F.cross_entropy(logits, yv).item())
        history["valid_acc"].append((train_logits.argmax(1) == yt).float().mean().item())
    return history
''',
        "history appended per batch": '''
def train_small_cnn(model, train, valid, epochs=10, lr=3e-3, batch_size=64, device=None, progress=True):
    device = device or cnn_course.device()
    model.to(device)
    (xt, yt), (xv, yv) = [(a.to(device), b.to(device)) for a, b in (train, valid)]
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history = {"train_loss": [], "valid_loss": [], "valid_acc": []}
    for _ in range(epochs):
        for idx in torch.randperm(len(xt), device=device).split(batch_size):
            model.train()
            loss = F.cross_entropy(model(xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            model.eval()
            with torch.no_grad():
                logits = model(xv)
            history["train_loss"].append(loss.item())
            history["valid_loss"].append(F.cross_entropy(logits, yv).item())
            history["valid_acc"].append((logits.argmax(1) == yv).float().mean().item())
    return history
''',
        "validation loss summed over the set": '''
def train_small_cnn(model, train, valid, epochs=10, lr=3e-3, batch_size=64, device=None, progress=True):
    device = device or cnn_course.device()
    model.to(device)
    (xt, yt), (xv, yv) = [(a.to(device), b.to(device)) for a, b in (train, valid)]
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history = {"train_loss": [], "valid_loss": [], "valid_acc": []}
    for _ in range(epochs):
        model.train()
        total = 0.0
        for idx in torch.randperm(len(xt), device=device).split(batch_size):
            loss = F.cross_entropy(model(xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        model.eval()
        with torch.no_grad():
            logits = model(xv)
        history["train_loss"].append(total / len(xt))
        history["valid_loss"].append(F.cross_entropy(logits, yv, reduction="sum").item())
        history["valid_acc"].append((logits.argmax(1) == yv).float().mean().item())
    return history
''',
        "returns the model instead of the history": '''
def train_small_cnn(model, train, valid, epochs=10, lr=3e-3, batch_size=64, device=None, progress=True):
    device = device or cnn_course.device()
    model.to(device)
    (xt, yt) = [t.to(device) for t in train]
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(epochs):
        model.train()
        for idx in torch.randperm(len(xt), device=device).split(batch_size):
            loss = F.cross_entropy(model(xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model
''',
    },
}

ALTERNATIVES = {
    "pool2d": {
        "unfold windows": '''
def pool2d(x, kernel_size, stride=None, padding=0, mode="max"):
    kh, kw = as_pair(kernel_size)
    sh, sw = as_pair(kernel_size if stride is None else stride)
    ph, pw = as_pair(padding)
    x = F.pad(x, (pw, pw, ph, ph), value=float("-inf") if mode == "max" else 0.0)
    windows = x.unfold(2, kh, sh).unfold(3, kw, sw)
    if mode == "max":
        return windows.amax(dim=(-2, -1))
    total = windows.sum(dim=(-2, -1))
    return total / (kh * kw) if mode == "avg" else total
''',
        "loop over window offsets": '''
def pool2d(x, kernel_size, stride=None, padding=0, mode="max"):
    kh, kw = as_pair(kernel_size)
    sh, sw = as_pair(kernel_size if stride is None else stride)
    ph, pw = as_pair(padding)
    fill = float("-inf") if mode == "max" else 0.0
    padded = torch.full((*x.shape[:2], x.shape[2] + 2 * ph, x.shape[3] + 2 * pw), fill, dtype=x.dtype, device=x.device)
    padded[..., ph:ph + x.shape[2], pw:pw + x.shape[3]] = x
    oh = (padded.shape[2] - kh) // sh + 1
    ow = (padded.shape[3] - kw) // sw + 1
    slices = [padded[..., i:i + sh * oh:sh, j:j + sw * ow:sw][..., :oh, :ow] for i in range(kh) for j in range(kw)]
    stack = torch.stack(slices)
    if mode == "max":
        return stack.max(dim=0).values
    return stack.mean(dim=0) if mode == "avg" else stack.sum(dim=0)
''',
        "as_strided": '''
def pool2d(x, kernel_size, stride=None, padding=0, mode="max"):
    kh, kw = as_pair(kernel_size)
    sh, sw = as_pair(kernel_size if stride is None else stride)
    ph, pw = as_pair(padding)
    x = F.pad(x, (pw, pw, ph, ph), value=float("-inf") if mode == "max" else 0.0).contiguous()
    N, C, H, W = x.shape
    oh, ow = (H - kh) // sh + 1, (W - kw) // sw + 1
    s = x.stride()
    windows = x.as_strided((N, C, oh, ow, kh, kw), (s[0], s[1], s[2] * sh, s[3] * sw, s[2], s[3]))
    reduce = {"max": lambda w: w.flatten(-2).max(-1).values, "avg": lambda w: w.mean((-2, -1)),
              "sum": lambda w: w.sum((-2, -1))}[mode]
    return reduce(windows)
''',
    },
    "maxpool2d_with_indices": {
        "as_strided and argmax with an index map": '''
def maxpool2d_with_indices(x, kernel_size, stride=None):
    kh, kw = as_pair(kernel_size)
    sh, sw = as_pair(kernel_size if stride is None else stride)
    N, C, H, W = x.shape
    plane = torch.arange(H * W, device=x.device).view(1, 1, H, W)
    win_x = x.unfold(2, kh, sh).unfold(3, kw, sw).flatten(-2)
    win_i = plane.unfold(2, kh, sh).unfold(3, kw, sw).flatten(-2)
    arg = win_x.argmax(dim=-1, keepdim=True)
    out = win_x.gather(-1, arg).squeeze(-1)
    idx = win_i.expand(N, C, *win_i.shape[2:]).gather(-1, arg).squeeze(-1)
    return out, idx
''',
        "loops over output positions": '''
def maxpool2d_with_indices(x, kernel_size, stride=None):
    kh, kw = as_pair(kernel_size)
    sh, sw = as_pair(kernel_size if stride is None else stride)
    N, C, H, W = x.shape
    oh, ow = (H - kh) // sh + 1, (W - kw) // sw + 1
    out = x.new_empty(N, C, oh, ow)
    idx = torch.empty(N, C, oh, ow, dtype=torch.long, device=x.device)
    for i in range(oh):
        for j in range(ow):
            window = x[..., i * sh:i * sh + kh, j * sw:j * sw + kw].reshape(N, C, -1)
            v, a = window.max(dim=-1)
            out[..., i, j] = v
            idx[..., i, j] = (i * sh + a // kw) * W + j * sw + a % kw
    return out, idx
''',
    },
    "max_unpool2d": {
        "advanced indexing": '''
def max_unpool2d(pooled, indices, output_size):
    H, W = tuple(output_size)[-2:]
    N, C = pooled.shape[:2]
    out = pooled.new_zeros(N, C, H * W)
    n = torch.arange(N, device=pooled.device).view(N, 1, 1)
    c = torch.arange(C, device=pooled.device).view(1, C, 1)
    out[n, c, indices.reshape(N, C, -1)] = pooled.reshape(N, C, -1)
    return out.reshape(N, C, H, W)
''',
    },
    "pool2d_backward": {
        "autograd-free unfold and fold": '''
def pool2d_backward(grad_out, x, kernel_size, stride=None, mode="max"):
    kh, kw = as_pair(kernel_size)
    sh, sw = as_pair(kernel_size if stride is None else stride)
    N, C, H, W = x.shape
    oh, ow = grad_out.shape[-2:]
    if mode == "max":
        windows = x.unfold(2, kh, sh).unfold(3, kw, sw).reshape(N, C, oh, ow, kh * kw)
        mask = F.one_hot(windows.argmax(dim=-1), kh * kw).to(grad_out.dtype)
        cols = mask * grad_out.unsqueeze(-1)
    else:
        scale = 1.0 / (kh * kw) if mode == "avg" else 1.0
        cols = (grad_out * scale).unsqueeze(-1).expand(N, C, oh, ow, kh * kw)
    cols = cols.reshape(N, C, oh * ow, kh * kw).permute(0, 1, 3, 2).reshape(N, C * kh * kw, oh * ow)
    return F.fold(cols, (H, W), (kh, kw), stride=(sh, sw))
''',
        "loops over windows": '''
def pool2d_backward(grad_out, x, kernel_size, stride=None, mode="max"):
    kh, kw = as_pair(kernel_size)
    sh, sw = as_pair(kernel_size if stride is None else stride)
    oh, ow = grad_out.shape[-2:]
    grad_x = torch.zeros_like(x)
    for i in range(oh):
        for j in range(ow):
            g = grad_out[..., i, j]
            window = x[..., i * sh:i * sh + kh, j * sw:j * sw + kw]
            if mode == "max":
                a = window.reshape(*window.shape[:2], -1).argmax(dim=-1)
                r, c = i * sh + a // kw, j * sw + a % kw
                n = torch.arange(x.shape[0]).view(-1, 1).expand_as(a)
                ch = torch.arange(x.shape[1]).view(1, -1).expand_as(a)
                grad_x.index_put_((n, ch, r, c), g, accumulate=True)
            else:
                share = g / (kh * kw) if mode == "avg" else g
                grad_x[..., i * sh:i * sh + kh, j * sw:j * sw + kw] += share[..., None, None]
    return grad_x
''',
    },
    "global_avg_pool": {
        "flatten and mean": "def global_avg_pool(x):\n    return x.flatten(2).mean(dim=-1)\n",
        "two means": "def global_avg_pool(x):\n    return x.mean(dim=-1).mean(dim=-1)\n",
    },
    "adaptive_avg_pool2d": {
        "loop over bins": '''
def adaptive_avg_pool2d(x, output_size):
    oh, ow = as_pair(output_size)
    H, W = x.shape[-2:]
    out = x.new_empty(*x.shape[:2], oh, ow)
    for i in range(oh):
        r0, r1 = (i * H) // oh, -(-((i + 1) * H) // oh)
        for j in range(ow):
            c0, c1 = (j * W) // ow, -(-((j + 1) * W) // ow)
            out[..., i, j] = x[..., r0:r1, c0:c1].mean(dim=(-2, -1))
    return out
''',
        "integral image": '''
def adaptive_avg_pool2d(x, output_size):
    import math
    oh, ow = as_pair(output_size)
    H, W = x.shape[-2:]
    s = F.pad(x.cumsum(-2).cumsum(-1), (1, 0, 1, 0))
    r0 = torch.tensor([(i * H) // oh for i in range(oh)])
    r1 = torch.tensor([math.ceil((i + 1) * H / oh) for i in range(oh)])
    c0 = torch.tensor([(j * W) // ow for j in range(ow)])
    c1 = torch.tensor([math.ceil((j + 1) * W / ow) for j in range(ow)])
    total = (s[..., r1[:, None], c1] - s[..., r0[:, None], c1] - s[..., r1[:, None], c0] + s[..., r0[:, None], c0])
    return total / ((r1 - r0)[:, None] * (c1 - c0)).to(x.dtype)
''',
    },
    "avg_pool_as_conv": {
        "an nn.Conv2d with frozen weights": '''
def avg_pool_as_conv(x, kernel_size):
    kh, kw = as_pair(kernel_size)
    c = x.shape[1]
    conv = nn.Conv2d(c, c, (kh, kw), stride=(kh, kw), groups=c, bias=False).to(device=x.device, dtype=x.dtype)
    with torch.no_grad():
        conv.weight.fill_(1.0 / (kh * kw))
        return conv(x)
''',
    },
    "shift_invariance": {
        "numpy comparison": '''
def shift_invariance(layer, images, shift=1):
    import numpy as np
    with torch.no_grad():
        a = layer(images).cpu().double().numpy()
        b = layer(images.roll(shift, -1)).cpu().double().numpy()
    return float(np.isclose(b, a, rtol=1e-5, atol=1e-6).mean())
''',
        "rolled by concatenation": '''
def shift_invariance(layer, images, shift=1):
    k = shift % images.shape[-1]
    shifted = torch.cat([images[..., images.shape[-1] - k:], images[..., :images.shape[-1] - k]], dim=-1)
    with torch.no_grad():
        same = torch.isclose(layer(images), layer(shifted), rtol=1e-5, atol=1e-6)
    return same.sum().item() / same.numel()
''',
    },
    "softmax": {
        "via the log-sum-exp": '''
def softmax(z, dim=-1):
    m = z.max(dim=dim, keepdim=True).values
    return (z - m - (z - m).exp().sum(dim=dim, keepdim=True).log()).exp()
''',
    },
    "cross_entropy": {
        "one-hot and a stable log-softmax": '''
def cross_entropy(logits, targets):
    m = logits.max(dim=-1, keepdim=True).values
    log_probs = logits - m - (logits - m).exp().sum(dim=-1, keepdim=True).log()
    one_hot = F.one_hot(targets, logits.shape[-1]).to(logits.dtype)
    return -(one_hot * log_probs).sum() / logits.shape[0]
''',
        "detached maximum and advanced indexing": '''
def cross_entropy(logits, targets):
    m = logits.detach().amax(dim=1, keepdim=True)
    z = logits - m
    return (z.exp().sum(dim=1).log() - z[torch.arange(len(targets)), targets]).mean()
''',
    },
    "SmallCNN": {
        "functional forward, explicit layers": '''
class SmallCNN(nn.Module):
    def __init__(self, num_classes, in_channels=1, image_size=8):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 24, 3, padding=1)
        self.conv2 = nn.Conv2d(24, 48, 3, padding=1)
        self.fc = nn.Linear(48 * (image_size // 4) ** 2, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(torch.flatten(x, 1))
''',
        "Sequential, average pooling first": '''
class SmallCNN(nn.Module):
    def __init__(self, num_classes, in_channels=1, image_size=8):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(in_channels, 32, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2),
                                 nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                 nn.Flatten(), nn.Linear(64 * (image_size // 4) ** 2, num_classes))

    def forward(self, x):
        return self.net(x)
''',
    },
    "train_small_cnn": {
        "DataLoader, SGD with momentum, own cross_entropy": '''
def train_small_cnn(model, train, valid, epochs=10, lr=0.05, batch_size=32, device=None, progress=True):
    from torch.utils.data import DataLoader, TensorDataset
    device = device or cnn_course.device()
    model.to(device)
    loader = DataLoader(TensorDataset(*train), batch_size=batch_size, shuffle=True)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    history = {"train_loss": [], "valid_loss": [], "valid_acc": []}
    epoch_range = progress_bar(range(epochs)) if progress else range(epochs)
    for _ in epoch_range:
        model.train()
        losses = []
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            loss = cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item() * len(xb))
        model.eval()
        with torch.no_grad():
            xv, yv = valid[0].to(device), valid[1].to(device)
            logits = model(xv)
            history["valid_loss"].append(F.cross_entropy(logits, yv).item())
            history["valid_acc"].append((logits.argmax(1) == yv).double().mean().item())
        history["train_loss"].append(sum(losses) / len(train[0]))
    return history
''',
    },
}
