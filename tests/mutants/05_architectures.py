"""Proof that the tests of 05_architectures work: plausible wrong solutions and correct alternatives.

Each mutant is the source's solution with one mistake edited in (or, for a different program, a whole
cell). Every mutant must lose points on its own exercise's tests; every alternative must score full marks.
"""

from autograder.proof import mutate

_RELU = "torch.where(x > 0, x, torch.zeros_like(x))"
_BLOCK_FORWARD = ("        features = [x]\n        for layer in self.children():\n"
                  "            features.append(layer(torch.cat(features, 1)))\n        return torch.cat(features, 1)\n")

MUTANTS = {
    "relu": {
        "derivative 1 at exactly zero": mutate("relu", ("(x > 0).to(x.dtype)", "(x >= 0).to(x.dtype)")),
        "relu_grad returns a bool mask": mutate("relu", ("(x > 0).to(x.dtype)", "(x > 0)")),
        "clamp (forbidden)": mutate("relu", (_RELU, "x.clamp(min=0)")),
        "clip (forbidden)": mutate("relu", (_RELU, "x.clip(min=0)")),
        "leaky ReLU": mutate("relu", (_RELU, "torch.where(x > 0, x, 0.01 * x)")),
        "through numpy (no gradient)": mutate("relu", (_RELU, "torch.from_numpy(np.maximum(x.detach().numpy(), 0))")),
        "returns the mask instead of the values": mutate("relu", (_RELU, "(x > 0).to(x.dtype)")),
    },
    "relu_vs_tanh": {
        "labels swapped (tanh trained as ReLU)": mutate(
            "relu_vs_tanh", ('for name, act in (("ReLU", nn.ReLU), ("tanh", nn.Tanh)):', 'for name, act in (("ReLU", nn.Tanh), ("tanh", nn.ReLU)):')),
        "seed not reset before each build": mutate(
            "relu_vs_tanh", ("        torch.manual_seed(seed)\n        model = build(act)", "        model = build(act)")),
        "one batch generator for both activations": mutate(
            "relu_vs_tanh", ("    result, errors, trained = {}, {}, {}\n", "    result, errors, trained = {}, {}, {}\n    g = torch.Generator().manual_seed(seed)\n"),
            ("        g = torch.Generator().manual_seed(seed)\n", "")),
        "error <= threshold counts as below": mutate("relu_vs_tanh", ("if error < threshold:", "if error <= threshold:")),
        "SGD without momentum": mutate("relu_vs_tanh", ("opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)", "opt = torch.optim.SGD(model.parameters(), lr=lr)")),
        "training error on the batch, not all of x": mutate(
            "relu_vs_tanh", ("error = (model(x).argmax(1) != y)", "error = (model(x[idx]).argmax(1) != y[idx])")),
        "steps counted from 0": mutate("relu_vs_tanh", ("for step in range(1, max_steps + 1):", "for step in range(max_steps):")),
        "keeps training after the threshold": mutate("relu_vs_tanh", ("                    break\n", "")),
        "dead units counted as zero activations": mutate(
            "relu_vs_tanh", ("dead.append(int((per_unit == 0).all(dim=1).sum()))", "dead.append(int((per_unit == 0).sum()))")),
        "dead units of the tanh model": mutate("relu_vs_tanh", ('relu_model = trained["ReLU"]', 'relu_model = trained["tanh"]')),
        "hooks never removed": mutate("relu_vs_tanh", ("            h.remove()\n", "            pass\n")),
    },
    "lenet5": {
        "max pooling instead of average": mutate(
            "lenet5", ("nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2))", "nn.Conv2d(6, 16, 5), nn.Tanh(), nn.MaxPool2d(2))")),
        "ReLU instead of tanh in the classifier": mutate(
            "lenet5", ("nn.Linear(120, 84), nn.Tanh()", "nn.Linear(120, 84), nn.ReLU()")),
        "first convolution without padding": mutate("lenet5", ("nn.Conv2d(1, 6, 5, padding=2)", "nn.Conv2d(1, 6, 5)")),
        "no tanh after the first linear layer": mutate(
            "lenet5", ("nn.Linear(16 * 5 * 5, 120), nn.Tanh(),", "nn.Linear(16 * 5 * 5, 120),")),
        "softmax at the end": mutate(
            "lenet5", ("nn.Linear(84, num_classes))", "nn.Linear(84, num_classes), nn.Softmax(dim=1))")),
        "num_classes ignored": mutate("lenet5", ("nn.Linear(84, num_classes))", "nn.Linear(84, 10))")),
    },
    "alexnet": {
        "pooling not overlapping (2x2 by 2)": mutate(
            "alexnet", lambda code: code.replace("nn.MaxPool2d(3, stride=2)", "nn.MaxPool2d(2, stride=2)")),
        "no ReLU after the last convolution": mutate(
            "alexnet", ("nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(3, stride=2))",
                        "nn.Conv2d(256, 256, 3, padding=1), nn.MaxPool2d(3, stride=2))")),
        "dropout after the first linear layer": mutate(
            "alexnet", ("nn.Dropout(0.5), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),",
                        "nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True), nn.Dropout(0.5),")),
        "VGG's 7x7 average pooling": mutate("alexnet", ("nn.AdaptiveAvgPool2d((6, 6))", "nn.AdaptiveAvgPool2d((7, 7))")),
        "first convolution with stride 2": mutate(
            "alexnet", ("nn.Conv2d(3, 64, 11, stride=4, padding=2)", "nn.Conv2d(3, 64, 11, stride=2, padding=2)")),
        "5x5 convolution without padding": mutate("alexnet", ("nn.Conv2d(64, 192, 5, padding=2)", "nn.Conv2d(64, 192, 5)")),
        "returns torchvision's model": "def alexnet(num_classes=1000):\n    return torchvision.models.alexnet(num_classes=num_classes)\n",
    },
    "vgg": {
        "no ReLU after the convolutions": mutate("vgg", ("            layers.append(nn.ReLU(inplace=True))\n", "")),
        "BatchNorm after the ReLU": mutate(
            "vgg", ("            if batch_norm:\n                layers.append(nn.BatchNorm2d(v))\n            layers.append(nn.ReLU(inplace=True))\n",
                    "            layers.append(nn.ReLU(inplace=True))\n            if batch_norm:\n                layers.append(nn.BatchNorm2d(v))\n")),
        "input channels never updated": mutate("vgg", ("            channels = v\n", "")),
        "VGG-16 with two 256 convolutions": mutate(
            "vgg", ('16: [64, 64, "M", 128, 128, "M", 256, 256, 256, ', '16: [64, 64, "M", 128, 128, "M", 256, 256, ')),
        "3x3 pooling": mutate("vgg", ("layers.append(nn.MaxPool2d(2, stride=2))", "layers.append(nn.MaxPool2d(3, stride=2, padding=1))")),
        "no dropout before the last layer": mutate(
            "vgg", ("nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(0.5), nn.Linear(4096, num_classes)",
                    "nn.Linear(4096, 4096), nn.ReLU(True), nn.Linear(4096, num_classes)")),
        "bias-free convolutions": mutate("vgg", ("nn.Conv2d(channels, v, 3, padding=1)", "nn.Conv2d(channels, v, 3, padding=1, bias=False)")),
    },
    "Inception": {
        "branch order wrong": mutate(
            "Inception", ("torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], dim=1)",
                          "torch.cat([self.branch1(x), self.branch3(x), self.branch2(x), self.branch4(x)], dim=1)")),
        "1x1 reduction forgotten in the 3x3 branch": mutate(
            "Inception", ("self.branch2 = nn.Sequential(BasicConv2d(in_channels, ch3x3red, kernel_size=1),\n"
                          "                                     BasicConv2d(ch3x3red, ch3x3, kernel_size=3, padding=1))",
                          "self.branch2 = BasicConv2d(in_channels, ch3x3, kernel_size=3, padding=1)")),
        "a true 5x5 in the third branch": mutate(
            "Inception", ("                                     BasicConv2d(ch5x5red, ch5x5, kernel_size=3, padding=1))",
                          "                                     BasicConv2d(ch5x5red, ch5x5, kernel_size=5, padding=2))")),
        "pooling branch without padding": mutate(
            "Inception", ("nn.Sequential(nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),\n                                     BasicConv2d",
                          "nn.Sequential(nn.MaxPool2d(kernel_size=3, stride=1, ceil_mode=True),\n                                     BasicConv2d")),
        "concatenates along the width": mutate("Inception", ("self.branch4(x)], dim=1)", "self.branch4(x)], dim=3)")),
        "projection before the pooling": mutate(
            "Inception", ("nn.Sequential(nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),\n"
                          "                                     BasicConv2d(in_channels, pool_proj, kernel_size=1))",
                          "nn.Sequential(BasicConv2d(in_channels, pool_proj, kernel_size=1),\n"
                          "                                     nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True))")),
        "average pooling in the pool branch": mutate(
            "Inception", ("nn.Sequential(nn.MaxPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),\n                                     BasicConv2d",
                          "nn.Sequential(nn.AvgPool2d(kernel_size=3, stride=1, padding=1, ceil_mode=True),\n                                     BasicConv2d")),
    },
    "inception_savings": {
        "torchvision's 3x3 for the 5x5": mutate("inception_savings", ("weights(ch5x5red, ch5x5, 5)", "weights(ch5x5red, ch5x5, 3)")),
        "naive module keeps the pool projection": mutate(
            "inception_savings", ("naive = weights(in_channels, ch1x1, 1) +", "naive = weights(in_channels, pool_proj, 1) + weights(in_channels, ch1x1, 1) +")),
        "MACs as FLOPs (counted twice)": mutate("inception_savings", ('"macs_reduced": reduced * positions', '"macs_reduced": 2 * reduced * positions')),
        "height squared instead of height * width": mutate("inception_savings", ("positions = height * width", "positions = height * height")),
        "3x3 branch without its reduction": mutate(
            "inception_savings", ("+ weights(in_channels, ch3x3red, 1) + weights(ch3x3red, ch3x3, 3)", "+ weights(in_channels, ch3x3, 3)")),
        "naive 3x3 reads the reduced channels": mutate("inception_savings", ("weights(in_channels, ch3x3, 3)", "weights(ch3x3red, ch3x3, 3)")),
        "biases counted": mutate("inception_savings", ("        return a * b * k * k\n", "        return a * b * k * k + b\n")),
        "kernel size not squared": mutate("inception_savings", ("        return a * b * k * k\n", "        return a * b * k\n")),
        "a float count": mutate("inception_savings", ('"params_naive": naive,', '"params_naive": naive / 1,')),
    },
    "googlenet": {
        "first max pooling without ceil_mode": mutate(
            "googlenet", ("self.maxpool1 = nn.MaxPool2d(3, stride=2, ceil_mode=True)", "self.maxpool1 = nn.MaxPool2d(3, stride=2)")),
        "skips maxpool4": mutate(
            "googlenet", ("x = self.inception5b(self.inception5a(self.maxpool4(x)))", "x = self.inception5b(self.inception5a(x))")),
        "inception3b built with 3a's arguments": mutate(
            "googlenet", ("Inception(256, 128, 128, 192, 32, 96, 64)", "Inception(256, 64, 96, 128, 16, 32, 32)")),
        "no flatten before fc": mutate(
            "googlenet", ("self.fc(self.dropout(torch.flatten(self.avgpool(x), 1)))", "self.fc(self.dropout(self.avgpool(x)))")),
        "conv2 and conv3 swapped": mutate(
            "googlenet", ("self.maxpool2(self.conv3(self.conv2(x)))", "self.maxpool2(self.conv2(self.conv3(x)))")),
        "max pooling instead of average at the end": mutate(
            "googlenet", ("self.avgpool = nn.AdaptiveAvgPool2d((1, 1))", "self.avgpool = nn.AdaptiveMaxPool2d((1, 1))")),
    },
    "densenet121": {
        "DenseNet + instead of concatenation": mutate(
            "densenet121", (_BLOCK_FORWARD, "        for layer in self.children():\n            x = x + layer(x)\n        return x\n")),
        "transition without pooling": mutate("densenet121", ('        self.add_module("pool", nn.AvgPool2d(2, stride=2))\n', "")),
        "transition with max pooling": mutate("densenet121", ("nn.AvgPool2d(2, stride=2)", "nn.MaxPool2d(2, stride=2)")),
        "post-activation dense layer": mutate(
            "densenet121", ("self.conv2(self.relu2(self.norm2(self.conv1(self.relu1(self.norm1(x))))))",
                            "self.relu2(self.norm2(self.conv2(self.relu1(self.norm1(self.conv1(x))))))")),
        "block returns only the new features": mutate(
            "densenet121", ("        return torch.cat(features, 1)\n", "        return torch.cat(features[1:], 1)\n")),
        "channels not halved after a transition": mutate("densenet121", ("                    channels //= 2\n", "")),
        "no ReLU before the pooling": mutate("densenet121", ("x = F.relu(self.features(x))", "x = self.features(x)")),
    },
    "mobilenet_v2": {
        "depthwise convolution without groups": mutate("mobilenet_v2", ("padding=1, groups=hidden, bias=False),\n", "padding=1, bias=False),\n")),
        "ReLU6 after the linear projection": mutate(
            "mobilenet_v2", ("        layers.append(nn.BatchNorm2d(out_channels))\n",
                             "        layers.append(nn.BatchNorm2d(out_channels))\n        layers.append(nn.ReLU6(inplace=True))\n")),
        "shortcut whenever the stride is 1": mutate(
            "mobilenet_v2", ("self.use_res_connect = stride == 1 and in_channels == out_channels", "self.use_res_connect = stride == 1")),
        "no shortcut at all": mutate("mobilenet_v2", ("            return x + self.conv(x)\n", "            return self.conv(x)\n")),
        "expansion layer even when t == 1": mutate("mobilenet_v2", ("        if expand_ratio != 1:\n", "        if True:\n")),
        "every block of a stage strided": mutate("mobilenet_v2", ("s if i == 0 else 1", "s")),
        "depthwise convolution without the stride": mutate(
            "mobilenet_v2", ("nn.Conv2d(hidden, hidden, 3, stride=stride, padding=1", "nn.Conv2d(hidden, hidden, 3, padding=1")),
    },
    "count_parameters": {
        "only trainable parameters": mutate(
            "count_parameters", ("for p in model.parameters())", "for p in model.parameters() if p.requires_grad)")),
        "counts the state_dict (buffers too)": mutate(
            "count_parameters", ("sum(p.numel() for p in model.parameters())", "sum(v.numel() for v in model.state_dict().values())")),
        "shared parameters counted twice": mutate(
            "count_parameters", ("for p in model.parameters())", "for _, p in model.named_parameters(remove_duplicate=False))")),
        "counts tensors, not numbers": mutate(
            "count_parameters", ("sum(p.numel() for p in model.parameters())", "len(list(model.parameters()))")),
        "weights only, biases forgotten": mutate(
            "count_parameters", ("for p in model.parameters())", "for p in model.parameters() if p.dim() > 1)")),
        "returns a float": mutate(
            "count_parameters", ("sum(p.numel() for p in model.parameters())", "float(sum(p.numel() for p in model.parameters()))")),
    },
    "count_macs": {
        "FLOPs, counted twice": mutate(
            "count_macs", ("total += output.numel() * (module.in_channels // module.groups)",
                           "total += 2 * output.numel() * (module.in_channels // module.groups)")),
        "groups ignored": mutate("count_macs", ("(module.in_channels // module.groups)", "module.in_channels")),
        "input elements instead of output elements": mutate(
            "count_macs", ("total += output.numel() * (module.in_channels", "total += inputs[0].numel() * (module.in_channels")),
        "linear layers forgotten": mutate(
            "count_macs", ("isinstance(m, (nn.Conv2d, nn.Linear))", "isinstance(m, nn.Conv2d)")),
        "only the top-level children hooked": mutate("count_macs", ("for m in model.modules()", "for m in model.children()")),
        "hooks never removed": mutate("count_macs", ("            h.remove()\n", "            pass\n")),
        "training mode not restored": mutate("count_macs", ("        model.train(was_training)\n", "        pass\n")),
        "input always on the CPU": mutate(
            "count_macs", ("torch.zeros(input_shape, device=next(model.parameters()).device)", "torch.zeros(input_shape)")),
        "runs in training mode": mutate("count_macs", ("        model.eval()\n", "        pass\n")),
        "gradients enabled": mutate("count_macs", ("        with torch.no_grad():\n", "        if True:\n")),
        "bias additions counted": mutate(
            "count_macs", ("            total += output.numel() * module.in_features\n",
                           "            total += output.numel() * (module.in_features + 1)\n")),
    },
    "stacked_3x3_vs_large": {
        "receptive field grows by 3 per layer": mutate("stacked_3x3_vs_large", ("        rf += 3 - 1\n", "        rf += 3\n")),
        "the stack's bias counted once": mutate(
            "stacked_3x3_vs_large", ('"params_stacked": num_layers * per_layer',
                                     '"params_stacked": num_layers * channels * channels * 9 + (channels if bias else 0)')),
        "kernel size 3 * num_layers": mutate("stacked_3x3_vs_large", ("k = 2 * num_layers + 1", "k = 3 * num_layers")),
        "single convolution without its bias": mutate(
            "stacked_3x3_vs_large", ('"params_single": channels * channels * k * k + (channels if bias else 0)}',
                                     '"params_single": channels * channels * k * k}')),
        "channels not squared": mutate("stacked_3x3_vs_large", ("per_layer = channels * channels * 9", "per_layer = channels * 9")),
        "float receptive field": mutate("stacked_3x3_vs_large", ('"receptive_field": rf', '"receptive_field": rf * 1.0')),
    },
    "compare_on_budget": {
        "seed not reset before each model": mutate(
            "compare_on_budget", ("        torch.manual_seed(seed)\n        model = build()", "        model = build()")),
        "one batch generator for all models": mutate(
            "compare_on_budget", ("    results = {}\n", "    results = {}\n    g = torch.Generator().manual_seed(seed)\n"),
            ("        g = torch.Generator().manual_seed(seed)\n", "")),
        "never switched to training mode": mutate("compare_on_budget", ("        model.train()\n", "")),
        "accuracy in training mode": mutate("compare_on_budget", ("        model.eval()\n", "")),
        "time includes the evaluation": mutate(
            "compare_on_budget", ("        seconds = time.perf_counter() - start\n", ""), ('"seconds": seconds', '"seconds": time.perf_counter() - start')),
        "SGD instead of Adam": mutate("compare_on_budget", ("opt = torch.optim.Adam(model.parameters(), lr=lr)", "opt = torch.optim.SGD(model.parameters(), lr=lr)")),
        "accuracy on the training images": mutate(
            "compare_on_budget", ("(model(x_test).argmax(1) == y_test)", "(model(x_train).argmax(1) == y_train)")),
        "buffers counted as parameters": mutate(
            "compare_on_budget", ("sum(p.numel() for p in model.parameters())", "sum(t.numel() for t in model.state_dict().values())")),
        "one step short": mutate("compare_on_budget", ("for _ in range(steps):", "for _ in range(steps - 1):")),
    },
}

