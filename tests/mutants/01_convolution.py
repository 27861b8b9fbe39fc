"""Proof that the tests of 01_convolution work: plausible wrong solutions and correct alternatives.

Each entry is the code of a whole exercise cell (the marker line is added by tests/test_mutants.py).
Every mutant must lose points on its own exercise's tests; every alternative must score full marks.
"""

_KERNELS_OK = {
    "identity": "[[0., 0., 0.], [0., 1., 0.], [0., 0., 0.]]",
    "edge_diagonal": "[[1., 0., -1.], [0., 0., 0.], [-1., 0., 1.]]",
    "edge_laplacian": "[[0., 1., 0.], [1., -4., 1.], [0., 1., 0.]]",
    "edge_all": "[[-1., -1., -1.], [-1., 8., -1.], [-1., -1., -1.]]",
    "sharpen": "[[0., -1., 0.], [-1., 5., -1.], [0., -1., 0.]]",
    "box_blur": "[[1 / 9] * 3] * 3",
    "gaussian_blur": "[[1 / 16, 2 / 16, 1 / 16], [2 / 16, 4 / 16, 2 / 16], [1 / 16, 2 / 16, 1 / 16]]",
}


def _kernels(**changes):
    """A KERNELS cell with some entries replaced (value None drops the entry)."""
    entries = {**_KERNELS_OK, **changes}
    body = "".join(f"    {name!r}: torch.tensor({value}),\n" for name, value in entries.items() if value is not None)
    return "KERNELS = {\n" + body + "}\n"


