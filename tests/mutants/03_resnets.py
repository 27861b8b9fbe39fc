"""Proof that the tests of 03_resnets work: plausible wrong solutions and correct alternatives.

Each entry is the code of a whole exercise cell (the marker line is added by autograder/proof.py; `python -m autograder prove` grades them).
Every mutant must lose points on its own exercise's tests; every alternative must score full marks.
Most mutants are the source's reference cell with one mistake edited in, so the mistake is easy to see.
"""

from autograder.proof import mutate

MUTANTS = {
    "batchnorm2d": {
        "biased variance in the running update": mutate(
            "batchnorm2d", ("momentum * var * n / (n - 1)", "momentum * var")),
        "momentum applied the wrong way round": mutate(
            "batchnorm2d",
            ("(1 - momentum) * running_mean + momentum * mean", "momentum * running_mean + (1 - momentum) * mean"),
            ("(1 - momentum) * running_var + momentum * var * n / (n - 1)",
             "momentum * running_var + (1 - momentum) * var * n / (n - 1)")),
        "evaluation mode normalises with the batch statistics": mutate(
            "batchnorm2d", ("        mean, var = running_mean, running_var\n",
                            "        mean, var = x.mean(dim=(0, 2, 3)), x.var(dim=(0, 2, 3), unbiased=False)\n")),
        "normalises with the unbiased variance": mutate(
            "batchnorm2d", ("var = ((x - mean.view(shape)) ** 2).mean(dim=(0, 2, 3))",
                            "var = x.var(dim=(0, 2, 3), unbiased=True)"),
            ("momentum * var * n / (n - 1)", "momentum * var")),
        "eps outside the square root": mutate(
            "batchnorm2d", ("torch.sqrt(var.view(shape) + eps)", "(torch.sqrt(var.view(shape)) + eps)")),
        "running statistics keep the autograd graph": mutate(
            "batchnorm2d", ("        with torch.no_grad():\n", "        if True:\n")),
        "detaches the batch statistics (wrong gradients)": mutate(
            "batchnorm2d", ("mean = x.mean(dim=(0, 2, 3))", "mean = x.mean(dim=(0, 2, 3)).detach()"),
            ("var = ((x - mean.view(shape)) ** 2).mean(dim=(0, 2, 3))",
             "var = ((x - mean.view(shape)) ** 2).mean(dim=(0, 2, 3)).detach()")),
        "updates the running statistics in place": mutate(
            "batchnorm2d",
            ("new_mean = (1 - momentum) * running_mean + momentum * mean",
             "new_mean = running_mean.mul_(1 - momentum).add_(momentum * mean)"),
            ("new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)",
             "new_var = running_var.mul_(1 - momentum).add_(momentum * var * n / (n - 1))")),
        "evaluation mode still updates the running mean": mutate(
            "batchnorm2d", ("        new_mean, new_var = running_mean, running_var\n",
                            "        new_mean = (1 - momentum) * running_mean + momentum * x.mean(dim=(0, 2, 3)).detach()\n"
                            "        new_var = running_var\n")),
    },
    "BasicBlock": {
        "ReLU before the addition": mutate(
            "BasicBlock", ("out = self.bn2(self.conv2(out))", "out = self.relu(self.bn2(self.conv2(out)))"),
            ("return self.relu(out + identity)", "return out + identity")),
        "shortcut without BatchNorm": mutate(
            "BasicBlock", ("nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),\n"
                           "                                            nn.BatchNorm2d(out_channels))",
                           "nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False))")),
        "stride on the second convolution": mutate(
            "BasicBlock", ("nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)",
                           "nn.Conv2d(in_channels, out_channels, 3, stride=1, padding=1, bias=False)"),
            ("nn.Conv2d(out_channels, out_channels, 3, stride=1, padding=1, bias=False)",
             "nn.Conv2d(out_channels, out_channels, 3, stride=stride, padding=1, bias=False)")),
        "no projection when only the channels change": mutate(
            "BasicBlock", ("if stride != 1 or in_channels != out_channels:", "if stride != 1:")),
        "no ReLU after the addition": mutate(
            "BasicBlock", ("return self.relu(out + identity)", "return out + identity")),
        "convolutions with a bias": mutate(
            "BasicBlock", ("nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)",
                           "nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1)"),
            ("nn.Conv2d(out_channels, out_channels, 3, stride=1, padding=1, bias=False)",
             "nn.Conv2d(out_channels, out_channels, 3, stride=1, padding=1)")),
        "projection without the stride": mutate(
            "BasicBlock", ("nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)",
                           "nn.Conv2d(in_channels, out_channels, 1, bias=False)")),
    },
    "Bottleneck": {
        "stride on the first 1x1 convolution (ResNet v1)": mutate(
            "Bottleneck", ("nn.Conv2d(in_channels, width, 1, bias=False)", "nn.Conv2d(in_channels, width, 1, stride=stride, bias=False)"),
            ("nn.Conv2d(width, width, 3, stride=stride, padding=1, bias=False)", "nn.Conv2d(width, width, 3, padding=1, bias=False)")),
        "ReLU before the addition": mutate(
            "Bottleneck", ("out = self.bn3(self.conv3(out))", "out = self.relu(self.bn3(self.conv3(out)))"),
            ("return self.relu(out + identity)", "return out + identity")),
        "no projection when only the channels change": mutate(
            "Bottleneck", ("if stride != 1 or in_channels != out_channels:", "if stride != 1:")),
        "shortcut without BatchNorm": mutate(
            "Bottleneck", ("nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False),\n"
                           "                                            nn.BatchNorm2d(out_channels))",
                           "nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False))")),
        "compares in_channels with width, not width * 4": mutate(
            "Bottleneck", ("if stride != 1 or in_channels != out_channels:", "if stride != 1 or in_channels != width:")),
        "no ReLU after the 3x3 convolution": mutate(
            "Bottleneck", ("out = self.relu(self.bn2(self.conv2(out)))", "out = self.bn2(self.conv2(out))")),
        "no ReLU after the addition": mutate(
            "Bottleneck", ("return self.relu(out + identity)", "return out + identity")),
    },
    "ResNet": {
        "no max pooling in the stem": mutate(
            "ResNet", ("x = self.maxpool(self.relu(self.bn1(self.conv1(x))))", "x = self.relu(self.bn1(self.conv1(x)))")),
        "no ReLU in the stem": mutate(
            "ResNet", ("x = self.maxpool(self.relu(self.bn1(self.conv1(x))))", "x = self.maxpool(self.bn1(self.conv1(x)))")),
        "fc ignores the expansion": mutate(
            "ResNet", ("self.fc = nn.Linear(512 * block.expansion, num_classes)", "self.fc = nn.Linear(512, num_classes)")),
        "next block's input channels ignore the expansion": mutate(
            "ResNet", ("in_channels = width * block.expansion", "in_channels = width")),
        "stride 2 in layer1 too": mutate(
            "ResNet", ("2 if i > 0 and j == 0 else 1", "2 if j == 0 else 1")),
        "stride 2 in every block of layer2..4": mutate(
            "ResNet", ("2 if i > 0 and j == 0 else 1", "2 if i > 0 else 1")),
        "CIFAR-style stem (3x3, stride 1)": mutate(
            "ResNet", ("nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)", "nn.Conv2d(3, 64, 3, stride=1, padding=1, bias=False)")),
        "resnet34 with ResNet-18's block counts": mutate(
            "ResNet", ("return ResNet(BasicBlock, [3, 4, 6, 3], num_classes)", "return ResNet(BasicBlock, [2, 2, 2, 2], num_classes)")),
        "resnet50 built from BasicBlocks": mutate(
            "ResNet", ("return ResNet(Bottleneck, [3, 4, 6, 3], num_classes)", "return ResNet(BasicBlock, [3, 4, 6, 3], num_classes)")),
    },
    "resnet_cifar": {
        "resnet_cifar without shortcuts": mutate(
            "resnet_cifar", ("return _cifar_net(depth, num_classes, shortcut=True)", "return _cifar_net(depth, num_classes, shortcut=False)")),
        "ReLU before the addition": mutate(
            "resnet_cifar", ("out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))",
                             "out = F.relu(self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x))))))"),
            ("            return F.relu(out)\n", "            return out\n")),
        "no ReLU after the addition": mutate(
            "resnet_cifar", ("            return F.relu(out)\n", "            return out if self.shortcut else F.relu(out)\n")),
        "counts one layer per block: n = (depth - 2) // 3": mutate(
            "resnet_cifar", ("n = (depth - 2) // 6", "n = (depth - 2) // 3"), ("(depth - 2) % 6", "(depth - 2) % 3")),
        "stride 2 at the start of the first stage too": mutate(
            "resnet_cifar", ("2 if stage > 0 and i == 0 else 1", "2 if i == 0 else 1")),
        "twice the channels (32, 64, 128)": mutate(
            "resnet_cifar", ("nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16)",
                             "nn.Conv2d(3, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32)"),
            ("in_channels = 16\n", "in_channels = 32\n"), ("(16, 32, 64)", "(32, 64, 128)"),
            ("nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, num_classes)", "nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, num_classes)")),
        "accepts any depth": mutate(
            "resnet_cifar", ('        raise ValueError(f"depth must be 6n + 2', '        print(f"depth must be 6n + 2')),
        "plain_cifar keeps the shortcuts": mutate(
            "resnet_cifar", ("return _cifar_net(depth, num_classes, shortcut=False)", "return _cifar_net(depth, num_classes, shortcut=True)")),
        "plain_cifar with one convolution per block": mutate(
            "resnet_cifar", ("layers.append(CifarBlock(in_channels, width, 2 if stage > 0 and i == 0 else 1, shortcut))",
                             "s = 2 if stage > 0 and i == 0 else 1\n"
                             "            layers.append(CifarBlock(in_channels, width, s, shortcut) if shortcut else nn.Sequential(\n"
                             "                nn.Conv2d(in_channels, width, 3, s, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU()))")),
        "plain_cifar without BatchNorm": mutate(
            "resnet_cifar", ("self.bn1 = nn.BatchNorm2d(out_channels)", "self.bn1 = nn.BatchNorm2d(out_channels) if shortcut else nn.Identity()"),
            ("self.bn2 = nn.BatchNorm2d(out_channels)", "self.bn2 = nn.BatchNorm2d(out_channels) if shortcut else nn.Identity()")),
        "plain_cifar halves the image in every block of stages 2 and 3": mutate(
            "resnet_cifar", ("2 if stage > 0 and i == 0 else 1", "2 if stage > 0 and (i == 0 or not shortcut) else 1")),
    },
    "layer_gradient_norms": {
        "registration order instead of forward order": mutate(
            "layer_gradient_norms", ("    for m in order:\n", "    for m in [m for m in model.modules() if isinstance(m, nn.Conv2d)]:\n")),
        "gradients from earlier passes accumulate": mutate(
            "layer_gradient_norms", ("        model.zero_grad(set_to_none=True)\n", "")),
        "includes linear layers": mutate(
            "layer_gradient_norms", ("for m in model.modules() if isinstance(m, nn.Conv2d)]", "for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]")),
        "squared norms": mutate(
            "layer_gradient_norms", ("m.weight.grad.norm().item()", "(m.weight.grad ** 2).sum().item()")),
        "summed instead of mean loss": mutate(
            "layer_gradient_norms", ("F.cross_entropy(model(x), y)", "F.cross_entropy(model(x), y, reduction='sum')")),
        "switches the model to evaluation mode": mutate(
            "layer_gradient_norms", ("        model.zero_grad(set_to_none=True)\n", "        model.eval()\n        model.zero_grad(set_to_none=True)\n")),
        "norm of the weights, not of their gradients": mutate(
            "layer_gradient_norms", ("m.weight.grad.norm().item()", "m.weight.norm().item()")),
    },
    "zero_init_residual": {
        "zeroes every BatchNorm's γ": '''
def zero_init_residual(model):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.weight.zero_()
    return model
''',
        "zeroes bn1 instead of the last BatchNorm": mutate(
            "zero_init_residual", ('last = getattr(m, "bn3", None)', 'last = getattr(m, "bn1", None)'),
            ("if not isinstance(last, nn.BatchNorm2d):\n                last = getattr(m, \"bn2\", None)",
             "if not hasattr(m, \"bn2\"):\n                last = None")),
        "zeroes bn2 in bottlenecks too": mutate(
            "zero_init_residual", ('last = getattr(m, "bn3", None)\n            if not isinstance(last, nn.BatchNorm2d):\n'
                                   '                last = getattr(m, "bn2", None)\n', 'last = getattr(m, "bn2", None)\n')),
        "zeroes the last convolution instead": mutate(
            "zero_init_residual", ('last = getattr(m, "bn3", None)\n            if not isinstance(last, nn.BatchNorm2d):\n'
                                   '                last = getattr(m, "bn2", None)\n            if isinstance(last, nn.BatchNorm2d):\n',
                                   'last = getattr(m, "conv3", None)\n            if not isinstance(last, nn.Conv2d):\n'
                                   '                last = getattr(m, "conv2", None)\n            if isinstance(last, nn.Conv2d) and hasattr(m, "bn2"):\n')),
        "zeroes the projection's BatchNorm too": mutate(
            "zero_init_residual", ("                last.weight.zero_()\n",
                                   "                last.weight.zero_()\n"
                                   "                if getattr(m, 'downsample', None) is not None:\n"
                                   "                    m.downsample[1].weight.zero_()\n")),
        "zeroes β instead of γ": mutate(
            "zero_init_residual", ("last.weight.zero_()", "last.bias.zero_()")),
        "zeroes β as well as γ": mutate(
            "zero_init_residual", ("last.weight.zero_()", "last.weight.zero_()\n                last.bias.zero_()")),
        "recognises only this notebook's block classes": '''
def zero_init_residual(model):
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, Bottleneck):
                m.bn3.weight.zero_()
            elif isinstance(m, BasicBlock):
                m.bn2.weight.zero_()
    return model
''',
    },
    "evaluate": {
        "forgets model.eval()": mutate("evaluate", ("    model.eval()\n", "")),
        "averages the per-batch accuracies": '''
def evaluate(model, loader, device):
    model.eval()
    accuracies = []
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            accuracies.append((model(x).argmax(dim=1) == y).float().mean().item())
    return sum(accuracies) / len(accuracies)
''',
        "returns a percentage": mutate("evaluate", ("return correct / total", "return 100 * correct / total")),
        "arg-max over the batch dimension": mutate("evaluate", ("model(x).argmax(dim=1)", "model(x).argmax(dim=0)")),
        "builds the autograd graph": '''
def evaluate(model, loader, device):
    model.eval()
    correct = total = 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        correct += (model(x).argmax(dim=1) == y).sum().item()
        total += y.numel()
    return correct / total
''',
        "returns a tensor": '''
def evaluate(model, loader, device):
    model.eval()
    correct, total = torch.tensor(0), 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            correct = correct + (model(x).argmax(dim=1) == y).sum()
            total += y.numel()
    return correct / total
''',
        "divides by the number of batches": '''
def evaluate(model, loader, device):
    model.eval()
    correct = batches = 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            correct += (model(x).argmax(dim=1) == y).float().mean().item()
            batches += 1
    return correct / batches if batches > 1 else correct
''',
    },
    "train": {
        "constant learning rate, no scheduler": mutate(
            "train", ("    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, epochs=epochs,\n"
                      "                                                    steps_per_epoch=len(train_loader))\n", ""),
            ("            scheduler.step()\n", "")),
        "scheduler stepped once per epoch": mutate(
            "train", ("            scheduler.step()\n", ""),
            ("        history[\"train_loss\"].append(total / batches)\n",
             "        scheduler.step()\n        history[\"train_loss\"].append(total / batches)\n")),
        "one-cycle over epochs, stepped per epoch": mutate(
            "train", ("OneCycleLR(optimizer, max_lr=lr, epochs=epochs,\n"
                      "                                                    steps_per_epoch=len(train_loader))",
                      "OneCycleLR(optimizer, max_lr=lr, total_steps=epochs + 1)"),
            ("            scheduler.step()\n", ""),
            ("        history[\"train_loss\"].append(total / batches)\n",
             "        scheduler.step()\n        history[\"train_loss\"].append(total / batches)\n")),
        "model.train() only before the first epoch": mutate(
            "train", ("    for epoch in bar:\n        model.train()\n", "    model.train()\n    for epoch in bar:\n")),
        "never calls optimizer.zero_grad()": mutate("train", ("            optimizer.zero_grad()\n", "")),
        "validates on the training data": mutate(
            "train", ("evaluate(model, valid_loader, device)", "evaluate(model, train_loader, device)")),
        "cosine annealing from lr, no warm-up": mutate(
            "train", ("torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, epochs=epochs,\n"
                      "                                                    steps_per_epoch=len(train_loader))",
                      "torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs * len(train_loader))")),
    },
    "freeze_all_but_batchnorm": {
        "freezes BatchNorm too": '''
def freeze_all_but_batchnorm(model):
    for p in model.parameters():
        p.requires_grad_(False)
    return model
''',
        "only γ stays trainable": mutate(
            "freeze_all_but_batchnorm", ("            m.requires_grad_(True)", "            m.weight.requires_grad_(True)")),
        "finds BatchNorm by the name 'bn'": '''
def freeze_all_but_batchnorm(model):
    for name, p in model.named_parameters():
        p.requires_grad_("bn" in name)
    return model
''',
        "leaves the final linear layer trainable": '''
def freeze_all_but_batchnorm(model):
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            m.requires_grad_(False)
    return model
''',
        "sets a module attribute instead of requires_grad_": '''
def freeze_all_but_batchnorm(model):
    for m in model.modules():
        if not isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.requires_grad = False
    return model
''',
        "only nn.BatchNorm2d counts": mutate(
            "freeze_all_but_batchnorm", ("isinstance(m, nn.modules.batchnorm._BatchNorm)", "isinstance(m, nn.BatchNorm2d)")),
        "also switches the model to eval mode": mutate(
            "freeze_all_but_batchnorm", ("    return model", "    return model.eval()")),
        "does not unfreeze BatchNorm parameters frozen before": '''
def freeze_all_but_batchnorm(model):
    for m in model.modules():
        if not isinstance(m, nn.modules.batchnorm._BatchNorm):
            for p in m.parameters(recurse=False):
                p.requires_grad_(False)
    return model
''',
    },
}

