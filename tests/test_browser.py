"""The notebooks as a student meets them: JupyterLab in headless Chromium, driven by Playwright.

JupyterLab (from the course environment, ``--LabApp.expose_app_in_browser`` so that ``window.jupyterapp``
is there) serves a scratch copy of the course on a loopback port. For every assignment: the source
notebook is run from the Run menu's "Run All Cells"; every code cell ran, nothing failed, every figure is
an image the browser decoded, every progress bar is a rendered widget; the screenshot of its first figure
goes to ``browser-screenshots/`` (CI artifacts). The release notebook's first failing visible test says
which function is not written yet. The nbgrader lab extension loads (its menu, its Create-Assignment
panel) without console errors, and formgrader shows the example class, graded by ``python -m autograder
grade`` as ``./run.sh`` does, with its scores and nothing waiting for manual grading.

JupyterLab 4 renders only the cells in view, so what ran and what came out is read from the notebook's
model; a figure is checked in the page after scrolling its cell into view.

Needs Debian's chromium (``/usr/bin/chromium``) and the ``playwright`` package (no browser download):
``./run.sh test`` installs chromium when it runs as root; elsewhere these tests are skipped, saying why.
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.environment import course_env
from conftest import ASSIGNMENTS, COURSE, EXAMPLE_CLASS, ROOT

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "browser-screenshots"
EXAMPLE = EXAMPLE_CLASS  # the assignment the bundled example class handed in
RUN_ALL_TIMEOUT_S = 600
# Run All of every source notebook, as a student meets it (6 minutes for the whole browser suite on 2 cores);
# CNN_COURSE_BROWSER_ALL=0 runs only 00 (matplotlib figures and PIL images) and 06 (tqdm progress widgets,
# training curves), which hold every kind of output, for a quicker local run.
BROWSER_SOURCES = [a for a in ("00_images_as_tensors", "06_self_supervised") if a in ASSIGNMENTS] \
    if os.environ.get("CNN_COURSE_BROWSER_ALL") == "0" else ASSIGNMENTS


def _why_skip() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium; ./run.sh test does it as root)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "browser tests need the playwright package (requirements.txt pins it)"
    return None


# one worker runs them all (pytest -n 2 --dist loadgroup): one JupyterLab and one Chromium, not one each
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser"),
              pytest.mark.skipif(bool(_why_skip()), reason=_why_skip() or "")]

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
# JavaScript run in the page; `w` is the notebook panel in JupyterLab's main area
PANEL = "const w = window.jupyterapp.shell.currentWidget;"
KERNEL_READY = f"""(path) => {{ if (!window.jupyterapp || !window.jupyterapp.shell.currentWidget) return false; {PANEL}
  const k = w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!(w.context && w.context.path === path && w.context.isReady && k && k.status === 'idle'); }}"""
BUSY = f"""() => {{ {PANEL} const k = w.sessionContext.session.kernel;
  return k.status !== 'idle' || w.content.widgets.some(c => c.model.type === 'code' &&
    (c.model.executionState === 'running' || c.node.classList.contains('jp-mod-pending'))); }}"""
NOTEBOOK = f"() => {{ {PANEL} return w.context.model.toJSON(); }}"
# scroll each listed cell into view, wait until its outputs show (media: a decoded image or a progress bar; else
# any text), then describe what they rendered
RENDERED = f"""async ({{indices, media}}) => {{ {PANEL} const nb = w.content, seen = {{}};
  for (const i of indices) {{
    await nb.scrollToItem(i, 'center');
    const cell = nb.widgets[i];
    const until = Date.now() + 15000; let imgs = [], bars = [];
    while (Date.now() < until) {{
      imgs = Array.from(cell.node.querySelectorAll('.jp-OutputArea-output img'));
      bars = Array.from(cell.node.querySelectorAll('.jp-OutputArea-output .widget-progress, .jp-OutputArea-output progress'));
      const area = cell.node.querySelector('.jp-Cell-outputArea');
      if (media ? imgs.every(im => im.complete && im.naturalWidth > 0) && (imgs.length || bars.length)
                : !!(area && area.innerText.trim())) break;
      await new Promise(r => setTimeout(r, 200));
    }}
    seen[i] = {{images: imgs.filter(im => im.complete && im.naturalWidth > 0).length, bars: bars.length,
               text: cell.node.querySelector('.jp-Cell-outputArea') ? cell.node.querySelector('.jp-Cell-outputArea').innerText : ''}};
  }}
  return seen; }}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """`jupyter lab` on a loopback port, serving ``root`` (its nbgrader course directory too)."""

    def __init__(self, root: Path, log: Path):
        self.root, self.port, self.token = root, _free_port(), "browser-test"
        env = course_env(CNN_COURSE_PROFILE="quick", CNN_COURSE_DEVICE="cpu", JUPYTER_CONFIG_DIR=str(root / ".jupyter"),
                         JUPYTER_RUNTIME_DIR=str(root / ".runtime"), OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        env.pop("MPLBACKEND")  # figures inline, as a student sees them (the grader's Agg draws nothing)
        self.log = open(log, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
             f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
             f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
             f"--LabApp.workspaces_dir={root / '.workspaces'}", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
             "jupyterlab.NeverCheckForUpdate"],
            cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        until = time.monotonic() + 120
        while time.monotonic() < until:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.5)
        raise RuntimeError(f"jupyter lab did not start: {log.read_text()[-2000:]}")

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}?token={self.token}"

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = COURSE.copy_to(tmp_path_factory.mktemp("lab") / "course").root  # Run All saves outputs: never in source/
    server = Lab(root, root.parent / "lab.log")
    yield server
    server.close()


