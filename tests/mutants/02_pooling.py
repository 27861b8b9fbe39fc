"""Proof that the tests of 02_pooling work: plausible wrong solutions and correct alternatives.

Each entry is the code of a whole exercise cell (the marker line is added by autograder/proof.py; `python -m autograder prove` grades them); it runs in the
notebook, so `torch`, `F`, `nn`, `as_pair`, `progress_bar` and `cnn_course` are defined.
Every mutant must lose points on its own exercise's tests; every alternative must score full marks.
Most mutants are the source's reference cell with one mistake edited in, so the mistake is easy to see.
"""
import textwrap

from autograder.proof import mutate



def _epoch_end_inside_the_batch_loop(code: str) -> str:
    """train_small_cnn's end-of-epoch evaluation and history update (from `model.eval()` up to
    `return history`) indented one level, into the loop over batches."""
    block = code[code.index("        model.eval()\n"):code.index("    return history")]
    return code.replace(block, textwrap.indent(block, "    "), 1)


MUTANTS = {
    "pool2d": {
        "average instead of max": mutate(
            "pool2d", ('combine = torch.maximum if mode == "max" else torch.add', "combine = torch.add"),
            ('if mode == "avg":', 'if mode in ("max", "avg"):')),
        "stride ignored (always the kernel size)": mutate(
            "pool2d", ("as_pair(kernel_size if stride is None else stride)", "as_pair(kernel_size)")),
        "stride defaults to 1 instead of the kernel size": mutate(
            "pool2d", ("as_pair(kernel_size if stride is None else stride)",
                       "as_pair(1 if stride is None else stride)")),
        "pads max pooling with zeros instead of -inf": mutate(
            "pool2d", ('value=float("-inf") if mode == "max" else 0.0', "value=0.0")),
        "sum mode returns the average": mutate("pool2d", ('if mode == "avg":', 'if mode in ("avg", "sum"):')),
        "avg divides by the window's row count only": mutate("pool2d", ("out = out / (kh * kw)", "out = out / kh")),
        "pads only the bottom and right": mutate("pool2d", ("(pw, pw, ph, ph)", "(0, 2 * pw, 0, 2 * ph)")),
        "kernel pair read as (width, height)": mutate(
            "pool2d", ("kh, kw = as_pair(kernel_size)", "kw, kh = as_pair(kernel_size)")),
        "one window too few (output size H // s - 1)": mutate(
            "pool2d", ("oh, ow = (H - kh) // sh + 1, (W - kw) // sw + 1", "oh, ow = (H - kh) // sh, (W - kw) // sw")),
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
        "indices relative to the window instead of the plane": mutate(
            "maxpool2d_with_indices", ("return out, rows * W + cols", "return out, where")),
        "row stride uses the output width": mutate("maxpool2d_with_indices", ("rows * W + cols", "rows * ow + cols")),
        "ignores the stride in the plane position": mutate(
            "maxpool2d_with_indices", (".view(-1, 1) * sh + where // kw", ".view(-1, 1) * kh + where // kw"),
            ("* sw + where % kw", "* kw + where % kw")),
        "column-major position (col * H + row)": mutate(
            "maxpool2d_with_indices", ("rows * W + cols", "cols * H + rows")),
        "indices as float": mutate("maxpool2d_with_indices", ("rows * W + cols", "(rows * W + cols).float()")),
        "last maximum wins on ties": mutate(
            "maxpool2d_with_indices", (".max(dim=-1)   # first maximum on ties",
                                       ".flip(-1).max(dim=-1)\n    where = kh * kw - 1 - where")),
        "uses F.max_pool2d(return_indices=True)": '''
def maxpool2d_with_indices(x, kernel_size, stride=None):
    return F.max_pool2d(x, kernel_size, stride, return_indices=True)
''',
    },
    "max_unpool2d": {
        "ignores output_size (twice the pooled size)": mutate(
            "max_unpool2d", ("H, W = tuple(output_size)[-2:]", "H, W = 2 * pooled.shape[-2], 2 * pooled.shape[-1]")),
        "adds values that share a switch (scatter_add_)": mutate(
            "max_unpool2d", ("out.scatter_(", "out.scatter_add_(")),
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
        "decodes indices with the pooled width": mutate(
            "max_unpool2d", ("out.scatter_(2, indices.reshape(N, C, -1),",
                             "rows, cols = (indices // pooled.shape[-1]).clamp(max=H - 1), indices % pooled.shape[-1]\n"
                             "    out.scatter_(2, (rows * W + cols).reshape(N, C, -1),")),
        "scatters every plane into the first one": mutate(
            "max_unpool2d", ("new_zeros(N, C, H * W)", "new_zeros(N * C * H * W)"),
            ("out.scatter_(2, indices.reshape(N, C, -1), pooled.reshape(N, C, -1))",
             "out.scatter_(0, indices.reshape(-1), pooled.reshape(-1))")),
    },
    "pool2d_backward": {
        "max gradient spread to every element of the window": mutate(
            "pool2d_backward", ('''    if mode == "max":
        _, where = maxpool2d_with_indices(x, kernel_size, stride)
        grad_x = grad_out.new_zeros(N, C, H * W)
        grad_x.scatter_add_(2, where.reshape(N, C, -1), grad_out.reshape(N, C, -1))
        return grad_x.view(N, C, H, W)
''', "")),
        "overlapping windows overwrite instead of adding": mutate(
            "pool2d_backward", ("grad_x.scatter_add_(", "grad_x.scatter_("), ("+= share", "= share")),
        "last maximum gets the gradient on ties": mutate(
            "pool2d_backward", ("        _, where = maxpool2d_with_indices(x, kernel_size, stride)\n", '''\
        windows = x.unfold(2, kh, sh).unfold(3, kw, sw)
        oh, ow = windows.shape[2], windows.shape[3]
        last = kh * kw - 1 - windows.reshape(N, C, oh, ow, kh * kw).flip(-1).argmax(dim=-1)
        rows = torch.arange(oh, device=x.device).view(-1, 1) * sh + last // kw
        where = rows * W + torch.arange(ow, device=x.device) * sw + last % kw
''')),
        "avg gradient not divided by the window area": mutate(
            "pool2d_backward", ('share = grad_out / (kh * kw) if mode == "avg" else grad_out', "share = grad_out")),
        "stride ignored (windows assumed not to overlap)": mutate(
            "pool2d_backward", ("as_pair(kernel_size if stride is None else stride)", "as_pair(kernel_size)"),
            ("maxpool2d_with_indices(x, kernel_size, stride)", "maxpool2d_with_indices(x, kernel_size)")),
        "window-relative switches used as plane positions": mutate(
            "pool2d_backward", ("_, where = maxpool2d_with_indices(x, kernel_size, stride)",
                                "where = x.unfold(2, kh, sh).unfold(3, kw, sw).flatten(-2).argmax(dim=-1)")),
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
        "keeps the spatial dimensions": mutate(
            "global_avg_pool", ("x.mean(dim=(2, 3))", "x.mean(dim=(2, 3), keepdim=True)")),
        "global max instead of mean": mutate("global_avg_pool", ("x.mean(dim=(2, 3))", "x.amax(dim=(2, 3))")),
        "sum instead of mean": mutate("global_avg_pool", ("x.mean(dim=(2, 3))", "x.sum(dim=(2, 3))")),
        "divides by H only": mutate("global_avg_pool", ("x.mean(dim=(2, 3))", "x.sum(dim=(2, 3)) / x.shape[2]")),
        "averages over the channels too": mutate("global_avg_pool", ("x.mean(dim=(2, 3))", "x.mean(dim=(1, 2, 3))")),
        "averages over the last dimension only": mutate(
            "global_avg_pool", ("x.mean(dim=(2, 3))", "x.mean(dim=-1)[..., 0]")),
        "uses F.adaptive_avg_pool2d": "def global_avg_pool(x):\n    return F.adaptive_avg_pool2d(x, 1).flatten(1)\n",
    },
    "adaptive_avg_pool2d": {
        "bins off by one (end = floor)": mutate(
            "adaptive_avg_pool2d", ("-((-(i + 1) * n_in) // n_out)",
                                    "max((i + 1) * n_in // n_out, (i * n_in) // n_out + 1)")),
        "fixed window and stride H // h": mutate(
            "adaptive_avg_pool2d", ("start, end = (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)",
                                    "step = max(n_in // n_out, 1)\n"
                                    "            start, end = i * step, i * step + step")),
        "start rounded up instead of down": mutate(
            "adaptive_avg_pool2d", ("start, end = (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)",
                                    "end = -((-(i + 1) * n_in) // n_out)\n"
                                    "            start = min(-((-i * n_in) // n_out), end - 1)")),
        "output height and width swapped": mutate(
            "adaptive_avg_pool2d", ("bin_weights(H, oh) @ x @ bin_weights(W, ow).T",
                                    "bin_weights(H, ow) @ x @ bin_weights(W, oh).T")),
        "sums the bins instead of averaging": mutate("adaptive_avg_pool2d", ("= 1.0 / (end - start)", "= 1.0")),
        "an int size read as (size, 1)": mutate(
            "adaptive_avg_pool2d", (
                "oh, ow = as_pair(output_size)",
                "oh, ow = (output_size, 1) if isinstance(output_size, int) else tuple(output_size)")),
        "uses F.adaptive_avg_pool2d": "def adaptive_avg_pool2d(x, output_size):\n"
                                     "    return F.adaptive_avg_pool2d(x, output_size)\n",
    },
    "avg_pool_as_conv": {
        "forgets groups (mixes the channels)": mutate(
            "avg_pool_as_conv", ("(channels, 1, kh, kw)", "(channels, channels, kh, kw)"), (", groups=channels", "")),
        "kernel of ones (sum pooling)": mutate("avg_pool_as_conv", ("1.0 / (kh * kw))", "1.0)")),
        "stride 1": mutate("avg_pool_as_conv", ("stride=(kh, kw), ", "")),
        "divides by kh only": mutate("avg_pool_as_conv", ("1.0 / (kh * kw)", "1.0 / kh")),
        "kernel pair read as (width, height)": mutate("avg_pool_as_conv", ("kh, kw = as_pair", "kw, kh = as_pair")),
        "no convolution at all (unfold and mean)": '''
def avg_pool_as_conv(x, kernel_size):
    kh, kw = as_pair(kernel_size)
    return x.unfold(2, kh, kh).unfold(3, kw, kw).mean(dim=(-2, -1))
''',
        "uses F.avg_pool2d": "def avg_pool_as_conv(x, kernel_size):\n    return F.avg_pool2d(x, kernel_size)\n",
    },
    "shift_invariance": {
        "fraction of outputs that changed": mutate(
            "shift_invariance", ("return torch.isclose", "return 1.0 - torch.isclose")),
        "shifts along the height": mutate("shift_invariance", ("dims=-1", "dims=-2")),
        "shifts to the left": mutate("shift_invariance", ("shifts=shift", "shifts=-shift")),
        # F.pad with a negative amount crops: this moves the images `shift` pixels right, filling with zeros
        "zero-filled shift instead of a circular roll": mutate(
            "shift_invariance", ("torch.roll(images, shifts=shift, dims=-1)", "F.pad(images, (shift, -shift))")),
        "counts instead of a fraction": mutate("shift_invariance", (".double().mean()", ".double().sum()")),
        "compares the output shifted back (equivariance)": mutate(
            "shift_invariance", ("torch.isclose(before, after,",
                                 "torch.isclose(before, torch.roll(after, shifts=-shift, dims=-1),")),
        "fraction of images left entirely unchanged": mutate(
            "shift_invariance", (".double().mean()", ".flatten(1).all(dim=1).double().mean()")),
    },
    "softmax": {
        "unstable (no max subtraction)": mutate(
            "softmax", ("shifted = z - z.amax(dim=dim, keepdim=True)", "shifted = z")),
        "subtracts the global maximum": mutate("softmax", ("z.amax(dim=dim, keepdim=True)", "z.max()")),
        "normalises over dim 0": mutate("softmax", ("e.sum(dim=dim, keepdim=True)", "e.sum(dim=0, keepdim=True)")),
        "normalises by the sum of the whole tensor": mutate("softmax", ("e.sum(dim=dim, keepdim=True)", "e.sum()")),
        "returns log-softmax": mutate(
            "softmax", ("    e = shifted.exp()\n    return e / e.sum(dim=dim, keepdim=True)",
                        "    return shifted - shifted.exp().sum(dim=dim, keepdim=True).log()")),
        "forgets the exponential": mutate("softmax", ("z.amax(", "z.amin("), ("e = shifted.exp()", "e = shifted")),
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
        "forgets to add the maximum back": mutate("cross_entropy", ("m.squeeze(1) + ", "")),
        "sum instead of mean over the batch": mutate(
            "cross_entropy", ("(log_sum_exp - picked).mean()", "(log_sum_exp - picked).sum()")),
        # broadcasting makes it an N x N matrix whose mean is mean(log_sum_exp) - mean(logits[:, targets])
        "picks logits[:, targets] (an N x N matrix)": mutate(
            "cross_entropy", ("picked = logits.gather(1, targets.view(-1, 1)).squeeze(1)",
                              "picked = logits[:, targets]")),
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
        "no pooling": mutate(
            "SmallCNN", ("nn.ReLU(), nn.MaxPool2d(2),\n            nn.Conv2d(32",
                         "nn.ReLU(),\n            nn.Conv2d(32"),
            ("nn.ReLU(), nn.MaxPool2d(2),\n        )", "nn.ReLU(),\n        )"),
            ("side = image_size // 4", "side = image_size")),
        "no ReLU": mutate(
            "SmallCNN", ("(in_channels, 32, kernel_size=3, padding=1), nn.ReLU(),",
                         "(in_channels, 32, kernel_size=3, padding=1),"),
            ("(32, 64, kernel_size=3, padding=1), nn.ReLU(),", "(32, 64, kernel_size=3, padding=1),")),
        "softmax at the end": mutate(
            "SmallCNN", ("return self.classifier(self.features(x).flatten(1))",
                         "return torch.softmax(self.classifier(self.features(x).flatten(1)), dim=1)")),
        "a single convolution block": mutate(
            "SmallCNN", ("\n            nn.Conv2d(32, 64, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),", ""),
            ("side = image_size // 4", "side = image_size // 2"), ("nn.Linear(64 * side", "nn.Linear(32 * side")),
        "classifier sized for 28x28 whatever image_size says": mutate(
            "SmallCNN", ("side = image_size // 4", "side = 7")),
        "ten classes hard-coded": mutate("SmallCNN", ("side * side, num_classes)", "side * side, 10)")),
        "in_channels ignored": mutate("SmallCNN", ("nn.Conv2d(in_channels,", "nn.Conv2d(1,")),
        "ReLU only after the last block (a linear first block)": mutate(
            "SmallCNN", ("(in_channels, 32, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool2d(2),",
                         "(in_channels, 32, kernel_size=3, padding=1), nn.AvgPool2d(2),")),
    },
    "initial_loss": {
        "log of the number of distinct labels in y": mutate(
            "initial_loss", ("math.log(logits.shape[1])", "math.log(len(torch.unique(y)))")),
        "log C from the largest label (y.max() + 1)": mutate(
            "initial_loss", ("math.log(logits.shape[1])", "math.log(int(y.max()) + 1)")),
        "log base 10": mutate("initial_loss", ("math.log(logits.shape[1])", "math.log10(logits.shape[1])")),
        "summed over the batch, not the mean": mutate(
            "initial_loss", ("F.cross_entropy(logits, y).item()", "F.cross_entropy(logits, y, reduction=\"sum\").item()")),
        "returns tensors": mutate(
            "initial_loss", ("F.cross_entropy(logits, y).item()", "F.cross_entropy(logits, y)"),
            ("math.log(logits.shape[1])", "torch.tensor(logits.shape[1]).log()")),
        "switches the model to eval mode": mutate("initial_loss", ("    with torch.no_grad():\n        logits", "    model.eval()\n    with torch.no_grad():\n        logits")),
        "runs with autograd on": mutate(
            "initial_loss", ("    with torch.no_grad():\n        logits = model(x)\n        loss = ", "    if True:\n        logits = model(x)\n        loss = ")),
        "overfit_one_batch: never zeroes the gradients": mutate(
            "initial_loss", ("        optimizer.zero_grad()\n", "")),
        "overfit_one_batch: a new Adam every step": mutate(
            "initial_loss", ("    optimizer = torch.optim.Adam(model.parameters(), lr=lr)\n    losses = []\n    for _ in range(steps):\n",
                             "    losses = []\n    for _ in range(steps):\n        optimizer = torch.optim.Adam(model.parameters(), lr=lr)\n")),
        "overfit_one_batch: SGD instead of Adam": mutate("initial_loss", ("optimizer = torch.optim.Adam(model.parameters(), lr=lr)", "optimizer = torch.optim.SGD(model.parameters(), lr=lr)")),
        "overfit_one_batch: records the loss after the update": mutate(
            "initial_loss", ("        losses.append(loss.item())\n", "        losses.append(F.cross_entropy(model(x), y).item())\n")),
        "overfit_one_batch: leaves the model's mode alone": mutate("initial_loss", ("    model.train()\n", "")),
        "overfit_one_batch: trains a copy": mutate("initial_loss", ("    model.train()\n", "    model = copy.deepcopy(model).train()\n")),
        "overfit_one_batch: one step too few": mutate("initial_loss", ("for _ in range(steps):", "for _ in range(steps - 1):")),
        "overfit_one_batch: returns the loss tensors": mutate("initial_loss", ("losses.append(loss.item())", "losses.append(loss.detach())")),
        "overfit_one_batch: ignores lr (Adam's default 1e-3)": mutate(
            "initial_loss", ("optimizer = torch.optim.Adam(model.parameters(), lr=lr)", "optimizer = torch.optim.Adam(model.parameters())")),
    },
    "train_small_cnn": {
        "never steps the optimiser": mutate("train_small_cnn", ("            optimizer.step()\n", "")),
        "learning rate far too small": mutate("train_small_cnn", ("lr=3e-3", "lr=1e-5")),
        "one batch per epoch (return inside the batch loop)": mutate(
            "train_small_cnn", ("            total += loss.item() * len(idx)\n",
                                "            total += loss.item() * len(idx)\n            break\n")),
        "reports training accuracy as validation accuracy": mutate(
            "train_small_cnn", ("correct += (logits.argmax(dim=1) == yb).sum().item()",
                                "correct = (model(x_train).argmax(dim=1) == y_train).sum().item()"),
            ("correct / len(x_valid)", "correct / len(x_train)")),
        # the end-of-epoch block indented one level too far: it runs after every batch
        "history appended per batch": mutate("train_small_cnn", _epoch_end_inside_the_batch_loop),
        "validation loss summed over the set": mutate("train_small_cnn", ("loss_sum / len(x_valid)", "loss_sum")),
        "returns the model instead of the history": mutate(
            "train_small_cnn", ("    return history", "    return model")),
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
        "from scratch, through a helper method of its own named backward": mutate(
            "pool2d_backward",
            ('def pool2d_backward(grad_out, x, kernel_size, stride=None, mode="max"):',
             'def _pool_gradient(grad_out, x, kernel_size, stride=None, mode="max"):'),
            lambda code: code + '''

class _PoolLayer:
    def __init__(self, kernel_size, stride, mode):
        self.kernel_size, self.stride, self.mode = kernel_size, stride, mode

    def backward(self, grad_out, x):
        return _pool_gradient(grad_out, x, self.kernel_size, self.stride, self.mode)


def pool2d_backward(grad_out, x, kernel_size, stride=None, mode="max"):
    layer = _PoolLayer(kernel_size, stride, mode)
    return layer.backward(grad_out, x)
'''),
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
    "initial_loss": {
        "log-softmax by hand, optimiser.zero_grad(set_to_none=False), a while loop": '''
def initial_loss(model, x, y):
    with torch.no_grad():
        logits = model(x)
        log_probs = logits - logits.logsumexp(dim=1, keepdim=True)
        loss = -log_probs[torch.arange(len(y)), y].mean()
    return float(loss), float(np.log(logits.size(-1)))


def overfit_one_batch(model, x, y, steps=100, lr=1e-2):
    model.train(True)
    opt = torch.optim.Adam(params=list(model.parameters()), lr=lr)
    history, step = [], 0
    while step < steps:
        opt.zero_grad(set_to_none=False)
        out = F.cross_entropy(model(x), y)
        history.append(float(out.detach()))
        out.backward()
        opt.step()
        step += 1
    return history
''',
        "a grad-mode decorator and nn.CrossEntropyLoss": '''
@torch.no_grad()
def initial_loss(model, x, y):
    logits = model(x)
    return nn.CrossEntropyLoss()(logits, y).item(), math.log(logits.shape[-1])


def overfit_one_batch(model, x, y, steps=100, lr=1e-2):
    criterion = nn.CrossEntropyLoss()
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    def step():
        for p in model.parameters():
            p.grad = None
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()
    return [step() for _ in range(steps)]
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

# torch.no_grad resolves to torch.autograd.grad_mode.no_grad: using it is not automatic differentiation
ALTERNATIVES["pool2d_backward"]["decorated with @torch.no_grad() (no autograd)"] = mutate(
    "pool2d_backward", ("def pool2d_backward(", "@torch.no_grad()\ndef pool2d_backward("))
