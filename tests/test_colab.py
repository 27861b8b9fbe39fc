"""The course's home and a fresh Colab, simulated.

A fresh Colab runtime has torch, torchvision, fastai, numpy, matplotlib, Jupyter... but not the course.
Here: a new virtual environment that sees the course environment's packages (the preinstalled stack)
through a ``.pth`` file, without ``cnn_course`` importable (no PYTHONPATH to this checkout). The release
notebook's setup cell runs exactly as committed, ``pip install "cnn-course @ git+https://github.com/..."``;
git's own ``url.<base>.insteadOf`` (in a throwaway global git config) sends that address to a local git
repository holding this checkout's helpers, so the install goes through the same code path as on Colab.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.course import generate_release
from autograder.release import Home, HomeError, set_home
from conftest import COURSE, ROOT, read

A = "00_images_as_tensors"
HOME = Home.parse(re.search(r'^c\.CourseHome\.home = "(.*)"$', (ROOT / "nbgrader_config.py").read_text(), re.M)[1])
PY = f"python{sys.version_info.major}.{sys.version_info.minor}"
RUN = """
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=600, kernel_name="python3", allow_errors=True,
               resources={"metadata": {"path": sys.argv[3]}}).execute()
nbformat.write(nb, sys.argv[2])
"""


# --- the home: one setting, placeholders in source/, generated at release --------------------------------

def test_source_notebooks_hold_placeholders_never_the_home():
    for assignment in COURSE.assignments():
        text = COURSE.source_path(assignment).read_text()
        assert "github.com/" not in text and "git+" not in text, assignment
        nb = COURSE.source(assignment)
        assert "{{ colab_header }}" in nb.cells[0].source, assignment
        assert nb.cells[1].source.startswith("# {{ course_setup }}"), assignment


@pytest.mark.slow
def test_release_home_is_set_remembered_and_generated(course_copy):
    done = subprocess.run([sys.executable, "-m", "autograder", "--course-dir", str(course_copy.root), "release", A,
                           "--home", "prof-x/cnn-fall@2026"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    config = (course_copy.root / "nbgrader_config.py").read_text()
    assert config.count('c.CourseHome.home = "prof-x/cnn-fall@2026"') == 1 and "cnn-course/cnn-course" not in config
    nb = read(course_copy.release_path(A))
    badge = f"https://colab.research.google.com/github/prof-x/cnn-fall/blob/2026/release/{A}/{A}.ipynb"
    assert badge in nb.cells[0].source and "Save a copy in Drive" in nb.cells[0].source
    assert "Download .ipynb" in nb.cells[0].source and "Change runtime type" in nb.cells[0].source
    assert '"cnn-course @ git+https://github.com/prof-x/cnn-fall@2026"' in nb.cells[1].source
    assert "{{" not in nb.cells[0].source + nb.cells[1].source
    # remembered: a later release without --home keeps it (nbgrader's own generate_assignment reads it too)
    generate_release(course_copy, A)
    assert badge in read(course_copy.release_path(A)).cells[0].source
    # an upload link, set in the same section, becomes the way to submit
    set_home(course_copy.root, "cnn-fall==1.2.0")
    with open(course_copy.root / "nbgrader_config.py", "a") as f:
        f.write('c.CourseHome.upload_url = "https://lms.example.edu/upload/cnn"\n')
    generate_release(course_copy, A)
    nb = read(course_copy.release_path(A))
    assert "colab.research.google.com/github" not in nb.cells[0].source and "Upload notebook" in nb.cells[0].source
    assert "(https://lms.example.edu/upload/cnn)" in nb.cells[0].source
    assert '"cnn-fall==1.2.0"' in nb.cells[1].source


@pytest.mark.slow
def test_release_pin_installs_the_commit_the_release_was_made_from(course_copy):
    root = course_copy.root
    shutil.copytree(ROOT / "cnn_course", root / "cnn_course", ignore=shutil.ignore_patterns("__pycache__", "data"))
    shutil.copy(ROOT / "pyproject.toml", root)

    def git(*args):
        return subprocess.run(["git", "-C", str(root), "-c", "user.name=prof", "-c", "user.email=prof@example.edu",
                               *args], capture_output=True, text=True, check=True).stdout.strip()

    def release(*args):
        return subprocess.run([sys.executable, "-m", "autograder", "--course-dir", str(root), "release", A, *args],
                              capture_output=True, text=True, cwd=ROOT)

    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "course")
    sha = git("rev-parse", "HEAD")
    done = release("--pin")
    assert done.returncode == 0, done.stderr
    setup, title = read(course_copy.release_path(A)).cells[1].source, read(course_copy.release_path(A)).cells[0].source
    assert f'"cnn-course @ git+https://github.com/{HOME.owner}/{HOME.name}@{sha}"' in setup
    assert f"/blob/{HOME.ref}/release/" in title  # the badge opens the branch, where the release is pushed next
    assert f'c.CourseHome.commit = "{sha}"' in (root / "nbgrader_config.py").read_text()
    # helpers changed since that commit: students would install other code than the release was made with
    (root / "cnn_course" / "__init__.py").write_text("# changed\n")
    refused = release("--pin")
    assert refused.returncode == 2 and "commit them first" in refused.stderr and "cnn_course/__init__.py" in refused.stderr
    assert release("--pin", "not-a-commit").returncode == 2
    unpinned = release("--pin", "none")
    assert unpinned.returncode == 0, unpinned.stderr
    assert f"@{HOME.ref}\"" in read(course_copy.release_path(A)).cells[1].source


@pytest.mark.slow
def test_the_grading_notebook_follows_the_home(tmp_path):
    nb = read(ROOT / "notebooks" / "grade_on_colab.ipynb")
    assert f'COURSE_HOME = "{HOME.owner}/{HOME.name}@{HOME.ref}"' in nb.cells[2].source  # the configured home
    assert HOME.colab_url("notebooks/grade_on_colab.ipynb") in nb.cells[0].source
    course = COURSE.copy_to(tmp_path / "course")
    shutil.copytree(ROOT / "notebooks", course.root / "notebooks")
    done = subprocess.run([sys.executable, "-m", "autograder", "--course-dir", str(course.root), "release", A,
                           "--home", "prof-x/cnn-fall"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0 and "updated notebooks/grade_on_colab.ipynb" in done.stdout, done.stderr
    nb = read(course.root / "notebooks" / "grade_on_colab.ipynb")
    assert 'COURSE_HOME = "prof-x/cnn-fall@main"' in nb.cells[2].source
    assert "colab.research.google.com/github/prof-x/cnn-fall/blob/main/notebooks/grade_on_colab.ipynb" in nb.cells[0].source
    # what it shows: the isolation level the runtime allowed, a live progress bar, a zip of grades and feedback
    text = "".join(c.source for c in nb.cells)
    assert "layers_for(ISOLATION)" in text and '"--isolation", ISOLATION' in text and "os.read(grader.stdout" in text
    assert "_grades_and_feedback.zip" in text and "files.download" in text


def test_a_wrong_home_is_refused_with_the_forms_it_takes(course_copy):
    for bad in ("https://github.com/a/b", "a", "a/b/c", "a/b.git"):
        with pytest.raises(HomeError, match="OWNER/NAME"):
            Home.parse(bad)
    done = subprocess.run([sys.executable, "-m", "autograder", "--course-dir", str(course_copy.root), "release", A,
                           "--home", "not a home"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2 and "OWNER/NAME[@BRANCH]" in done.stderr


# --- a fresh Colab -------------------------------------------------------------------------------------------

@pytest.fixture
def colab(tmp_path):
    """(python, env, run): a new virtualenv with the course's stack preinstalled and no cnn_course."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = venv / "lib" / PY / "site-packages"
    # Colab's preinstalled stack: torch, torchvision, fastai, Jupyter, pip (the course environment's)
    (site / "colab_stack.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    kernels = tmp_path / "jupyter" / "kernels" / "python3"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (colab)", "language": "python"}))
    gitconfig = tmp_path / "gitconfig"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "JUPYTER", "GIT_"))}
    env.update(JUPYTER_PATH=str(tmp_path / "jupyter"), JUPYTER_DATA_DIR=str(tmp_path / "jupyter"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "jupyter-config"), GIT_CONFIG_GLOBAL=str(gitconfig),
               GIT_CONFIG_NOSYSTEM="1", PATH=f"{venv / 'bin'}:{env['PATH']}", MPLBACKEND="Agg",
               CNN_COURSE_PROFILE="quick", CNN_COURSE_DEVICE="cpu", PIP_NO_INPUT="1")
    no = subprocess.run([python, "-c", "import cnn_course"], env=env, capture_output=True, text=True, cwd=tmp_path)
    assert no.returncode != 0 and "No module named 'cnn_course'" in no.stderr, "cnn_course must not be importable"

    def run(nb, folder: Path) -> nbformat.NotebookNode:
        folder.mkdir(parents=True, exist_ok=True)
        src, out = folder / f"{A}.ipynb", tmp_path / "executed.ipynb"
        nbformat.write(nb, src)
        done = subprocess.run([python, "-c", RUN, src, out, folder], env=env, capture_output=True, text=True,
                              timeout=900)
        assert done.returncode == 0, done.stderr[-3000:]
        return read(out)

    def home_at(url: str) -> None:
        """git's own redirection of https://github.com/ (what pip's `git clone` asks for) to ``url``."""
        gitconfig.write_text(f'[url "{url}"]\n\tinsteadOf = https://github.com/\n')

    return python, env, run, home_at, site


