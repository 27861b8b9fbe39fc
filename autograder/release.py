"""The course's home, and what the release makes of it: each release notebook's header and setup cell.

The home is where students get the course from: a Git repository ``OWNER/NAME[@BRANCH]`` on GitHub (the
Colab badge opens the release notebook there; the setup cell installs the helpers from there), or a
package index release ``NAME==VERSION`` (the setup cell installs that; Colab opens the notebook from an
upload). It is one setting, ``c.CourseHome.home`` in ``nbgrader_config.py``, which nbgrader reads like
any of its own, so ``nbgrader generate_assignment`` and formgrader's "Generate" button release the same
notebooks as ``python -m autograder release``. ``python -m autograder release --home OWNER/NAME[@BRANCH]``
rewrites that one line (and nothing else of the file) and releases.

``--pin`` also records the commit the release is made from (``c.CourseHome.commit``): the setup cell then
installs the helpers of exactly that commit, while the badge keeps opening the branch (the release
notebooks are committed after it).

``source/`` holds placeholders, never a URL: ``{{ colab_header }}`` on a line of the title cell and
``# {{ course_setup }}`` as the first line of the setup cell. :class:`CourseHome`, the first preprocessor
of nbgrader's ``GenerateAssignment``, replaces them.
"""
from __future__ import annotations

import dataclasses
import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from .environment import REPO_ROOT

HEADER_PLACEHOLDER = "{{ colab_header }}"
SETUP_PLACEHOLDER = re.compile(r"^# \{\{ course_setup \}\}.*\n?", re.M)
CONFIG_LINE = re.compile(r'^c\.CourseHome\.home = .*$', re.M)
COMMIT_LINE = re.compile(r'^c\.CourseHome\.commit = .*$', re.M)
SHA = re.compile(r"^[0-9a-f]{40}$")
# what students install from the pinned commit: it must hold these as the release sees them
HELPER_PATHS = ["cnn_course", "autograder", "pyproject.toml"]
GIT_HOME = re.compile(r"^(?P<owner>[A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/(?P<name>[A-Za-z0-9._-]{1,100})"
                      r"(?:@(?P<ref>[A-Za-z0-9._/-]+))?$")
INDEX_HOME = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[A-Za-z0-9.+!-]+)$")
PACKAGE = "cnn-course"  # the distribution pyproject.toml builds (cnn_course and autograder)


class HomeError(ValueError):
    """A home that is neither OWNER/NAME[@BRANCH] nor NAME==VERSION."""


@dataclass(frozen=True)
class Home:
    """A parsed ``c.CourseHome.home``."""

    text: str
    owner: str = ""
    name: str = ""
    ref: str = "main"
    version: str = ""  # set for a package index home
    commit: str = ""  # a Git home pinned by `release --pin`: the setup cell installs this commit

    @classmethod
    def parse(cls, text: str) -> "Home":
        text = (text or "").strip()
        if m := INDEX_HOME.match(text):
            return cls(text, name=m["name"], version=m["version"], ref="")
        if (m := GIT_HOME.match(text)) and not m["name"].endswith(".git"):
            return cls(text, owner=m["owner"], name=m["name"], ref=m["ref"] or "main")
        raise HomeError(f"course home {text!r}: expected OWNER/NAME[@BRANCH] (a GitHub repository) "
                        f"or NAME==VERSION (a release on PyPI)")

    @property
    def is_git(self) -> bool:
        return not self.version

    @property
    def where(self) -> str:
        """What the setup cell names as the place it installs from."""
        if not self.is_git:
            return f"PyPI ({self.name}=={self.version})"
        return f"github.com/{self.owner}/{self.name}@{self.ref}" + (f" (commit {self.commit[:10]})" if self.commit else "")

    @property
    def pip_spec(self) -> str:
        if self.is_git:
            return f"{PACKAGE} @ git+https://github.com/{self.owner}/{self.name}@{self.commit or self.ref}"
        return f"{self.name}=={self.version}"

    def colab_url(self, notebook: str) -> str | None:
        """Colab's address of a release notebook (``release/<a>/<a>.ipynb``); None for an index home."""
        if not self.is_git:
            return None
        return f"https://colab.research.google.com/github/{self.owner}/{self.name}/blob/{self.ref}/{notebook}"


def helpers_version(root: Path = REPO_ROOT) -> str:
    """The version the release is made with (pyproject.toml), which the setup cell checks it got."""
    return tomllib.loads((Path(root) / "pyproject.toml").read_text())["project"]["version"]


def _config_line(text: str, pattern: re.Pattern, line: str, comment: str) -> str:
    if pattern.search(text):
        return pattern.sub(line.replace("\\", "\\\\"), text, count=1)
    return text + f"\n# {comment}: autograder/release.py\n{line}\n"


