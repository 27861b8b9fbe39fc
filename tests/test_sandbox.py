"""The kernel's sandbox (autograder/sandbox.py), proved by attacks from inside real sandboxed kernels.

One kernel per isolation setup runs every attack (each attack is independent of the others, so sharing
the kernel keeps the proof valid and the file fast): the namespace level (bubblewrap + uid), the uid with
Landlock, and the throwaway uid alone (what Colab allows). Setups this machine cannot build are skipped.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import socket
import textwrap

import nbformat
import psutil
import pytest
from nbclient import NotebookClient

from autograder.environment import REPO_ROOT, kernel_env
from autograder.sandbox import SandboxUnavailable, _layers, probe, sandbox

SOURCE_NB = REPO_ROOT / "source" / "00_images_as_tensors" / "00_images_as_tensors.ipynb"

SETUPS = {  # name -> (level, layers skipped)
    "namespaces": ("strict", ()),
    "uid+landlock": ("standard", ("namespaces",)),
    "uid alone": ("standard", ("namespaces", "landlock")),
}

ATTACKS = textwrap.dedent('''
    import json, os, signal, socket, subprocess, sys
    got = {}
    def attempt(name, fn):
        try:
            fn(); got[name] = "succeeded"
        except Exception as err:
            got[name] = type(err).__name__
    def read(path):
        with open(path, "rb") as f:
            f.read(1)
    for name, path in TARGETS["read"].items():
        attempt("read " + name, lambda p=path: read(p))
    attempt("write other submission", lambda: open(TARGETS["other"], "w").write("{}"))
    attempt("kill parent", lambda: os.kill(os.getppid(), signal.SIGKILL))
    attempt("kill grader", lambda: os.kill(TARGETS["grader_pid"], signal.SIGKILL))
    def connect():
        with socket.create_connection(("127.0.0.1", TARGETS["port"]), timeout=3) as s:
            s.sendall(b"x")
    attempt("connect", connect)
    sleeper = [sys.executable, "-c", "import time; time.sleep(600)", TARGETS["token"]]
    subprocess.Popen(sleeper, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if os.fork() == 0:  # double fork: the grandchild is orphaned, reparented away from the kernel
        os.setsid()
        if os.fork() == 0:
            os.execv(sys.executable, sleeper)
        os._exit(0)
    import numpy, torch, cnn_course, autograder.kernel_guard
    got["compute"] = float(torch.nn.functional.conv2d(torch.ones(1, 1, 3, 3), torch.ones(1, 1, 2, 2)).sum())
    import multiprocessing
    attempt("semaphore", lambda: multiprocessing.Lock())  # /dev/shm: DataLoader workers and fastai need it
    got["guard"] = autograder.kernel_guard.__file__
    got["uid"] = os.getuid()
    print("RESULT " + json.dumps(got))
''')


async def _attack(box, targets: dict) -> dict:
    """Start the kernel as the grader does (nbclient, the sandbox's manager), run the attacks, shut it down."""
    code = f"TARGETS = {json.dumps(targets)}\n" + ATTACKS
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    client = NotebookClient(nb, km=box.kernel_manager(), timeout=120, startup_timeout=120,
                            resources={"metadata": {"path": str(box.workdir)}})
    async with client.async_setup_kernel(env=box.env(kernel_env("quick", "cpu", 1))):
        await client.async_execute_cell(nb.cells[0], 0)
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    assert "RESULT " in text, nb.cells[0].outputs
    return json.loads(text.split("RESULT ", 1)[1].splitlines()[0])


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
@pytest.mark.parametrize("setup", list(SETUPS))
def test_attacks_from_the_kernel_fail(setup, tmp_path):
    level, skip = SETUPS[setup]
    if not probe().root and "uid" in setup:
        pytest.skip("another uid needs the grader to run as root")
    try:
        layers = _layers(level, probe(), frozenset(skip))
    except SandboxUnavailable as err:
        pytest.skip(str(err))
    gradebook = tmp_path / "gradebook.db"
    gradebook.write_bytes(b"SQLite format 3\0 secret grades")
    other = tmp_path / "submitted" / "bob" / "00_images_as_tensors.ipynb"
    other.parent.mkdir(parents=True)
    other.write_text('{"cells": []}')
    private = tmp_path / "source.ipynb"  # the solutions, as an instructor who keeps them 0600 would
    private.write_bytes(SOURCE_NB.read_bytes())
    private.chmod(0o600)
    before = _sha(other)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.5)
    token = f"sandbox-test-{os.getpid()}-{setup.replace(' ', '-')}"
    reads = {"gradebook": str(gradebook), "private solutions": str(private)}
    confined = "namespaces" in layers or "landlock" in layers
    if confined:  # the uid alone cannot hide world-readable files: only namespaces and Landlock can
        reads.update({"source notebook": str(SOURCE_NB), "grader file": str(REPO_ROOT / "autograder" / "grade.py")})
    targets = {"read": reads, "other": str(other), "grader_pid": os.getpid(), "port": listener.getsockname()[1],
               "token": token}
    try:
        with sandbox(level, skip=skip) as box:
            assert box.layers == layers
            got = asyncio.run(_attack(box, targets))
            try:
                accepted = listener.accept()[0]
                accepted.close()
                connected = True
            except TimeoutError:
                connected = False
    finally:
        listener.close()

    for name in reads:
        assert got["read " + name] in ("PermissionError", "FileNotFoundError"), (name, got)  # absent in bwrap
    assert got["write other submission"] != "succeeded" and _sha(other) == before
    assert got["kill parent"] in ("PermissionError", "ProcessLookupError"), got
    assert got["kill grader"] in ("PermissionError", "ProcessLookupError"), got
    if confined:
        assert got["connect"] != "succeeded" and not connected, got
    survivors = [p for p in psutil.process_iter(["cmdline"]) if token in (p.info["cmdline"] or [])]
    assert not survivors, f"processes outlived the grading: {survivors}"
    assert got["compute"] == 16.0  # a 2x2 ones kernel over a 3x3 ones image
    assert got["semaphore"] == "succeeded", got
    assert got["guard"].startswith(str(box.public)), got["guard"]
    assert got["uid"] not in (0, os.getuid()) and got["uid"] == box.uid


