"""Proof that the tests of 06_self_supervised work: plausible wrong solutions and correct alternatives.

Each entry is the code of a whole exercise cell (the marker line is added for you), or an edit of the
source's solution with ``mutate``. Every mutant must lose points on its own exercise's tests; every
alternative must score full marks. The notebook has already imported copy, math, os, time, Path, torch,
numpy as np, nn, F, torchvision, cnn_course, data, plots, master_bar and progress_bar.
"""

from autograder.proof import mutate

# linear_probe's mutants that fine-tune or freeze the encoder change the notebook's encoders in place: the proof
# grades them carefully from the start (the source's cells again after each) instead of finding out first
CAREFUL = {"linear_probe"}

_ROTATED = "torch.cat([torch.rot90(x, k, dims=(2, 3)) for k in range(4)])"
_VIEW1 = "view1 = torch.stack([transform(im) for im in img])"
_VIEW2 = "view2 = torch.stack([transform(im) for im in img])"
_LOGITS = "logits = z @ z.T / temperature"
_MASK = 'logits = logits.masked_fill(self_mask, float("-inf"))'
_HEAD = "self.net = nn.Sequential(nn.Linear(in_dim, hidden_dim), nn.ReLU(), nn.Linear(hidden_dim, out_dim))"
_ADAM = "optimizer = torch.optim.Adam(list(encoder.parameters()) + list(head.parameters()), lr=lr)"
_PROBE_FEATURES = ("        f_train = torch.cat([encoder(x_train[i:i + 1024].to(device)) for i in range(0, len(x_train), 1024)]).flatten(1)\n"
                   "        f_test = torch.cat([encoder(x_test[i:i + 1024].to(device)) for i in range(0, len(x_test), 1024)]).flatten(1)\n")
_PROBE_RETURN = "return (classifier(f_test).argmax(dim=1) == y_test).float().mean().item()"
_FT_MODEL = "model = nn.Sequential(encoder, nn.Linear(dim, num_classes).to(device))"
_SUBSET = "indices = order[:max(1, round(fraction * n))]"
_STD = "std = float(values.std(ddof=1)) if len(values) > 1 else 0.0"
_TSNE = 'TSNE(n_components=2, init="pca", perplexity=min(30.0, (n - 1) / 3), random_state=seed)'