def local_home(tmp_path: Path) -> str:
    """A git repository OWNER/NAME with this checkout's helper package, as the home would hold it."""
    repo = tmp_path / "github" / HOME.owner / HOME.name
    for part in ("cnn_course", "autograder"):
        shutil.copytree(ROOT / part, repo / part, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", repo)
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", "-b", HOME.ref, str(repo)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "the course"], check=True)
    return (tmp_path / "github").as_uri() + "/"


def setup_only() -> nbformat.NotebookNode:
    nb = read(COURSE.release_path(A))
    nb.cells = nb.cells[:2]
    return nb


def text_of(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


def errors_of(cell) -> list[str]:
    return [f"{o['ename']}: {o['evalue']}" for o in cell.get("outputs", []) if o.get("output_type") == "error"]


@pytest.mark.slow
def test_fresh_colab_installs_the_helpers_from_the_home_and_runs_the_release(colab, tmp_path):
    python, env, run, home_at, site = colab
    home_at(local_home(tmp_path))
    torch_before = subprocess.run([python, "-c", "import torch; print(torch.__version__, torch.__file__)"],
                                  env=env, capture_output=True, text=True).stdout
    started = time.monotonic()
    model = COURSE.assignment(A)
    answered = model.answered(model.solutions(), read(COURSE.release_path(A)))  # the release, as a student finishes it
    nb = run(answered, tmp_path / "content")
    seconds = time.monotonic() - started
    setup = nb.cells[1]
    assert not errors_of(setup), errors_of(setup)
    first = text_of(setup).splitlines()[0]
    assert re.fullmatch(rf"course helpers: installed cnn-course [\d.]+ from {re.escape(HOME.where)} "
                        r"\(commit [0-9a-f]{10}\); torch untouched", first), first
    # installed into the fresh environment; Colab's torch, torchvision and fastai left as they were
    assert (site / "cnn_course" / "__init__.py").is_file()
    assert not [p.name for p in site.iterdir() if p.name.lower().startswith(("torch", "fastai"))]
    after = subprocess.run([python, "-c", "import torch; print(torch.__version__, torch.__file__)"],
                           env=env, capture_output=True, text=True).stdout
    assert after == torch_before
    # top to bottom: every cell ran, nothing failed, every figure drawn
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)
    assert not [(c.source.splitlines()[0], errors_of(c)) for c in code if errors_of(c)]
    assert any("image/png" in o.get("data", {}) for c in code for o in c.outputs)
    print(f"fresh Colab: release {A} executed in {seconds:.0f} s, install included")


@pytest.mark.slow
def test_fresh_colab_with_the_course_zip_uses_the_helpers_next_to_the_notebook(colab, tmp_path):
    python, env, run, home_at, site = colab
    home_at((tmp_path / "nowhere").as_uri() + "/")  # the home is unreachable: the zip must not need it
    content = tmp_path / "content"
    shutil.copytree(ROOT / "cnn_course", content / "cnn_course", ignore=shutil.ignore_patterns("__pycache__"))
    nb = run(setup_only(), content)
    assert not errors_of(nb.cells[1]), errors_of(nb.cells[1])
    assert text_of(nb.cells[1]).splitlines()[0] == \
        f"course helpers: cnn_course from the folder beside this notebook, {content / 'cnn_course'} (nothing installed)"
    assert not (site / "cnn_course").exists()


@pytest.mark.slow
def test_fresh_colab_without_the_home_says_so_and_what_to_do(colab, tmp_path):
    python, env, run, home_at, site = colab
    home_at((tmp_path / "nowhere").as_uri() + "/")
    nb = run(setup_only(), tmp_path / "content")
    out = text_of(nb.cells[1])
    assert out.startswith(f"course helpers NOT installed: pip could not install '{HOME.pip_spec}' from {HOME.where}")
    assert "What to do:" in out and "course zip" in out and "is public" in out
    assert errors_of(nb.cells[1]) == ["SystemExit: the course helpers are missing: see the message above"]


# --- the instructors' notebook on a simulated Colab ---------------------------------------------------------

FAKE_COLAB = """
import json, os, types
from pathlib import Path
LOG = Path(os.environ["FAKE_COLAB_LOG"])
def _log(*call):
    with LOG.open("a") as f:
        f.write(json.dumps(call) + "\\n")
def _secret(name):
    raise KeyError(name)  # no secret given to this notebook, as on a fresh Colab
drive = types.SimpleNamespace(mount=lambda path: _log("mount", path), flush_and_unmount=lambda: _log("unmount"))
userdata = types.SimpleNamespace(get=_secret)
files = types.SimpleNamespace(download=lambda path: _log("download", path))
"""


def _colab_grading_notebook(content: Path, fake: Path) -> nbformat.NotebookNode:
    """notebooks/grade_on_colab.ipynb with Colab's /content under ``content``, google.colab imported first."""
    (fake / "google" / "colab").mkdir(parents=True)
    (fake / "google" / "__init__.py").write_text("")
    (fake / "google" / "colab" / "__init__.py").write_text(FAKE_COLAB)
    nb = read(ROOT / "notebooks" / "grade_on_colab.ipynb")
    for cell in nb.cells:
        cell.source = cell.source.replace("/content", str(content))
    nb.cells.insert(0, nbformat.v4.new_code_cell(f"import sys; sys.path.insert(0, {str(fake)!r}); import google.colab"))
    return nb


@pytest.mark.slow
def test_grading_on_colab_takes_the_course_from_drive_and_unmounts_it_before_student_code(tmp_path, monkeypatch):
    from nbclient import NotebookClient

    content, log = tmp_path / "content", tmp_path / "colab-calls.jsonl"
    on_drive = content / "drive" / "MyDrive" / "cnn-course"
    COURSE.copy_to(on_drive)
    for student in ("ada_complete", "ben_partial", "cam_untouched"):
        shutil.copytree(ROOT / "examples" / "submitted" / student, on_drive / "submitted" / student)
    monkeypatch.setenv("FAKE_COLAB_LOG", str(log))
    nb = _colab_grading_notebook(content, tmp_path / "fake")
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    assert "ben_partial                  6 / 12" in printed and "ada_complete                12 / 12" in printed
    calls = [json.loads(line)[0] for line in log.read_text().splitlines()]
    assert calls == ["mount", "unmount", "download"], calls  # Drive is gone before the first kernel starts
    grader_copy = content / "cnn-course"
    assert (grader_copy / "source").is_dir() and grader_copy.stat().st_mode & 0o077 == 0
    archive = json.loads(log.read_text().splitlines()[-1])[1]
    assert {"grades.json", "grades.csv", "gradebook.db"} <= set(zipfile.ZipFile(archive).namelist())


def test_grading_on_colab_without_the_course_says_where_to_put_it(tmp_path, monkeypatch):
    from nbclient import NotebookClient

    content = tmp_path / "content"
    (content / "drive" / "MyDrive").mkdir(parents=True)  # Drive mounted, no course on it; no network here
    monkeypatch.setenv("FAKE_COLAB_LOG", str(tmp_path / "calls.jsonl"))
    nb = _colab_grading_notebook(content, tmp_path / "fake")
    nb.cells = nb.cells[:1] + [c for c in nb.cells if c.source.startswith("COURSE_HOME")]
    NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    error = next(o for o in nb.cells[1].outputs if o.output_type == "error")
    assert error.ename == "SystemExit" and "Put your course on Drive at" in error.evalue, error.evalue
    assert not (content / "cnn-course").exists()