MUTANTS = {
    "correlate2d": {
        "flips the kernel (computes a true convolution)": '''
def correlate2d(image, kernel):
    kh, kw = kernel.shape
    k = kernel.flip(0, 1)
    out = image.new_zeros(image.shape[0] - kh + 1, image.shape[1] - kw + 1)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (image[i:i + kh, j:j + kw] * k).sum()
    return out
''',
        "output one row and column too small (range(H - kh))": '''
def correlate2d(image, kernel):
    kh, kw = kernel.shape
    out = image.new_zeros(image.shape[0] - kh, image.shape[1] - kw)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (image[i:i + kh, j:j + kw] * kernel).sum()
    return out
''',
        "assumes a square kernel": '''
def correlate2d(image, kernel):
    k = kernel.shape[0]
    out = image.new_zeros(image.shape[0] - k + 1, image.shape[1] - k + 1)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (image[i:i + k, j:j + k] * kernel[:k, :k]).sum()
    return out
''',
        "averages the products instead of summing them": '''
def correlate2d(image, kernel):
    kh, kw = kernel.shape
    out = image.new_zeros(image.shape[0] - kh + 1, image.shape[1] - kw + 1)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (image[i:i + kh, j:j + kw] * kernel).mean()
    return out
''',
        "output allocated as float32 whatever the input": '''
def correlate2d(image, kernel):
    kh, kw = kernel.shape
    out = torch.zeros(image.shape[0] - kh + 1, image.shape[1] - kw + 1)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (image[i:i + kh, j:j + kw] * kernel).sum()
    return out
''',
        "uses the transposed kernel": '''
def correlate2d(image, kernel):
    kernel = kernel.T
    kh, kw = kernel.shape
    out = image.new_zeros(image.shape[0] - kh + 1, image.shape[1] - kw + 1)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = (image[i:i + kh, j:j + kw] * kernel).sum()
    return out
''',
    },
    "KERNELS": {
        "sharpen with the wrong signs": _kernels(sharpen="[[0., 1., 0.], [1., -5., 1.], [0., 1., 0.]]"),
        "box blur not normalised": _kernels(box_blur="[[1.] * 3] * 3"),
        "gaussian blur divided by 9 instead of 16": _kernels(
            gaussian_blur="[[1 / 9, 2 / 9, 1 / 9], [2 / 9, 4 / 9, 2 / 9], [1 / 9, 2 / 9, 1 / 9]]"),
        "edge_all with 9 in the centre": _kernels(edge_all="[[-1., -1., -1.], [-1., 9., -1.], [-1., -1., -1.]]"),
        "edge_diagonal with the signs swapped": _kernels(edge_diagonal="[[-1., 0., 1.], [0., 0., 0.], [1., 0., -1.]]"),
        "integer tensors (dtype int64)": _kernels(
            identity="[[0, 0, 0], [0, 1, 0], [0, 0, 0]]", edge_laplacian="[[0, 1, 0], [1, -4, 1], [0, 1, 0]]"),
        "gaussian_blur missing": _kernels(gaussian_blur=None),
        "identity as all ones": _kernels(identity="[[1.] * 3] * 3"),
        "edge_laplacian with the opposite sign": _kernels(edge_laplacian="[[0., -1., 0.], [-1., 4., -1.], [0., -1., 0.]]"),
    },
    "pad2d": {
        "pads only the top and the left": '''
def pad2d(x, padding):
    ph, pw = pair(padding)
    H, W = x.shape[-2:]
    out = x.new_zeros(*x.shape[:-2], H + ph, W + pw)
    out[..., ph:, pw:] = x
    return out
''',
        "swaps the row and column padding": '''
def pad2d(x, padding):
    pw, ph = pair(padding)
    H, W = x.shape[-2:]
    out = x.new_zeros(*x.shape[:-2], H + 2 * ph, W + 2 * pw)
    out[..., ph:ph + H, pw:pw + W] = x
    return out
''',
        "only works for 4-D tensors": '''
def pad2d(x, padding):
    ph, pw = pair(padding)
    N, C, H, W = x.shape
    out = x.new_zeros(N, C, H + 2 * ph, W + 2 * pw)
    out[:, :, ph:ph + H, pw:pw + W] = x
    return out
''',
        "loses the dtype (torch.zeros)": '''
def pad2d(x, padding):
    ph, pw = pair(padding)
    H, W = x.shape[-2:]
    out = torch.zeros(*x.shape[:-2], H + 2 * ph, W + 2 * pw)
    out[..., ph:ph + H, pw:pw + W] = x
    return out
''',
        "pads 2p on each side": '''
def pad2d(x, padding):
    ph, pw = pair(padding)
    H, W = x.shape[-2:]
    out = x.new_zeros(*x.shape[:-2], H + 4 * ph, W + 4 * pw)
    out[..., 2 * ph:2 * ph + H, 2 * pw:2 * pw + W] = x
    return out
''',
        "uses the first number of a pair for both axes": '''
def pad2d(x, padding):
    p = padding if isinstance(padding, int) else padding[0]
    return torch.nn.functional.pad(x, (p, p, p, p))
''',
        "F.pad with the pairs in the wrong order (rows padded as columns)": '''
def pad2d(x, padding):
    ph, pw = pair(padding)
    return torch.nn.functional.pad(x, (ph, ph, pw, pw))
''',
    },
    "convolve2d": {
        "forgets to flip (cross-correlation)": '''
def convolve2d(image, kernel):
    return correlate2d(image, kernel)
''',
        "flips only the rows": '''
def convolve2d(image, kernel):
    return correlate2d(image, kernel.flip(0))
''',
        "flips only the columns": '''
def convolve2d(image, kernel):
    return correlate2d(image, kernel.flip(1))
''',
        "transposes instead of flipping": '''
def convolve2d(image, kernel):
    return correlate2d(image, kernel.T.contiguous())
''',
        "full mode instead of valid": '''
def convolve2d(image, kernel):
    kh, kw = kernel.shape
    return correlate2d(torch.nn.functional.pad(image, (kw - 1, kw - 1, kh - 1, kh - 1)), kernel.flip(0, 1))
''',
        "same mode instead of valid": '''
def convolve2d(image, kernel):
    kh, kw = kernel.shape
    return correlate2d(torch.nn.functional.pad(image, (kw // 2, kw // 2, kh // 2, kh // 2)), kernel.flip(0, 1))
''',
    },
    "conv_output_size": {
        "ignores the dilation": '''
def conv_output_size(n, kernel_size, padding=0, stride=1, dilation=1):
    return (n + 2 * padding - kernel_size) // stride + 1
''',
        "dilation off by one: span d*k instead of d*(k-1)+1": '''
def conv_output_size(n, kernel_size, padding=0, stride=1, dilation=1):
    return (n + 2 * padding - dilation * kernel_size) // stride + 1
''',
        "pads only one side": '''
def conv_output_size(n, kernel_size, padding=0, stride=1, dilation=1):
    return (n + padding - dilation * (kernel_size - 1) - 1) // stride + 1
''',
        "ignores the stride": '''
def conv_output_size(n, kernel_size, padding=0, stride=1, dilation=1):
    return n + 2 * padding - dilation * (kernel_size - 1)
''',
        "rounds up instead of down": '''
def conv_output_size(n, kernel_size, padding=0, stride=1, dilation=1):
    return -(-(n + 2 * padding - dilation * (kernel_size - 1) - 1) // stride) + 1
''',
        "true division: returns a float": '''
def conv_output_size(n, kernel_size, padding=0, stride=1, dilation=1):
    return (n + 2 * padding - dilation * (kernel_size - 1) - 1) / stride + 1
''',
        "forgets the +1": '''
def conv_output_size(n, kernel_size, padding=0, stride=1, dilation=1):
    return (n + 2 * padding - dilation * (kernel_size - 1)) // stride
''',
    },
    "conv2d": {
        "ignores the padding": '''
def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    (sh, sw), (dh, dw) = pair(stride), pair(dilation)
    N, C, H, W = x.shape
    nf, _, kh, kw = weight.shape
    oh, ow = (H - dh * (kh - 1) - 1) // sh + 1, (W - dw * (kw - 1) - 1) // sw + 1
    out = x.new_zeros(N, nf, oh, ow)
    for i in range(oh):
        for j in range(ow):
            patch = x[:, :, i * sh:i * sh + dh * (kh - 1) + 1:dh, j * sw:j * sw + dw * (kw - 1) + 1:dw]
            out[:, :, i, j] = (patch[:, None] * weight[None]).sum(dim=(2, 3, 4))
    if bias is not None:
        out += bias.view(1, -1, 1, 1)
    return out
''',
        "stride ignored in the output size": '''
def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = pair(stride), pair(padding), pair(dilation)
    N, C, H, W = x.shape
    nf, _, kh, kw = weight.shape
    oh, ow = (H + 2 * ph - dh * (kh - 1) - 1) // 1 + 1, (W + 2 * pw - dw * (kw - 1) - 1) // 1 + 1
    xp = F.pad(x, (pw, pw, ph, ph))
    out = x.new_zeros(N, nf, oh, ow)
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i:i + dh * (kh - 1) + 1:dh, j:j + dw * (kw - 1) + 1:dw]
            out[:, :, i, j] = (patch[:, None] * weight[None]).sum(dim=(2, 3, 4))
    if bias is not None:
        out += bias.view(1, -1, 1, 1)
    return out
''',
        "forgets the bias": '''
def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = pair(stride), pair(padding), pair(dilation)
    N, C, H, W = x.shape
    nf, _, kh, kw = weight.shape
    oh, ow = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    xp = F.pad(x, (pw, pw, ph, ph))
    out = x.new_zeros(N, nf, oh, ow)
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * sh:i * sh + dh * (kh - 1) + 1:dh, j * sw:j * sw + dw * (kw - 1) + 1:dw]
            out[:, :, i, j] = (patch[:, None] * weight[None]).sum(dim=(2, 3, 4))
    return out
''',
        "adds the bias once per input channel": '''
def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = pair(stride), pair(padding), pair(dilation)
    N, C, H, W = x.shape
    nf, _, kh, kw = weight.shape
    oh, ow = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    xp = F.pad(x, (pw, pw, ph, ph))
    out = x.new_zeros(N, nf, oh, ow)
    for c in range(C):
        for i in range(oh):
            for j in range(ow):
                patch = xp[:, c, i * sh:i * sh + dh * (kh - 1) + 1:dh, j * sw:j * sw + dw * (kw - 1) + 1:dw]
                out[:, :, i, j] += (patch[:, None] * weight[None, :, c]).sum(dim=(2, 3))
        if bias is not None:
            out += bias.view(1, -1, 1, 1)
    return out
''',
        "channels not summed (only the first channel)": '''
def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = pair(stride), pair(padding), pair(dilation)
    N, C, H, W = x.shape
    nf, _, kh, kw = weight.shape
    oh, ow = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    xp = F.pad(x, (pw, pw, ph, ph))
    out = x.new_zeros(N, nf, oh, ow)
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, 0, i * sh:i * sh + dh * (kh - 1) + 1:dh, j * sw:j * sw + dw * (kw - 1) + 1:dw]
            out[:, :, i, j] = (patch[:, None] * weight[None, :, 0]).sum(dim=(2, 3))
    if bias is not None:
        out += bias.view(1, -1, 1, 1)
    return out
''',
        "channels averaged instead of summed": '''
def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = pair(stride), pair(padding), pair(dilation)
    N, C, H, W = x.shape
    nf, _, kh, kw = weight.shape
    oh, ow = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    xp = F.pad(x, (pw, pw, ph, ph))
    out = x.new_zeros(N, nf, oh, ow)
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * sh:i * sh + dh * (kh - 1) + 1:dh, j * sw:j * sw + dw * (kw - 1) + 1:dw]
            out[:, :, i, j] = (patch[:, None] * weight[None]).sum(dim=(3, 4)).mean(dim=2)
    if bias is not None:
        out += bias.view(1, -1, 1, 1)
    return out
''',
        "dilation off by one (taps d+1 apart)": '''
def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = pair(stride), pair(padding), pair(dilation)
    dh, dw = (dh + 1, dw + 1) if (dh, dw) != (1, 1) else (1, 1)
    N, C, H, W = x.shape
    nf, _, kh, kw = weight.shape
    oh, ow = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    xp = F.pad(x, (pw, pw, ph, ph))
    out = x.new_zeros(N, nf, oh, ow)
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * sh:i * sh + dh * (kh - 1) + 1:dh, j * sw:j * sw + dw * (kw - 1) + 1:dw]
            out[:, :, i, j] = (patch[:, None] * weight[None]).sum(dim=(2, 3, 4))
    if bias is not None:
        out += bias.view(1, -1, 1, 1)
    return out
''',
        "flips the kernel (true convolution)": '''
def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = pair(stride), pair(padding), pair(dilation)
    weight = weight.flip(-1, -2)
    N, C, H, W = x.shape
    nf, _, kh, kw = weight.shape
    oh, ow = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    xp = F.pad(x, (pw, pw, ph, ph))
    out = x.new_zeros(N, nf, oh, ow)
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * sh:i * sh + dh * (kh - 1) + 1:dh, j * sw:j * sw + dw * (kw - 1) + 1:dw]
            out[:, :, i, j] = (patch[:, None] * weight[None]).sum(dim=(2, 3, 4))
    if bias is not None:
        out += bias.view(1, -1, 1, 1)
    return out
''',
        "a pair stride uses its first number for both axes": '''
def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    s = stride if isinstance(stride, int) else stride[0]
    (ph, pw), (dh, dw) = pair(padding), pair(dilation)
    N, C, H, W = x.shape
    nf, _, kh, kw = weight.shape
    oh, ow = (H + 2 * ph - dh * (kh - 1) - 1) // s + 1, (W + 2 * pw - dw * (kw - 1) - 1) // s + 1
    xp = F.pad(x, (pw, pw, ph, ph))
    out = x.new_zeros(N, nf, oh, ow)
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * s:i * s + dh * (kh - 1) + 1:dh, j * s:j * s + dw * (kw - 1) + 1:dw]
            out[:, :, i, j] = (patch[:, None] * weight[None]).sum(dim=(2, 3, 4))
    if bias is not None:
        out += bias.view(1, -1, 1, 1)
    return out
''',
        "float32 output whatever the input dtype": '''
def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = pair(stride), pair(padding), pair(dilation)
    N, C, H, W = x.shape
    nf, _, kh, kw = weight.shape
    oh, ow = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    xp = F.pad(x, (pw, pw, ph, ph))
    out = torch.zeros(N, nf, oh, ow, device=x.device)
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, :, i * sh:i * sh + dh * (kh - 1) + 1:dh, j * sw:j * sw + dw * (kw - 1) + 1:dw]
            out[:, :, i, j] = (patch[:, None] * weight[None]).sum(dim=(2, 3, 4))
    if bias is not None:
        out += bias.view(1, -1, 1, 1)
    return out
''',
        "calls F.conv2d (not from scratch)": '''
def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    return F.conv2d(x, weight, bias, stride, padding, dilation)
''',
        "uses unfold (not from scratch)": '''
def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    N, C, H, W = x.shape
    nf, _, kh, kw = weight.shape
    (sh, sw), (ph, pw), (dh, dw) = pair(stride), pair(padding), pair(dilation)
    oh, ow = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    cols = F.unfold(x, (kh, kw), dilation=(dh, dw), padding=(ph, pw), stride=(sh, sw))
    out = (weight.reshape(nf, -1) @ cols).reshape(N, nf, oh, ow)
    return out if bias is None else out + bias.view(1, -1, 1, 1)
''',
    },
    "conv2d_im2col": {
        "patches flattened (kh, kw, C) but filters (C, kh, kw)": '''
def conv2d_im2col(x, weight, bias=None, stride=1, padding=0):
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    N, C, H, W = x.shape
    nf, _, kh, kw = weight.shape
    windows = F.pad(x, (pw, pw, ph, ph)).unfold(2, kh, sh).unfold(3, kw, sw)
    oh, ow = windows.shape[2], windows.shape[3]
    patches = windows.permute(0, 2, 3, 4, 5, 1).reshape(N * oh * ow, C * kh * kw)
    out = (patches @ weight.reshape(nf, -1).T).reshape(N, oh, ow, nf).permute(0, 3, 1, 2)
    return out if bias is None else out + bias.view(1, -1, 1, 1)
''',
        "reshapes to [N, F, oh, ow] without permuting": '''
def conv2d_im2col(x, weight, bias=None, stride=1, padding=0):
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    N, C, H, W = x.shape
    nf, _, kh, kw = weight.shape
    windows = F.pad(x, (pw, pw, ph, ph)).unfold(2, kh, sh).unfold(3, kw, sw)
    oh, ow = windows.shape[2], windows.shape[3]
    patches = windows.permute(0, 2, 3, 1, 4, 5).reshape(N * oh * ow, C * kh * kw)
    out = (patches @ weight.reshape(nf, -1).T).reshape(N, nf, oh, ow)
    return out if bias is None else out + bias.view(1, -1, 1, 1)
''',
        "forgets the bias": '''
def conv2d_im2col(x, weight, bias=None, stride=1, padding=0):
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    N, C, H, W = x.shape
    nf, _, kh, kw = weight.shape
    windows = F.pad(x, (pw, pw, ph, ph)).unfold(2, kh, sh).unfold(3, kw, sw)
    oh, ow = windows.shape[2], windows.shape[3]
    patches = windows.permute(0, 2, 3, 1, 4, 5).reshape(N * oh * ow, C * kh * kw)
    return (patches @ weight.reshape(nf, -1).T).reshape(N, oh, ow, nf).permute(0, 3, 1, 2)
''',
        "ignores the stride": '''
def conv2d_im2col(x, weight, bias=None, stride=1, padding=0):
    (ph, pw) = pair(padding)
    N, C, H, W = x.shape
    nf, _, kh, kw = weight.shape
    windows = F.pad(x, (pw, pw, ph, ph)).unfold(2, kh, 1).unfold(3, kw, 1)
    oh, ow = windows.shape[2], windows.shape[3]
    patches = windows.permute(0, 2, 3, 1, 4, 5).reshape(N * oh * ow, C * kh * kw)
    out = (patches @ weight.reshape(nf, -1).T).reshape(N, oh, ow, nf).permute(0, 3, 1, 2)
    return out if bias is None else out + bias.view(1, -1, 1, 1)
''',
        "ignores the padding": '''
def conv2d_im2col(x, weight, bias=None, stride=1, padding=0):
    (sh, sw) = pair(stride)
    N, C, H, W = x.shape
    nf, _, kh, kw = weight.shape
    windows = x.unfold(2, kh, sh).unfold(3, kw, sw)
    oh, ow = windows.shape[2], windows.shape[3]
    patches = windows.permute(0, 2, 3, 1, 4, 5).reshape(N * oh * ow, C * kh * kw)
    out = (patches @ weight.reshape(nf, -1).T).reshape(N, oh, ow, nf).permute(0, 3, 1, 2)
    return out if bias is None else out + bias.view(1, -1, 1, 1)
''',
        "output height and width swapped in the final reshape": '''
def conv2d_im2col(x, weight, bias=None, stride=1, padding=0):
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    N, C, H, W = x.shape
    nf, _, kh, kw = weight.shape
    windows = F.pad(x, (pw, pw, ph, ph)).unfold(2, kh, sh).unfold(3, kw, sw)
    oh, ow = windows.shape[2], windows.shape[3]
    patches = windows.permute(0, 2, 3, 1, 4, 5).reshape(N * oh * ow, C * kh * kw)
    out = (patches @ weight.reshape(nf, -1).T).reshape(N, ow, oh, nf).permute(0, 3, 2, 1)
    return out if bias is None else out + bias.view(1, -1, 1, 1)
''',
        "calls F.conv2d (forbidden)": '''
def conv2d_im2col(x, weight, bias=None, stride=1, padding=0):
    return F.conv2d(x, weight, bias, stride=stride, padding=padding)
''',
    },
    "conv2d_backward": {
        "grad_bias summed over the batch only": '''
def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    H, W = x.shape[-2:]
    kh, kw = weight.shape[-2:]
    oh, ow = grad_out.shape[-2:]
    xp = F.pad(x, (pw, pw, ph, ph))
    gxp, gw = torch.zeros_like(xp), torch.zeros_like(weight)
    for a in range(kh):
        for b in range(kw):
            r, c = slice(a, a + sh * (oh - 1) + 1, sh), slice(b, b + sw * (ow - 1) + 1, sw)
            gw[:, :, a, b] = torch.einsum("nfij,ncij->fc", grad_out, xp[:, :, r, c])
            gxp[:, :, r, c] += torch.einsum("nfij,fc->ncij", grad_out, weight[:, :, a, b])
    return gxp[:, :, ph:ph + H, pw:pw + W], gw, grad_out.sum(dim=0).mean(dim=(1, 2))
''',
        "grad_weight from the first image only": '''
def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    H, W = x.shape[-2:]
    kh, kw = weight.shape[-2:]
    oh, ow = grad_out.shape[-2:]
    xp = F.pad(x, (pw, pw, ph, ph))
    gxp, gw = torch.zeros_like(xp), torch.zeros_like(weight)
    for a in range(kh):
        for b in range(kw):
            r, c = slice(a, a + sh * (oh - 1) + 1, sh), slice(b, b + sw * (ow - 1) + 1, sw)
            gw[:, :, a, b] = torch.einsum("fij,cij->fc", grad_out[0], xp[0, :, r, c])
            gxp[:, :, r, c] += torch.einsum("nfij,fc->ncij", grad_out, weight[:, :, a, b])
    return gxp[:, :, ph:ph + H, pw:pw + W], gw, grad_out.sum(dim=(0, 2, 3))
''',
        "grad_weight averaged over the batch": '''
def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    H, W = x.shape[-2:]
    kh, kw = weight.shape[-2:]
    oh, ow = grad_out.shape[-2:]
    xp = F.pad(x, (pw, pw, ph, ph))
    gxp, gw = torch.zeros_like(xp), torch.zeros_like(weight)
    for a in range(kh):
        for b in range(kw):
            r, c = slice(a, a + sh * (oh - 1) + 1, sh), slice(b, b + sw * (ow - 1) + 1, sw)
            gw[:, :, a, b] = torch.einsum("nfij,ncij->fc", grad_out, xp[:, :, r, c]) / x.shape[0]
            gxp[:, :, r, c] += torch.einsum("nfij,fc->ncij", grad_out, weight[:, :, a, b])
    return gxp[:, :, ph:ph + H, pw:pw + W], gw, grad_out.sum(dim=(0, 2, 3))
''',
        "grad_x keeps the padding (not cropped)": '''
def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    kh, kw = weight.shape[-2:]
    oh, ow = grad_out.shape[-2:]
    xp = F.pad(x, (pw, pw, ph, ph))
    gxp, gw = torch.zeros_like(xp), torch.zeros_like(weight)
    for a in range(kh):
        for b in range(kw):
            r, c = slice(a, a + sh * (oh - 1) + 1, sh), slice(b, b + sw * (ow - 1) + 1, sw)
            gw[:, :, a, b] = torch.einsum("nfij,ncij->fc", grad_out, xp[:, :, r, c])
            gxp[:, :, r, c] += torch.einsum("nfij,fc->ncij", grad_out, weight[:, :, a, b])
    return gxp, gw, grad_out.sum(dim=(0, 2, 3))
''',
        "grad_x overwrites instead of accumulating where windows overlap": '''
def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    H, W = x.shape[-2:]
    kh, kw = weight.shape[-2:]
    oh, ow = grad_out.shape[-2:]
    xp = F.pad(x, (pw, pw, ph, ph))
    gxp, gw = torch.zeros_like(xp), torch.zeros_like(weight)
    for a in range(kh):
        for b in range(kw):
            r, c = slice(a, a + sh * (oh - 1) + 1, sh), slice(b, b + sw * (ow - 1) + 1, sw)
            gw[:, :, a, b] = torch.einsum("nfij,ncij->fc", grad_out, xp[:, :, r, c])
            gxp[:, :, r, c] = torch.einsum("nfij,fc->ncij", grad_out, weight[:, :, a, b])
    return gxp[:, :, ph:ph + H, pw:pw + W], gw, grad_out.sum(dim=(0, 2, 3))
''',
        "grad_x with the unflipped kernel (a correlation of the padded gradient)": '''
def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    H, W = x.shape[-2:]
    kh, kw = weight.shape[-2:]
    oh, ow = grad_out.shape[-2:]
    xp = F.pad(x, (pw, pw, ph, ph))
    gxp, gw = torch.zeros_like(xp), torch.zeros_like(weight)
    wf = weight.flip(-1, -2)
    for a in range(kh):
        for b in range(kw):
            r, c = slice(a, a + sh * (oh - 1) + 1, sh), slice(b, b + sw * (ow - 1) + 1, sw)
            gw[:, :, a, b] = torch.einsum("nfij,ncij->fc", grad_out, xp[:, :, r, c])
            gxp[:, :, r, c] += torch.einsum("nfij,fc->ncij", grad_out, wf[:, :, a, b])
    return gxp[:, :, ph:ph + H, pw:pw + W], gw, grad_out.sum(dim=(0, 2, 3))
''',
        "ignores the stride when scattering grad_x": '''
def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    H, W = x.shape[-2:]
    kh, kw = weight.shape[-2:]
    oh, ow = grad_out.shape[-2:]
    xp = F.pad(x, (pw, pw, ph, ph))
    gxp, gw = torch.zeros_like(xp), torch.zeros_like(weight)
    for a in range(kh):
        for b in range(kw):
            r, c = slice(a, a + sh * (oh - 1) + 1, sh), slice(b, b + sw * (ow - 1) + 1, sw)
            gw[:, :, a, b] = torch.einsum("nfij,ncij->fc", grad_out, xp[:, :, r, c])
            gxp[:, :, a:a + oh, b:b + ow] += torch.einsum("nfij,fc->ncij", grad_out, weight[:, :, a, b])
    return gxp[:, :, ph:ph + H, pw:pw + W], gw, grad_out.sum(dim=(0, 2, 3))
''',
        "uses autograd (forbidden)": '''
def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
    x = x.detach().requires_grad_()
    w = weight.detach().requires_grad_()
    b = torch.zeros(weight.shape[0], dtype=x.dtype, device=x.device, requires_grad=True)
    out = F.conv2d(x, w, b, stride=stride, padding=padding)
    return torch.autograd.grad(out, (x, w, b), grad_out)
''',
    },
    "conv_parameter_count": {
        "one bias per input channel": '''
def conv_parameter_count(in_channels, out_channels, kernel_size, bias=True):
    kh, kw = pair(kernel_size)
    return out_channels * in_channels * kh * kw + (in_channels if bias else 0)
''',
        "forgets the input channels": '''
def conv_parameter_count(in_channels, out_channels, kernel_size, bias=True):
    kh, kw = pair(kernel_size)
    return out_channels * kh * kw + (out_channels if bias else 0)
''',
        "always counts the bias": '''
def conv_parameter_count(in_channels, out_channels, kernel_size, bias=True):
    kh, kw = pair(kernel_size)
    return out_channels * in_channels * kh * kw + out_channels
''',
        "a pair kernel size uses its first number twice": '''
def conv_parameter_count(in_channels, out_channels, kernel_size, bias=True):
    k = kernel_size if isinstance(kernel_size, int) else kernel_size[0]
    return out_channels * in_channels * k * k + (out_channels if bias else 0)
''',
        "a single bias for the whole layer": '''
def conv_parameter_count(in_channels, out_channels, kernel_size, bias=True):
    kh, kw = pair(kernel_size)
    return out_channels * in_channels * kh * kw + (1 if bias else 0)
''',
        "k instead of k*k weights per channel": '''
def conv_parameter_count(in_channels, out_channels, kernel_size, bias=True):
    kh, kw = pair(kernel_size)
    return out_channels * in_channels * (kh + kw) + (out_channels if bias else 0)
''',
    },
    "receptive_field": {
        "ignores the strides": '''
def receptive_field(layers):
    return 1 + sum(k - 1 for k, s in layers)
''',
        "includes the layer's own stride in its growth": '''
def receptive_field(layers):
    field, jump = 1, 1
    for k, s in layers:
        jump *= s
        field += (k - 1) * jump
    return field
''',
        "sums the kernel sizes": '''
def receptive_field(layers):
    return sum(k for k, s in layers)
''',
        "forgets the starting pixel (no +1)": '''
def receptive_field(layers):
    field, jump = 0, 1
    for k, s in layers:
        field += (k - 1) * jump
        jump *= s
    return field
''',
        "multiplies the kernel sizes": '''
def receptive_field(layers):
    field = 1
    for k, s in layers:
        field *= k
    return field
''',
        "applies the backward recursion in the wrong order (first layer to last)": '''
def receptive_field(layers):
    field = 1
    for k, s in layers:
        field = (field - 1) * s + k
    return field
''',
    },
    "learn_kernel": {
        "predicts with a convolution (learns the flipped kernel)": '''
def learn_kernel(inputs, outputs, steps, lr):
    x, y = inputs.unsqueeze(1), outputs.unsqueeze(1)
    k = torch.zeros(3, 3, dtype=inputs.dtype, requires_grad=True)
    for _ in range(steps):
        loss = ((F.conv2d(x, k.flip(0, 1)[None, None]) - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            k -= lr * k.grad
            k.grad.zero_()
    return k.detach()
''',
        "never zeroes the gradient": '''
def learn_kernel(inputs, outputs, steps, lr):
    x, y = inputs.unsqueeze(1), outputs.unsqueeze(1)
    k = torch.zeros(3, 3, dtype=inputs.dtype, requires_grad=True)
    for _ in range(steps):
        loss = ((F.conv2d(x, k[None, None]) - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            k -= lr * k.grad
    return k.detach()
''',
        "gradient ascent (+= instead of -=)": '''
def learn_kernel(inputs, outputs, steps, lr):
    x, y = inputs.unsqueeze(1), outputs.unsqueeze(1)
    k = torch.zeros(3, 3, dtype=inputs.dtype, requires_grad=True)
    for _ in range(steps):
        loss = ((F.conv2d(x, k[None, None]) - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            k += lr * k.grad
            k.grad.zero_()
    return k.detach()
''',
        "ignores steps (always 10 steps)": '''
def learn_kernel(inputs, outputs, steps, lr):
    x, y = inputs.unsqueeze(1), outputs.unsqueeze(1)
    k = torch.zeros(3, 3, dtype=inputs.dtype, requires_grad=True)
    for _ in range(10):
        loss = ((F.conv2d(x, k[None, None]) - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            k -= lr * k.grad
            k.grad.zero_()
    return k.detach()
''',
        "sum of squared errors instead of the mean (diverges)": '''
def learn_kernel(inputs, outputs, steps, lr):
    x, y = inputs.unsqueeze(1), outputs.unsqueeze(1)
    k = torch.zeros(3, 3, dtype=inputs.dtype, requires_grad=True)
    for _ in range(steps):
        loss = ((F.conv2d(x, k[None, None]) - y) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            k -= lr * k.grad
            k.grad.zero_()
    return k.detach()
''',
        "returns the transposed kernel": '''
def learn_kernel(inputs, outputs, steps, lr):
    x, y = inputs.unsqueeze(1), outputs.unsqueeze(1)
    k = torch.zeros(3, 3, dtype=inputs.dtype, requires_grad=True)
    for _ in range(steps):
        loss = ((F.conv2d(x, k[None, None]) - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            k -= lr * k.grad
            k.grad.zero_()
    return k.detach().T
''',
        "starts from a random kernel instead of zeros": '''
def learn_kernel(inputs, outputs, steps, lr):
    x, y = inputs.unsqueeze(1), outputs.unsqueeze(1)
    k = torch.randn(3, 3, dtype=inputs.dtype).requires_grad_()
    for _ in range(steps):
        loss = ((F.conv2d(x, k[None, None]) - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            k -= lr * k.grad
            k.grad.zero_()
    return k.detach()
''',
        "kernel always float32": '''
def learn_kernel(inputs, outputs, steps, lr):
    x, y = inputs.unsqueeze(1).float(), outputs.unsqueeze(1).float()
    k = torch.zeros(3, 3, requires_grad=True)
    for _ in range(steps):
        loss = ((F.conv2d(x, k[None, None]) - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            k -= lr * k.grad
            k.grad.zero_()
    return k.detach()
''',
    },
}