def set_home(course_root: Path, home: str) -> Home:
    """Record the course's home in ``nbgrader_config.py`` (the one line ``c.CourseHome.home = ...``)."""
    parsed = Home.parse(home)
    config = Path(course_root) / "nbgrader_config.py"
    line = f"c.CourseHome.home = {json.dumps(parsed.text)}"
    config.write_text(_config_line(config.read_text(), CONFIG_LINE, line, "The course's home (release --home)"))
    return parsed


class PinError(ValueError):
    """The commit to pin cannot hold what the release needs (not a checkout, helpers not committed)."""


def pin_commit(course_root: Path, commit: str = "HEAD") -> str:
    """Pin the setup cell to a commit of the course's checkout (``HEAD`` by default), recorded as
    ``c.CourseHome.commit``; ``none`` removes the pin. Refuses a commit whose helpers differ from the
    checkout's (students would install other code than the release was made with). Returns the full sha."""
    import subprocess

    config = Path(course_root) / "nbgrader_config.py"
    if commit == "none":
        config.write_text(_config_line(config.read_text(), COMMIT_LINE, 'c.CourseHome.commit = ""', "Pinned commit"))
        return ""

    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(course_root), *args], capture_output=True, text=True)

    found = git("rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}")
    if found.returncode:
        raise PinError(f"--pin {commit}: not a commit of the course's git checkout at {course_root} "
                       f"({(found.stderr.strip() or 'no such commit')[:200]})")
    sha = found.stdout.strip()
    changed = git("diff", "--name-only", sha, "--", *HELPER_PATHS).stdout.split()
    changed += git("ls-files", "--others", "--exclude-standard", "--", *HELPER_PATHS).stdout.split()
    if changed:
        raise PinError(f"--pin {commit}: the helpers students would install from {sha[:10]} differ from this checkout's "
                       f"({', '.join(sorted(set(changed))[:5])}): commit them first, then release with --pin")
    line = f"c.CourseHome.commit = {json.dumps(sha)}"
    config.write_text(_config_line(config.read_text(), COMMIT_LINE, line, "Pinned commit (release --pin)"))
    return sha


def header(home: Home, notebook: str, upload_url: str = "") -> str:
    """The title cell's lines on Colab: badge, save a copy, runtime, how to submit."""
    name = Path(notebook).name
    url = home.colab_url(notebook)
    opening = (f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({url})\n\n"
               if url else "")
    how_to_open = ("" if url else f"open [Colab](https://colab.research.google.com), **File → Upload notebook**, "
                   f"and pick `{name}`; then ")
    hand_in = (f"and upload it [here]({upload_url})" if upload_url else "and hand it in as your instructor says")
    return (
        f"{opening}"
        f"**On Colab**: {how_to_open}**File → Save a copy in Drive** before you start (the copy is yours; "
        f"work there, or your changes are lost when the tab closes). "
        f"**Runtime → Change runtime type**: a CPU is fine (the `quick` profile: small data, the whole notebook "
        f"in about a minute); pick a GPU (T4) for the `full` profile (real datasets and training). "
        f"**To submit**: **File → Download → Download .ipynb** (keep the name `{name}`) {hand_in}. "
        f"In JupyterLab, open this notebook from the course folder and run it as it is."
    )


SETUP = '''\
# Course setup, made by `python -m autograder release` for {where}: the course helpers (cnn_course)
# from a course zip unpacked next to this notebook, else installed from the course's home. Colab's
# torch, torchvision and fastai are used as they are: nothing here installs or upgrades them.
import importlib, importlib.metadata, importlib.util, json, subprocess, sys
from pathlib import Path
COURSE_HOME, COURSE_PIP, COURSE_VERSION = "{where}", "{pip_spec}", "{version}"
_zip = next((p for p in (Path.cwd(), *Path.cwd().parents[:2]) if (p / "cnn_course" / "__init__.py").is_file()), None)
if _zip:  # a course zip (or a checkout) beside the notebook
    sys.path.insert(0, str(_zip))
    print(f"course helpers: cnn_course from the folder beside this notebook, {{_zip / 'cnn_course'}} (nothing installed)")
elif importlib.util.find_spec("cnn_course"):
    print(f"course helpers: cnn_course from {{Path(importlib.util.find_spec('cnn_course').origin).parent}} (already installed; nothing installed now)")
else:
    _pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--disable-pip-version-check", COURSE_PIP],
                          capture_output=True, text=True)
    if _pip.returncode:
        _why = ([l for l in _pip.stderr.splitlines() if l.strip() and not l.startswith(" ")] or ["pip failed"])[-1]
        print(f"course helpers NOT installed: pip could not install {{COURSE_PIP!r}} from {{COURSE_HOME}} ({{_why.strip()}}).\\n"
              "What to do: check that this runtime has internet and that the course's home exists and is public (ask your "
              "instructor); or get the course zip, upload its cnn_course folder next to this notebook (Colab: the Files "
              "panel on the left), and run this cell again.")
        raise SystemExit("the course helpers are missing: see the message above")
    importlib.invalidate_caches()
    _dist = importlib.metadata.distribution("{package}")
    _commit = json.loads(_dist.read_text("direct_url.json") or "{{}}").get("vcs_info", {{}}).get("commit_id", "")
    print(f"course helpers: installed {package} {{_dist.version}} from {{COURSE_HOME}}" + (f" (commit {{_commit[:10]}})" if _commit else "")
          + ("" if _dist.version == COURSE_VERSION else f"; this notebook was released with {{COURSE_VERSION}}") + "; torch untouched")
'''


