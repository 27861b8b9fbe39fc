"""Proof that the tests of 04_pet_breeds work: plausible wrong solutions and correct alternatives.

Each entry is the code of a whole exercise cell (the marker line is added by autograder/proof.py; `python -m autograder prove` grades them).
Every mutant must lose points on its own exercise's tests; every alternative must score full marks.
Most mutants are the source's reference cell with one mistake edited in, so the mistake is easy to see.
The notebook has already imported re, Path, numpy as np, torch, nn, F, torchvision, cnn_course,
cnn_course.data as data and everything in fastai.vision.all.
"""

from autograder.proof import mutate

_PETS_QUICK_PRINT = '    print(f"profile {profile!r}: using the 370-photo Oxford-IIIT Pet sample shipped with the course")\n'
_PETS_OFFLINE_PRINT = ('            print(f"offline ({type(err).__name__}): using the 370-photo Oxford-IIIT Pet sample '
                       'in {data.PETS_SAMPLE}")\n')
_DLS_GET_Y = r'get_y=using_attr(RegexLabeller(r"^(.+)_\d+\.jpe?g$"), "name")'
_DLS_SPLITTER = "RandomSplitter(valid_pct=valid_pct, seed=seed)"
_FASTAI_FIT = "    learn.fine_tune(epochs, base_lr=base_lr)"
_FREEZE_BODY = "    for p in body.parameters():\n        p.requires_grad_(False)\n"
_GROUPS_LRS = "lrs = [lr_min * (lr_max / lr_min) ** (i / (n - 1)) if n > 1 else lr_max for i in range(n)]"
_PHASE2_GROUPS = "discriminative_param_groups(model, lr / 2, lr / 200), pct"
_CM_RETURN = "return torch.bincount(index, minlength=num_classes * num_classes).reshape(num_classes, num_classes)"
_MOST_SORT = "key=lambda cell: cell[2], reverse=True)"
_CAM_RELU = "cam = F.relu((alpha[:, None, None] * acts[0].as_subclass(torch.Tensor)).sum(dim=0))"
_TSNE_RETURN = ('return TSNE(n_components=2, init="pca", perplexity=min(30.0, (len(X) - 1) / 3), '
                'random_state=seed).fit_transform(X)')

