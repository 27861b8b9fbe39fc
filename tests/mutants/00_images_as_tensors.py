"""Proof that the tests of 00_images_as_tensors work: plausible wrong solutions and correct alternatives.

Each entry is the code of a whole exercise cell (the marker line is added by autograder/proof.py; `python -m autograder prove` grades them).
Every mutant must lose points on its own exercise's tests; every alternative must score full marks.
Some mutants are the source's reference cell with one mistake edited in, so the mistake is easy to see.
"""

from autograder.proof import mutate

MUTANTS = {
    "to_tensor": {
        "forgets to scale to [0, 1]": mutate("to_tensor", (".to(torch.float32) / 255.0", ".to(torch.float32)")),
        "channels last": mutate("to_tensor", (".permute(2, 0, 1)", "")),
        "reshape instead of permute": mutate(
            "to_tensor", ("torch.from_numpy(array.copy()).permute(2, 0, 1)",
                          "torch.from_numpy(array.copy()).reshape(array.shape[2], *array.shape[:2])")),
        "grayscale left as [H,W]": mutate(
            "to_tensor", ("        array = array[:, :, None]\n",
                          "        return torch.from_numpy(array.copy()).to(torch.float32) / 255.0\n")),
        "divides by 256": mutate("to_tensor", ("/ 255.0", "/ 256.0")),
        "keeps float64": mutate(
            "to_tensor", ("torch.from_numpy(array.copy()).permute(2, 0, 1).to(torch.float32) / 255.0",
                          "torch.from_numpy(array / 255.0).permute(2, 0, 1)")),
        "transposes height and width": mutate("to_tensor", (".permute(2, 0, 1)", ".permute(2, 1, 0)")),
    },
    "to_grayscale": {
        "plain mean of the channels": """
def to_grayscale(x):
    return x.mean(dim=-3, keepdim=True)
""",
        "BT.709 weights": """
def to_grayscale(x):
    w = torch.tensor([0.2126, 0.7152, 0.0722], dtype=x.dtype)
    return (x * w[:, None, None]).sum(dim=-3, keepdim=True)
""",
        "BGR order": """
def to_grayscale(x):
    w = torch.tensor([0.114, 0.587, 0.299], dtype=x.dtype)
    return (x * w[:, None, None]).sum(dim=-3, keepdim=True)
""",
        "drops the channel dimension": """
def to_grayscale(x):
    w = torch.tensor([0.299, 0.587, 0.114], dtype=x.dtype)
    return (x * w[:, None, None]).sum(dim=-3)
""",
        "sums over dim 0 (breaks batches)": """
def to_grayscale(x):
    w = torch.tensor([0.299, 0.587, 0.114], dtype=x.dtype)
    return (x * w.reshape(-1, *([1] * (x.ndim - 1)))).sum(dim=0, keepdim=True)
""",
        "casts to float32": """
def to_grayscale(x):
    w = torch.tensor([0.299, 0.587, 0.114])
    return (x.float() * w[:, None, None]).sum(dim=-3, keepdim=True)
""",
        "modifies its input": """
def to_grayscale(x):
    w = torch.tensor([0.299, 0.587, 0.114], dtype=x.dtype)
    return x.mul_(w[:, None, None]).sum(dim=-3, keepdim=True)
""",
    },
    "channel_histograms": {
        "bins over the data's min..max": """
def channel_histograms(x, bins=16):
    return torch.stack([torch.histc(c, bins=bins, min=c.min().item(), max=c.max().item()) for c in x])
""",
        "drops the value 1.0": """
def channel_histograms(x, bins=16):
    flat = x.reshape(x.shape[0], -1)
    index = (flat * bins).long()
    return torch.stack([torch.bincount(row[row < bins], minlength=bins).float() for row in index])
""",
        "one histogram for all channels": """
def channel_histograms(x, bins=16):
    h = torch.histc(x, bins=bins, min=0, max=1)
    return h.expand(x.shape[0], bins).clone()
""",
        "fractions instead of counts": """
def channel_histograms(x, bins=16):
    h = torch.stack([torch.histc(c, bins=bins, min=0, max=1) for c in x])
    return h / h.sum(dim=1, keepdim=True)
""",
        "rounds to the nearest bin": """
def channel_histograms(x, bins=16):
    flat = x.reshape(x.shape[0], -1)
    index = (flat * (bins - 1)).round().long()
    return torch.stack([torch.bincount(row, minlength=bins).float() for row in index])
""",
        "only the first channel": """
def channel_histograms(x, bins=16):
    return torch.histc(x[0], bins=bins, min=0, max=1)[None]
""",
    },
    "normalize": {
        "multiplies instead of dividing": """
def normalize(x, mean, std):
    mean = torch.as_tensor(mean, dtype=x.dtype).reshape(-1, 1, 1)
    std = torch.as_tensor(std, dtype=x.dtype).reshape(-1, 1, 1)
    return (x - mean) * std
""",
        "broadcasts over the last dimension": """
def normalize(x, mean, std):
    return (x - torch.as_tensor(mean, dtype=x.dtype)) / torch.as_tensor(std, dtype=x.dtype)
""",
        "divides before subtracting": """
def normalize(x, mean, std):
    mean = torch.as_tensor(mean, dtype=x.dtype).reshape(-1, 1, 1)
    std = torch.as_tensor(std, dtype=x.dtype).reshape(-1, 1, 1)
    return x / std - mean
""",
        "in place": """
def normalize(x, mean, std):
    mean = torch.as_tensor(mean, dtype=x.dtype).reshape(-1, 1, 1)
    std = torch.as_tensor(std, dtype=x.dtype).reshape(-1, 1, 1)
    return x.sub_(mean).div_(std)
""",
        "uses the variance": """
def normalize(x, mean, std):
    mean = torch.as_tensor(mean, dtype=x.dtype).reshape(-1, 1, 1)
    std = torch.as_tensor(std, dtype=x.dtype).reshape(-1, 1, 1)
    return (x - mean) / std**2
""",
        "ignores mean and std (standardises the data)": """
def normalize(x, mean, std):
    return (x - x.mean(dim=(-2, -1), keepdim=True)) / x.std(dim=(-2, -1), keepdim=True)
""",
    },
}

ALTERNATIVES = {
    "to_tensor": {
        "NumPy first, then torch.tensor": """
def to_tensor(img):
    a = np.array(img, dtype=np.float32) / 255.0
    if a.ndim == 2:
        a = a[None]
    else:
        a = np.transpose(a, (2, 0, 1))
    return torch.tensor(a)
""",
    },
    "to_grayscale": {
        "channel slicing": """
def to_grayscale(x):
    r, g, b = x[..., 0:1, :, :], x[..., 1:2, :, :], x[..., 2:3, :, :]
    return 0.299 * r + 0.587 * g + 0.114 * b
""",
    },
    "channel_histograms": {
        "torch.histc per channel": """
def channel_histograms(x, bins=16):
    return torch.stack([torch.histc(channel, bins=bins, min=0.0, max=1.0) for channel in x])
""",
    },
    "normalize": {
        "loop over channels": """
def normalize(x, mean, std):
    out = x.clone()
    for c in range(x.shape[-3]):
        out[..., c, :, :] = (x[..., c, :, :] - float(mean[c])) / float(std[c])
    return out
""",
    },
}
