"""Proof that the tests of 04_pet_breeds work: plausible wrong solutions and correct alternatives.

Each entry is the code of a whole exercise cell (the marker line is added by tests/test_mutants.py).
Every mutant must lose points on its own exercise's tests; every alternative must score full marks.
The notebook has already imported re, Path, numpy as np, torch, nn, F, torchvision, cnn_course,
cnn_course.data as data and everything in fastai.vision.all.
"""

# ------------------------------------------------------------------------------------------ labels
_BREED = '''
def breed_from_filename(name):
    {body}
'''

_IS_CAT = '''
def is_cat(name):
    {body}
'''

# ------------------------------------------------------------------------------------ pets_path
_PETS_PATH_OK = '''
def pets_path(profile=None):
    profile = profile or cnn_course.profile()
    if profile == "full":
        try:
            return Path(untar_data(URLs.PETS)) / "images"
        except Exception as err:
            print(f"offline ({err}): using the shipped 370-photo sample")
            return data.PETS_SAMPLE
    print("quick profile: using the shipped 370-photo sample")
    return data.PETS_SAMPLE
'''

# ---------------------------------------------------------------------------- pets_dataloaders
_DLS = '''
def pets_dataloaders(path, size=224, presize=460, bs=64, valid_pct=0.2, seed=42):
    pets = DataBlock(blocks=(ImageBlock, CategoryBlock),
                     get_items=get_image_files,
                     splitter={splitter},
                     get_y={get_y},
                     item_tfms={item_tfms},
                     batch_tfms={batch_tfms})
    return pets.dataloaders(path{bs})
'''
_DLS_OK = dict(splitter="RandomSplitter(valid_pct=valid_pct, seed=seed)",
               get_y='using_attr(RegexLabeller(r"^(.+)_\\d+\\.jpg$"), "name")',
               item_tfms="Resize(presize)", batch_tfms="aug_transforms(size=size, min_scale=0.75)", bs=", bs=bs")


def _dls(**changes):
    return _DLS.format(**{**_DLS_OK, **changes})


# ------------------------------------------------------------------------- make_transfer_model
_TRANSFER = '''
def make_transfer_model(num_classes, arch="resnet34", pretrained=True):
    builder = getattr(torchvision.models, {arch})
    weights = torchvision.models.get_model_weights(builder).DEFAULT if pretrained else None
    backbone = {load}
    body = nn.Sequential(*list(backbone.children())[:{cut}])
{freeze_body}    head = {head}
    model = nn.Sequential(body, head)
{freeze_all}    return model
'''
_TRANSFER_OK = dict(arch="arch", load="data.pretrained_weights(builder, weights)", cut="-2",
                    freeze_body="    for p in body.parameters():\n        p.requires_grad_(False)\n",
                    head="nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(backbone.fc.in_features, num_classes))",
                    freeze_all="")


def _transfer(**changes):
    return _TRANSFER.format(**{**_TRANSFER_OK, **changes})


# ------------------------------------------------------------------ discriminative_param_groups
_GROUPS = '''
def discriminative_param_groups(model, lr_max, lr_min):
    body, head = model[0], model[1]
    groups = [list(child.parameters()) for child in body.children()]
    groups = {keep} + [list(head.parameters())]
    n = len(groups)
    lrs = {lrs}
    return [{{"params": g, "lr": lr}} for g, lr in zip(groups, lrs)]
'''
_GROUPS_OK = dict(keep="[g for g in groups if g]",
                  lrs="[lr_min * (lr_max / lr_min) ** (i / (n - 1)) if n > 1 else lr_max for i in range(n)]")


def _groups(**changes):
    return _GROUPS.format(**{**_GROUPS_OK, **changes})