ALTERNATIVES = {
    "correlate2d": {
        "one vectorised sum per kernel offset": '''
def correlate2d(image, kernel):
    kh, kw = kernel.shape
    oh, ow = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = torch.zeros(oh, ow, dtype=image.dtype, device=image.device)
    for a in range(kh):
        for b in range(kw):
            out += kernel[a, b] * image[a:a + oh, b:b + ow]
    return out
''',
        "nested Python loops over every product": '''
def correlate2d(image, kernel):
    H, W = image.shape
    kh, kw = kernel.shape
    out = torch.zeros((H - kh + 1, W - kw + 1), dtype=image.dtype)
    for i in range(H - kh + 1):
        for j in range(W - kw + 1):
            total = 0.0
            for a in range(kh):
                for b in range(kw):
                    total += image[i + a, j + b] * kernel[a, b]
            out[i, j] = total
    return out
''',
    },
    "KERNELS": {
        "built with arithmetic": '''
eye = torch.zeros(3, 3)
eye[1, 1] = 1.0
laplacian = torch.tensor([[0., 1., 0.], [1., -4., 1.], [0., 1., 0.]])
KERNELS = {
    "identity": eye,
    "edge_diagonal": torch.tensor([[1., 0., -1.], [0., 0., 0.], [-1., 0., 1.]]),
    "edge_laplacian": laplacian,
    "edge_all": 9 * eye - torch.ones(3, 3),
    "sharpen": eye - laplacian,
    "box_blur": torch.full((3, 3), 1 / 9),
    "gaussian_blur": torch.outer(torch.tensor([1., 2., 1.]), torch.tensor([1., 2., 1.])) / 16,
}
''',
    },
    "pad2d": {
        "F.pad": '''
def pad2d(x, padding):
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    return F.pad(x, (pw, pw, ph, ph))
''',
        "concatenating zero blocks": '''
def pad2d(x, padding):
    ph, pw = pair(padding)
    rows = x.new_zeros(*x.shape[:-2], ph, x.shape[-1])
    x = torch.cat([rows, x, rows], dim=-2)
    cols = x.new_zeros(*x.shape[:-1], pw)
    return torch.cat([cols, x, cols], dim=-1)
''',
    },
    "convolve2d": {
        "explicit flipped indices": '''
def convolve2d(image, kernel):
    kh, kw = kernel.shape
    out = image.new_zeros(image.shape[0] - kh + 1, image.shape[1] - kw + 1)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            for a in range(kh):
                for b in range(kw):
                    out[i, j] += image[i + a, j + b] * kernel[kh - 1 - a, kw - 1 - b]
    return out
''',
        "rot90 twice": '''
def convolve2d(image, kernel):
    return correlate2d(image, torch.rot90(kernel, 2))
''',
    },
    "conv_output_size": {
        "math.floor": '''
import math

def conv_output_size(n, kernel_size, padding=0, stride=1, dilation=1):
    span = dilation * (kernel_size - 1) + 1
    return math.floor((n + 2 * padding - span) / stride) + 1
''',
        "counts the window positions": '''
def conv_output_size(n, kernel_size, padding=0, stride=1, dilation=1):
    span = dilation * (kernel_size - 1) + 1
    return len(range(0, n + 2 * padding - span + 1, stride))
''',
    },
    "conv2d": {
        "loop over kernel offsets, vectorised over positions": '''
def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = pair(stride), pair(padding), pair(dilation)
    N, C, H, W = x.shape
    nf, _, kh, kw = weight.shape
    oh = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    xp = torch.zeros(N, C, H + 2 * ph, W + 2 * pw, dtype=x.dtype, device=x.device)
    xp[:, :, ph:ph + H, pw:pw + W] = x
    out = torch.zeros(N, nf, oh, ow, dtype=x.dtype, device=x.device)
    for a in range(kh):
        for b in range(kw):
            window = xp[:, :, a * dh:a * dh + sh * (oh - 1) + 1:sh, b * dw:b * dw + sw * (ow - 1) + 1:sw]
            out += torch.einsum("nchw,fc->nfhw", window, weight[:, :, a, b])
    if bias is not None:
        out = out + bias[None, :, None, None]
    return out
''',
        "fully scalar loops over filters, channels and taps": '''
def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = pair(stride), pair(padding), pair(dilation)
    N, C, H, W = x.shape
    nf, _, kh, kw = weight.shape
    oh, ow = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    xp = F.pad(x, (pw, pw, ph, ph))
    out = x.new_zeros(N, nf, oh, ow)
    for f in range(nf):
        for i in range(oh):
            for j in range(ow):
                acc = x.new_zeros(N) if bias is None else bias[f].expand(N).clone()
                for c in range(C):
                    for a in range(kh):
                        for b in range(kw):
                            acc += xp[:, c, i * sh + a * dh, j * sw + b * dw] * weight[f, c, a, b]
                out[:, f, i, j] = acc
    return out
''',
    },
    "conv2d_im2col": {
        "F.unfold": '''
def conv2d_im2col(x, weight, bias=None, stride=1, padding=0):
    N, C, H, W = x.shape
    nf, _, kh, kw = weight.shape
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    oh, ow = (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1
    cols = F.unfold(x, (kh, kw), padding=(ph, pw), stride=(sh, sw))      # [N, C*kh*kw, oh*ow]
    out = (weight.reshape(nf, -1) @ cols).reshape(N, nf, oh, ow)
    return out if bias is None else out + bias.view(1, -1, 1, 1)
''',
        "as_strided": '''
def conv2d_im2col(x, weight, bias=None, stride=1, padding=0):
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    N, C, H, W = x.shape
    nf, _, kh, kw = weight.shape
    xp = F.pad(x, (pw, pw, ph, ph)).contiguous()
    oh, ow = (xp.shape[2] - kh) // sh + 1, (xp.shape[3] - kw) // sw + 1
    sN, sC, sH, sW = xp.stride()
    windows = xp.as_strided((N, oh, ow, C, kh, kw), (sN, sH * sh, sW * sw, sC, sH, sW))
    out = torch.tensordot(windows, weight, dims=([3, 4, 5], [1, 2, 3]))     # [N, oh, ow, F]
    out = out.permute(0, 3, 1, 2)
    return out if bias is None else out + bias.view(1, -1, 1, 1)
''',
    },
    "conv2d_backward": {
        "gradients as convolutions (F.conv2d)": '''
def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    N, C, H, W = x.shape
    nf, _, kh, kw = weight.shape
    oh, ow = grad_out.shape[-2:]
    # grad_weight: correlate the input with the output gradient, dilated by the stride
    gw = F.conv2d(x.transpose(0, 1), grad_out.transpose(0, 1), padding=(ph, pw), dilation=(sh, sw))
    gw = gw.transpose(0, 1)[:, :, :kh, :kw]
    # grad_x: spread grad_out by the stride, pad by k - 1 and correlate with the flipped, transposed kernel
    spread = grad_out.new_zeros(N, nf, sh * (oh - 1) + 1, sw * (ow - 1) + 1)
    spread[:, :, ::sh, ::sw] = grad_out
    full = F.conv2d(F.pad(spread, (kw - 1, kw - 1, kh - 1, kh - 1)), weight.flip(-1, -2).transpose(0, 1))
    gxp = grad_out.new_zeros(N, C, H + 2 * ph, W + 2 * pw)
    gxp[:, :, :full.shape[2], :full.shape[3]] = full
    return gxp[:, :, ph:ph + H, pw:pw + W], gw, grad_out.sum(dim=(0, 2, 3))
''',
        "patch matrices (F.unfold / F.fold)": '''
def conv2d_backward(grad_out, x, weight, stride=1, padding=0):
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    N, C, H, W = x.shape
    nf, _, kh, kw = weight.shape
    g = grad_out.reshape(N, nf, -1)                                          # [N, F, L]
    cols = F.unfold(x, (kh, kw), padding=(ph, pw), stride=(sh, sw))          # [N, C*kh*kw, L]
    gw = torch.einsum("nfl,nkl->fk", g, cols).reshape(weight.shape)
    gcols = torch.einsum("fk,nfl->nkl", weight.reshape(nf, -1), g)
    gx = F.fold(gcols, (H, W), (kh, kw), padding=(ph, pw), stride=(sh, sw))
    return gx, gw, g.sum(dim=(0, 2))
''',
    },
    "conv_parameter_count": {
        "from the weight shape": '''
def conv_parameter_count(in_channels, out_channels, kernel_size, bias=True):
    ks = (kernel_size,) * 2 if isinstance(kernel_size, int) else tuple(kernel_size)
    count = out_channels * in_channels
    for k in ks:
        count *= k
    return int(count + out_channels * bool(bias))
''',
    },
    "receptive_field": {
        "backward recursion from the last layer": '''
def receptive_field(layers):
    field = 1
    for k, s in reversed(layers):
        field = (field - 1) * s + k
    return field
''',
        "product of the earlier strides": '''
import math

def receptive_field(layers):
    return 1 + sum((k - 1) * math.prod(s for _, s in layers[:i]) for i, (k, _) in enumerate(layers))
''',
    },
    "learn_kernel": {
        "torch.optim.SGD": '''
def learn_kernel(inputs, outputs, steps, lr):
    kernel = torch.zeros(1, 1, 3, 3, dtype=inputs.dtype, device=inputs.device, requires_grad=True)
    opt = torch.optim.SGD([kernel], lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        loss = F.mse_loss(F.conv2d(inputs[:, None], kernel), outputs[:, None])
        loss.backward()
        opt.step()
    return kernel.detach()[0, 0]
''',
        "the mean-squared-error gradient written by hand": '''
def learn_kernel(inputs, outputs, steps, lr):
    k = torch.zeros(3, 3, dtype=inputs.dtype, device=inputs.device)
    N, H, W = inputs.shape
    patches = torch.stack([inputs[:, a:a + H - 2, b:b + W - 2] for a in range(3) for b in range(3)], dim=-1)
    for _ in range(steps):
        err = patches @ k.reshape(9) - outputs
        grad = 2 * (patches * err[..., None]).mean(dim=(0, 1, 2))
        k = k - lr * grad.reshape(3, 3)
    return k
''',
    },
}
