"""The environment of every process the grader starts: nbgrader's commands, the kernels that run
notebooks, and the commands the benchmark times. Built here and nowhere else; nothing is changed in
the grader's own environment.
"""
from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# nbgrader runs `alembic` by name: the interpreter's bin folder must be on PATH even when the grader
# was started as `.venv/bin/python -m autograder` without activating the environment.
BIN = str(Path(sys.executable).parent)


def _prepend(value: str, existing: str | None) -> str:
    parts = [p for p in (existing or "").split(os.pathsep) if p]
    return os.pathsep.join([value] + [p for p in parts if p != value])


def course_env(base: dict[str, str] | None = None, **extra: str) -> dict[str, str]:
    """``base`` (default: this process's environment) with the course's helpers importable and this
    interpreter's tools first on PATH, plus ``extra``."""
    env = dict(os.environ if base is None else base)
    env["PYTHONPATH"] = _prepend(str(REPO_ROOT), env.get("PYTHONPATH"))
    env["PATH"] = _prepend(BIN, env.get("PATH"))
    env.update({"MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1", **extra})
    return env


def threads_per_kernel(jobs: int) -> int:
    """Cores shared among ``jobs`` kernels side by side (N kernels must not each take every core); a
    caller that already shares them (``OMP_NUM_THREADS`` set, as under pytest -n 2) lowers it further."""
    threads = max(1, (os.cpu_count() or 1) // max(1, jobs))
    given = os.environ.get("OMP_NUM_THREADS", "")
    return min(threads, max(1, int(given))) if given.isdigit() else threads


def kernel_env(profile: str, device: str, threads: int) -> dict[str, str]:
    """What a notebook's kernel gets: the profile and device it must use, and its share of the cores."""
    return course_env(CNN_COURSE_PROFILE=profile, CNN_COURSE_DEVICE=device,
                      OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))


@contextlib.contextmanager
def tools_on_path():
    """For an in-process nbgrader call that runs a tool by name (the gradebook's alembic)."""
    saved = os.environ.get("PATH")
    os.environ["PATH"] = _prepend(BIN, saved)
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("PATH", None)
        else:
            os.environ["PATH"] = saved


def grading_secret() -> bytes:
    """A secret of the grader's machine that salts hidden tests' seeds: ``$CNN_COURSE_GRADING_SECRET``, or a
    file made once under the user's config folder (mode 600; a sandboxed kernel cannot read it)."""
    given = os.environ.get("CNN_COURSE_GRADING_SECRET")
    if given:
        return given.encode()
    path = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "cnn-course" / "grading-secret"
    if not path.exists():
        import secrets

        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(FileExistsError):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.write(fd, secrets.token_hex(32).encode())
            os.close(fd)
    return path.read_bytes()