MUTANTS = {
    "breed_from_filename": {
        "the regex keeps the number": mutate("breed_from_filename", (r"(.+)_\d+\.jpe?g$", r"(.+)\.jpe?g$")),
        "splits on '_' and keeps the first word": mutate(
            "breed_from_filename", ("match.group(1) if match else None", 'Path(name).name.split("_")[0]')),
        "lower-cases the breed (loses the cat/dog marker)": mutate(
            "breed_from_filename", ("match.group(1) if", "match.group(1).lower() if")),
        "drops the number but keeps the trailing underscore": mutate("breed_from_filename", ("(.+)_", "(.+_)")),
        "does not strip the folders of a path": mutate("breed_from_filename", ("Path(name).name, flags", "str(name), flags")),
        "non-greedy regex stops at the first underscore": mutate(
            "breed_from_filename", (r"(.+)_\d+\.jpe?g$", "(.+?)_")),
    },
    "is_cat": {
        "species from the wrong letter (the last letter of the breed)": mutate(
            "is_cat", ("name[0]", 'name.rsplit("_", 1)[0][-1]')),
        "cats and dogs swapped": mutate("is_cat", ("isupper()", "islower()")),
        "first character of the whole path": mutate("is_cat", ("Path(name).name[0]", "str(name)[0]")),
        "asks whether the whole first word is upper case": mutate("is_cat", ("name[0]", 'name.split("_")[0]')),
        "uses str.istitle": mutate("is_cat", ("name[0].isupper()", "name.istitle()")),
        "a hard-coded list of cat breeds (Sphynx forgotten)": '''
def is_cat(name):
    cats = ["Abyssinian", "Bengal", "Birman", "Bombay", "British_Shorthair", "Egyptian_Mau",
            "Maine_Coon", "Persian", "Ragdoll", "Russian_Blue", "Siamese"]
    return Path(name).name.rsplit("_", 1)[0] in cats
''',
    },
    "pets_path": {
        "always the sample, even in the full profile": mutate("pets_path", ('if profile == "full":', "if False:")),
        "forgets the images sub-folder": mutate(
            "pets_path", ('Path(untar_data(URLs.PETS)) / "images"', "Path(untar_data(URLs.PETS))")),
        "prints nothing in the quick profile": mutate("pets_path", (_PETS_QUICK_PRINT, "")),
        "no fallback when the download fails": mutate(
            "pets_path", ("        try:\n            return", "        return"),
            ("        except Exception as err:  # no network, no disk space: the sample still teaches the lesson\n"
             + _PETS_OFFLINE_PRINT + "            return data.PETS_SAMPLE\n", "")),
        "ignores the profile argument": mutate(
            "pets_path", ("profile = profile or cnn_course.profile()", "profile = cnn_course.profile()")),
        "returns a str": mutate(
            "pets_path", ('return Path(untar_data(URLs.PETS)) / "images"', 'return str(untar_data(URLs.PETS)) + "/images"'),
            ("return data.PETS_SAMPLE\n    print", "return str(data.PETS_SAMPLE)\n    print"),
            ('course")\n    return data.PETS_SAMPLE', 'course")\n    return str(data.PETS_SAMPLE)')),
        "prints the message and the folder on two lines": mutate(
            "pets_path", ('shipped with the course")', 'shipped with the course")\n    print(data.PETS_SAMPLE)')),
    },
    "pets_dataloaders": {
        "label regex keeps the number": mutate("pets_dataloaders", (r"(.+)_\d+\.jpe?g", r"(.+)\.jpe?g")),
        "labels by parent folder": mutate("pets_dataloaders", (_DLS_GET_Y, "get_y=parent_label")),
        "train/valid leak: trains on every photo": mutate(
            "pets_dataloaders",
            (_DLS_SPLITTER, f"lambda items: (list(range(len(items))), {_DLS_SPLITTER}(items)[1])")),
        "seed not passed: a different split every call": mutate(
            "pets_dataloaders", (_DLS_SPLITTER, "RandomSplitter(valid_pct=valid_pct)")),
        "seed and valid_pct hard-coded": mutate("pets_dataloaders", (_DLS_SPLITTER, "RandomSplitter(valid_pct=0.2, seed=42)")),
        "seed hard-coded": mutate("pets_dataloaders", (_DLS_SPLITTER, "RandomSplitter(valid_pct=valid_pct, seed=42)")),
        "valid_pct hard-coded": mutate("pets_dataloaders", (_DLS_SPLITTER, "RandomSplitter(valid_pct=0.2, seed=seed)")),
        "no presizing: Resize(size) per item": mutate(
            "pets_dataloaders", ("item_tfms=Resize(presize),", "item_tfms=Resize(size),")),
        "aug_transforms without min_scale": mutate("pets_dataloaders", (", min_scale=0.75))", "))")),
        "batch size ignored": mutate("pets_dataloaders", ("path, bs=bs)", "path)")),
    },
    "train_fastai": {
        "fit_one_cycle instead of fine_tune": mutate("train_fastai", (_FASTAI_FIT, "    learn.fit_one_cycle(epochs, base_lr)")),
        "always asks for ImageNet weights": mutate(
            "train_fastai", ("    pretrained = cnn_course.can_download()", "    pretrained = True")),
        "never asks for ImageNet weights": mutate(
            "train_fastai", ("    pretrained = cnn_course.can_download()", "    pretrained = False")),
        "ImageNet weights only in the full profile": mutate(
            "train_fastai", ("    pretrained = cnn_course.can_download()", '    pretrained = cnn_course.profile() == "full"')),
        "no error_rate metric": mutate("train_fastai", ("pretrained=pretrained, metrics=error_rate", "pretrained=pretrained")),
        "base_lr not passed on": mutate("train_fastai", (_FASTAI_FIT, "    learn.fine_tune(epochs)")),
        "one epoch too few": mutate("train_fastai", (_FASTAI_FIT, "    learn.fine_tune(epochs - 1, base_lr=base_lr)")),
        "freezes, then never unfreezes": mutate(
            "train_fastai", (_FASTAI_FIT, "    learn.freeze()\n    learn.fit_one_cycle(epochs + 1, base_lr)")),
        "freeze_epochs=epochs": mutate(
            "train_fastai", (_FASTAI_FIT, "    learn.fine_tune(epochs, base_lr=base_lr, freeze_epochs=epochs)")),
    },
    "make_transfer_model": {
        "head not replaced (ImageNet's 1000-class fc kept)": mutate(
            "make_transfer_model", ("nn.Linear(backbone.fc.in_features, num_classes)", "backbone.fc")),
        "body not frozen": mutate("make_transfer_model", (_FREEZE_BODY, "")),
        "freezes the head too": mutate(
            "make_transfer_model",
            ("    return nn.Sequential(body, head)",
             "    model = nn.Sequential(body, head)\n    for p in model.parameters():\n        p.requires_grad_(False)\n"
             "    return model")),
        "in_features hard-coded to 512": mutate("make_transfer_model", ("nn.Linear(backbone.fc.in_features,", "nn.Linear(512,")),
        "no pooling: a Linear layer on the flattened 7x7 maps": mutate(
            "make_transfer_model",
            ("nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(backbone.fc.in_features, num_classes)",
             "nn.Flatten(), nn.Linear(backbone.fc.in_features * 7 * 7, num_classes)")),
        "ignores arch (always a ResNet-34)": mutate(
            "make_transfer_model", ("getattr(torchvision.models, arch)", 'getattr(torchvision.models, "resnet34")')),
        "downloads the weights directly, even with pretrained=False": mutate(
            "make_transfer_model", ("data.pretrained_weights(builder, weights)", 'builder(weights="DEFAULT")')),
        "keeps avgpool in the body": mutate("make_transfer_model", ("[:-2]", "[:-1]")),
    },
    "count_trainable": {
        "counts every parameter": mutate("count_trainable", (" if p.requires_grad)", ")")),
        "counts tensors, not numbers": mutate(
            "count_trainable", ("sum(p.numel() for p", "len([p for p"), ("p.requires_grad)", "p.requires_grad])")),
        "counts the frozen ones": mutate("count_trainable", ("if p.requires_grad", "if not p.requires_grad")),
        "weights only, biases forgotten": mutate(
            "count_trainable", ("for p in model.parameters() if p.requires_grad",
                                "for n, p in model.named_parameters() if p.requires_grad and 'weight' in n")),
        "walks model.modules(), counting nested layers again": mutate(
            "count_trainable", ("for p in model.parameters()", "for m in model.modules() for p in m.parameters()")),
        "returns a tensor": mutate(
            "count_trainable", ("return sum(", "return torch.tensor(sum("), ("p.requires_grad)", "p.requires_grad))")),
    },
    "discriminative_param_groups": {
        "learning rates reversed (stem gets lr_max)": mutate(
            "discriminative_param_groups", ("lrs = [lr_min * (lr_max / lr_min)", "lrs = [lr_max * (lr_min / lr_max)")),
        "linear spacing instead of geometric": mutate(
            "discriminative_param_groups", (_GROUPS_LRS, "lrs = list(np.linspace(lr_min, lr_max, n))")),
        "exponent i / n: the head never reaches lr_max": mutate(
            "discriminative_param_groups", (_GROUPS_LRS, "lrs = [lr_min * (lr_max / lr_min) ** (i / n) for i in range(n)]")),
        "one group for the whole model": mutate(
            "discriminative_param_groups",
            ('return [{"params": g, "lr": lr} for g, lr in zip(groups, lrs)]',
             'return [{"params": list(model.parameters()), "lr": lr_max}]')),
        "forgets the head": mutate(
            "discriminative_param_groups", (" + [list(head.parameters())]", "")),
        "an empty group for every child without parameters": mutate(
            "discriminative_param_groups", ("[g for g in groups if g] + ", "groups + ")),
        "leaves frozen parameters out": mutate(
            "discriminative_param_groups",
            ("[list(child.parameters()) for child", "[[p for p in child.parameters() if p.requires_grad] for child"),
            ("[list(head.parameters())]", "[[p for p in head.parameters() if p.requires_grad]]")),
    },
    "fine_tune_plain": {
        "never freezes: phase 1 trains the whole model": mutate(
            "fine_tune_plain", (_FREEZE_BODY, ""),
            ('[{"params": list(head.parameters()), "lr": lr}]', '[{"params": list(model.parameters()), "lr": lr}]')),
        "never unfreezes the body": mutate(
            "fine_tune_plain", ("    for p in model.parameters():\n        p.requires_grad_(True)\n", "")),
        "one learning rate for the whole model after unfreezing": mutate(
            "fine_tune_plain", (_PHASE2_GROUPS, '[{"params": list(model.parameters()), "lr": lr / 2}], pct')),
        "learning rates reversed (stem fastest)": mutate(
            "fine_tune_plain", (_PHASE2_GROUPS, "discriminative_param_groups(model, lr / 200, lr / 2), pct")),
        "does not halve the learning rate": mutate(
            "fine_tune_plain", (_PHASE2_GROUPS, "discriminative_param_groups(model, lr, lr / 100), pct")),
        "validates in training mode (no model.eval())": mutate("fine_tune_plain", ("        model.eval()\n", "")),
        "validates with gradients on": mutate("fine_tune_plain", ("with torch.no_grad():", "with torch.enable_grad():")),
        "model.train() only once, before the first epoch": mutate(
            "fine_tune_plain",
            ("        for _ in progress_bar(range(n_epochs), leave=False):\n            model.train()\n",
             "        model.train()\n        for _ in progress_bar(range(n_epochs), leave=False):\n")),
        "constant learning rate (no one-cycle schedule)": mutate(
            "fine_tune_plain",
            ('sched = torch.optim.lr_scheduler.OneCycleLR(\n'
             '            opt, max_lr=[g["lr"] for g in groups], total_steps=n_epochs * len(train_loader),\n'
             '            pct_start=pct_start, div_factor=div, final_div_factor=1e5 / div)',
             "sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 1.0)")),
    },
    "lr_range_test": {
        "linear instead of geometric rates": mutate(
            "lr_range_test", ("lr = lr_min * (lr_max / lr_min) ** (i / (steps - 1))", "lr = lr_min + (lr_max - lr_min) * i / (steps - 1)")),
        "never reaches lr_max (i / steps)": mutate(
            "lr_range_test", ("lr = lr_min * (lr_max / lr_min) ** (i / (steps - 1))", "lr = lr_min * (lr_max / lr_min) ** (i / steps)")),
        "sets the rate after the step": mutate(
            "lr_range_test", ("        for group in optimizer.param_groups:\n            group[\"lr\"] = lr\n", ""),
            ("        optimizer.step()\n", "        optimizer.step()\n        for group in optimizer.param_groups:\n            group[\"lr\"] = lr\n")),
        "never stops early": mutate(
            "lr_range_test", ("        if not math.isfinite(losses[-1]) or losses[-1] > 4 * min(losses):\n            break\n", "")),
        "stops at twice the lowest loss": mutate("lr_range_test", ("losses[-1] > 4 * min(losses)", "losses[-1] > 2 * min(losses)")),
        "stops before recording the exploding step": mutate(
            "lr_range_test", ("        lrs.append(lr)\n        losses.append(loss.item())\n        if not math.isfinite(losses[-1]) or losses[-1] > 4 * min(losses):\n            break\n",
                              "        if losses and (not math.isfinite(loss.item()) or loss.item() > 4 * min(losses)):\n            break\n        lrs.append(lr)\n        losses.append(loss.item())\n")),
        "does not restart the loader (stops when it runs out)": mutate(
            "lr_range_test", ("            batches = iter(loader)\n            xb, yb = next(batches)\n", "            break\n")),
        "a new optimiser every step": mutate(
            "lr_range_test", ("    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr_min)\n", ""),
            ("        lr = lr_min * (lr_max / lr_min) ** (i / (steps - 1))\n",
             "        lr = lr_min * (lr_max / lr_min) ** (i / (steps - 1))\n        optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=lr_min)\n")),
        "SGD instead of AdamW": mutate("lr_range_test", ("optimizer = torch.optim.AdamW(", "optimizer = torch.optim.SGD(")),
        "never zeroes the gradients": mutate("lr_range_test", ("        optimizer.zero_grad()\n", "")),
        "leaves the model in its mode": mutate("lr_range_test", ("    model.train()\n", "")),
        "returns the loss tensors": mutate("lr_range_test", ("losses.append(loss.item())", "losses.append(loss.detach())"),
                                           ("not math.isfinite(losses[-1])", "not math.isfinite(losses[-1].item())")),
    },
    "confusion_matrix": {
        "transposed (rows are the predictions)": mutate(
            "confusion_matrix", ("targets.long().flatten() * num_classes + preds.long().flatten()",
                                 "preds.long().flatten() * num_classes + targets.long().flatten()")),
        "normalised rows instead of counts": mutate(
            "confusion_matrix", (_CM_RETURN, _CM_RETURN.replace("return", "cm =") + ".float()\n"
                                 "    return cm / cm.sum(dim=1, keepdim=True).clamp(min=1)")),
        "size from the data, not num_classes": mutate(
            "confusion_matrix", ("    index = ", "    num_classes = int(max(preds.max(), targets.max())) + 1\n    index = ")),
        "max instead of argmax for scores": mutate(
            "confusion_matrix", ("preds = preds.argmax(dim=1)", "preds = preds.max(dim=1).values")),
        "scikit-learn without labels= (missing classes dropped)": '''
def confusion_matrix(preds, targets, num_classes):
    from sklearn.metrics import confusion_matrix as sk_confusion_matrix
    preds, targets = torch.as_tensor(preds), torch.as_tensor(targets)
    preds = preds.argmax(dim=1) if preds.ndim == 2 else preds
    return sk_confusion_matrix(targets.numpy(), preds.numpy())
''',
        "argmax over the wrong dimension": mutate("confusion_matrix", ("argmax(dim=1)", "argmax(dim=0)")),
    },
    "most_confused": {
        "(predicted, actual) instead of (actual, predicted)": mutate(
            "most_confused", ("(vocab[a], vocab[p],", "(vocab[p], vocab[a],")),
        "keeps the diagonal": mutate("most_confused", ("if a != p and cm", "if cm")),
        "count > min_count instead of >=": mutate("most_confused", (">= min_count]", "> min_count]")),
        "smallest counts first": mutate("most_confused", (", reverse=True)", ")")),
        "ties broken by name": mutate("most_confused", (_MOST_SORT, "key=lambda cell: (-cell[2], cell[0], cell[1]))")),
        "not sorted": mutate(
            "most_confused", (f"return sorted(cells, {_MOST_SORT}  # sorted is stable: ties stay row by row", "return cells")),
        "class indices instead of names": mutate("most_confused", ("(vocab[a], vocab[p],", "(a, p,")),
    },
    "grad_cam": {
        "no ReLU": mutate("grad_cam", (_CAM_RELU, _CAM_RELU.replace("F.relu(", "", 1)[:-1])),
        "gradient of the predicted class even when class_idx is given": mutate(
            "grad_cam", ("    if class_idx is None:\n        class_idx = int(out[0].argmax())",
                         "    class_idx = int(out[0].argmax())")),
        "class_idx=None explains class 0": mutate("grad_cam", ("class_idx = int(out[0].argmax())", "class_idx = 0")),
        "gradient times activation, no averaging": mutate(
            "grad_cam", ("    alpha = grads[0].as_subclass(torch.Tensor).mean(dim=(1, 2))\n", ""),
            ("alpha[:, None, None]", "grads[0].as_subclass(torch.Tensor)")),
        "averages the gradient over channels instead of positions": mutate(
            "grad_cam", (".mean(dim=(1, 2))", ".mean(dim=0)"), ("alpha[:, None, None]", "alpha[None]")),
        "no upsampling: the map stays at the layer's size": mutate(
            "grad_cam",
            ('    cam = F.interpolate(cam[None, None], size=x.shape[-2:], mode="bilinear", align_corners=False)[0, 0]\n', "")),
        "softmax probability instead of the logit": mutate(
            "grad_cam", ("grad(out[0, class_idx], acts)", "grad(out.softmax(dim=1)[0, class_idx], acts)")),
        "leaves the hook on the layer": mutate(
            "grad_cam", ("    try:\n        out = model(x).as_subclass(torch.Tensor)\n    finally:\n        handle.remove()",
                         "    out = model(x).as_subclass(torch.Tensor)")),
    },
    "embed_tsne": {
        "random initialisation": mutate("embed_tsne", ('init="pca", perplexity=min(30.0, (len(X)',
                                                       'init="random", perplexity=min(30.0, (len(X)')),
        "perplexity always 30": mutate("embed_tsne", ("min(30.0, (len(X) - 1) / 3)", "30.0")),
        "perplexity min(30, N - 1)": mutate("embed_tsne", ("(len(X) - 1) / 3", "len(X) - 1")),
        "PCA instead of t-SNE": mutate(
            "embed_tsne", (_TSNE_RETURN, "return __import__('sklearn.decomposition').decomposition.PCA(2).fit_transform(X)")),
        "three components": mutate("embed_tsne", ("return TSNE(n_components=2", "return TSNE(n_components=3")),
        "standardises the features first": mutate(
            "embed_tsne", ("X = X.astype(np.float32)", "X = ((X - X.mean(0)) / (X.std(0) + 1e-8)).astype(np.float32)")),
        "keeps float64 features": mutate("embed_tsne", ("    X = X.astype(np.float32)\n", "")),
    },
    "top_breeds": {
        "least probable first (ascending)": mutate("top_breeds", ("probs.topk(min(k, len(probs)))", "probs.topk(min(k, len(probs)), largest=False)")),
        "one breed too many": mutate("top_breeds", ("probs.topk(min(k, len(probs)))", "probs.topk(min(k + 1, len(probs)))")),
        "crashes when k exceeds the number of breeds": mutate("top_breeds", ("probs.topk(min(k, len(probs)))", "probs.topk(k)")),
        "names shifted by one in the vocabulary": mutate("top_breeds", ("str(vocab[int(i)])", "str(vocab[(int(i) + 1) % len(vocab)])")),
        "probabilities as tensors": mutate("top_breeds", ("float(v))", "v)")),
        "the predicted breed only, repeated": mutate(
            "top_breeds", ("    _, _, probs = learner.predict(image)\n", "    breed, _, probs = learner.predict(image)\n"),
            ("str(vocab[int(i)])", "str(breed)")),
        "percentages instead of probabilities": mutate("top_breeds", ("float(v))", "100 * float(v))")),
    },
    "predict_breed": {
        "the class index instead of the name": mutate("predict_breed", ("str(breed)", "int(index)")),
        "the probability of class 0": mutate("predict_breed", ("float(probs[index])", "float(probs[0])")),
        "the whole probability vector": mutate("predict_breed", ("float(probs[index])", "probs")),
        "a percentage": mutate("predict_breed", ("float(probs[index])", "100 * float(probs[index])")),
        "a tensor, not a float": mutate("predict_breed", ("float(probs[index])", "probs[index]")),
        "reads the breed from the file name": mutate(
            "predict_breed", ("str(breed)", r're.match(r"^(.+)_\d+\.jpg$", Path(image).name).group(1)')),
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
        "stem and split": 'def breed_from_filename(name):\n    return "_".join(Path(name).stem.split("_")[:-1])\n',
        "rsplit": 'def breed_from_filename(name):\n    return Path(name).name.rsplit("_", 1)[0]\n',
    },
    "is_cat": {
        "regex": 'def is_cat(name):\n    return re.match(r"[A-Z]", Path(name).name) is not None\n',
        "compare with upper()": "def is_cat(name):\n    first = Path(name).name[0]\n    return first != first.lower()\n",
    },
    "pets_path": {
        "through data.pets_images_dir": '''
def pets_path(profile=None):
    profile = profile or cnn_course.profile()
    if profile != "full":
        print(f"{profile} profile: the 370-photo sample shipped with the course")
    return data.pets_images_dir(profile)  # full: the download, or the sample with one [offline] line
''',
        "explicit branches": mutate(
            "pets_path", (_PETS_OFFLINE_PRINT, '            print(f"offline ({err}): using the shipped 370-photo sample")\n'),
            (_PETS_QUICK_PRINT, '    print("quick profile: using the shipped 370-photo sample")\n')),
    },
    "pets_dataloaders": {
        "ImageDataLoaders.from_name_re": '''
def pets_dataloaders(path, size=224, presize=460, bs=64, valid_pct=0.2, seed=42):
    return ImageDataLoaders.from_name_re(path, get_image_files(path), r"^(.+)_\\d+\\.jpg$", valid_pct=valid_pct, seed=seed,
                                         item_tfms=Resize(presize), batch_tfms=aug_transforms(size=size, min_scale=0.75), bs=bs)
''',
        "DataBlock labelled with breed_from_filename": mutate(
            "pets_dataloaders", (_DLS_GET_Y, "get_y=lambda p: breed_from_filename(p.name)")),
    },
    "train_fastai": {
        "positional arguments, two metrics": '''
def train_fastai(dls, arch, epochs, base_lr):
    learn = vision_learner(dls, arch, metrics=[error_rate, accuracy], pretrained=cnn_course.can_download())
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
        "fastai's create_body": mutate(
            "make_transfer_model",
            ("body = nn.Sequential(*list(backbone.children())[:-2])", "body = create_body(backbone, pretrained=False, cut=-2)")),
    },
    "count_trainable": {
        "filter": "def count_trainable(model):\n    return int(sum(p.numel() for p in filter(lambda p: p.requires_grad, model.parameters())))\n",
        "loop": ("def count_trainable(model):\n    total = 0\n    for name, p in model.named_parameters():\n"
                 "        if p.requires_grad:\n            total += p.nelement()\n    return total\n"),
    },
    "discriminative_param_groups": {
        "np.geomspace": mutate(
            "discriminative_param_groups",
            (_GROUPS_LRS, "lrs = [float(v) for v in np.geomspace(lr_min, lr_max, n)] if n > 1 else [lr_max]")),
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
    "lr_range_test": {
        "a LambdaLR schedule, itertools.cycle and an exponent by logs": '''
import itertools


def lr_range_test(model, loader, lr_min=1e-6, lr_max=1.0, steps=30):
    device = next(model.parameters()).device
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr_min)
    ratio = math.log(lr_max / lr_min) / (steps - 1)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: math.exp(ratio * i))
    def batches():
        while True:
            yield from loader
    lrs, losses, best = [], [], float("inf")
    for i, (xb, yb) in zip(range(steps), batches()):
        lr = opt.param_groups[0]["lr"]
        opt.zero_grad()
        loss = F.cross_entropy(model(xb.to(device)), yb.to(device))
        loss.backward()
        opt.step()
        sched.step()
        value = float(loss)
        lrs.append(lr)
        losses.append(value)
        best = min(best, value)
        if math.isnan(value) or math.isinf(value) or value > 4 * best:
            break
    return lrs, losses
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
    "top_breeds": {
        "sorted pairs over the whole vocabulary": '''
def top_breeds(learner, image, k=3):
    probs = learner.predict(image)[2].tolist()
    pairs = sorted(zip(map(str, learner.dls.vocab), probs), key=lambda pair: pair[1], reverse=True)
    return [(name, float(p)) for name, p in pairs[:k]]
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