# ----------------------------------------------------------------------------- fine_tune_plain
_FINE_TUNE = '''
def fine_tune_plain(model, train_loader, valid_loader, freeze_epochs, epochs, lr, device):
    model = model.to(device)
    body, head = model[0], model[1]
    history = {{"train_loss": [], "valid_loss": [], "accuracy": [], "lrs": []}}

    def evaluate():
{eval_mode}        total, correct, n = 0.0, 0, 0
        with {no_grad}:
            for xb, yb in valid_loader:
                xb, yb = xb.to(device), yb.to(device)
                out = model(xb)
                total += F.cross_entropy(out, yb, reduction="sum").item()
                correct += (out.argmax(dim=1) == yb).sum().item()
                n += len(yb)
        return total / n, correct / n

    def one_cycle(n_epochs, groups, pct_start, div):
        if n_epochs == 0:
            return
        opt = torch.optim.AdamW(groups, betas=(0.9, 0.99), weight_decay=0.01)
        {scheduler}
{train_mode_once}        for _ in range(n_epochs):
{train_mode}            total, n = 0.0, 0
            for xb, yb in train_loader:
                xb, yb = xb.to(device), yb.to(device)
                history["lrs"].append([g["lr"] for g in opt.param_groups])
                loss = F.cross_entropy(model(xb), yb)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
                total += loss.item() * len(yb)
                n += len(yb)
            history["train_loss"].append(total / n)
            valid_loss, accuracy = evaluate()
            history["valid_loss"].append(valid_loss)
            history["accuracy"].append(accuracy)

{freeze}    for p in head.parameters():
        p.requires_grad_(True)
    one_cycle(freeze_epochs, [{{"params": list(head.parameters()), "lr": lr}}], pct_start=0.99, div=25.0)
{unfreeze}    one_cycle(epochs, {groups}, pct_start=0.3, div=5.0)
    return history
'''
_FINE_TUNE_OK = dict(
    eval_mode="        model.eval()\n", no_grad="torch.no_grad()",
    scheduler=("sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=[g['lr'] for g in groups], "
               "total_steps=n_epochs * len(train_loader), pct_start=pct_start, div_factor=div, final_div_factor=1e5 / div)"),
    train_mode_once="", train_mode="            model.train()\n",
    freeze="    for p in body.parameters():\n        p.requires_grad_(False)\n",
    unfreeze="    for p in model.parameters():\n        p.requires_grad_(True)\n",
    groups="discriminative_param_groups(model, lr / 2, lr / 200)")


def _fine_tune(**changes):
    return _FINE_TUNE.format(**{**_FINE_TUNE_OK, **changes})


# -------------------------------------------------------------------------------- train_fastai
_FASTAI = '''
def train_fastai(dls, arch, epochs, base_lr):
    pretrained = {pretrained}
    learn = vision_learner(dls, arch, pretrained=pretrained{metrics})
    {train}
    return learn
'''
_FASTAI_OK = dict(pretrained='cnn_course.profile() == "full"', metrics=", metrics=error_rate",
                  train="learn.fine_tune(epochs, base_lr=base_lr)")


def _fastai(**changes):
    return _FASTAI.format(**{**_FASTAI_OK, **changes})


# ------------------------------------------------------------------------ evaluation and more
_CM = '''
def confusion_matrix(preds, targets, num_classes):
    preds, targets = torch.as_tensor(preds), torch.as_tensor(targets)
    {argmax}
    {body}
'''
_CM_ARGMAX = "preds = preds.argmax(dim=1) if preds.ndim == 2 else preds"
_CM_BODY = ("index = targets.long() * num_classes + preds.long()\n"
            "    return torch.bincount(index, minlength=num_classes * num_classes).reshape(num_classes, num_classes)")

_MOST = '''
def most_confused(preds, targets, vocab, min_count=1):
    cm = confusion_matrix(preds, targets, len(vocab))
    cells = [({a}, {p}, int(cm[a, p])) for a in range(len(vocab)) for p in range(len(vocab))
             if {diagonal}cm[a, p] {cmp} min_count]
    return {sort}
'''
_MOST_OK = dict(a="vocab[a]", p="vocab[p]", diagonal="a != p and ", cmp=">=",
                sort="sorted(cells, key=lambda cell: cell[2], reverse=True)")


def _most(**changes):
    return _MOST.format(**{**_MOST_OK, **changes})