def test_levels_say_what_is_missing():
    from autograder.sandbox import Capabilities

    bare = Capabilities(root=False, bwrap=None, landlock_abi=0,
                        missing={"namespaces": "bubblewrap is not installed: apt-get install bubblewrap",
                                 "landlock": "Landlock is not available"})
    with pytest.raises(SandboxUnavailable, match="apt-get install bubblewrap"):
        _layers("strict", bare)
    with pytest.raises(SandboxUnavailable, match="Landlock is not available"):
        _layers("standard", bare)
    assert _layers("none", bare) == ["workdir"]
    with pytest.raises(ValueError):
        _layers("paranoid", bare)
    assert _layers("strict", Capabilities(True, "/usr/bin/bwrap", 0)) == ["workdir", "uid", "namespaces"]
    assert _layers("standard", Capabilities(False, None, 6)) == ["workdir", "landlock"]
    colab = Capabilities(True, None, 0, missing=bare.missing)  # root, neither bubblewrap nor Landlock
    with pytest.raises(SandboxUnavailable, match="--isolation basic"):
        _layers("standard", colab)
    assert _layers("basic", colab) == ["workdir", "uid"]
    assert _layers("basic", Capabilities(True, "/usr/bin/bwrap", 0)) == ["workdir", "uid", "namespaces"]
    with pytest.raises(SandboxUnavailable, match="another uid"):
        _layers("basic", bare)


@pytest.mark.parametrize("setup", list(SETUPS))
def test_a_gpu_reaches_the_kernel_only_when_grading_may_use_it(setup, monkeypatch):
    # no GPU here: /dev/fuse stands in for NVIDIA's nodes (a world-writable character device that bubblewrap's
    # own /dev lacks and Landlock denies unless allowed), opened as CUDA opens /dev/nvidiactl
    import subprocess
    import sys

    import autograder.sandbox as sandbox_module

    level, skip = SETUPS[setup]
    if not os.path.exists("/dev/fuse"):
        pytest.skip("no /dev/fuse to stand in for a GPU")
    try:
        _layers(level, probe(), frozenset(skip))
    except SandboxUnavailable as err:
        pytest.skip(str(err))
    monkeypatch.setattr(sandbox_module, "gpu_device_nodes", lambda: ["/dev/fuse"])
    opened = {}
    for gpus in (True, False):
        with sandbox(level, skip=skip, gpus=gpus) as box:
            probe_cmd = [sys.executable, "-c", "import os; os.close(os.open('/dev/fuse', os.O_RDWR)); print('opened')"]
            run = subprocess.run(box.wrap(probe_cmd), env=box.env(dict(os.environ)), cwd=box.workdir,
                                 capture_output=True, text=True, timeout=60)
            opened[gpus] = run.stdout.strip() == "opened"
    confined = setup != "uid alone"  # the uid alone hides nothing world-writable: the node is there either way
    assert opened[True], "the GPU's device node did not reach the sandboxed process"
    assert opened[False] is not confined, "a CPU grading's kernel could open the GPU"


