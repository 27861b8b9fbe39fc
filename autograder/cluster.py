"""Grading a class on a Dask cluster: one task per submission, each one kernel on its worker.

The driver reads every submission into data (:class:`HandedIn`: workers need not see its files), sends
it with the parsed assignment, and gets back the result and the graded notebook as data; only the
driver writes the gradebook, ``autograded/`` and feedback (sqlite is not safe to share). A worker that
dies mid-task (out of memory, node lost) has its task retried on another by Dask's scheduler, up to
``distributed.scheduler.allowed-failures`` times; then that submission is reported as not graded, with
the reason, and the batch goes on.

``address`` is a running scheduler (``tcp://host:8786``: ``dask scheduler`` plus ``dask worker``s,
``dask-jobqueue`` on Slurm/PBS, ``dask-kubernetes``), or ``local`` for a cluster on this machine: a
``LocalCluster`` of ``--jobs`` workers, or, when the grading may use this machine's GPUs, one worker per GPU,
each offering ``GPU=1`` and seeing only its own (``CUDA_VISIBLE_DEVICES``, which its kernels inherit).
GPU tasks (``--device cuda``, or the full profile where a worker offers a GPU) ask for ``resources={"GPU": 1}``:
start remote GPU workers with ``--resources GPU=1``, one per GPU, each with its ``CUDA_VISIBLE_DEVICES``.
"""
from __future__ import annotations

import contextlib
import importlib.util

import nbformat

from .assignment import Assignment
from .execute import GraderError
from .grade import Options, grade_handed_in, not_graded, per_submission
from .progress import Progress
from .results import Result
from .submission import HandedIn, Submission


def local_gpus(device: str) -> int:
    """How many GPUs a local cluster gives a worker each: none for ``--device cpu`` or without a GPU."""
    if device == "cpu":
        return 0
    import torch

    return torch.cuda.device_count()


@contextlib.contextmanager
def connect(address: str, workers: int, gpus: int = 0):
    """A Dask client on ``address``; for ``local``, on this machine: ``gpus`` one-thread workers, one per GPU
    (``GPU=1`` each, ``CUDA_VISIBLE_DEVICES`` its own), or else ``workers`` one-thread worker processes."""
    from distributed import Client, LocalCluster, Nanny, Scheduler, SpecCluster

    if address != "local":
        with Client(address) as client:
            yield client
        return
    # one kernel per worker process; the dashboard on a free port (bokeh, in requirements.txt, serves it)
    if gpus:
        per_gpu = {f"gpu-{i}": {"cls": Nanny, "options": {"nthreads": 1, "resources": {"GPU": 1},
                                                          "env": {"CUDA_VISIBLE_DEVICES": str(i)}}} for i in range(gpus)}
        cluster = SpecCluster(workers=per_gpu, scheduler={"cls": Scheduler, "options": {"dashboard_address": ":0"}})
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0")
    with cluster, Client(cluster) as client:
        client.wait_for_workers(gpus or workers)
        yield client


def dashboard_line(client, address: str) -> str:
    """Where to watch the grading: the scheduler's dashboard, which it serves only when it has bokeh (a local
    one has this machine's; a remote one says its own link)."""
    if address == "local" and importlib.util.find_spec("bokeh") is None:
        return "Dask dashboard: not served here (the scheduler needs bokeh: pip install bokeh)"
    return f"Dask dashboard: {client.dashboard_link}"


def grade_on_cluster(subs: list[Submission], assignment: Assignment | list[Assignment], options: Options,
                     address: str, log=print) -> list[tuple[Result, nbformat.NotebookNode]]:
    """Like :func:`autograder.grade.grade_all`, on a Dask cluster; results in the order of ``subs``."""
    from distributed import as_completed

    handed = [HandedIn.read(sub) for sub in subs]
    models = per_submission(assignment, subs)
    with connect(address, options.jobs, local_gpus(options.device) if address == "local" else 0) as client:
        log(dashboard_line(client, address))
        workers = client.scheduler_info().get("workers", {})
        offers_gpu = any(w.get("resources", {}).get("GPU") for w in workers.values())
        if options.device == "cuda" and not offers_gpu:
            raise GraderError(f"--device cuda: no worker of {address} offers a GPU "
                              "(start GPU workers with `dask worker SCHEDULER --resources GPU=1`)")
        # a GPU task runs only where a GPU is free: one kernel per GPU, never two training on one
        wants_gpu = options.device == "cuda" or (options.device == "auto" and options.profile == "full" and offers_gpu)
        resources = {"GPU": 1} if wants_gpu else None
        # each assignment sent once to each worker, not once per task
        shared = {m.name: client.scatter(m, broadcast=True) for m in {m.name: m for m in models}.values()}
        futures = {client.submit(grade_handed_in, h, shared[m.name], options, key=f"grade-{i}-{m.name}-{h.student}",
                                 resources=resources, pure=False): i for i, (h, m) in enumerate(zip(handed, models))}
        graded: list = [None] * len(subs)
        with Progress(len(subs), len(workers) or options.jobs) as progress:
            for future in as_completed(futures):
                i = futures[future]
                try:
                    graded[i] = future.result()
                except Exception as err:  # the worker died too often (KilledWorker), or the task could not run
                    graded[i] = not_graded(handed[i], models[i], f"{type(err).__name__}: {err}"[:300])
                progress.done(handed[i].student, failed=not graded[i][0].graded)
    return graded
