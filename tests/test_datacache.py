"""The grader's download cache (autograder/datacache.py): filled by `fetch-data`, shared read-only."""
from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from autograder import datacache
from conftest import ROOT


def test_fetch_fills_the_cache_for_every_uid_and_names_what_failed(tmp_path, monkeypatch):
    import cnn_course.data

    def writes(name):
        def fetch():  # a download, as torchvision and fastai make them: into the folders the environment names
            target = os.environ["TORCH_HOME"] if name == "weights" else os.environ["CNN_COURSE_DATA"]
            os.makedirs(target, exist_ok=True)
            path = os.path.join(target, name)
            with open(path, "w") as f:
                f.write(name)
            os.chmod(path, 0o600)  # as a restrictive umask would leave it
        return fetch

    def unreachable():
        raise OSError("Name or service not known")

    monkeypatch.setattr(cnn_course.data, "full_profile_downloads",
                        lambda: {"a dataset": writes("dataset"), "some weights": writes("weights"), "gone": unreachable})
    cache = tmp_path / "cache"
    lines = []
    failed = datacache.fetch(cache, log=lines.append)
    assert failed == {"gone": "OSError: Name or service not known"}
    assert (cache / "dataset").read_text() == "dataset" and (cache / "torch" / "weights").read_text() == "weights"
    assert all(p.stat().st_mode & stat.S_IROTH for p in cache.rglob("*"))  # the sandbox's uids read it
    assert not any(p.stat().st_mode & (stat.S_IWGRP | stat.S_IWOTH) for p in [cache, *cache.rglob("*")])
    assert any("FAILED  gone" in line for line in lines) and any("ok      a dataset" in line for line in lines)


@pytest.mark.slow
def test_fetch_data_offline_says_what_is_missing_and_exits_1(tmp_path):
    # a proxy on a closed port: every download fails at once, whether or not this machine has a network
    env = {**os.environ, "https_proxy": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9",
           "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}
    done = subprocess.run([sys.executable, "-m", "autograder", "fetch-data", "--to", str(tmp_path / "cache")],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAILED  Oxford-IIIT Pet" in done.stdout and "FAILED  ImageNet weights: ResNet50" in done.stdout
    assert "could not be fetched" in done.stderr and "fall back to the shipped sample" in done.stderr


def test_a_cache_that_would_show_the_course_or_a_home_is_not_shared(tmp_path):
    assert datacache.shareable(tmp_path)
    assert not datacache.shareable(tmp_path / "missing")
    assert not datacache.shareable(ROOT) and not datacache.shareable(ROOT.parent) and not datacache.shareable(ROOT / "source")
    from pathlib import Path

    assert not datacache.shareable(Path.home()) and not datacache.shareable(Path("/"))