ALTERNATIVES = {
    "relu": {
        "multiply by the mask, heaviside derivative": (
            "def relu(x):\n    return x * (x > 0)\n\n\n"
            "def relu_grad(x):\n    return torch.heaviside(x, torch.zeros_like(x))\n"),
    },
    "relu_vs_tanh": {
        "a helper per activation, error from a count, dead units from the maxima": (
            "def _train_until(build, act, x, y, threshold, max_steps, batch_size, lr, eval_every, seed):\n"
            "    torch.manual_seed(seed)\n"
            "    model = build(act).to(x.device)\n"
            "    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)\n"
            "    g = torch.Generator().manual_seed(seed)\n"
            "    errors = []\n"
            "    for step in range(1, max_steps + 1):\n"
            "        idx = torch.randint(0, len(x), (batch_size,), generator=g).to(x.device)\n"
            "        opt.zero_grad(set_to_none=True)\n"
            "        F.cross_entropy(model(x[idx]), y[idx]).backward()\n"
            "        opt.step()\n"
            "        if step % eval_every == 0:\n"
            "            with torch.no_grad():\n"
            "                wrong = (model(x).argmax(dim=1) != y).sum().item()\n"
            "            errors.append(wrong / len(x))\n"
            "            if errors[-1] < threshold:\n"
            "                return model, step, errors\n"
            "    return model, None, errors\n\n\n"
            "def relu_vs_tanh(build, x, y, threshold=0.25, max_steps=300, batch_size=32, lr=0.02, eval_every=5, seed=0):\n"
            "    args = (x, y, threshold, max_steps, batch_size, lr, eval_every, seed)\n"
            "    relu_model, relu_steps, relu_errors = _train_until(build, nn.ReLU, *args)\n"
            "    _, tanh_steps, tanh_errors = _train_until(build, nn.Tanh, *args)\n"
            "    maxima = []\n"
            "    hooks = [m.register_forward_hook(lambda m, i, o: maxima.append(o.amax(dim=[d for d in range(o.dim()) if d != 1])))\n"
            "             for m in relu_model.modules() if isinstance(m, nn.ReLU)]\n"
            "    with torch.no_grad():\n"
            "        relu_model(x)\n"
            "    for h in hooks:\n"
            "        h.remove()\n"
            "    return {'ReLU': relu_steps, 'tanh': tanh_steps, 'errors': {'ReLU': relu_errors, 'tanh': tanh_errors},\n"
            "            'dead_units': int(sum(int((m == 0).sum()) for m in maxima))}\n"),
    },
    "lenet5": {
        "a top-level class and functional flatten kept in the Sequential": (
            "class _LeNet(nn.Module):\n"
            "    def __init__(self, num_classes):\n"
            "        super().__init__()\n"
            "        self.features = nn.Sequential(nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Tanh(), nn.AvgPool2d(2, 2),\n"
            "                                      nn.Conv2d(6, 16, kernel_size=5), nn.Tanh(), nn.AvgPool2d(2, 2))\n"
            "        self.classifier = nn.Sequential(nn.Flatten(1), nn.Linear(400, 120), nn.Tanh(), nn.Linear(120, 84),\n"
            "                                        nn.Tanh(), nn.Linear(84, num_classes))\n\n"
            "    def forward(self, x):\n"
            "        x = self.features(x)\n"
            "        return self.classifier(x)\n\n\n"
            "def lenet5(num_classes=10):\n    return _LeNet(num_classes)\n"),
    },
    "alexnet": {
        "view instead of flatten, ReLU not in place": mutate("alexnet", lambda code: code.replace(
            "nn.ReLU(inplace=True)", "nn.ReLU()").replace(
            "torch.flatten(self.avgpool(self.features(x)), 1)", "self.avgpool(self.features(x)).view(x.shape[0], -1)")),
    },
    "vgg": {
        "configurations built from a table, layers from a comprehension": (
            "_BLOCKS = {11: (1, 1, 2, 2, 2), 13: (2, 2, 2, 2, 2), 16: (2, 2, 3, 3, 3), 19: (2, 2, 4, 4, 4)}\n"
            "VGG_CFGS = {d: sum(([w] * n + ['M'] for w, n in zip((64, 128, 256, 512, 512), b)), []) for d, b in _BLOCKS.items()}\n\n\n"
            "class _VGG(nn.Module):\n"
            "    def __init__(self, cfg, num_classes, batch_norm):\n"
            "        super().__init__()\n"
            "        layers, c = [], 3\n"
            "        for v in cfg:\n"
            "            if v == 'M':\n"
            "                layers += [nn.MaxPool2d(kernel_size=2, stride=2)]\n"
            "            else:\n"
            "                layers += [nn.Conv2d(c, v, kernel_size=3, padding=1)] + ([nn.BatchNorm2d(v)] if batch_norm else []) + [nn.ReLU()]\n"
            "                c = v\n"
            "        self.features = nn.Sequential(*layers)\n"
            "        self.avgpool = nn.AdaptiveAvgPool2d(7)\n"
            "        self.classifier = nn.Sequential(nn.Linear(25088, 4096), nn.ReLU(), nn.Dropout(),\n"
            "                                        nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(), nn.Linear(4096, num_classes))\n\n"
            "    def forward(self, x):\n"
            "        return self.classifier(self.avgpool(self.features(x)).flatten(1))\n\n\n"
            "def vgg(cfg, num_classes=1000, batch_norm=False):\n    return _VGG(cfg, num_classes, batch_norm)\n"),
    },
    "Inception": {
        "branches concatenated from a list": mutate(
            "Inception", ("torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], dim=1)",
                          "torch.cat([branch(x) for branch in (self.branch1, self.branch2, self.branch3, self.branch4)], 1)")),
    },
    "inception_savings": {
        "bias-free nn.Conv2d layers on the meta device, counted": (
            "def inception_savings(in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj, height=28, width=28):\n"
            "    layers = {'reduced': [(in_channels, ch1x1, 1), (in_channels, ch3x3red, 1), (ch3x3red, ch3x3, 3),\n"
            "                          (in_channels, ch5x5red, 1), (ch5x5red, ch5x5, 5), (in_channels, pool_proj, 1)],\n"
            "              'naive': [(in_channels, ch1x1, 1), (in_channels, ch3x3, 3), (in_channels, ch5x5, 5)]}\n"
            "    out = {}\n"
            "    for kind, convs in layers.items():\n"
            "        with torch.device('meta'):\n"
            "            modules = [nn.Conv2d(a, b, k, padding=k // 2, bias=False) for a, b, k in convs]\n"
            "        out[f'params_{kind}'] = sum(m.weight.numel() for m in modules)\n"
            "        out[f'macs_{kind}'] = out[f'params_{kind}'] * height * width\n"
            "    return out\n"),
    },
    "googlenet": {
        "forward written out one layer at a time": mutate(
            "googlenet", ("            for block in (self.inception4a, self.inception4b, self.inception4c, self.inception4d, self.inception4e):\n"
                          "                x = block(x)\n",
                          "            x = self.inception4a(x)\n            x = self.inception4b(x)\n            x = self.inception4c(x)\n"
                          "            x = self.inception4d(x)\n            x = self.inception4e(x)\n")),
    },
    "densenet121": {
        "the block concatenates as it goes": mutate(
            "densenet121", (_BLOCK_FORWARD, "        for layer in self.children():\n            x = torch.cat([x, layer(x)], 1)\n        return x\n")),
    },
    "mobilenet_v2": {
        "shortcut decided in one expression": mutate(
            "mobilenet_v2", ("        if self.use_res_connect:\n            return x + self.conv(x)\n        return self.conv(x)\n",
                             "        out = self.conv(x)\n        return out + x if self.use_res_connect else out\n")),
    },
    "count_parameters": {
        "unique tensors by id": (
            "def count_parameters(model):\n"
            "    seen = {id(p): p for m in model.modules() for p in m.parameters(recurse=False)}\n"
            "    return int(sum(p.numel() for p in seen.values()))\n"),
    },
    "count_macs": {
        "weight elements times output positions": (
            "def count_macs(model, input_shape):\n"
            "    counts = []\n"
            "    def hook(module, inputs, output):\n"
            "        positions = output.numel() // output.shape[1] if isinstance(module, nn.Conv2d) else output.numel() // module.out_features\n"
            "        counts.append(positions * module.weight.numel())\n"
            "    layers = [m for m in model.modules() if type(m) in (nn.Conv2d, nn.Linear)]\n"
            "    handles = [m.register_forward_hook(hook) for m in layers]\n"
            "    mode = model.training\n"
            "    model.eval()\n"
            "    device = next(model.parameters()).device\n"
            "    with torch.no_grad():\n"
            "        model(torch.zeros(*input_shape, device=device))\n"
            "    for h in handles:\n"
            "        h.remove()\n"
            "    model.train(mode)\n"
            "    return sum(counts)\n"),
    },
    "stacked_3x3_vs_large": {
        "closed forms": (
            "def stacked_3x3_vs_large(channels, num_layers, bias=True):\n"
            "    k = 2 * num_layers + 1\n"
            "    b = channels if bias else 0\n"
            "    return dict(kernel_size=k, receptive_field=1 + 2 * num_layers,\n"
            "                params_stacked=num_layers * (9 * channels ** 2 + b), params_single=k * k * channels ** 2 + b)\n"),
    },
    "compare_on_budget": {
        "batches drawn up front, accuracy from a count": (
            "def compare_on_budget(builders, x_train, y_train, x_test, y_test, steps=60, batch_size=64, lr=3e-3, seed=0):\n"
            "    def train_one(build):\n"
            "        torch.manual_seed(seed)\n"
            "        model = build().to(x_train.device).train()\n"
            "        opt = torch.optim.Adam(model.parameters(), lr=lr)\n"
            "        g = torch.Generator().manual_seed(seed)\n"
            "        batches = [torch.randint(0, len(x_train), (batch_size,), generator=g) for _ in range(steps)]\n"
            "        t0 = time.perf_counter()\n"
            "        for idx in batches:\n"
            "            idx = idx.to(x_train.device)\n"
            "            opt.zero_grad(set_to_none=True)\n"
            "            F.cross_entropy(model(x_train[idx]), y_train[idx]).backward()\n"
            "            opt.step()\n"
            "        elapsed = time.perf_counter() - t0\n"
            "        model.eval()\n"
            "        with torch.no_grad():\n"
            "            correct = (model(x_test).argmax(dim=1) == y_test).sum().item()\n"
            "        return {'params': sum(p.numel() for p in model.parameters()), 'seconds': float(elapsed),\n"
            "                'accuracy': correct / len(x_test)}\n"
            "    return {name: train_one(build) for name, build in builders.items()}\n"),
    },
}
