"""The pinned versions agree everywhere, and the installed ones are the pinned ones."""
import re
from importlib.metadata import version

import yaml

from conftest import ROOT

PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s#]+)")


def pins_in_requirements() -> dict[str, str]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return {m[1].lower(): m[2] for line in lines if (m := PIN.match(line.strip()))}


def pins_in_environment_yml() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    return {m[1].lower(): m[2] for item in pip if (m := PIN.match(item))}


def test_environment_yml_names_the_same_versions_as_requirements():
    assert pins_in_environment_yml() == pins_in_requirements()


def test_required_versions_are_pinned():
    pins = pins_in_requirements()
    assert pins["torch"] == "2.14.1" and pins["torchvision"] == "0.29.1"
    assert pins["fastai"].startswith("2.8.") and pins["nbgrader"].startswith("0.9.")
    assert pins["jupyterlab"].startswith("4.")


def test_installed_versions_match_the_pins():
    for name, pinned in pins_in_requirements().items():
        assert version(name).split("+")[0] == pinned, name


def test_python_311_in_environment_yml():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]
