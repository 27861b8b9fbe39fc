"""Build the example submissions in ``examples/submitted/<student>/<assignment>/``.

They are what a class hands in: complete, partial and untouched notebooks, one saved by Colab (nbgrader
metadata gone), one mangled, one that tampers, one broken file, one with an infinite loop. Each is made
from the release notebook the student received, with code taken from the source's solutions and from
``tests/mutants/``, so nothing here is written twice. Run ``python examples/make_examples.py`` after
changing an assignment; ``tests/test_examples.py`` checks the committed files are up to date.
"""
from __future__ import annotations

import copy
import functools
import importlib.util
import json
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.course import Course  # noqa: E402
from autograder.markers import marker_of  # noqa: E402

SOLUTION_LINES = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*(\n|$)", re.MULTILINE)


def load_mutants(assignment: str):
    path = ROOT / "tests" / "mutants" / f"{assignment}.py"
    spec = importlib.util.spec_from_file_location(f"mutants_{assignment}", path)
    module = importlib.util.module_from_spec(spec)
    # the reference solutions, so a mutant is written as one edit of them instead of a copy
    reference = {e: code.split("\n", 1)[1] for e, code in solutions(Course(ROOT).source(assignment)).items()}
    spec.loader.exec_module(module)
    from autograder.proof import Edit
    for table in (module.MUTANTS, module.ALTERNATIVES):
        for entries in table.values():
            for name, code in entries.items():
                if isinstance(code, Edit):
                    entries[name] = code.apply(reference[code.exercise])
    return module


def edit_reference(reference: dict[str, str], exercise: str, *edits: tuple[str, str]) -> str:
    """The reference cell of `exercise` with each (old, new) edit applied; each `old` must occur exactly once,
    so a changed solution breaks the mutant loudly instead of silently leaving it correct."""
    code = reference[exercise]
    for old, new in edits:
        if code.count(old) != 1:
            raise ValueError(f"{exercise}: {old!r} occurs {code.count(old)} times in the reference solution")
        code = code.replace(old, new)
    return code


def solutions(source) -> dict[str, str]:
    """Exercise id -> the cell as a student who solved it would have it (solution markers removed)."""
    return {m.grade_id: SOLUTION_LINES.sub("", c.source) for c in source.cells
            if (m := marker_of(c)) and m.kind == "exercise"}


def fill(release, answers: dict[str, str]):
    """The release notebook with the given exercise cells answered (marker line kept)."""
    nb = copy.deepcopy(release)
    for cell in nb.cells:
        marker = marker_of(cell)
        if marker and marker.kind == "exercise" and marker.grade_id in answers:
            code = answers[marker.grade_id]
            cell.source = code if code.lstrip().startswith("# EXERCISE") else f"# EXERCISE: {marker.grade_id}\n{code.strip()}\n"
    return nb


def strip_metadata(nb):
    """What Colab and VS Code do: nbgrader metadata and cell ids gone, another kernelspec."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        cell.metadata = {}
    nb.metadata = {"colab": {"provenance": []}, "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)"}}
    return nb


def mangle(nb):
    """Cells moved, inserted, deleted, duplicated, a test edited and a test turned into markdown."""
    nb = copy.deepcopy(nb)
    cells = nb.cells
    exercises = [i for i, c in enumerate(cells) if (m := marker_of(c)) and m.kind == "exercise"]
    tests = [i for i, c in enumerate(cells) if (m := marker_of(c)) and m.kind == "test"]
    cells[tests[0]].source = cells[tests[0]].source.splitlines()[0] + "\npass  # the student 'fixed' the test\n"
    cells[tests[1]].cell_type = "markdown"
    cells[tests[1]].pop("outputs", None)
    cells[tests[1]].pop("execution_count", None)
    duplicate = copy.deepcopy(cells[exercises[0]])
    scratch = nbformat.v4.new_code_cell("scratch = 1 + 1  # a cell the student added")
    scratch.id = "student-scratch"  # fixed, so the committed example is reproducible
    last_test = cells.pop(tests[-1])
    moved = cells.pop(exercises[-1])
    cells.insert(1, moved)  # the last exercise, answered at the top
    cells.insert(exercises[0] + 2, duplicate)
    cells.insert(3, scratch)
    del last_test  # a test cell deleted
    for cell in cells:
        if (m := marker_of(cell)) and m.kind == "exercise":
            cell.metadata = {"nbgrader": {"grade_id": "dup", "solution": True, "grade": False}}
    nb.metadata["kernelspec"] = {"name": "conda-env-py", "display_name": "my env", "language": "python"}
    return nb


def write(nb_or_text, student: str, assignment: str, name: str, root: Path) -> Path:
    path = root / student / assignment / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(nb_or_text, str):
        path.write_text(nb_or_text)
    else:
        path.write_text(json.dumps(nb_or_text, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    return path


def first_mutant(mutants, exercise: str) -> str:
    return next(iter(mutants.MUTANTS[exercise].values()))


def build(assignment: str, root: Path) -> dict[str, float]:
    """Write the example class for one assignment; returns each student's expected score."""
    course = Course(ROOT)
    source, release = course.source(assignment), nbformat.read(course.release_path(assignment), as_version=4)
    name, answers, mutants = course.source_path(assignment).name, solutions(source), load_mutants(assignment)
    exercises = list(answers)
    points = {m.grade_id: m.points for c in source.cells if (m := marker_of(c)) and m.kind == "test"}
    from autograder.markers import tests_by_exercise

    groups = tests_by_exercise(source)
    total = sum(points.values())

    def worth(*exs):
        return sum(points[t] for e in exs for t in groups[e])

    wrong = exercises[1::2]  # every other exercise gets a real student mistake
    loop = exercises[-1]
    # a loop that never ends on batched input: only the hidden tests see it
    looping = answers[loop].replace('"""\n', '"""\n    while x.dim() == 4:\n        pass\n', 1)
    expected = {
        "ada_complete": total,
        "ben_partial": total - worth(*wrong),
        "cam_untouched": 0.0,
        "dee_colab": total,
        "eli_mangled": total,
        "eve_tampers": 0.0,
        "fay_broken_file": 0.0,
        "gus_infinite_loop": total - sum(points[t] for t in groups[loop] if t.endswith("_hidden")),
    }
    write(fill(release, answers), "ada_complete", assignment, name, root)
    write(fill(release, {**answers, **{e: first_mutant(mutants, e) for e in wrong}}), "ben_partial", assignment, name, root)
    write(release, "cam_untouched", assignment, name, root)
    write(strip_metadata(fill(release, answers)), "dee_colab", assignment, name, root)
    write(mangle(fill(release, answers)), "eli_mangled", assignment, name, root)
    tamper = first_mutant(mutants, exercises[0]) + "\nimport torch\ntorch.allclose = lambda *args, **kwargs: True\n"
    write(fill(release, {**answers, exercises[0]: tamper}), "eve_tampers", assignment, name, root)
    text = json.dumps(fill(release, answers), indent=1)
    write(text[: len(text) // 2], "fay_broken_file", assignment, name, root)
    write(fill(release, {**answers, loop: looping}), "gus_infinite_loop", assignment, name, root)
    return expected


EXAMPLES = {"00_images_as_tensors"}  # the assignment whose class is bundled

if __name__ == "__main__":
    out = ROOT / "examples" / "submitted"
    scores = {a: build(a, out) for a in sorted(EXAMPLES)}
    (ROOT / "examples" / "expected_scores.json").write_text(json.dumps(scores, indent=2, sort_keys=True) + "\n")
    print(json.dumps(scores, indent=2))
