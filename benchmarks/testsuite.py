"""The whole test command's wall time: what ``./run.sh test`` runs, in this environment (minutes; opt-in)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from autograder.environment import REPO_ROOT, course_env

# ./run.sh test, after its environment is installed
COMMAND = ["-m", "pytest", "-n", "2", "--dist", "loadgroup", "--no-loadscope-reorder", "tests"]
TIMEOUT_S = 40 * 60  # five times the target: past it the number is "more than this", and the run is stopped


def measure(timeout_s: float = TIMEOUT_S) -> dict:
    env = course_env(PYTHONDONTWRITEBYTECODE="1")
    began = time.perf_counter()
    # its own process group, so that a run stopped at the time limit takes its workers and kernels with it
    proc = subprocess.Popen([sys.executable, *COMMAND], cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return {"seconds": round(timeout_s, 1), "source": "measured", "exit_status": None, "summary": "stopped",
                "note": f"stopped after {timeout_s / 60:g} min: the suite takes at least this long"}
    seconds = time.perf_counter() - began
    lines = [line for line in out.strip().splitlines() if line.strip()]
    summary = lines[-1].strip("= ") if lines else f"exit status {proc.returncode}"
    return {"seconds": round(seconds, 1), "source": "measured", "exit_status": proc.returncode,
            "summary": summary, "note": f"`python {' '.join(COMMAND)}` (what ./run.sh test runs): {summary}"}


def given(seconds: float) -> dict:
    return {"seconds": seconds, "source": "given", "note": "given with --test-seconds, not measured in this run"}


def not_measured() -> dict:
    return {"seconds": None, "source": None, "note": "takes minutes: pass --with-tests, or --test-seconds S"}