_CAM = '''
def grad_cam(model, target_layer, x, class_idx=None):
    x = torch.as_tensor(x).as_subclass(torch.Tensor)
    x = (x if x.ndim == 4 else x.unsqueeze(0)).detach().clone().requires_grad_(True)
    saved = {{}}
    handle = target_layer.register_forward_hook(lambda module, inputs, output: saved.update(acts=output))
    {forward}
    {choose}
    acts = saved["acts"]
    {score}
    grads, = torch.autograd.grad(score, acts)
    {cam}
    {resize}
    peak = cam.max()
    return (cam / peak if peak > 0 else cam).detach()
'''
_CAM_OK = dict(
    forward="try:\n        out = model(x)\n    finally:\n        handle.remove()",
    choose="if class_idx is None:\n        class_idx = int(out[0].argmax())",
    score="score = out[0, class_idx]",
    cam="alpha = grads[0].mean(dim=(1, 2))\n    cam = F.relu((alpha[:, None, None] * acts[0]).sum(dim=0))",
    resize='cam = F.interpolate(cam[None, None], size=x.shape[-2:], mode="bilinear", align_corners=False)[0, 0]')


def _cam(**changes):
    return _CAM.format(**{**_CAM_OK, **changes})


_TSNE = '''
def embed_tsne(features, seed=42):
    from sklearn.manifold import TSNE
    X = features.detach().cpu().numpy() if hasattr(features, "detach") else np.asarray(features)
    X = {cast}
    return {call}
'''
_TSNE_OK = dict(cast="X.astype(np.float32)",
                call='TSNE(n_components=2, init="pca", perplexity=min(30.0, (len(X) - 1) / 3), random_state=seed).fit_transform(X)')


def _tsne(**changes):
    return _TSNE.format(**{**_TSNE_OK, **changes})


_PREDICT = '''
def predict_breed(learner, image):
    breed, index, probs = learner.predict(image)
    return {result}
'''

