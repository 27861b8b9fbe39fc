"""Section 7: what a kernel costs before a student's first cell runs, per sandbox level.

Each sample is a fresh sandbox and a fresh kernel, started as the grader starts one (its command wrapped by
the sandbox, its environment the grader's): the seconds until the kernel answers, then the seconds each of
the imports the course's notebooks begin with takes in it, one after the other (each counts only what the
earlier ones have not already loaded). These are the seconds a warm pool of pre-started kernels could take
off each submission, and what a proof pays once per session.
"""
from __future__ import annotations

import asyncio
import subprocess
import time

from autograder.environment import kernel_env, threads_per_kernel
from autograder.sandbox import SandboxUnavailable, sandbox

from .timing import median

IMPORTS = [("torch", "import torch"),
           ("torchvision", "import torchvision"),
           ("matplotlib", "import matplotlib.pyplot"),
           ("fastai", "from fastai.vision.all import *")]


async def _sample(level: str, imports) -> dict[str, float]:
    with sandbox(level) as box:
        km = box.kernel_manager()
        began = time.perf_counter()
        await km.start_kernel(env=box.env(kernel_env("quick", "cpu", threads_per_kernel(1))),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = km.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=120)
            seconds = {"ready": time.perf_counter() - began}
            for name, statement in imports:
                began = time.perf_counter()
                reply = await client.execute_interactive(statement, store_history=False, timeout=300,
                                                         output_hook=lambda msg: None)
                if reply["content"]["status"] != "ok":
                    raise RuntimeError(f"{statement!r} failed in the kernel: {reply['content'].get('ename')}")
                seconds[name] = time.perf_counter() - began
            return seconds
        finally:
            client.stop_channels()
            await km.shutdown_kernel(now=True)


def measure(levels=("none", "standard", "strict"), runs: int = 3, imports=IMPORTS, log=print) -> dict:
    """Median seconds per step and level, over ``runs`` fresh kernels each; a level this machine cannot
    build is reported as such."""
    rows = []
    for level in levels:
        try:
            samples = [asyncio.run(_sample(level, imports)) for _ in range(runs)]
        except SandboxUnavailable as err:
            rows.append({"level": level, "unavailable": str(err)})
            continue
        steps = {step: round(median([s[step] for s in samples]), 2) for step in samples[0]}
        rows.append({"level": level, "runs": runs, "seconds": steps, "total": round(sum(steps.values()), 2)})
        log(f"  {level}: " + ", ".join(f"{k} {v:.2f} s" for k, v in steps.items()))
    return {"rows": rows, "imports": [name for name, _ in imports]}