MUTANTS = {
    "rotate_batch": {
        "rotates clockwise": mutate("rotate_batch", ("torch.rot90(x, k, dims=(2, 3)) for k", "torch.rot90(x, -k, dims=(2, 3)) for k")),
        "interleaves the rotations of each image (labels in blocks)": mutate(
            "rotate_batch", (_ROTATED, "torch.stack([torch.rot90(x, k, dims=(2, 3)) for k in range(4)], dim=1).flatten(0, 1)")),
        "labels with repeat instead of repeat_interleave": mutate(
            "rotate_batch", ("repeat_interleave(x.shape[0])", "repeat(x.shape[0])")),
        "float labels": mutate("rotate_batch", ("torch.arange(4, device=x.device)", "torch.arange(4.0, device=x.device)")),
        "180 degrees as an upside-down flip": mutate(
            "rotate_batch", (_ROTATED, "torch.cat([x, torch.rot90(x, 1, dims=(2, 3)), x.flip(2), torch.rot90(x, 3, dims=(2, 3))])")),
        "90 degrees as a transpose": mutate(
            "rotate_batch", (_ROTATED, "torch.cat([x, x.transpose(2, 3), torch.rot90(x, 2, dims=(2, 3)), x.transpose(2, 3).flip(2, 3)])")),
        "rotates the channel and row axes": mutate("rotate_batch", ("dims=(2, 3)) for k", "dims=(1, 2)) for k")),
    },
    "two_views": {
        "the second view is a copy of the first (one shared crop)": mutate("two_views", (_VIEW2, "view2 = view1.clone()")),
        "one transform call for the whole batch": mutate(
            "two_views", (_VIEW1, "view1 = transform(img)"), (_VIEW2, "view2 = transform(img)")),
        "the second view augments the first": mutate(
            "two_views", (_VIEW2, "view2 = torch.stack([transform(v) for v in view1])")),
        "reseeds the generator before each view": mutate(
            "two_views", ("    " + _VIEW1, "    torch.manual_seed(0)\n    " + _VIEW1),
            ("    " + _VIEW2, "    torch.manual_seed(0)\n    " + _VIEW2)),
        "cat instead of stack": mutate(
            "two_views", (_VIEW1, _VIEW1.replace("stack", "cat")), (_VIEW2, _VIEW2.replace("stack", "cat"))),
        "one image comes back as a batch of one": mutate(
            "two_views", ("        return transform(img), transform(img)\n", "        img = img.unsqueeze(0)\n")),
        "one image: the same view twice": mutate(
            "two_views", ("return transform(img), transform(img)", "view = transform(img)\n        return view, view")),
    },
    "nt_xent_loss": {
        "temperature applied twice": mutate("nt_xent_loss", (_LOGITS, _LOGITS + " / temperature")),
        "self-similarity not masked": mutate("nt_xent_loss", ("    " + _MASK + "\n", "")),
        "self-similarity masked with 0 instead of -inf": mutate(
            "nt_xent_loss", (_MASK, "logits = logits.masked_fill(self_mask, 0.0)")),
        "positives on the wrong diagonal (each view its own positive)": mutate(
            "nt_xent_loss", ("positives = torch.cat([torch.arange(n, 2 * n), torch.arange(n)])",
                             "positives = torch.arange(n).repeat(2)")),
        "no L2 normalisation": mutate(
            "nt_xent_loss", ("z = F.normalize(torch.cat([z1, z2]), dim=1)", "z = torch.cat([z1, z2])")),
        "normalises the columns instead of the rows": mutate(
            "nt_xent_loss", ("z = F.normalize(torch.cat([z1, z2]), dim=1)", "z = F.normalize(torch.cat([z1, z2]), dim=0)")),
        "log of a sum of exponentials (overflows)": mutate(
            "nt_xent_loss", ("torch.logsumexp(logits, dim=1)", "logits.exp().sum(dim=1).log()")),
        "only the anchors of the first view": mutate("nt_xent_loss", ("return -log_prob.mean()", "return -log_prob[:n].mean()")),
        "sum instead of mean": mutate("nt_xent_loss", ("return -log_prob.mean()", "return -log_prob.sum()")),
        "positive left out of the denominator": mutate(
            "nt_xent_loss", ("torch.logsumexp(logits, dim=1)",
                             "torch.logsumexp(logits.scatter(1, positives[:, None], float('-inf')), dim=1)")),
    },
    "ProjectionHead": {
        "no ReLU between the layers": mutate("ProjectionHead", ("nn.ReLU(), ", "")),
        "ReLU after the last layer too": mutate(
            "ProjectionHead", ("nn.Linear(hidden_dim, out_dim))", "nn.Linear(hidden_dim, out_dim), nn.ReLU())")),
        "hidden and output sizes swapped": mutate(
            "ProjectionHead", (_HEAD, "self.net = nn.Sequential(nn.Linear(in_dim, out_dim), nn.ReLU(), nn.Linear(out_dim, hidden_dim))")),
        "linear layers without bias": mutate(
            "ProjectionHead", (_HEAD, "self.net = nn.Sequential(nn.Linear(in_dim, hidden_dim, bias=False), nn.ReLU(), "
                                      "nn.Linear(hidden_dim, out_dim, bias=False))")),
        "normalises the projections": mutate("ProjectionHead", ("return self.net(h)", "return F.normalize(self.net(h), dim=1)")),
        "one linear layer": mutate("ProjectionHead", (_HEAD, "self.net = nn.Sequential(nn.Linear(in_dim, out_dim))")),
        "tanh instead of ReLU": mutate("ProjectionHead", ("nn.ReLU()", "nn.Tanh()")),
    },
    "pretrain_simclr": {
        "labels leak: sorts the batch by class": mutate(
            "pretrain_simclr", ("for x, _ in progress_bar", "for x, y in progress_bar"),
            ("            x = x.to(device)\n", "            x = x[y.argsort()].to(device)\n")),
        "one augmented view used twice": mutate(
            "pretrain_simclr", ("            view2 = augment(x)\n", "            view2 = view1\n")),
        "the second view is the raw image": mutate(
            "pretrain_simclr", ("            view2 = augment(x)\n", "            view2 = x\n")),
        "no zero_grad": mutate("pretrain_simclr", ("            optimizer.zero_grad()\n", "")),
        "optimizer without the head": mutate(
            "pretrain_simclr", (_ADAM, "optimizer = torch.optim.Adam(encoder.parameters(), lr=lr)")),
        "encoder left in evaluation mode": mutate("pretrain_simclr", ("        encoder.train()\n", "        encoder.eval()\n")),
        "temperature not passed on": mutate("pretrain_simclr", ("            loss = loss_fn(z1, z2, temperature)\n", "            loss = loss_fn(z1, z2, 0.5)\n")),
        "one loss per epoch": mutate(
            "pretrain_simclr", ("        for x, _ in progress_bar(loader, parent=bar):\n",
                                "        epoch_losses = []\n        for x, _ in progress_bar(loader, parent=bar):\n"),
            ("            losses.append(loss.item())\n",
             "            epoch_losses.append(loss.item())\n        losses.append(sum(epoch_losses) / len(epoch_losses))\n")),
        "learning rate ignored": mutate("pretrain_simclr", (_ADAM, _ADAM.replace("lr=lr", "lr=1e-3"))),
        "both views through the encoder as one batch": mutate(
            "pretrain_simclr", ("            z1 = head(encoder(view1))\n            z2 = head(encoder(view2))\n",
                                "            z1, z2 = head(encoder(torch.cat([view1, view2]))).chunk(2)\n")),
    },
    "linear_probe": {
        "fine-tunes the encoder": '''
def linear_probe(encoder, train, test, steps=200, lr=0.05):
    (x_train, y_train), (x_test, y_test) = train, test
    was_training = encoder.training
    classes = int(max(y_train.max(), y_test.max())) + 1
    with torch.no_grad():
        encoder.eval()
        dim = encoder(x_train[:2]).flatten(1).shape[1]
    classifier = nn.Linear(dim, classes)
    optimizer = torch.optim.Adam(list(classifier.parameters()) + list(encoder.parameters()), lr=lr)
    for _ in range(steps):
        loss = F.cross_entropy(classifier(encoder(x_train).flatten(1)), y_train)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        acc = (classifier(encoder(x_test).flatten(1)).argmax(dim=1) == y_test).float().mean().item()
    encoder.train(was_training)
    return acc
''',
        "features in training mode (BatchNorm statistics updated)": mutate(
            "linear_probe", ("    encoder.eval()\n    with torch.no_grad():\n", "    with torch.no_grad():\n")),
        "accuracy on the training set": mutate(
            "linear_probe", (_PROBE_RETURN, "return (classifier(f_train).argmax(dim=1) == y_train).float().mean().item()")),
        "ignores the encoder: probes the raw inputs": mutate(
            "linear_probe", (_PROBE_FEATURES, "        f_train, f_test = x_train.flatten(1).float(), x_test.flatten(1).float()\n")),
        "leaves the encoder in evaluation mode": mutate("linear_probe", ("    encoder.train(was_training)\n", "")),
        "freezes the encoder with requires_grad and leaves it so": mutate(
            "linear_probe", ("    encoder.train(was_training)\n", "    encoder.train(was_training)\n    encoder.requires_grad_(False)\n")),
        "accuracy in percent": mutate("linear_probe", (_PROBE_RETURN, _PROBE_RETURN.replace(".item()", ".item() * 100"))),
    },
    "fine_tune_with_labels": {
        "encoder frozen: features detached": mutate(
            "fine_tune_with_labels", ("loss = F.cross_entropy(model(x[idx]), y[idx])",
                                      "loss = F.cross_entropy(model[1](model[0](x[idx]).detach()), y[idx])")),
        "optimizer over the new layer only": mutate(
            "fine_tune_with_labels", ("torch.optim.Adam(model.parameters(), lr=lr)", "torch.optim.Adam(model[1].parameters(), lr=lr)")),
        "fine-tunes a copy of the encoder": mutate(
            "fine_tune_with_labels", (_FT_MODEL, _FT_MODEL.replace("nn.Sequential(encoder,", "nn.Sequential(copy.deepcopy(encoder),"))),
        "trains in evaluation mode": mutate("fine_tune_with_labels", ("    model.train()\n", "")),
        "returned in training mode": mutate("fine_tune_with_labels", ("return model.eval()", "return model")),
        "no zero_grad": mutate("fine_tune_with_labels", ("        optimizer.zero_grad()\n", "")),
        "ten classes hard-coded": mutate("fine_tune_with_labels", ("nn.Linear(dim, num_classes)", "nn.Linear(dim, 10)")),
        "learning rate ignored": mutate("fine_tune_with_labels", ("model.parameters(), lr=lr)", "model.parameters(), lr=1e-3)")),
    },
    "label_efficiency": {
        "population standard deviation (ddof=0)": mutate("label_efficiency", (_STD, _STD.replace("ddof=1", "ddof=0"))),
        "a different subset for every init": '''
def label_efficiency(run, inits, n, fractions=(0.01, 0.1, 1.0), seeds=(0, 1, 2)):
    results = {init: {} for init in inits}
    for j, init in enumerate(inits):
        for fraction in fractions:
            values = []
            for seed in seeds:
                order = torch.randperm(n, generator=torch.Generator().manual_seed(seed + 100 * j))
                values.append(float(run(init, order[:max(1, round(fraction * n))], seed)))
            values = np.array(values)
            results[init][fraction] = (float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else 0.0)
    return results
''',
        "truncates instead of rounding": mutate("label_efficiency", (_SUBSET, "indices = order[:max(1, int(fraction * n))]")),
        "no minimum of one label": mutate("label_efficiency", (_SUBSET, "indices = order[:round(fraction * n)]")),
        "ignores the seed when drawing the subset": mutate(
            "label_efficiency", ("order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))",
                                 "order = torch.randperm(n, generator=torch.Generator().manual_seed(0))")),
        "keeps the last seed's accuracy instead of the mean": mutate(
            "label_efficiency", ("(float(values.mean()), std)", "(float(values[-1]), std)")),
        "the first entries instead of a random subset": mutate(
            "label_efficiency", (_SUBSET, "indices = torch.arange(n)[:max(1, round(fraction * n))]")),
    },
    "embed_and_tsne": {
        "random initialisation": mutate("embed_and_tsne", ("return " + _TSNE, "return " + _TSNE.replace('init="pca"', 'init="random"'))),
        "features in training mode": mutate("embed_and_tsne", ("    encoder.eval()\n", "")),
        "t-SNE of the images, not the features": mutate(
            "embed_and_tsne", ("features = encoder(images.to(device)).flatten(1)", "features = images.flatten(1)")),
        "fixed perplexity of 30": mutate("embed_and_tsne", ("perplexity=min(30.0, (n - 1) / 3)", "perplexity=min(30.0, n - 1)")),
        "features computed with autograd on": mutate(
            "embed_and_tsne", ("    with torch.no_grad():\n        features", "    if True:\n        features")),
        "PCA to two dimensions instead of t-SNE": mutate(
            "embed_and_tsne", ("return " + _TSNE + ".fit_transform(features)",
                               "from sklearn.decomposition import PCA\n    return PCA(n_components=2).fit_transform(features)")),
        "leaves the encoder in evaluation mode": mutate("embed_and_tsne", ("    encoder.train(was_training)\n", "")),
    },
}