def setup_code(home: Home, version: str) -> str:
    """The setup cell's first part: the course helpers importable, and one line saying how."""
    package = PACKAGE if home.is_git else home.name
    return SETUP.format(where=home.where, pip_spec=home.pip_spec, version=home.version or version, package=package)


class CourseHome(NbGraderPreprocessor):
    """Fills each notebook's placeholders from the course's home (a preprocessor of generate_assignment)."""

    home = Unicode("", help="The course's home: OWNER/NAME[@BRANCH] on GitHub, or NAME==VERSION on PyPI. "
                            "Set it with `python -m autograder release --home`.").tag(config=True)
    commit = Unicode("", help="The commit the setup cell installs from a Git home (40 hex digits); empty: the "
                              "branch's latest. Set it with `python -m autograder release --pin`.").tag(config=True)
    upload_url = Unicode("", help="Where students hand in their notebook (a form or LMS address); empty: "
                                  "'as your instructor says'.").tag(config=True)

    def preprocess(self, nb, resources):
        home = Home.parse(self.home)
        if self.commit and home.is_git:
            if not SHA.match(self.commit):
                raise HomeError(f"c.CourseHome.commit = {self.commit!r}: expected a full 40-digit commit sha")
            home = dataclasses.replace(home, commit=self.commit)
        info = resources.get("nbgrader", {})
        release_dir = getattr(getattr(self.parent, "coursedir", None), "release_directory", "release")
        notebook = f"{release_dir}/{info.get('assignment', '')}/{info.get('notebook', '')}.ipynb"
        found = {"header": False, "setup": False}
        for cell in nb.cells:
            if cell.cell_type == "markdown" and HEADER_PLACEHOLDER in cell.source:
                cell.source = cell.source.replace(HEADER_PLACEHOLDER, header(home, notebook, self.upload_url))
                found["header"] = True
            elif cell.cell_type == "code" and SETUP_PLACEHOLDER.search(cell.source):
                cell.source = SETUP_PLACEHOLDER.sub(lambda _: setup_code(home, helpers_version()), cell.source, count=1)
                found["setup"] = True
        missing = [what for what, ok in found.items() if not ok]
        if missing:
            self.log.warning("%s: no %s placeholder (%s); the release has none", notebook, " or ".join(missing),
                             ", ".join({"header": HEADER_PLACEHOLDER, "setup": "# {{ course_setup }}"}[m] for m in missing))
        return nb, resources


GRADING_NOTEBOOK = "notebooks/grade_on_colab.ipynb"
GRADING_HOME_LINE = re.compile(r'^COURSE_HOME = "[^"]*"', re.M)
GRADING_BADGE = re.compile(r"\(https://colab\.research\.google\.com/github/[^)]*\)")


def sync_grading_notebook(course_root: Path, home: Home) -> bool:
    """The instructors' notebook (``notebooks/grade_on_colab.ipynb``, opened from GitHub, not released by
    nbgrader) gets the same home: its badge and its ``COURSE_HOME`` line. True when it changed."""
    import nbformat

    path = Path(course_root) / GRADING_NOTEBOOK
    if not path.exists() or not home.is_git:
        return False  # a package index holds no source/ to grade with: that notebook needs a Git home
    nb = nbformat.read(path, as_version=4)
    before = [c.source for c in nb.cells]
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = GRADING_BADGE.sub(f"({home.colab_url(GRADING_NOTEBOOK)})", cell.source, count=1)
        elif cell.cell_type == "code":
            cell.source = GRADING_HOME_LINE.sub(f'COURSE_HOME = "{home.owner}/{home.name}@{home.ref}"', cell.source, count=1)
    if [c.source for c in nb.cells] == before:
        return False
    nbformat.write(nb, path)
    return True


def configured_home(course_root: Path) -> Home:
    """The home ``nbgrader_config.py`` names (read as nbgrader reads it)."""
    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course_root)).load_config()
    return Home.parse(config.CourseHome.home if "CourseHome" in config else "")
