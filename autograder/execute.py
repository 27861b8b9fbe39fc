"""Execute a notebook in its own kernel, cell by cell, under limits, and say what happened to each cell.

What nbclient alone does not do, and the grader needs:
* a cell that runs past its timeout is interrupted (KeyboardInterrupt, as Jupyter's stop button) and
  execution goes on with the next cell in the same kernel;
* a kernel that dies (``os._exit``, a segfault, ``exit()``, the memory limit) or ignores the interrupt
  costs that cell only: the kernel is restarted, the cells that already ran are replayed, and execution
  goes on with the next cell;
* a memory limit on the kernel's process tree, a time limit for the whole notebook, and a cap on how
  much output one cell may store (a runaway ``print`` loop cannot exhaust the grader);
* around each test cell, the guard of :mod:`autograder.kernel_guard` restores what tests rely on
  before it runs and reports afterwards whether anything was replaced;
* right after each test cell the grader decides, its code runs in the grader's checker
  (:mod:`autograder.checker`), which reaches the student's functions through this kernel, one request at a time.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import secrets
import subprocess
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import nbformat
import psutil
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from . import wire
from .checker import KernelGone, checker
from .sandbox import Sandbox

GUARD_INSTALL = ("import autograder.kernel_guard as __grader_guard__\n__grader_guard__.install()\n"
                 "import autograder.kernel_server as __grader_remote__\n__grader_remote__.listen()\n"
                 "print('GUARD READY', __grader_guard__.device_name())")
GUARD_RESTORE = "__grader_guard__.restore()"
GUARD_VERIFY = "__grader_guard__.verify({nonce!r})"
STARTUP_S = 120  # a kernel's start and the guard's imports, on a loaded machine


@dataclass
class Limits:
    cell_timeout: float = 120.0
    total_timeout: float = 900.0
    memory_mb: int = 6144
    max_output_bytes: int = 2_000_000
    max_restarts: int = 3
    interrupt_grace: float = 10.0  # how long an interrupted cell has to stop before its kernel is restarted


@dataclass
class CellRun:
    status: str = "not run"  # ok | error | timeout | crashed | not run
    message: str = ""
    tampered: list[str] = field(default_factory=list)
    seconds: float = 0.0
    decided: tuple[str, str] | None = None  # the checker's (status, message), for a test the grader decides


SkipAfter = Callable[[int, CellRun], Iterable[int]]
SKIPPED = "skipped: not needed for the verdict"


@dataclass
class Execution:
    runs: list[CellRun]  # one per cell of the notebook
    device: str = "not started"  # the device the kernel computed on, as it named it


class GraderError(Exception):
    """The grader itself cannot run (not the student's fault): the command fails loudly."""


class _LimitedClient(NotebookClient):
    """nbclient's client with a per-cell output cap and the execute_reply status kept per cell."""

    def __init__(self, *args, max_output_bytes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_output_bytes = max_output_bytes
        self.output_bytes: dict[int, int] = {}
        self.replies: dict[int, dict] = {}
        self.on_cell_executed = self._keep_reply

    def _keep_reply(self, cell, cell_index, execute_reply):
        self.replies[cell_index] = execute_reply.get("content", {})

    def output(self, outs, msg, display_id, cell_index):
        if msg["msg_type"] == "error":  # an error always reaches the grade
            return super().output(outs, msg, display_id, cell_index)
        used = self.output_bytes.get(cell_index, 0)
        if used > self.max_output_bytes:
            return None
        size = len(json.dumps(msg.get("content", {})))
        self.output_bytes[cell_index] = used + size
        if used + size > self.max_output_bytes:
            outs.append(nbformat.v4.new_output(
                "stream", name="stdout",
                text=f"\n[the grader stopped storing this cell's output after {self.max_output_bytes:,} bytes]\n"))
            return None
        return super().output(outs, msg, display_id, cell_index)


class _MemoryWatchdog(threading.Thread):
    """Kills the kernel's process tree when its resident memory passes the limit."""

    def __init__(self, pid: int, limit_mb: int):
        super().__init__(daemon=True)
        self.pid, self.limit = pid, limit_mb * 2**20
        self.tripped = False
        self._stop_event = threading.Event()

    def run(self):
        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self._stop_event.wait(0.25):
            try:
                procs = [root] + root.children(recursive=True)
                rss = sum(p.memory_info().rss for p in procs)
            except psutil.Error:
                return
            if rss > self.limit:
                self.tripped = True
                for p in procs:
                    try:
                        p.kill()
                    except psutil.Error:
                        pass
                return

    def stop(self):
        self._stop_event.set()


def _error_text(content: dict) -> str:
    return f"{content.get('ename', 'Error')}: {content.get('evalue', '')}".strip()


def _first_error(cell) -> str | None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return _error_text(out)
    return None


async def _run_hidden(client: _LimitedClient, code: str, timeout: float) -> str:
    """Run grader code in the kernel outside the notebook; returns what it printed."""
    printed: list[str] = []

    def keep(msg):
        if msg["msg_type"] == "stream":
            printed.append(msg["content"].get("text", ""))

    try:
        await client.kc.execute_interactive(code, store_history=False, output_hook=keep, timeout=timeout,
                                            allow_stdin=False)
    except TimeoutError as err:
        raise CellTimeoutError(f"grader code timed out: {code[:40]}") from err
    if not await client.kc.is_alive():
        raise DeadKernelError("Kernel died")
    return "".join(printed)


async def _interrupted(client: _LimitedClient, grace: float) -> bool:
    """Interrupt a cell past its timeout, as Jupyter's stop button does: True when the kernel answers again
    within the grace period, its state intact (no restart, no replay of the cells before). A loop that
    swallows KeyboardInterrupt, or code stuck outside Python, does not answer: the caller restarts the kernel."""
    try:
        # by message, so the kernel signals itself: a SIGINT from here would reach bubblewrap, not the kernel
        client.kc.control_channel.send(client.kc.session.msg("interrupt_request", content={}))
        # the shell channel: the abandoned cell's iopub messages may still be read by nbclient's cancelled task
        asked = client.kc.execute("", silent=True, store_history=False)
        deadline = time.monotonic() + grace
        while (await client.kc.get_shell_msg(timeout=max(0.0, deadline - time.monotonic())))[
                "parent_header"].get("msg_id") != asked:
            pass
    except (queue.Empty, RuntimeError, OSError):
        return False
    return True


def _timed_out(run: CellRun, cell, seconds: float) -> None:
    run.status = "timeout"
    run.message = f"timed out after {seconds:.0f} s (an infinite loop, or far too slow?)"
    append_error(cell, run.message)


def _guard_verdict(text: str, nonce: str) -> list[str]:
    for line in text.splitlines():
        if line.startswith(f"GUARD {nonce} "):
            verdict = line.split(" ", 2)[2]
            return [] if verdict == "OK" else verdict.removeprefix("TAMPERED ").split(",")
    return ["the grader's integrity check (its output was suppressed)"]


def _open_comm(client: _LimitedClient) -> str:
    """Open the comm the kernel's :mod:`autograder.kernel_server` answers the checker on; its id."""
    opening = client.kc.session.msg("comm_open", {"comm_id": secrets.token_hex(16), "target_name": wire.COMM_TARGET,
                                                  "data": {}})
    client.kc.shell_channel.send(opening)  # handled before any later shell message: no need to wait
    return opening["content"]["comm_id"]


async def _relay(client: _LimitedClient, comm_id: str, text: str, timeout: float, watchdog: "_MemoryWatchdog") -> str:
    """One checker request, sent on the comm, and the kernel's answer."""
    asking = client.kc.session.msg("comm_msg", {"comm_id": comm_id, "data": {"request": text}})
    client.kc.shell_channel.send(asking)
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            msg = await client.kc.get_iopub_msg(timeout=min(0.5, left))
        except queue.Empty:  # a dead kernel never replies: notice it instead of waiting out the timeout
            if not await client.kc.is_alive():
                break
            continue
        if msg["parent_header"].get("msg_id") != asking["header"]["msg_id"]:
            continue  # what the student's code printed, or an earlier cell's last messages
        if msg["msg_type"] == "comm_msg" and isinstance(msg["content"].get("data", {}).get("answer"), str):
            return msg["content"]["data"]["answer"]
        if msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
            return wire.dumps({"error": {"type": "GraderError", "message": "the kernel sent no answer to the grader's check"}}, [])
    if not await client.kc.is_alive():
        raise KernelGone(f"the kernel ran out of memory (limit {watchdog.limit // 2**20} MB) and was stopped"
                         if watchdog.tripped else
                         "the kernel died while the grader's check called the student's code "
                         "(os._exit, exit(), a crash or out of memory)")
    raise KernelGone(f"timed out after {timeout:.0f} s: the student's code did not answer the grader's "
                     "check (an infinite loop, or far too slow?)")


async def _decide(check, client: _LimitedClient, comm_id: str, index: int, name: str, code: str, run: CellRun,
                  salt: int, watchdog: "_MemoryWatchdog") -> None:
    """Decide one test in the grader's checker right after its cell ran, so the kernel's state is what the
    notebook's order made it; a dead or stuck kernel ends with DeadKernelError once the verdict is kept."""
    if run.status in ("timeout", "crashed"):  # its visible part already stopped the kernel
        run.decided = ("error", run.message)
        return
    run.decided = await check.decide(code, name, salt,
                                     lambda text: _relay(client, comm_id, text, client.timeout, watchdog))
    if run.decided[0] == "crashed":
        append_error(client.nb.cells[index], run.decided[1])
        raise DeadKernelError(run.decided[1])


async def _execute(nb, tests: set[int], limits: Limits, env: dict, box: Sandbox, done: Execution,
                   checks: dict[int, tuple[str, str]], salt: int, skip_after: SkipAfter | None) -> list[CellRun]:
    runs = done.runs
    skipped: set[int] = set()
    deadline = time.monotonic() + limits.total_timeout
    start, restarts = 0, 0
    nonce = secrets.token_hex(8)
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]

    while True:
        # every start (the first, and each restart after a crash) is a fresh kernel in the same sandbox
        client = _LimitedClient(nb, km=box.kernel_manager(), timeout=int(limits.cell_timeout),
                                allow_errors=True, interrupt_on_timeout=False, startup_timeout=STARTUP_S,
                                resources={"metadata": {"path": str(box.workdir)}},
                                max_output_bytes=limits.max_output_bytes)
        watchdog = check = None
        current = deciding = None
        try:
            # the kernel process's own output (its banner; ZMQ teardown noise when it is killed) is not the student's
            async with client.async_setup_kernel(env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), \
                    contextlib.AsyncExitStack() as stack:
                watchdog = _MemoryWatchdog(client.km.provisioner.pid, limits.memory_mb)
                watchdog.start()
                ready = await _run_hidden(client, GUARD_INSTALL, STARTUP_S)  # imports torch: not the student's time
                if "GUARD READY" not in ready:
                    raise GraderError(f"the kernel could not load the grader's guard (is {env.get('PYTHONPATH')} importable?)")
                done.device = ready.split("GUARD READY", 1)[1].strip()
                comm_id = _open_comm(client)
                for i in code_cells:  # after a restart: rebuild the state the earlier cells made
                    if i < start and i not in tests and runs[i].status in ("ok", "error"):
                        current = i
                        await _run_hidden(client, nb.cells[i].source, limits.cell_timeout)
                for i in code_cells:
                    if i < start:
                        continue
                    if i in skipped:
                        runs[i].message = SKIPPED
                        continue
                    remaining = deadline - time.monotonic()
                    if remaining <= 1:
                        for j in code_cells:
                            if j >= i:
                                runs[j].message = f"not run: the notebook's time limit of {limits.total_timeout:.0f} s was reached"
                        return runs
                    client.timeout = int(min(limits.cell_timeout, remaining))
                    current = i
                    if i in tests:
                        await _run_hidden(client, GUARD_RESTORE, 30)
                    began, interrupted = time.monotonic(), False
                    try:
                        await client.async_execute_cell(nb.cells[i], i)
                    except CellTimeoutError:
                        if not await _interrupted(client, limits.interrupt_grace):
                            raise  # the kernel ignores interrupts: restart it and replay
                        interrupted = True
                    runs[i].seconds = time.monotonic() - began
                    reply = client.replies.get(i, {})
                    error = _first_error(nb.cells[i])
                    if interrupted:
                        _timed_out(runs[i], nb.cells[i], client.timeout)
                    elif reply.get("status") == "error" or error:
                        runs[i].status, runs[i].message = "error", error or _error_text(reply)
                    else:
                        runs[i].status = "ok"
                    if i in tests:
                        verify = await _run_hidden(client, GUARD_VERIFY.format(nonce=nonce), 30)
                        runs[i].tampered = _guard_verdict(verify, nonce)
                    if i in checks and runs[i].decided is None:
                        current, deciding = None, i
                        check = check or stack.enter_context(checker(env))  # one per kernel, taken when first needed
                        await _decide(check, client, comm_id, i, *checks[i], runs[i], salt, watchdog)
                        if not await client.kc.is_alive():  # died after the check's last answer: not the next cell's doing
                            raise DeadKernelError("the kernel died after the grader's check")
                        deciding = None
                    if i in tests and skip_after is not None:
                        skipped |= set(skip_after(i, runs[i]))
                return runs
        except (CellTimeoutError, DeadKernelError) as err:
            if deciding is not None:  # the verdict is kept: go on after that test
                start = deciding + 1
            elif current is not None and current >= start:
                run = runs[current]
                if isinstance(err, CellTimeoutError):
                    _timed_out(run, nb.cells[current], client.timeout)
                else:
                    run.status = "crashed"
                    run.message = ("the kernel ran out of memory (limit {} MB) and was stopped".format(limits.memory_mb)
                                   if watchdog and watchdog.tripped else
                                   "the kernel died while running this cell (os._exit, exit(), a crash or out of memory)")
                    append_error(nb.cells[current], run.message)
                start = current + 1
            else:  # died while replaying or starting: do not loop forever on it
                start = max(start, (current or 0) + 1)
            restarts += 1
            if restarts > limits.max_restarts:
                for j in code_cells:
                    if j >= start:
                        runs[j].message = "not run: the kernel was restarted too many times"
                return runs
        finally:
            if watchdog:
                watchdog.stop()


def append_error(cell, message: str) -> None:
    """Show a failure the grader found (a timeout, a dead kernel, a failed test) as the cell's error output,
    where the student and nbgrader's feedback look for it."""
    cell.setdefault("outputs", []).append(nbformat.v4.new_output(
        "error", ename="GraderError", evalue=message, traceback=[f"GraderError: {message}"]))


def execute(nb, tests: set[int], limits: Limits, env: dict, box: Sandbox,
            checks: dict[int, tuple[str, str]] | None = None, salt: int = 0,
            skip_after: SkipAfter | None = None) -> Execution:
    """Run ``nb`` in place (outputs are stored on its cells) in kernels inside ``box``; one :class:`CellRun`
    per cell. ``checks``: cell index -> (test id, code) of the tests the checker decides, each right after
    its cell ran, with seeds salted by ``salt``. ``skip_after(index, run)``, called once each test is
    decided, names later cells not to run (the proof's: a mutant already caught needs no more of its cells);
    they keep the status "not run" and the message :data:`SKIPPED`."""
    done = Execution([CellRun() for _ in nb.cells])
    asyncio.run(_execute(nb, tests, limits, env, box, done, checks or {}, salt, skip_after))
    return done