@pytest.fixture
def page(browser):
    """A page that records console errors and uncaught exceptions."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    p = context.new_page()
    p.errors = []
    p.on("console", lambda m: m.type == "error" and p.errors.append(m.text))
    p.on("pageerror", lambda e: p.errors.append(str(e)))
    yield p
    context.close()


def open_notebook(page, lab: Lab, path: str):
    """The notebook alone in a workspace of its own (nothing restored from an earlier page), its kernel idle."""
    workspace = re.sub(r"\W", "-", path)
    page.goto(lab.url(f"lab/workspaces/{workspace}/tree/{path}"))
    page.wait_for_function(KERNEL_READY, arg=path, timeout=120_000)


def run_all(page) -> dict:
    """Run > Run All Cells, then wait until the kernel is idle with nothing queued; the notebook as JSON."""
    page.click(".lm-MenuBar-itemLabel:text-is('Run')")
    page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
    until, idle_polls = time.monotonic() + RUN_ALL_TIMEOUT_S, 0
    page.wait_for_timeout(500)
    while idle_polls < 3:
        assert time.monotonic() < until, f"Run All did not finish in {RUN_ALL_TIMEOUT_S} s"
        idle_polls = 0 if page.evaluate(BUSY) else idle_polls + 1
        page.wait_for_timeout(500)
    return page.evaluate(NOTEBOOK)


def errors_of(cell) -> list[str]:
    return [re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(o.get("traceback") or [f"{o['ename']}: {o['evalue']}"]))
            for o in cell.get("outputs", []) if o["output_type"] == "error"]


def first_line(cell) -> str:
    src = cell["source"]
    return (src if isinstance(src, str) else "".join(src)).splitlines()[0][:70]


def offline_aside(errors: list[str]) -> list[str]:
    """Console errors, but for images from the internet that an offline machine cannot load (the badge)."""
    return [e for e in errors if "net::ERR_NAME_NOT_RESOLVED" not in e and "net::ERR_INTERNET_DISCONNECTED" not in e]


def screenshot_first_figure(page, cells, name: str) -> bool:
    """The first image any cell shows, as the browser drew it, to browser-screenshots/<name>."""
    first = next((i for i, c in enumerate(cells) if c["cell_type"] == "code" and any(
        m in o.get("data", {}) for o in c["outputs"] for m in ("image/png", "image/jpeg"))), None)
    if first is None:
        return False
    SCREENSHOTS.mkdir(exist_ok=True)
    page.evaluate(RENDERED, {"indices": [first], "media": True})  # scrolled into view, decoded
    image = page.evaluate_handle(f"() => {{ {PANEL} return w.content.widgets[{first}].node.querySelector('.jp-OutputArea-output img'); }}")
    image.as_element().screenshot(path=str(SCREENSHOTS / name))
    return (SCREENSHOTS / name).stat().st_size > 1000


@pytest.mark.parametrize("assignment", BROWSER_SOURCES)
def test_source_notebook_runs_all_in_jupyterlab(assignment, lab, page):
    path = COURSE.source_path(assignment).relative_to(COURSE.root).as_posix()
    open_notebook(page, lab, path)
    started = time.monotonic()
    nb = run_all(page)
    seconds = time.monotonic() - started
    cells = nb["cells"]
    code = [i for i, c in enumerate(cells) if c["cell_type"] == "code"]
    assert code and not [first_line(cells[i]) for i in code if cells[i]["execution_count"] is None], "cells not run"
    assert not {first_line(cells[i]): errors_of(cells[i]) for i in code if errors_of(cells[i])}
    figures = {i: sum(any(m in o.get("data", {}) for m in ("image/png", "image/jpeg")) for o in cells[i]["outputs"])
               for i in code}
    figures = {i: n for i, n in figures.items() if n}
    bars = {i: sum("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in cells[i]["outputs"])
            for i in code}
    bars = {i: n for i, n in bars.items() if n}
    assert figures, f"{assignment} draws no figure"
    seen = page.evaluate(RENDERED, {"indices": sorted({*figures, *bars}), "media": True})
    not_drawn = {first_line(cells[i]): (seen[str(i)]["images"], n) for i, n in figures.items() if seen[str(i)]["images"] < n}
    assert not not_drawn, f"figures not rendered as images (rendered, expected): {not_drawn}"
    no_bar = [first_line(cells[i]) for i in bars if not seen[str(i)]["bars"]]
    assert not no_bar, f"progress bars not rendered: {no_bar}"
    assert not [t for i in bars if "Error displaying widget" in (t := seen[str(i)]["text"])]
    assert screenshot_first_figure(page, cells, f"{assignment}.png")
    print(f"{assignment}: Run All in the browser {seconds:.0f} s, {sum(figures.values())} figures, {len(bars)} progress bars")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_notebook_says_which_function_is_not_written(assignment, lab, page):
    model = COURSE.assignment(assignment)
    path = COURSE.release_path(assignment).relative_to(COURSE.root).as_posix()
    open_notebook(page, lab, path)
    nb = run_all(page)  # stops at the first error
    cells = nb["cells"]
    tests = [i for i, c in enumerate(cells) if c["cell_type"] == "code" and first_line(c).startswith("# TEST:")]
    first_test = tests[0]
    if not errors_of(cells[first_test]):  # Run All stopped earlier (a lesson cell uses the exercise): run the test
        page.evaluate(f"""async () => {{ {PANEL} w.content.activeCellIndex = {first_test};
            await window.jupyterapp.commands.execute('notebook:run-cell'); }}""")
        page.wait_for_timeout(500)
        while page.evaluate(BUSY):
            page.wait_for_timeout(300)
        cells = page.evaluate(NOTEBOOK)["cells"]
    errors = errors_of(cells[first_test])
    assert errors, f"the first visible test ({first_line(cells[first_test])}) did not fail"
    grade_id = first_line(cells[first_test]).split()[2]
    exercise = next(e for e in model.exercises.values() if any(t.grade_id == grade_id for t in e.tests))
    message = errors[0]
    assert len(message.splitlines()) <= 3 and "Traceback" not in message, message
    named = re.search(r"`([\w.]+)` is not written yet", message)
    assert named, f"{grade_id}: {message}"
    # the unwritten function (or method) is one the test's exercise cell defines
    defined = set(re.findall(r"^\s*(?:def|class)\s+(\w+)", exercise.source, re.M)) | {exercise.name}
    assert named[1].split(".")[0] in defined or named[1].split(".")[-1] in defined, (named[1], exercise.name)
    shown = page.evaluate(RENDERED, {"indices": [first_test], "media": False})[str(first_test)]["text"]
    assert f"`{named[1]}` is not written yet" in shown, shown  # what the student sees, on screen
    screenshot_first_figure(page, cells, f"{assignment}-release.png")  # when it draws one before the first test


def test_nbgrader_lab_extension_loads_without_console_errors(lab, page):
    open_notebook(page, lab, COURSE.source_path(EXAMPLE).relative_to(COURSE.root).as_posix())
    page.click(".lm-MenuBar-itemLabel:text-is('Nbgrader')")
    items = page.evaluate("Array.from(document.querySelectorAll('.lm-Menu-itemLabel')).map(e => e.textContent)")
    assert {"Assignment List", "Formgrader", "Create assignment"} <= set(items), items
    page.click(".lm-Menu-itemLabel:text-is('Create assignment')")
    panel = page.locator(".lm-TabBar-tab[title='Nbgrader Create Assignment']")
    panel.wait_for()
    page.wait_for_function("""() => Array.from(document.querySelectorAll('.lm-TabBar-tab.lm-mod-current'))
        .some(t => t.title === 'Nbgrader Create Assignment')""", timeout=15_000)
    page.wait_for_timeout(1000)
    assert not offline_aside(page.errors), page.errors


@pytest.fixture(scope="module")
def graded_class(graded_example_class):
    """The example class graded as ./run.sh grades it (conftest: once for the whole run), served by JupyterLab."""
    root, report = graded_example_class
    server = Lab(root, root.parent / "lab.log")
    yield server, report
    server.close()


ROWS = """() => Array.from(document.querySelectorAll('tbody tr')).map(r =>
    Array.from(r.querySelectorAll('td')).map(td => td.innerText.trim()))"""


def test_formgrader_shows_the_graded_class_with_nothing_to_grade_by_hand(graded_class, page):
    server, report = graded_class
    expected = {r["student"]: r["score"] for r in report["submissions"]}
    page.goto(server.url("lab"))  # logs in: formgrader's pages call its API with the login cookie, not the token
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.started", timeout=120_000)
    # Manage Submissions: every student of the class, autograded, with the grader's score
    page.goto(f"http://127.0.0.1:{server.port}/formgrader/manage_submissions/{EXAMPLE}")
    page.wait_for_function(f"() => document.querySelectorAll('tbody tr td').length > {len(expected)}", timeout=60_000)
    rows = {row[1]: row for row in page.evaluate(ROWS) if len(row) > 4}
    assert set(rows) == set(expected), rows
    for student, row in rows.items():
        assert row[3] == "graded" and row[4] == f"{expected[student]:g} / 12", (student, row)  # not "needs manual grading"
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "formgrader.png"), full_page=True)
    # Manual Grading of the notebook: the same scores, and no submission marked "Needs Manual Grade?"
    page.goto(f"http://127.0.0.1:{server.port}/formgrader/gradebook/{EXAMPLE}/{EXAMPLE}")
    page.wait_for_function(f"() => document.querySelectorAll('tbody tr td').length > {len(expected)}", timeout=60_000)
    graded = [row for row in page.evaluate(ROWS) if len(row) > 4]
    assert sorted(float(row[2].split("/")[0]) for row in graded) == sorted(expected.values()), graded
    assert page.evaluate("document.querySelectorAll('td.needs-manual-grade span').length") == 0
    assert page.evaluate("document.querySelectorAll('td.needs-manual-grade').length") == len(expected)
    assert not offline_aside(page.errors), page.errors