ALTERNATIVES = {
    "batchnorm2d": {
        "a helper class of its own named MyBatchNorm2d": '''
class MyBatchNorm2d:
    """Per-channel statistics of a [N, C, H, W] batch, written from scratch."""

    def __init__(self, x):
        self.count = x.numel() // x.shape[1]
        self.mean = x.mean(dim=(0, 2, 3))
        self.var = x.var(dim=(0, 2, 3), unbiased=False)


def batchnorm2d(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    shape = (1, -1, 1, 1)
    if training:
        stats = MyBatchNorm2d(x)
        mean, var = stats.mean, stats.var
        with torch.no_grad():
            new_mean = (1 - momentum) * running_mean + momentum * mean
            new_var = (1 - momentum) * running_var + momentum * var * stats.count / (stats.count - 1)
    else:
        mean, var, new_mean, new_var = running_mean, running_var, running_mean, running_var
    return gamma.view(shape) * (x - mean.view(shape)) / torch.sqrt(var.view(shape) + eps) + beta.view(shape), new_mean, new_var
''',
        "var_mean, rsqrt and indexing with None": '''
def batchnorm2d(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if training:
        var, mean = torch.var_mean(x, dim=(0, 2, 3), unbiased=False)
        n = x.shape[0] * x.shape[2] * x.shape[3]
        new_mean = ((1 - momentum) * running_mean + momentum * mean).detach()
        new_var = ((1 - momentum) * running_var + momentum * var * (n / (n - 1))).detach()
    else:
        mean, var, new_mean, new_var = running_mean, running_var, running_mean.clone(), running_var.clone()
    y = (x - mean[None, :, None, None]) * torch.rsqrt(var[None, :, None, None] + eps)
    return y * gamma[None, :, None, None] + beta[None, :, None, None], new_mean, new_var
''',
        "channels first, flattened": '''
def batchnorm2d(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    C = x.shape[1]
    flat = x.transpose(0, 1).reshape(C, -1)
    if training:
        mean, var = flat.mean(dim=1), flat.var(dim=1, unbiased=False)
        new_mean = running_mean + momentum * (mean.detach() - running_mean)
        new_var = running_var + momentum * (flat.detach().var(dim=1, unbiased=True) - running_var)
    else:
        mean, var, new_mean, new_var = running_mean, running_var, running_mean, running_var
    y = (flat - mean[:, None]) / (var[:, None] + eps).sqrt() * gamma[:, None] + beta[:, None]
    return y.reshape(C, x.shape[0], *x.shape[2:]).transpose(0, 1), new_mean, new_var
''',
    },
    "BasicBlock": {
        "functional ReLU, in-place addition, OrderedDict projection": '''
from collections import OrderedDict

class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        needs_projection = stride > 1 or in_channels != out_channels
        self.downsample = nn.Sequential(OrderedDict([
            ("0", nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, bias=False)),
            ("1", nn.BatchNorm2d(out_channels)),
        ])) if needs_projection else None

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += x if self.downsample is None else self.downsample(x)
        return F.relu(out)
''',
    },
    "Bottleneck": {
        "functional ReLU and a branch variable": '''
class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, in_channels, width, stride=1):
        super().__init__()
        out = width * Bottleneck.expansion
        self.conv1, self.bn1 = nn.Conv2d(in_channels, width, 1, bias=False), nn.BatchNorm2d(width)
        self.conv2, self.bn2 = nn.Conv2d(width, width, 3, stride, 1, bias=False), nn.BatchNorm2d(width)
        self.conv3, self.bn3 = nn.Conv2d(width, out, 1, bias=False), nn.BatchNorm2d(out)
        if stride == 1 and in_channels == out:
            self.downsample = None
        else:
            self.downsample = nn.Sequential(nn.Conv2d(in_channels, out, 1, stride, bias=False), nn.BatchNorm2d(out))

    def forward(self, x):
        branch = F.relu(self.bn1(self.conv1(x)))
        branch = F.relu(self.bn2(self.conv2(branch)))
        branch = self.bn3(self.conv3(branch))
        shortcut = self.downsample(x) if self.downsample is not None else x
        return F.relu(branch + shortcut)
''',
    },
    "ResNet": {
        "a _make_layer helper, as torchvision writes it": '''
class ResNet(nn.Module):
    def __init__(self, block, layers, num_classes=1000):
        super().__init__()
        self.in_channels = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0], 1)
        self.layer2 = self._make_layer(block, 128, layers[1], 2)
        self.layer3 = self._make_layer(block, 256, layers[2], 2)
        self.layer4 = self._make_layer(block, 512, layers[3], 2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512 * block.expansion, num_classes)

    def _make_layer(self, block, width, count, stride):
        blocks = [block(self.in_channels, width, stride)]
        self.in_channels = width * block.expansion
        blocks += [block(self.in_channels, width, 1) for _ in range(count - 1)]
        return nn.Sequential(*blocks)

    def forward(self, x):
        for name in ("conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4", "avgpool"):
            x = getattr(self, name)(x)
        return self.fc(x.flatten(1))


def resnet18(num_classes=1000):
    return ResNet(BasicBlock, [2, 2, 2, 2], num_classes=num_classes)


def resnet34(num_classes=1000):
    return ResNet(BasicBlock, [3, 4, 6, 3], num_classes=num_classes)


def resnet50(num_classes=1000):
    return ResNet(Bottleneck, [3, 4, 6, 3], num_classes=num_classes)
''',
    },
    "resnet_cifar": {
        "projection shortcuts (option B) from BasicBlock, a separate plain block": '''
class PlainBlock(nn.Module):
    def __init__(self, in_channels, out_channels, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)

    def forward(self, x):
        return F.relu(self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x))))))


class CifarNet(nn.Module):
    def __init__(self, block, depth, num_classes):
        super().__init__()
        if depth < 8 or (depth - 2) % 6 != 0:
            raise ValueError(f"depth {depth} is not 6n + 2")
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        blocks, channels = [], 16
        for width in (16, 32, 64):
            for i in range(n):
                blocks.append(block(channels, width, 2 if (i == 0 and width != 16) else 1))
                channels = width
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        x = self.blocks(F.relu(self.bn1(self.conv1(x))))
        return self.fc(x.mean(dim=(2, 3)))


def resnet_cifar(depth, num_classes=10):
    return CifarNet(BasicBlock, depth, num_classes)


def plain_cifar(depth, num_classes=10):
    return CifarNet(PlainBlock, depth, num_classes)
''',
    },
    "layer_gradient_norms": {
        "torch.autograd.grad on the weights in forward order": '''
def layer_gradient_norms(model, x, y):
    ran = []
    def remember(module, inputs, output):
        if module not in ran:
            ran.append(module)
    handles = [m.register_forward_hook(remember) for m in model.modules() if isinstance(m, nn.Conv2d)]
    logits = model(x)
    for h in handles:
        h.remove()
    grads = torch.autograd.grad(F.cross_entropy(logits, y), [m.weight for m in ran])
    return [float(torch.linalg.vector_norm(g)) for g in grads]
''',
    },
    "zero_init_residual": {
        "named_modules and nn.init.zeros_": '''
def zero_init_residual(model):
    for _, module in model.named_modules():
        if hasattr(module, "bn3") and isinstance(module.bn3, nn.BatchNorm2d):
            nn.init.zeros_(module.bn3.weight)
        elif hasattr(module, "bn2") and isinstance(module.bn2, nn.BatchNorm2d):
            nn.init.zeros_(module.bn2.weight)
    return model
''',
    },
    "evaluate": {
        "restores the caller's mode afterwards": mutate(
            "evaluate", ("    model.eval()\n", "    was_training = model.training\n    model.eval()\n"),
            ("    return correct / total", "    model.train(was_training)\n    return correct / total")),
        "inference_mode and tensors until the end": '''
def evaluate(model, loader, device):
    model.eval()
    hits, seen = torch.zeros((), dtype=torch.long), 0
    with torch.inference_mode():
        for x, y in loader:
            pred = model(x.to(device)).argmax(-1).cpu()
            hits += (pred == y.cpu()).sum()
            seen += len(y)
    return float(hits) / seen
''',
    },
    "train": {
        "tqdm, total_steps, set_to_none, sample-weighted loss": '''
from tqdm.auto import tqdm

def train(model, train_loader, valid_loader, epochs, lr, device):
    model = model.to(device)
    optimizer = torch.optim.SGD((p for p in model.parameters() if p.requires_grad), lr=lr, momentum=0.9,
                                nesterov=True, weight_decay=5e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=epochs * len(train_loader))
    history = {"train_loss": [], "valid_acc": []}
    for epoch in range(epochs):
        model.train()
        loss_sum, seen = 0.0, 0
        for x, y in tqdm(train_loader, desc=f"epoch {epoch + 1}/{epochs}", leave=False):
            x, y = x.to(device), y.to(device)
            optimizer.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            schedule.step()
            loss_sum += loss.item() * len(y)
            seen += len(y)
        history["train_loss"].append(loss_sum / seen)
        history["valid_acc"].append(evaluate(model, valid_loader, device))
    return history
''',
    },
    "freeze_all_but_batchnorm": {
        "a tuple of BatchNorm types and named parameters": '''
def freeze_all_but_batchnorm(model):
    norms = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)
    keep = {id(p) for m in model.modules() if isinstance(m, norms) for p in m.parameters(recurse=False)}
    for _, p in model.named_parameters():
        p.requires_grad = id(p) in keep
    return model
''',
    },
}