MUTANTS = {
    "breed_from_filename": {
        "the regex keeps the number": _BREED.format(
            body='return re.match(r"^(.+)\\.jpg$", Path(name).name).group(1)'),
        "splits on '_' and keeps the first word": _BREED.format(body='return Path(name).name.split("_")[0]'),
        "lower-cases the breed (loses the cat/dog marker)": _BREED.format(
            body='return re.match(r"^(.+)_\\d+\\.jpg$", Path(name).name).group(1).lower()'),
        "drops the number but keeps the trailing underscore": _BREED.format(
            body='return re.sub(r"\\d+\\.jpg$", "", Path(name).name)'),
        "does not strip the folders of a path": _BREED.format(
            body='return re.match(r"^(.+)_\\d+\\.jpg$", str(name)).group(1)'),
        "non-greedy regex stops at the first underscore": _BREED.format(
            body='return re.match(r"^(.+?)_", Path(name).name).group(1)'),
    },
    "is_cat": {
        "species from the wrong letter (the last letter of the breed)": _IS_CAT.format(
            body='return Path(name).name.rsplit("_", 1)[0][-1].isupper()'),
        "cats and dogs swapped": _IS_CAT.format(body="return Path(name).name[0].islower()"),
        "first character of the whole path": _IS_CAT.format(body="return str(name)[0].isupper()"),
        "asks whether the whole first word is upper case": _IS_CAT.format(
            body='return Path(name).name.split("_")[0].isupper()'),
        "uses str.istitle": _IS_CAT.format(body="return Path(name).name.istitle()"),
        "a hard-coded list of cat breeds (Sphynx forgotten)": _IS_CAT.format(
            body=('cats = ["Abyssinian", "Bengal", "Birman", "Bombay", "British_Shorthair", "Egyptian_Mau", '
                  '"Maine_Coon", "Persian", "Ragdoll", "Russian_Blue", "Siamese"]\n'
                  '    return Path(name).name.rsplit("_", 1)[0] in cats')),
    },
    "pets_path": {
        "always the sample, even in the full profile": '''
def pets_path(profile=None):
    print("using the shipped 370-photo sample")
    return data.PETS_SAMPLE
''',
        "forgets the images sub-folder": _PETS_PATH_OK.replace('Path(untar_data(URLs.PETS)) / "images"', "Path(untar_data(URLs.PETS))"),
        "prints nothing in the quick profile": _PETS_PATH_OK.replace('    print("quick profile: using the shipped 370-photo sample")\n', ""),
        "no fallback when the download fails": '''
def pets_path(profile=None):
    profile = profile or cnn_course.profile()
    if profile == "full":
        return Path(untar_data(URLs.PETS)) / "images"
    print("quick profile: using the shipped 370-photo sample")
    return data.PETS_SAMPLE
''',
        "ignores the profile argument": _PETS_PATH_OK.replace("profile = profile or cnn_course.profile()", "profile = cnn_course.profile()"),
        "returns a str": '''
def pets_path(profile=None):
    profile = profile or cnn_course.profile()
    if profile == "full":
        try:
            return str(untar_data(URLs.PETS)) + "/images"
        except Exception as err:
            print(f"offline ({err}): using the shipped 370-photo sample")
            return str(data.PETS_SAMPLE)
    print("quick profile: using the shipped 370-photo sample")
    return str(data.PETS_SAMPLE)
''',
        "prints the message and the folder on two lines": _PETS_PATH_OK.replace(
            'print("quick profile: using the shipped 370-photo sample")',
            'print("quick profile: using the shipped 370-photo sample")\n    print(data.PETS_SAMPLE)'),
    },
    "pets_dataloaders": {
        "label regex keeps the number": _dls(get_y='using_attr(RegexLabeller(r"^(.+)\\.jpg$"), "name")'),
        "labels by parent folder": _dls(get_y="parent_label"),
        "train/valid leak: trains on every photo": _dls(
            splitter="lambda items: (list(range(len(items))), RandomSplitter(valid_pct=valid_pct, seed=seed)(items)[1])"),
        "seed not passed: a different split every call": _dls(splitter="RandomSplitter(valid_pct=valid_pct)"),
        "seed and valid_pct hard-coded": _dls(splitter="RandomSplitter(valid_pct=0.2, seed=42)"),
        "no presizing: Resize(size) per item": _dls(item_tfms="Resize(size)"),
        "aug_transforms without min_scale": _dls(batch_tfms="aug_transforms(size=size)"),
        "batch size ignored": _dls(bs=""),
    },
    "train_fastai": {
        "fit_one_cycle instead of fine_tune": _fastai(train="learn.fit_one_cycle(epochs, base_lr)"),
        "always asks for ImageNet weights": _fastai(pretrained="True"),
        "no error_rate metric": _fastai(metrics=""),
        "base_lr not passed on": _fastai(train="learn.fine_tune(epochs)"),
        "one epoch too few": _fastai(train="learn.fine_tune(epochs - 1, base_lr=base_lr)"),
        "freezes, then never unfreezes": _fastai(train="learn.freeze()\n    learn.fit_one_cycle(epochs + 1, base_lr)"),
        "freeze_epochs=epochs": _fastai(train="learn.fine_tune(epochs, base_lr=base_lr, freeze_epochs=epochs)"),
    },
    "make_transfer_model": {
        "head not replaced (ImageNet's 1000-class fc kept)": _transfer(
            head="nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), backbone.fc)"),
        "body not frozen": _transfer(freeze_body=""),
        "freezes the head too": _transfer(freeze_all="    for p in model.parameters():\n        p.requires_grad_(False)\n"),
        "in_features hard-coded to 512": _transfer(
            head="nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, num_classes))"),
        "no pooling: a Linear layer on the flattened 7x7 maps": _transfer(
            head="nn.Sequential(nn.Flatten(), nn.Linear(backbone.fc.in_features * 7 * 7, num_classes))"),
        "ignores arch (always a ResNet-34)": _transfer(arch='"resnet34"'),
        "downloads the weights directly, even with pretrained=False": _transfer(load='builder(weights="DEFAULT")'),
        "keeps avgpool in the body": _transfer(cut="-1"),
    },
    "count_trainable": {
        "counts every parameter": "def count_trainable(model):\n    return sum(p.numel() for p in model.parameters())\n",
        "counts tensors, not numbers": "def count_trainable(model):\n    return len([p for p in model.parameters() if p.requires_grad])\n",
        "counts the frozen ones": "def count_trainable(model):\n    return sum(p.numel() for p in model.parameters() if not p.requires_grad)\n",
        "weights only, biases forgotten": ("def count_trainable(model):\n"
                                           "    return sum(p.numel() for n, p in model.named_parameters() if p.requires_grad and 'weight' in n)\n"),
        "walks model.modules(), counting nested layers again": (
            "def count_trainable(model):\n"
            "    return sum(p.numel() for m in model.modules() for p in m.parameters() if p.requires_grad)\n"),
        "returns a tensor": ("def count_trainable(model):\n"
                             "    return torch.tensor(sum(p.numel() for p in model.parameters() if p.requires_grad))\n"),
    },
    "discriminative_param_groups": {
        "learning rates reversed (stem gets lr_max)": _groups(
            lrs="[lr_max * (lr_min / lr_max) ** (i / (n - 1)) if n > 1 else lr_max for i in range(n)]"),
        "linear spacing instead of geometric": _groups(lrs="list(np.linspace(lr_min, lr_max, n))"),
        "exponent i / n: the head never reaches lr_max": _groups(lrs="[lr_min * (lr_max / lr_min) ** (i / n) for i in range(n)]"),
        "one group for the whole model": '''
def discriminative_param_groups(model, lr_max, lr_min):
    return [{"params": list(model.parameters()), "lr": lr_max}]
''',
        "forgets the head": '''
def discriminative_param_groups(model, lr_max, lr_min):
    groups = [list(child.parameters()) for child in model[0].children()]
    groups = [g for g in groups if g]
    n = len(groups)
    return [{"params": g, "lr": lr_min * (lr_max / lr_min) ** (i / (n - 1))} for i, g in enumerate(groups)]
''',
        "an empty group for every child without parameters": _groups(keep="groups"),
        "leaves frozen parameters out": '''
def discriminative_param_groups(model, lr_max, lr_min):
    groups = [[p for p in child.parameters() if p.requires_grad] for child in model[0].children()]
    groups = [g for g in groups if g] + [[p for p in model[1].parameters() if p.requires_grad]]
    n = len(groups)
    return [{"params": g, "lr": lr_min * (lr_max / lr_min) ** (i / (n - 1)) if n > 1 else lr_max} for i, g in enumerate(groups)]
''',
    },
    "fine_tune_plain": {
        "never freezes: phase 1 trains the whole model": _fine_tune(freeze="").replace(
            '[{"params": list(head.parameters()), "lr": lr}]', '[{"params": list(model.parameters()), "lr": lr}]'),
        "never unfreezes the body": _fine_tune(unfreeze=""),
        "one learning rate for the whole model after unfreezing": _fine_tune(
            groups='[{"params": list(model.parameters()), "lr": lr / 2}]'),
        "learning rates reversed (stem fastest)": _fine_tune(groups="discriminative_param_groups(model, lr / 200, lr / 2)"),
        "does not halve the learning rate": _fine_tune(groups="discriminative_param_groups(model, lr, lr / 100)"),
        "validates in training mode (no model.eval())": _fine_tune(eval_mode=""),
        "validates with gradients on": _fine_tune(no_grad="torch.enable_grad()"),
        "model.train() only once, before the first epoch": _fine_tune(
            train_mode_once="        model.train()\n", train_mode=""),
        "constant learning rate (no one-cycle schedule)": _fine_tune(
            scheduler="sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 1.0)"),
    },
    "confusion_matrix": {
        "transposed (rows are the predictions)": _CM.format(argmax=_CM_ARGMAX, body=_CM_BODY.replace(
            "targets.long() * num_classes + preds.long()", "preds.long() * num_classes + targets.long()")),
        "normalised rows instead of counts": _CM.format(argmax=_CM_ARGMAX, body=_CM_BODY.replace(
            "return torch.bincount(index, minlength=num_classes * num_classes).reshape(num_classes, num_classes)",
            "cm = torch.bincount(index, minlength=num_classes * num_classes).reshape(num_classes, num_classes).float()\n"
            "    return cm / cm.sum(dim=1, keepdim=True).clamp(min=1)")),
        "size from the data, not num_classes": _CM.format(argmax=_CM_ARGMAX, body=(
            "n = int(max(preds.max(), targets.max())) + 1\n"
            "    return torch.bincount(targets.long() * n + preds.long(), minlength=n * n).reshape(n, n)")),
        "max instead of argmax for scores": _CM.format(argmax="preds = preds.max(dim=1).values if preds.ndim == 2 else preds",
                                                        body=_CM_BODY),
        "scikit-learn without labels= (missing classes dropped)": '''
def confusion_matrix(preds, targets, num_classes):
    from sklearn.metrics import confusion_matrix as sk_confusion_matrix
    preds, targets = torch.as_tensor(preds), torch.as_tensor(targets)
    preds = preds.argmax(dim=1) if preds.ndim == 2 else preds
    return sk_confusion_matrix(targets.numpy(), preds.numpy())
''',
        "argmax over the wrong dimension": _CM.format(argmax="preds = preds.argmax(dim=0) if preds.ndim == 2 else preds",
                                                       body=_CM_BODY),
    },
    "most_confused": {
        "(predicted, actual) instead of (actual, predicted)": _most(a="vocab[p]", p="vocab[a]"),
        "keeps the diagonal": _most(diagonal=""),
        "count > min_count instead of >=": _most(cmp=">"),
        "smallest counts first": _most(sort="sorted(cells, key=lambda cell: cell[2])"),
        "ties broken by name": _most(sort="sorted(cells, key=lambda cell: (-cell[2], cell[0], cell[1]))"),
        "not sorted": _most(sort="cells"),
        "class indices instead of names": _most(a="a", p="p"),
    },
    "grad_cam": {
        "no ReLU": _cam(cam="alpha = grads[0].mean(dim=(1, 2))\n    cam = (alpha[:, None, None] * acts[0]).sum(dim=0)"),
        "gradient of the predicted class even when class_idx is given": _cam(
            choose="class_idx = int(out[0].argmax())"),
        "class_idx=None explains class 0": _cam(choose="if class_idx is None:\n        class_idx = 0"),
        "gradient times activation, no averaging": _cam(cam="cam = F.relu((grads[0] * acts[0]).sum(dim=0))"),
        "averages the gradient over channels instead of positions": _cam(
            cam="alpha = grads[0].mean(dim=0)\n    cam = F.relu((alpha[None] * acts[0]).sum(dim=0))"),
        "no upsampling: the map stays at the layer's size": _cam(resize="pass"),
        "softmax probability instead of the logit": _cam(score="score = out.softmax(dim=1)[0, class_idx]"),
        "leaves the hook on the layer": _cam(forward="out = model(x)"),
    },
    "embed_tsne": {
        "random initialisation": _tsne(call=_TSNE_OK["call"].replace('init="pca"', 'init="random"')),
        "perplexity always 30": _tsne(call=_TSNE_OK["call"].replace("min(30.0, (len(X) - 1) / 3)", "30.0")),
        "perplexity min(30, N - 1)": _tsne(call=_TSNE_OK["call"].replace("min(30.0, (len(X) - 1) / 3)", "min(30.0, len(X) - 1)")),
        "PCA instead of t-SNE": _tsne(call="__import__('sklearn.decomposition').decomposition.PCA(2).fit_transform(X)"),
        "three components": _tsne(call=_TSNE_OK["call"].replace("n_components=2", "n_components=3")),
        "standardises the features first": _tsne(cast="((X - X.mean(0)) / (X.std(0) + 1e-8)).astype(np.float32)"),
        "keeps float64 features": _tsne(cast="X"),
    },
    "predict_breed": {
        "the class index instead of the name": _PREDICT.format(result="int(index), float(probs[index])"),
        "the probability of class 0": _PREDICT.format(result="str(breed), float(probs[0])"),
        "the whole probability vector": _PREDICT.format(result="str(breed), probs"),
        "a percentage": _PREDICT.format(result="str(breed), 100 * float(probs[index])"),
        "a tensor, not a float": _PREDICT.format(result="str(breed), probs[index]"),
        "reads the breed from the file name": '''
def predict_breed(learner, image):
    breed, index, probs = learner.predict(image)
    return re.match(r"^(.+)_\\d+\\.jpg$", Path(image).name).group(1), float(probs[index])
''',
        "runs the model on the raw photo, without fastai's transforms": '''
def predict_breed(learner, image):
    img = PILImage.create(image)
    x = torch.tensor(np.asarray(img), dtype=torch.float32).permute(2, 0, 1)[None] / 255
    learner.model.eval()
    with torch.no_grad():
        probs = learner.model(x).softmax(dim=1)[0]
    index = int(probs.argmax())
    return str(learner.dls.vocab[index]), float(probs[index])
''',
    },
}

