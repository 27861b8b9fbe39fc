"""Every assignment: the release fails every test and hides what it must, release/ is what generation
produces now, and the companion notebook executes. That the source runs clean and passes every test is
shown by the proof (tests/test_proof.py): one of its two sessions per assignment grades the whole source."""
from __future__ import annotations

import filecmp
import json
import re

import pytest
from nbclient import NotebookClient

from autograder.course import check_markers, generate_release
from conftest import ASSIGNMENTS, COURSE, ROOT, grade_notebooks, read

pytestmark = pytest.mark.slow  # every test here runs notebooks in kernels


def test_every_assignment_of_the_course_is_here():
    assert ASSIGNMENTS[0] == "00_images_as_tensors" and len(ASSIGNMENTS) >= 1


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_markers_agree_with_nbgrader_metadata_and_source_has_no_outputs(assignment):
    check_markers(COURSE.source(assignment), assignment)  # raises CourseError with the problems


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_exercise_has_visible_and_hidden_tests(assignment):
    for exercise in COURSE.assignment(assignment).exercises.values():
        assert exercise.tests, f"{exercise.name} has no test cell"
        assert any(t.hidden.strip() for t in exercise.tests), f"{exercise.name} has no hidden tests"
        assert any(re.search(r"\bcheck\w*\(", t.visible) for t in exercise.tests), f"{exercise.name} has no visible test"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_notebook_fails_every_graded_test(assignment, tmp_path):
    release = read(COURSE.release_path(assignment))
    results, _ = grade_notebooks({"release": release}, assignment, tmp_path)
    assert results["release"]["score"] == 0
    assert all(not t["passed"] for t in results["release"]["tests"])


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_holds_no_solution_and_no_hidden_test(assignment):
    model = COURSE.assignment(assignment)
    delimiters = model.delimiters
    text = COURSE.release_path(assignment).read_text()
    released_lines = {line.strip() for c in read(COURSE.release_path(assignment)).cells for line in c.source.splitlines()}
    assert delimiters.begin_solution not in text and delimiters.begin_hidden not in text
    secret_lines = set()
    for cell in model.notebook.cells:
        for block in (delimiters.solution_lines(cell.source), delimiters.hidden_part(cell.source)):
            secret_lines |= {line.strip() for line in block.splitlines() if len(line.strip()) > 25}
    visible_code = {line.strip() for c in model.notebook.cells for line in delimiters.public_part(c.source).splitlines()}
    leaked = sorted((secret_lines - visible_code) & released_lines)
    assert not leaked, leaked[:5]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_is_what_generation_produces_now(assignment, course_copy):
    fresh = generate_release(course_copy, assignment)
    committed = COURSE.release_path(assignment)
    assert json.loads(fresh.read_text()) == json.loads(committed.read_text()), \
        "release/ is stale: run `python -m autograder release`"
    folder = committed.parent
    comparison = filecmp.dircmp(folder, fresh.parent)
    assert not comparison.left_only and not comparison.right_only


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_total_points_in_readme_table(assignment):
    total = COURSE.assignment(assignment).points
    rows = [line for line in (ROOT / "README.md").read_text().splitlines()
            if line.startswith("|") and assignment in line]
    assert rows, f"README's assignment table has no row for {assignment}"
    assert rows[0].rstrip(" |").endswith(f"{total:g}"), f"README says {rows[0]!r}, notebook has {total:g} points"


COMPANIONS = sorted(p.name for p in (ROOT / "notebooks").glob("*_demos.ipynb"))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_each_assignment_has_a_companion_notebook(assignment):
    assert f"{assignment}_demos.ipynb" in COMPANIONS


@pytest.mark.parametrize("name", COMPANIONS)
def test_companion_notebook_is_stored_executed_and_current(name):
    from autograder import companions

    path = ROOT / "notebooks" / name
    committed = read(path)
    assert any(o for c in committed.cells if c.cell_type == "code" for o in c.get("outputs", [])), \
        "stored without outputs: run `python -m autograder companions`"
    found = companions.differences(committed, companions.execute(path))
    assert not found, "stale: run `python -m autograder companions`\n" + "\n".join(found)


def test_a_stale_companion_is_told_apart_from_a_current_one():
    import base64
    import io

    import nbformat as nbf
    from matplotlib.figure import Figure

    from autograder import companions

    def figure(ys) -> str:
        fig = Figure(figsize=(3, 2))
        fig.add_subplot().plot(ys)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        return base64.b64encode(buffer.getvalue()).decode()

    def notebook(png, error=False):
        outputs = [nbf.v4.new_output("display_data", data={"image/png": png})]
        if error:
            outputs.append(nbf.v4.new_output("error", ename="ValueError", evalue="boom", traceback=[]))
        return nbf.v4.new_notebook(cells=[nbf.v4.new_code_cell("plot()", outputs=outputs)])

    line = figure([0, 1, 2, 3])
    assert companions.differences(notebook(line), notebook(line)) == []
    assert "of the pixels differ" in " ".join(companions.differences(notebook(line), notebook(figure([3, 0, 3, 0]))))
    assert "an error in the fresh run" in " ".join(companions.differences(notebook(line), notebook(line, error=True)))


def test_a_figure_of_measured_times_is_compared_by_count_only():
    import nbformat as nbf

    from autograder import companions

    def notebook(png, tags=()):
        out = nbf.v4.new_output("display_data", data={"image/png": png})
        return nbf.v4.new_notebook(cells=[nbf.v4.new_code_cell("plot_times()", outputs=[out], metadata={"tags": list(tags)})])

    import base64
    import io

    from PIL import Image

    def png(colour, size):
        buffer = io.BytesIO()
        Image.new("RGB", size, colour).save(buffer, format="PNG")
        return base64.b64encode(buffer.getvalue()).decode()

    white, black = png("white", (40, 30)), png("black", (40, 31))
    assert companions.differences(notebook(white), notebook(black))  # an ordinary figure: size and pixels count
    assert companions.differences(notebook(white, [companions.TIMED]), notebook(black, [companions.TIMED])) == []
