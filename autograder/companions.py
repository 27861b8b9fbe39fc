"""The companion notebooks (``notebooks/*_demos.ipynb``) are committed executed, so a reader on GitHub sees
their figures: run in the quick profile on one CPU thread, offline, with fixed seeds. ``python -m autograder
companions`` stores their outputs; ``--check`` (and the test suite) runs them again and compares: the same
cells, no error, outputs where there were outputs, and every figure the same size and nearly the same
pixels (text outputs hold timings, so they are not compared, nor are the figures of a cell tagged
``plots-measured-time``)."""
from __future__ import annotations

import base64
import io
import tempfile
from pathlib import Path

import nbformat

from .environment import REPO_ROOT, kernel_env

FOLDER = REPO_ROOT / "notebooks"
# two figures are the same when at most this fraction of their pixels differ by more than a third of the
# range: anti-aliasing and rounding pass, a curve drawn elsewhere (a few percent of a plot's pixels) does not
CHANGED_PIXELS = 0.01
# a cell tagged so plots times it measures (seconds per call, per training): its figures are compared by count
TIMED = "plots-measured-time"
MAX_WIDTH, COLOURS = 720, 64  # the stored figures: a preview on GitHub, a tenth of the bytes


def companions() -> list[Path]:
    return sorted(FOLDER.glob("*_demos.ipynb"))


def execute(path: Path) -> nbformat.NotebookNode:
    """The companion executed as the committed one was: quick profile, CPU, one thread, no network."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    env = kernel_env("quick", "cpu", 1) | {"CNN_COURSE_NETWORK": "off", "PYTHONHASHSEED": "0"}
    env.pop("MPLBACKEND")  # the kernel's own inline backend: figures become PNG outputs, as in Jupyter
    with tempfile.TemporaryDirectory(prefix="companion-") as cwd:
        NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": cwd}}).execute(env=env)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if "image/png" in output.get("data", {}):
                output["data"]["image/png"] = small_png(output["data"]["image/png"])
    return nb


def small_png(png: str) -> str:
    """A figure as the repository keeps it: at most ``MAX_WIDTH`` pixels wide, ``COLOURS`` colours."""
    from PIL import Image

    image = Image.open(io.BytesIO(base64.b64decode(png))).convert("RGB")
    if image.width > MAX_WIDTH:
        image = image.resize((MAX_WIDTH, round(image.height * MAX_WIDTH / image.width)), Image.LANCZOS)
    out = io.BytesIO()
    image.quantize(COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(out, format="PNG", optimize=True)
    return base64.b64encode(out.getvalue()).decode()


def _images(cell) -> list[str]:
    return [o["data"]["image/png"] for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]


def _pixels(png: str):
    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(base64.b64decode(png))).convert("RGB"), dtype=np.float32) / 255


def differences(committed: nbformat.NotebookNode, fresh: nbformat.NotebookNode) -> list[str]:
    """What keeps ``committed`` from being what running it gives now (empty: current)."""
    found = []
    old = [c for c in committed.cells if c.cell_type == "code"]
    new = [c for c in fresh.cells if c.cell_type == "code"]
    if [c.source for c in old] != [c.source for c in new]:
        return ["its code differs from the notebook run (regenerate it)"]
    for i, (a, b) in enumerate(zip(old, new)):
        for cell, which in ((a, "committed"), (b, "fresh run")):
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            if errors:
                found.append(f"code cell {i}: an error in the {which}: {errors[0].get('ename')}: {errors[0].get('evalue', '')[:200]}")
        if bool(a.get("outputs")) != bool(b.get("outputs")):
            found.append(f"code cell {i}: {'no outputs' if not a.get('outputs') else 'outputs'} committed, "
                         f"{'none' if not b.get('outputs') else 'some'} now")
        images_a, images_b = _images(a), _images(b)
        if len(images_a) != len(images_b):
            found.append(f"code cell {i}: {len(images_a)} figure(s) committed, {len(images_b)} now")
            continue
        if TIMED in a.get("metadata", {}).get("tags", []):
            continue  # it plots times this machine measured just now: other numbers each run, the same plot
        for k, (pa, pb) in enumerate(zip(images_a, images_b)):
            x, y = _pixels(pa), _pixels(pb)
            if x.shape != y.shape:
                found.append(f"code cell {i}, figure {k}: {x.shape[1]}x{x.shape[0]} px committed, {y.shape[1]}x{y.shape[0]} now")
            elif (changed := float((abs(x - y).max(axis=2) > 1 / 3).mean())) > CHANGED_PIXELS:
                found.append(f"code cell {i}, figure {k}: {changed:.1%} of the pixels differ "
                             f"(at most {CHANGED_PIXELS:.0%} may)")
    return found


def store(path: Path) -> nbformat.NotebookNode:
    """Run the companion and write it back with its outputs (execution counts kept: they show the order)."""
    nb = execute(path)
    nbformat.write(nb, path)
    return nb