ALTERNATIVES = {
    "rotate_batch": {
        "flip and transpose, rotation by rotation": '''
def rotate_batch(x):
    views, labels, current = [], [], x
    for k in range(4):
        views.append(current)
        labels.append(torch.full((x.shape[0],), k, dtype=torch.long, device=x.device))
        current = current.flip(3).transpose(2, 3)   # a quarter turn counter-clockwise
    return torch.cat(views), torch.cat(labels)
''',
    },
    "two_views": {
        "pairs per image, then unzipped": '''
def two_views(img, transform):
    if img.ndim == 3:
        first = transform(img)
        return first, transform(img)
    pairs = [(transform(im), transform(im)) for im in img.unbind(0)]
    return torch.stack([a for a, _ in pairs]), torch.stack([b for _, b in pairs])
''',
    },
    "nt_xent_loss": {
        "cross-entropy over the masked similarity matrix": '''
def nt_xent_loss(z1, z2, temperature=0.5):
    n = len(z1)
    z = torch.cat([z1, z2])
    z = z / z.norm(dim=1, keepdim=True).clamp_min(1e-12)
    sim = (z @ z.T) / temperature
    sim = sim - torch.eye(2 * n, dtype=z.dtype, device=z.device) * 1e9
    targets = (torch.arange(2 * n, device=z.device) + n) % (2 * n)
    return F.cross_entropy(sim, targets)
''',
        "max subtracted by hand, cosine_similarity": '''
def nt_xent_loss(z1, z2, temperature=0.5):
    z = torch.cat([z1, z2])
    m = len(z)
    sim = F.cosine_similarity(z[:, None, :], z[None, :, :], dim=-1) / temperature
    off = ~torch.eye(m, dtype=torch.bool, device=z.device)
    others = sim[off].view(m, m - 1)
    top = others.max(dim=1, keepdim=True).values.detach()
    log_den = top.squeeze(1) + torch.log(torch.exp(others - top).sum(dim=1))
    pos = torch.cat([torch.diagonal(sim, len(z1)), torch.diagonal(sim, -len(z1))])
    return (log_den - pos).mean()
''',
    },
    "ProjectionHead": {
        "named layers and F.relu": '''
class ProjectionHead(nn.Module):
    def __init__(self, in_dim, hidden_dim=128, out_dim=64):
        super().__init__()
        self.fc1 = nn.Linear(in_dim, hidden_dim)
        self.fc2 = nn.Linear(hidden_dim, out_dim)

    def forward(self, h):
        return self.fc2(F.relu(self.fc1(h)))
''',
    },
    "pretrain_simclr": {
        "one ModuleList, set_to_none, tqdm": '''
def pretrain_simclr(encoder, loader, epochs, augment, head, loss_fn, temperature=0.5, lr=1e-3, device="cpu"):
    from tqdm.auto import tqdm
    both = nn.ModuleList([encoder, head]).to(device)
    optimizer = torch.optim.Adam(both.parameters(), lr=lr)
    history = {"loss": []}
    for _ in range(epochs):
        both.train()
        for batch in tqdm(loader, leave=False):
            x = batch[0].to(device)
            a = augment(x)
            b = augment(x)
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(head(encoder(a)), head(encoder(b)), temperature)
            loss.backward()
            optimizer.step()
            history["loss"].append(float(loss.detach()))
    return history
''',
    },
    "linear_probe": {
        "scikit-learn's logistic regression": '''
def linear_probe(encoder, train, test, steps=200, lr=0.05):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler
    mode = encoder.training
    encoder.eval()
    with torch.no_grad():
        f_train = encoder(train[0]).flatten(1).cpu().numpy()
        f_test = encoder(test[0]).flatten(1).cpu().numpy()
    encoder.train(mode)
    scaler = StandardScaler().fit(f_train)
    clf = LogisticRegression(max_iter=1000).fit(scaler.transform(f_train), train[1].cpu().numpy())
    return float((clf.predict(scaler.transform(f_test)) == test[1].cpu().numpy()).mean())
''',
    },
    "fine_tune_with_labels": {
        "head sized with a dummy forward, batches by randint": '''
def fine_tune_with_labels(encoder, labelled_subset, num_classes, steps=100, lr=1e-3, batch_size=64):
    x, y = labelled_subset
    mode = encoder.training
    encoder.eval()
    with torch.no_grad():
        features = encoder(x[:2]).shape[-1]
    classifier = nn.Sequential(encoder, nn.Linear(features, num_classes))
    optimizer = torch.optim.Adam(classifier.parameters(), lr=lr)
    classifier.train()
    size = min(batch_size, len(x))
    for _ in range(steps):
        idx = torch.randint(0, len(x), (size,))
        optimizer.zero_grad()
        F.cross_entropy(classifier(x[idx]), y[idx]).backward()
        optimizer.step()
    classifier.eval()
    return classifier
''',
    },
    "label_efficiency": {
        "statistics with torch, subsets drawn first": '''
def label_efficiency(run, inits, n, fractions=(0.01, 0.1, 1.0), seeds=(0, 1, 2)):
    subsets = {(f, s): torch.randperm(n, generator=torch.Generator().manual_seed(s))[:max(1, round(f * n))]
               for f in fractions for s in seeds}
    out = {}
    for init in inits:
        out[init] = {}
        for f in fractions:
            acc = torch.tensor([float(run(init, subsets[f, s], s)) for s in seeds], dtype=torch.float64)
            out[init][f] = (acc.mean().item(), acc.std().item() if len(seeds) > 1 else 0.0)
    return out
''',
    },
    "embed_and_tsne": {
        "features with no_grad on the CPU, mode restored in finally": '''
def embed_and_tsne(encoder, images, seed=0):
    from sklearn.manifold import TSNE
    previous = encoder.training
    try:
        encoder.eval()
        with torch.no_grad():
            feats = encoder(images).reshape(len(images), -1).float().cpu().numpy()
    finally:
        encoder.train(previous)
    tsne = TSNE(n_components=2, init="pca", perplexity=min(30.0, (feats.shape[0] - 1) / 3), random_state=seed)
    return np.asarray(tsne.fit_transform(feats))
''',
    },
}
