"""Build the example submissions in ``examples/submitted/<student>/<assignment>/``.

They are what a class hands in: complete, partial and untouched notebooks, one saved by Colab (nbgrader
metadata gone), one mangled, one that tampers, one broken file, one with an infinite loop. Each is made
from the release notebook the student received, with code taken from the source's solutions and from
``tests/mutants/``, so nothing here is written twice. Run ``./run.sh python -m examples.make_examples``
after changing an assignment; ``tests/test_examples.py`` checks the committed files are up to date.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import nbformat

from autograder.assignment import Assignment
from autograder.course import Course
from autograder.proof import load_candidates

ROOT = Path(__file__).resolve().parent.parent


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
    parsed = Assignment.parse(nb, "submission")
    exercises = [e.index for e in parsed.exercises.values()]
    tests = [t.index for t in parsed.tests]
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
        if cell.source.startswith("# EXERCISE"):
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
    return next(iter(mutants.mutants[exercise].values()))


def build(assignment: str, root: Path) -> dict[str, float]:
    """Write the example class for one assignment; returns each student's expected score."""
    course = Course(ROOT)
    model, release = course.assignment(assignment), nbformat.read(course.release_path(assignment), as_version=4)
    name, answers, mutants = course.source_path(assignment).name, model.solutions(), load_candidates(course, assignment)
    exercises = list(answers)
    total = model.points

    def fill(answered: dict[str, str]):
        return model.answered(answered, release)

    def worth(*exs):
        return sum(model.exercises[e].points for e in exs)

    wrong = exercises[1::2]  # every other exercise gets a real student mistake
    loop = exercises[-1]
    # a loop that never ends on float64 input: only the hidden tests pass it
    looping = answers[loop].replace('"""\n', '"""\n    while x.dtype == torch.float64:\n        pass\n', 1)
    expected = {
        "ada_complete": total,
        "ben_partial": total - worth(*wrong),
        "cam_untouched": 0.0,
        "dee_colab": total,
        "eli_mangled": total,
        "eve_tampers": 0.0,
        "fay_broken_file": 0.0,
        "gus_infinite_loop": total - sum(t.points for t in model.exercises[loop].tests if t.hidden),
    }
    write(fill(answers), "ada_complete", assignment, name, root)
    write(fill({**answers, **{e: first_mutant(mutants, e) for e in wrong}}), "ben_partial", assignment, name, root)
    write(release, "cam_untouched", assignment, name, root)
    write(strip_metadata(fill(answers)), "dee_colab", assignment, name, root)
    write(mangle(fill(answers)), "eli_mangled", assignment, name, root)
    tamper = first_mutant(mutants, exercises[0]) + "\nimport torch\ntorch.allclose = lambda *args, **kwargs: True\n"
    write(fill({**answers, exercises[0]: tamper}), "eve_tampers", assignment, name, root)
    text = json.dumps(fill(answers), indent=1)
    write(text[: len(text) // 2], "fay_broken_file", assignment, name, root)
    write(fill({**answers, loop: looping}), "gus_infinite_loop", assignment, name, root)
    return expected


EXAMPLES = {"00_images_as_tensors"}  # the assignment whose class is bundled

if __name__ == "__main__":
    out = ROOT / "examples" / "submitted"
    scores = {a: build(a, out) for a in sorted(EXAMPLES)}
    (ROOT / "examples" / "expected_scores.json").write_text(json.dumps(scores, indent=2, sort_keys=True) + "\n")
    print(json.dumps(scores, indent=2))