@pytest.mark.slow  # fastai's import, in one of the setups
@pytest.mark.parametrize("setup", list(SETUPS))
def test_the_download_cache_reaches_the_kernel_read_only(setup, tmp_path, monkeypatch):
    # what `fetch-data` left: a torchvision checkpoint and fastai's extracted Oxford-IIIT Pet folder
    import subprocess
    import sys

    from autograder import datacache

    level, skip = SETUPS[setup]
    try:
        _layers(level, probe(), frozenset(skip))
    except SandboxUnavailable as err:
        pytest.skip(str(err))
    cache = tmp_path / "cache"
    (cache / "torch" / "hub" / "checkpoints").mkdir(parents=True)
    (cache / "torch" / "hub" / "checkpoints" / "resnet18.pth").write_bytes(b"weights")
    (cache / "fastai" / "data" / "oxford-iiit-pet" / "images").mkdir(parents=True)
    datacache.share(cache)
    monkeypatch.setenv("CNN_COURSE_DATA", str(cache))
    code = textwrap.dedent('''
        import json, os
        from pathlib import Path
        got = {"read": (Path(os.environ["TORCH_HOME"]) / "hub" / "checkpoints" / "resnet18.pth").read_bytes().decode()}
        try:
            (Path(os.environ["CNN_COURSE_DATA"]) / "poisoned").write_text("x"); got["write"] = "succeeded"
        except OSError as err:
            got["write"] = type(err).__name__
        if os.environ.get("WITH_FASTAI"):  # untar_data finds the dataset without a download, its locks kept private
            from fastai.data.external import URLs, untar_data
            got["untar_data"] = str(untar_data(URLs.PETS))
        print(json.dumps(got))
    ''')
    with_fastai = setup == "namespaces"  # fastai's import is slow: once is enough to prove its configuration
    with sandbox(level, skip=skip) as box:
        env = box.env({**os.environ, **({"WITH_FASTAI": "1"} if with_fastai else {})})
        run = subprocess.run(box.wrap([sys.executable, "-c", code]), env=env, cwd=box.workdir,
                             capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    got = json.loads(run.stdout.strip().splitlines()[-1])
    assert got["read"] == "weights"
    assert got["write"] in ("PermissionError", "OSError") and not (cache / "poisoned").exists(), got
    if with_fastai:
        assert got["untar_data"] == str(cache / "fastai" / "data" / "oxford-iiit-pet"), got


@pytest.mark.slow
@pytest.mark.parametrize("setup", list(SETUPS))
def test_a_cell_past_its_timeout_is_interrupted_and_its_kernel_kept(setup):
    """Like Jupyter's stop button, inside every sandbox: the kernel's state survives (no restart, no replay);
    a cell that ignores the interrupt costs a restart, and the cells before it are replayed."""
    from autograder.execute import Limits, execute

    level, skip = SETUPS[setup]
    try:
        _layers(level, probe(), frozenset(skip))
    except SandboxUnavailable as err:
        pytest.skip(str(err))
    cells = ["a = 1", "b = 2\nwhile True: pass", "print(a, b)",
             "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True: pass", "print(a, 'b' in dir())"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    limits = Limits(cell_timeout=2, total_timeout=120, interrupt_grace=3)  # a Python loop stops at once
    with sandbox(level, skip=skip) as box:
        runs = execute(nb, set(), limits, kernel_env("quick", "cpu", 1), box).runs
    assert [r.status for r in runs] == ["ok", "timeout", "ok", "timeout", "ok"], [(r.status, r.message) for r in runs]
    assert "timed out after 2 s" in runs[1].message
    printed = ["".join(o.get("text", "") for o in cell.outputs) for cell in nb.cells]
    assert printed[2] == "1 2\n"  # interrupted: b still defined
    assert printed[4] == "1 False\n"  # restarted: the timed-out cells are not replayed, the others are