ALTERNATIVES = {
    "breed_from_filename": {
        "stem and split": _BREED.format(body='return "_".join(Path(name).stem.split("_")[:-1])'),
        "rsplit": _BREED.format(body='return Path(name).name.rsplit("_", 1)[0]'),
    },
    "is_cat": {
        "regex": _IS_CAT.format(body='return re.match(r"[A-Z]", Path(name).name) is not None'),
        "compare with upper()": _IS_CAT.format(body="first = Path(name).name[0]\n    return first != first.lower()"),
    },
    "pets_path": {
        "through data.pets_images_dir": '''
def pets_path(profile=None):
    profile = profile or cnn_course.profile()
    if profile != "full":
        print(f"{profile} profile: the 370-photo sample shipped with the course")
    return data.pets_images_dir(profile)  # full: the download, or the sample with one [offline] line
''',
        "explicit branches": _PETS_PATH_OK,
    },
    "pets_dataloaders": {
        "ImageDataLoaders.from_name_re": '''
def pets_dataloaders(path, size=224, presize=460, bs=64, valid_pct=0.2, seed=42):
    return ImageDataLoaders.from_name_re(path, get_image_files(path), r"^(.+)_\\d+\\.jpg$", valid_pct=valid_pct, seed=seed,
                                         item_tfms=Resize(presize), batch_tfms=aug_transforms(size=size, min_scale=0.75), bs=bs)
''',
        "DataBlock labelled with breed_from_filename": _dls(get_y="lambda p: breed_from_filename(p.name)"),
    },
    "train_fastai": {
        "positional arguments, two metrics": '''
def train_fastai(dls, arch, epochs, base_lr):
    learn = vision_learner(dls, arch, metrics=[error_rate, accuracy], pretrained=cnn_course.profile() == "full")
    learn.fine_tune(epochs, base_lr)
    return learn
''',
    },
    "make_transfer_model": {
        "named stages": '''
def make_transfer_model(num_classes, arch="resnet34", pretrained=True):
    weights = torchvision.models.get_model_weights(arch).DEFAULT if pretrained else None
    net = data.pretrained_weights(getattr(torchvision.models, arch), weights)
    body = nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool, net.layer1, net.layer2, net.layer3, net.layer4)
    body.requires_grad_(False)
    head = nn.Sequential(nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(1), nn.Linear(net.fc.in_features, num_classes))
    return nn.Sequential(body, head)
''',
        "fastai's create_body": _transfer().replace("body = nn.Sequential(*list(backbone.children())[:-2])",
                                                             "body = create_body(backbone, pretrained=False, cut=-2)"),
    },
    "count_trainable": {
        "filter": "def count_trainable(model):\n    return int(sum(p.numel() for p in filter(lambda p: p.requires_grad, model.parameters())))\n",
        "loop": ("def count_trainable(model):\n    total = 0\n    for name, p in model.named_parameters():\n"
                 "        if p.requires_grad:\n            total += p.nelement()\n    return total\n"),
    },
    "discriminative_param_groups": {
        "np.geomspace": _groups(lrs="[float(v) for v in np.geomspace(lr_min, lr_max, n)] if n > 1 else [lr_max]"),
        "torch.logspace": '''
def discriminative_param_groups(model, lr_max, lr_min):
    parts = [c for c in model[0].children() if any(True for _ in c.parameters())] + [model[1]]
    lrs = torch.logspace(np.log10(lr_min), np.log10(lr_max), len(parts), dtype=torch.float64).tolist()
    return [dict(params=list(part.parameters()), lr=lr) for part, lr in zip(parts, lrs)]
''',
    },
    "fine_tune_plain": {
        "Adam, module-level freezing, default final_div_factor": '''
def fine_tune_plain(model, train_loader, valid_loader, freeze_epochs, epochs, lr, device):
    model.to(device)
    history = dict(train_loss=[], valid_loss=[], accuracy=[], lrs=[])

    def phase(n_epochs, groups, **schedule):
        if not n_epochs:
            return
        opt = torch.optim.Adam(groups)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, [g["lr"] for g in groups], epochs=n_epochs,
                                                    steps_per_epoch=len(train_loader), **schedule)
        for epoch in range(n_epochs):
            model.train()
            losses = []
            for xb, yb in train_loader:
                xb, yb = xb.to(device), yb.to(device)
                history["lrs"].append([g["lr"] for g in opt.param_groups])
                opt.zero_grad()
                loss = nn.CrossEntropyLoss()(model(xb), yb)
                loss.backward()
                opt.step()
                sched.step()
                losses.append((loss.item(), len(yb)))
            history["train_loss"].append(sum(l * n for l, n in losses) / sum(n for _, n in losses))
            model.eval()
            outs, ys = [], []
            with torch.no_grad():
                for xb, yb in valid_loader:
                    outs.append(model(xb.to(device)))
                    ys.append(yb.to(device))
            out, y = torch.cat(outs), torch.cat(ys)
            history["valid_loss"].append(F.cross_entropy(out, y).item())
            history["accuracy"].append((out.argmax(1) == y).float().mean().item())

    model[0].requires_grad_(False)
    model[1].requires_grad_(True)
    phase(freeze_epochs, [{"params": model[1].parameters(), "lr": lr}], pct_start=0.99)
    model.requires_grad_(True)
    phase(epochs, discriminative_param_groups(model, lr / 2, lr / 200), pct_start=0.3, div_factor=5.0)
    return history
''',
    },
    "confusion_matrix": {
        "loop": '''
def confusion_matrix(preds, targets, num_classes):
    preds = torch.as_tensor(preds)
    if preds.dim() == 2:
        preds = preds.argmax(-1)
    cm = torch.zeros(num_classes, num_classes, dtype=torch.long)
    for t, p in zip(torch.as_tensor(targets).tolist(), preds.tolist()):
        cm[t, p] += 1
    return cm
''',
        "scikit-learn with labels": '''
def confusion_matrix(preds, targets, num_classes):
    from sklearn.metrics import confusion_matrix as sk_confusion_matrix
    preds = torch.as_tensor(preds)
    preds = preds.argmax(dim=1) if preds.ndim == 2 else preds
    return sk_confusion_matrix(torch.as_tensor(targets).numpy(), preds.numpy(), labels=list(range(num_classes)))
''',
        "fastai's broadcasting": '''
def confusion_matrix(preds, targets, num_classes):
    d, t = torch.as_tensor(preds), torch.as_tensor(targets)
    d = d.argmax(dim=-1) if d.ndim == 2 else d
    x = torch.arange(num_classes)
    return ((d == x[:, None]) & (t == x[:, None, None])).long().sum(2)
''',
    },
    "most_confused": {
        "fastai's way with NumPy": '''
def most_confused(preds, targets, vocab, min_count=1):
    cm = np.array(confusion_matrix(preds, targets, len(vocab)))
    np.fill_diagonal(cm, 0)
    res = [(vocab[i], vocab[j], int(cm[i, j])) for i, j in zip(*np.where(cm >= min_count))]
    return sorted(res, key=lambda r: -r[2])
''',
    },
    "grad_cam": {
        "tensor hook and backward": '''
def grad_cam(model, target_layer, x, class_idx=None):
    x = x.unsqueeze(0) if x.dim() == 3 else x
    x = x.detach().clone().requires_grad_(True)
    store = {}

    def keep(module, inputs, output):
        store["acts"] = output
        output.register_hook(lambda g: store.__setitem__("grads", g))

    handle = target_layer.register_forward_hook(keep)
    try:
        out = model(x)
        c = int(out[0].argmax()) if class_idx is None else class_idx
        out[0, c].backward()
    finally:
        handle.remove()
    weights = store["grads"][0].mean(dim=(-2, -1), keepdim=True)
    cam = torch.clamp((weights * store["acts"][0]).sum(0), min=0).detach()
    cam = F.interpolate(cam[None, None], size=tuple(x.shape[-2:]), mode="bilinear", align_corners=False)[0, 0]
    return cam / cam.max() if cam.max() > 0 else cam
''',
    },
    "embed_tsne": {
        "positional arguments": '''
def embed_tsne(features, seed=42):
    from sklearn.manifold import TSNE
    X = np.asarray(features.cpu() if torch.is_tensor(features) else features, dtype=np.float32)
    perplexity = min(30.0, (X.shape[0] - 1) / 3)
    return np.asarray(TSNE(2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(X))
''',
    },
    "predict_breed": {
        "vocab and max": '''
def predict_breed(learner, image):
    _, index, probs = learner.predict(image)
    return learner.dls.vocab[int(index)], probs.max().item()
''',
    },
}
