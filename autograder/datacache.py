"""The grader machine's download cache: what the full profile downloads (the Oxford-IIIT Pet dataset, CIFAR-10,
MNIST, torchvision's ImageNet weights), fetched once by ``python -m autograder fetch-data``, then read by every
kernel the grader starts.

A sandboxed kernel has no network (namespaces, Landlock) and a private ``HOME``: without this cache it could
only fall back to the shipped sample and random weights, and on Colab (the uid alone, network open) every
submission would download the datasets again. The sandbox mounts the cache read-only (so one student's kernel
cannot change another's data) and points torchvision, fastai and the course at it
(:func:`cnn_course.runtime.download_env`).
"""
from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from cnn_course.runtime import cache_dir, download_env

from .environment import REPO_ROOT


def location() -> Path:
    """The cache: ``$CNN_COURSE_DATA``, else ``~/.cache/cnn_course`` (the grader's, as the notebooks' own)."""
    return cache_dir()


def shareable(cache: Path) -> bool:
    """A cache the sandbox may show every kernel: an existing folder that neither holds nor lies inside the
    course (solutions, gradebook) and is not a home folder or one above it (``CNN_COURSE_DATA=~`` would
    show everything)."""
    cache, course, home = Path(cache).resolve(), REPO_ROOT.resolve(), Path.home().resolve()
    return (cache.is_dir() and cache not in (course, home, Path("/")) and cache not in course.parents
            and course not in cache.parents and cache not in home.parents)


@contextlib.contextmanager
def _environment(values: dict[str, str]):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def fetch(cache: Path | None = None, log=print) -> dict[str, str]:
    """Download everything the full profile needs into ``cache``; ``{what: why}`` for what could not be had
    (empty: all there). What is already there is checked, not downloaded again."""
    from cnn_course.data import full_profile_downloads

    cache = Path(cache or location())
    cache.mkdir(parents=True, exist_ok=True)
    failed = {}
    with tempfile.TemporaryDirectory(prefix="fetch-data-") as private, \
            _environment(download_env(cache, Path(private))):  # fastai's archives and locks: not kept
        for what, get in full_profile_downloads().items():
            try:
                get()
                log(f"  ok      {what}")
            except Exception as err:  # no network, a moved URL, a full disk: say which, go on with the rest
                failed[what] = f"{type(err).__name__}: {err}"[:300]
                log(f"  FAILED  {what}: {failed[what]}")
    share(cache)
    return failed


def share(cache: Path) -> None:
    """Readable by every uid (the sandbox's throwaway ones), writable by its owner alone: public data."""
    for path in [cache, *cache.rglob("*")]:
        if path.is_symlink():
            continue
        mode = path.stat().st_mode
        extra = stat.S_IRGRP | stat.S_IROTH | (stat.S_IXGRP | stat.S_IXOTH if path.is_dir() else 0)
        path.chmod((mode | extra) & ~(stat.S_IWGRP | stat.S_IWOTH))


def size(cache: Path) -> int:
    return sum(p.stat().st_size for p in Path(cache).rglob("*") if p.is_file() and not p.is_symlink())

