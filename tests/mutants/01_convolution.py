"""Proof that the tests of 01_convolution work: plausible wrong solutions and correct alternatives.

Each entry is the code of a whole exercise cell (the marker line is added by autograder/proof.py; `python -m autograder prove` grades them).
Every mutant must lose points on its own exercise's tests; every alternative must score full marks.
Most mutants are the source's reference cell with one mistake edited in, so the mistake is easy to see.
"""

from autograder.proof import mutate

MUTANTS = {
    "correlate2d": {
        "flips the kernel (computes a true convolution)": mutate(
            "correlate2d", ("* kernel).sum()", "* kernel.flip(0, 1)).sum()")),
        "output one row and column too small (range(H - kh))": mutate(
            "correlate2d", ("image.new_zeros(image.shape[0] - kh + 1, image.shape[1] - kw + 1)",
                            "image.new_zeros(image.shape[0] - kh, image.shape[1] - kw)")),
        "assumes a square kernel": mutate(
            "correlate2d", ("kh, kw = kernel.shape", "kh = kw = kernel.shape[0]"),
            ("* kernel).sum()", "* kernel[:kh, :kw]).sum()")),
        "averages the products instead of summing them": mutate("correlate2d", (".sum()", ".mean()")),
        "output allocated as float32 whatever the input": mutate("correlate2d", ("image.new_zeros(", "torch.zeros(")),
        "uses the transposed kernel": mutate(
            "correlate2d", ("    kh, kw = kernel.shape\n", "    kernel = kernel.T\n    kh, kw = kernel.shape\n")),
    },
    "KERNELS": {
        "sharpen with the wrong signs": mutate(
            "KERNELS", ("[[0., -1., 0.], [-1., 5., -1.], [0., -1., 0.]]", "[[0., 1., 0.], [1., -5., 1.], [0., 1., 0.]]")),
        "box blur not normalised": mutate("KERNELS", ("torch.ones(3, 3) / 9", "torch.ones(3, 3)")),
        "gaussian blur divided by 9 instead of 16": mutate("KERNELS", ("]]) / 16", "]]) / 9")),
        "edge_all with 9 in the centre": mutate("KERNELS", ("[-1., 8., -1.]", "[-1., 9., -1.]")),
        "edge_diagonal with the signs swapped": mutate(
            "KERNELS", ("[[1., 0., -1.], [0., 0., 0.], [-1., 0., 1.]]", "[[-1., 0., 1.], [0., 0., 0.], [1., 0., -1.]]")),
        "integer tensors (dtype int64)": mutate(
            "KERNELS", ("[[0., 0., 0.], [0., 1., 0.], [0., 0., 0.]]", "[[0, 0, 0], [0, 1, 0], [0, 0, 0]]"),
            ("[[0., 1., 0.], [1., -4., 1.], [0., 1., 0.]]", "[[0, 1, 0], [1, -4, 1], [0, 1, 0]]")),
        "gaussian_blur missing": mutate(
            "KERNELS", ('    "gaussian_blur": torch.tensor([[1., 2., 1.], [2., 4., 2.], [1., 2., 1.]]) / 16,\n', "")),
        "identity as all ones": mutate(
            "KERNELS", ("torch.tensor([[0., 0., 0.], [0., 1., 0.], [0., 0., 0.]])", "torch.ones(3, 3)")),
        "edge_laplacian with the opposite sign": mutate(
            "KERNELS", ("[[0., 1., 0.], [1., -4., 1.], [0., 1., 0.]]", "[[0., -1., 0.], [-1., 4., -1.], [0., -1., 0.]]")),
    },
    "pad2d": {
        "pads only the top and the left": mutate(
            "pad2d", ("H + 2 * ph, W + 2 * pw", "H + ph, W + pw"), ("out[..., ph:ph + H, pw:pw + W]", "out[..., ph:, pw:]")),
        "swaps the row and column padding": mutate("pad2d", ("ph, pw = pair(padding)", "pw, ph = pair(padding)")),
        "only works for 4-D tensors": mutate(
            "pad2d", ("H, W = x.shape[-2:]", "N, C, H, W = x.shape"),
            ("x.new_zeros(*x.shape[:-2], ", "x.new_zeros(N, C, "), ("out[..., ", "out[:, :, ")),
        "loses the dtype (torch.zeros)": mutate("pad2d", ("x.new_zeros(", "torch.zeros(")),
        "pads 2p on each side": mutate(
            "pad2d", ("H + 2 * ph, W + 2 * pw", "H + 4 * ph, W + 4 * pw"),
            ("out[..., ph:ph + H, pw:pw + W]", "out[..., 2 * ph:2 * ph + H, 2 * pw:2 * pw + W]")),
        "uses the first number of a pair for both axes": mutate(
            "pad2d", ("ph, pw = pair(padding)", "ph = pw = pair(padding)[0]")),
        "F.pad with the pairs in the wrong order (rows padded as columns)": '''
def pad2d(x, padding):
    ph, pw = pair(padding)
    return torch.nn.functional.pad(x, (ph, ph, pw, pw))
''',
    },
    "convolve2d": {
        "forgets to flip (cross-correlation)": mutate("convolve2d", ("kernel.flip(0, 1)", "kernel")),
        "flips only the rows": mutate("convolve2d", ("kernel.flip(0, 1)", "kernel.flip(0)")),
        "flips only the columns": mutate("convolve2d", ("kernel.flip(0, 1)", "kernel.flip(1)")),
        "transposes instead of flipping": mutate("convolve2d", ("kernel.flip(0, 1)", "kernel.T.contiguous()")),
        "full mode instead of valid": mutate(
            "convolve2d", ("    return correlate2d(image,",
                           "    kh, kw = kernel.shape\n"
                           "    return correlate2d(F.pad(image, (kw - 1, kw - 1, kh - 1, kh - 1)),")),
        "same mode instead of valid": mutate(
            "convolve2d", ("    return correlate2d(image,",
                           "    kh, kw = kernel.shape\n"
                           "    return correlate2d(F.pad(image, (kw // 2, kw // 2, kh // 2, kh // 2)),")),
    },
    "conv_output_size": {
        "ignores the dilation": mutate("conv_output_size", ("dilation * (kernel_size - 1) - 1", "kernel_size")),
        "dilation off by one: span d*k instead of d*(k-1)+1": mutate(
            "conv_output_size", ("dilation * (kernel_size - 1) - 1", "dilation * kernel_size")),
        "pads only one side": mutate("conv_output_size", ("n + 2 * padding", "n + padding")),
        "ignores the stride": mutate("conv_output_size", ("// stride", "// 1")),
        "rounds up instead of down": mutate(
            "conv_output_size", ("return (n", "return -(-(n"), (") // stride + 1", ") // stride) + 1")),
        "true division: returns a float": mutate("conv_output_size", ("// stride", "/ stride")),
        "forgets the +1": mutate("conv_output_size", (" - 1) // stride + 1", ") // stride")),
    },
    "conv2d": {
        "ignores the padding": mutate("conv2d", ("pair(padding)", "(0, 0)")),
        "stride ignored in the output size": mutate(
            "conv2d", ("// sh + 1", "// 1 + 1"), ("// sw + 1", "// 1 + 1"),
            ("top, left = i * sh, j * sw", "top, left = i, j")),
        "forgets the bias": mutate("conv2d", ("    if bias is not None:\n        out += bias.view(1, -1, 1, 1)\n", "")),
        "adds the bias once per input channel": mutate(
            "conv2d", ("    if bias is not None:\n        out += bias.view(1, -1, 1, 1)\n",
                       "    for c in range(C):\n        if bias is not None:\n            out += bias.view(1, -1, 1, 1)\n")),
        "channels not summed (only the first channel)": mutate(
            "conv2d", ("(patch[:, None] * weight[None]).sum(dim=(2, 3, 4))",
                       "(patch[:, None, 0] * weight[None, :, 0]).sum(dim=(2, 3))")),
        "channels averaged instead of summed": mutate(
            "conv2d", (".sum(dim=(2, 3, 4))", ".sum(dim=(3, 4)).mean(dim=2)")),
        "dilation off by one (taps d+1 apart)": mutate(
            "conv2d", ("    N, C, H, W = x.shape\n",
                       "    dh, dw = (dh + 1, dw + 1) if (dh, dw) != (1, 1) else (1, 1)\n    N, C, H, W = x.shape\n")),
        "flips the kernel (true convolution)": mutate(
            "conv2d", ("    N, C, H, W = x.shape\n", "    weight = weight.flip(-1, -2)\n    N, C, H, W = x.shape\n")),
        "a pair stride uses its first number for both axes": mutate(
            "conv2d", ("pair(stride)", "pair(stride if isinstance(stride, int) else stride[0])")),
        "float32 output whatever the input dtype": mutate(
            "conv2d", ("x.new_zeros(N, n_filters, out_h, out_w)", "torch.zeros(N, n_filters, out_h, out_w, device=x.device)")),
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
        "patches flattened (kh, kw, C) but filters (C, kh, kw)": mutate(
            "conv2d_im2col", ("permute(0, 3, 4, 1, 2)", "permute(3, 4, 0, 1, 2)")),
        "positions and filters mixed up in the final reshape": mutate(
            "conv2d_im2col", ("out.view(N, n_filters, out_h, out_w)", "out.transpose(1, 2).reshape(N, n_filters, out_h, out_w)")),
        "forgets the bias": mutate(
            "conv2d_im2col", ("    if bias is not None:\n        out += bias.view(1, -1, 1)  # in place: no second tensor the size of the output\n", "")),
        "ignores the stride": mutate(
            "conv2d_im2col", (".unfold(2, kh, sh).unfold(3, kw, sw)", ".unfold(2, kh, 1).unfold(3, kw, 1)")),
        "ignores the padding": mutate("conv2d_im2col", ("F.pad(x, (pw, pw, ph, ph)).unfold", "x.unfold")),
        "output height and width swapped in the final reshape": mutate(
            "conv2d_im2col", ("out.view(N, n_filters, out_h, out_w)", "out.view(N, n_filters, out_w, out_h).transpose(2, 3)")),
        "calls F.conv2d (forbidden)": '''
def conv2d_im2col(x, weight, bias=None, stride=1, padding=0):
    return F.conv2d(x, weight, bias, stride=stride, padding=padding)
''',
        "right numbers, but a Python loop over output positions (not im2col)": mutate(
            "conv2d_im2col", ("windows[i].permute(0, 3, 4, 1, 2).reshape(C * kh * kw, out_h * out_w)",
                              "torch.stack([windows[i, :, a, b].reshape(-1) for a in range(out_h) for b in range(out_w)], dim=1)")),
        "multiplies only the first image of the batch": mutate("conv2d_im2col", ("for i in range(N):", "for i in range(1):")),
    },
    "numerical_gradient": {
        "one-sided difference (f(x + eps) - f(x)) / eps": mutate(
            "numerical_gradient", ("        flat[i] = old - eps\n        minus = float(f(flat.view(x.shape)))\n",
                                   "        flat[i] = old\n        minus = float(f(flat.view(x.shape)))\n"),
            ("(plus - minus) / (2 * eps)", "(plus - minus) / eps")),
        "divides by eps instead of 2 eps": mutate("numerical_gradient", ("(plus - minus) / (2 * eps)", "(plus - minus) / eps")),
        "computes in x's dtype (float32 loses the difference)": mutate(
            "numerical_gradient", ("x.detach().to(torch.float64).flatten().clone()", "x.detach().flatten().clone()")),
        "perturbs x itself and never restores it": mutate(
            "numerical_gradient", ("flat = x.detach().to(torch.float64).flatten().clone()", "flat = x.data.view(-1)"),
            ("        flat[i] = old\n        grad[i]", "        grad[i]"), ("return grad.view(x.shape)", "return grad.double().view(x.shape)")),
        "passes f the flattened tensor": mutate(
            "numerical_gradient", lambda code: code.replace("f(flat.view(x.shape))", "f(flat)")),
        "moves every element at once (a directional derivative)": '''
def numerical_gradient(f, x, eps=1e-6):
    base = x.detach().double()
    step = torch.full_like(base, eps)
    return ((f(base + step) - f(base - step)) / (2 * eps)) * torch.ones_like(base)


def relative_error(a, b):
    a, b = a.detach().double(), b.detach().double()
    denominator = (a.norm() + b.norm()).item()
    return 0.0 if denominator == 0 else (a - b).norm().item() / denominator
''',
        "ignores eps (always 1e-6)": mutate("numerical_gradient", ("        old = flat[i].item()\n", "        old = flat[i].item()\n        eps = 1e-6\n")),
        "relative_error: absolute error (no denominator)": mutate(
            "numerical_gradient", ("0.0 if denominator == 0 else (a - b).norm().item() / denominator", "(a - b).norm().item()")),
        "relative_error: divided by the norm of b only": mutate(
            "numerical_gradient", ("denominator = (a.norm() + b.norm()).item()", "denominator = b.norm().item()"),
            ("0.0 if denominator == 0 else ", "")),
        "relative_error: nan for two zero tensors": mutate("numerical_gradient", ("0.0 if denominator == 0 else ", "")),
        "relative_error: largest absolute values instead of norms": mutate(
            "numerical_gradient", ("denominator = (a.norm() + b.norm()).item()", "denominator = (a.abs().max() + b.abs().max()).item()"),
            ("(a - b).norm().item() / denominator", "(a - b).abs().max().item() / denominator")),
        "relative_error: in the inputs' dtype (float32 overflows)": mutate(
            "numerical_gradient", ("a, b = a.detach().double(), b.detach().double()", "a, b = a.detach(), b.detach()")),
        "relative_error: returns a tensor": mutate(
            "numerical_gradient", ("denominator = (a.norm() + b.norm()).item()", "denominator = a.norm() + b.norm()"),
            ("(a - b).norm().item() / denominator", "(a - b).norm() / denominator")),
    },
    "conv2d_backward": {
        "grad_bias summed over the batch only": mutate(
            "conv2d_backward", ("grad_out.sum(dim=(0, 2, 3))", "grad_out.sum(dim=0).mean(dim=(1, 2))")),
        "grad_weight from the first image only": mutate(
            "conv2d_backward", ('torch.einsum("nfij,ncij->fc", grad_out, xp[:, :, rows, cols])',
                                'torch.einsum("fij,cij->fc", grad_out[0], xp[0, :, rows, cols])')),
        "grad_weight averaged over the batch": mutate(
            "conv2d_backward", ('torch.einsum("nfij,ncij->fc", grad_out, xp[:, :, rows, cols])',
                                'torch.einsum("nfij,ncij->fc", grad_out, xp[:, :, rows, cols]) / x.shape[0]')),
        "grad_x keeps the padding (not cropped)": mutate(
            "conv2d_backward", ("grad_x = grad_xp[:, :, ph:ph + H, pw:pw + W]", "grad_x = grad_xp")),
        "grad_x overwrites instead of accumulating where windows overlap": mutate(
            "conv2d_backward", ("grad_xp[:, :, rows, cols] +=", "grad_xp[:, :, rows, cols] =")),
        "grad_x with the unflipped kernel (a correlation of the padded gradient)": mutate(
            "conv2d_backward", ("weight[:, :, a, b])", "weight.flip(-1, -2)[:, :, a, b])")),
        "ignores the stride when scattering grad_x": mutate(
            "conv2d_backward", ("grad_xp[:, :, rows, cols] +=", "grad_xp[:, :, a:a + out_h, b:b + out_w] +=")),
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
        "one bias per input channel": mutate(
            "conv_parameter_count", ("(out_channels if bias else 0)", "(in_channels if bias else 0)")),
        "forgets the input channels": mutate(
            "conv_parameter_count", ("out_channels * in_channels * kh * kw", "out_channels * kh * kw")),
        "always counts the bias": mutate("conv_parameter_count", ("(out_channels if bias else 0)", "out_channels")),
        "a pair kernel size uses its first number twice": mutate(
            "conv_parameter_count", ("kh, kw = pair(kernel_size)", "kh = kw = pair(kernel_size)[0]")),
        "a single bias for the whole layer": mutate(
            "conv_parameter_count", ("(out_channels if bias else 0)", "(1 if bias else 0)")),
        "k instead of k*k weights per channel": mutate("conv_parameter_count", ("kh * kw", "(kh + kw)")),
    },
    "receptive_field": {
        "ignores the strides": mutate("receptive_field", ("        jump *= stride\n", "")),
        "includes the layer's own stride in its growth": mutate(
            "receptive_field", ("        field += (kernel_size - 1) * jump\n        jump *= stride\n",
                                "        jump *= stride\n        field += (kernel_size - 1) * jump\n")),
        "sums the kernel sizes": mutate(
            "receptive_field", ("field, jump = 1, 1", "field, jump = 0, 1"), ("(kernel_size - 1) * jump", "kernel_size")),
        "forgets the starting pixel (no +1)": mutate("receptive_field", ("field, jump = 1, 1", "field, jump = 0, 1")),
        "multiplies the kernel sizes": mutate("receptive_field", ("field += (kernel_size - 1) * jump", "field *= kernel_size")),
        "applies the backward recursion in the wrong order (first layer to last)": '''
def receptive_field(layers):
    field = 1
    for k, s in layers:
        field = (field - 1) * s + k
    return field
''',
    },
    "learn_kernel": {
        "predicts with a convolution (learns the flipped kernel)": mutate(
            "learn_kernel", ("F.conv2d(x, kernel[None, None])", "F.conv2d(x, kernel.flip(0, 1)[None, None])")),
        "never zeroes the gradient": mutate("learn_kernel", ("            kernel.grad.zero_()\n", "")),
        "gradient ascent (+= instead of -=)": mutate("learn_kernel", ("kernel -= lr * kernel.grad", "kernel += lr * kernel.grad")),
        "ignores steps (always 10 steps)": mutate("learn_kernel", ("range(steps)", "range(10)")),
        "sum of squared errors instead of the mean (diverges)": mutate("learn_kernel", ("** 2).mean()", "** 2).sum()")),
        "returns the transposed kernel": mutate("learn_kernel", ("return kernel.detach()", "return kernel.detach().T")),
        "starts from a random kernel instead of zeros": mutate(
            "learn_kernel", ("torch.zeros(3, 3, dtype=inputs.dtype, device=inputs.device, requires_grad=True)",
                             "torch.randn(3, 3, dtype=inputs.dtype, device=inputs.device).requires_grad_()")),
        "kernel always float32": mutate(
            "learn_kernel", ("inputs.unsqueeze(1), outputs.unsqueeze(1)", "inputs.unsqueeze(1).float(), outputs.unsqueeze(1).float()"),
            ("torch.zeros(3, 3, dtype=inputs.dtype, device=", "torch.zeros(3, 3, device=")),
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
        "the whole batch's patch matrix and one batched multiply": '''
def conv2d_im2col(x, weight, bias=None, stride=1, padding=0):
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    N, C, H, W = x.shape
    n_filters, _, kh, kw = weight.shape
    windows = F.pad(x, (pw, pw, ph, ph)).unfold(2, kh, sh).unfold(3, kw, sw)    # [N, C, out_h, out_w, kh, kw]
    out_h, out_w = windows.shape[2], windows.shape[3]
    patches = windows.permute(0, 1, 4, 5, 2, 3).reshape(N, C * kh * kw, out_h * out_w)
    out = weight.reshape(n_filters, C * kh * kw) @ patches                    # [N, F, out_h*out_w]
    if bias is not None:
        out += bias.view(1, -1, 1)
    return out.view(N, n_filters, out_h, out_w)
''',
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
        "one strided slice per kernel offset (a loop over kh*kw, not over positions)": '''
def conv2d_im2col(x, weight, bias=None, stride=1, padding=0):
    (sh, sw), (ph, pw) = pair(stride), pair(padding)
    N, C, H, W = x.shape
    nf, _, kh, kw = weight.shape
    xp = F.pad(x, (pw, pw, ph, ph))
    oh, ow = (xp.shape[2] - kh) // sh + 1, (xp.shape[3] - kw) // sw + 1
    shifted = [xp[:, :, a:a + sh * (oh - 1) + 1:sh, b:b + sw * (ow - 1) + 1:sw] for a in range(kh) for b in range(kw)]
    cols = torch.stack(shifted, dim=2).reshape(N, C * kh * kw, oh * ow)    # rows in (c, a, b) order
    out = (weight.reshape(nf, -1) @ cols).reshape(N, nf, oh, ow)
    return out if bias is None else out + bias.view(1, -1, 1, 1)
''',
    },
    "numerical_gradient": {
        "a fresh perturbed copy per evaluation, NumPy indices, torch.linalg.norm": '''
import itertools


def numerical_gradient(f, x, eps=1e-6):
    x64 = x.detach().to(dtype=torch.float64)
    grad = torch.empty(x.shape, dtype=torch.float64, device=x.device)
    for index in itertools.product(*[range(n) for n in x.shape]):
        step = torch.zeros_like(x64)
        step[index] = eps
        grad[index] = (torch.as_tensor(f(x64 + step)) - torch.as_tensor(f(x64 - step))).item() / (2 * eps)
    return grad


def relative_error(a, b):
    a = a.detach().to(torch.float64).reshape(-1)
    b = b.detach().to(torch.float64).reshape(-1)
    top, bottom = torch.linalg.norm(a - b), torch.linalg.norm(a) + torch.linalg.norm(b)
    return float(top / bottom) if bottom > 0 else 0.0
''',
        "math on Python floats": '''
import math


def numerical_gradient(f, x, eps=1e-6):
    values = x.detach().cpu().double().reshape(-1).tolist()
    out = []
    for i, v in enumerate(values):
        up = values[:i] + [v + eps] + values[i + 1:]
        down = values[:i] + [v - eps] + values[i + 1:]
        as_x = lambda vals: torch.tensor(vals, dtype=torch.float64, device=x.device).reshape(x.shape)
        out.append((float(f(as_x(up))) - float(f(as_x(down)))) / (2 * eps))
    return torch.tensor(out, dtype=torch.float64, device=x.device).reshape(x.shape)


def relative_error(a, b):
    pa = a.detach().cpu().double().reshape(-1).tolist()
    pb = b.detach().cpu().double().reshape(-1).tolist()
    diff = math.sqrt(sum((u - v) ** 2 for u, v in zip(pa, pb)))
    norms = math.sqrt(sum(u * u for u in pa)) + math.sqrt(sum(v * v for v in pb))
    return diff / norms if norms else 0.0
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

# torch.no_grad resolves to torch.autograd.grad_mode.no_grad: using it is not automatic differentiation
ALTERNATIVES["conv2d_backward"]["decorated with @torch.no_grad() (no autograd)"] = mutate(
    "conv2d_backward", ("def conv2d_backward(", "@torch.no_grad()\ndef conv2d_backward("))
