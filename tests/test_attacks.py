"""Attacks from a student's notebook, graded as a class through the grader in its default sandbox: none
gains a point, changes a file, reaches the network or outlives its grading, and every other student is
graded as before. (The sandbox's layers one by one: tests/test_sandbox.py.)

The second test attacks the verdicts from *inside* the kernel (IPython input and AST transformers, event
callbacks, a replaced guard, sys.settrace, results whose ``__eq__`` lies, os._exit, memory and fork bombs):
00's tests are decided by the grader's checker (autograder/checker.py), outside the kernel, so wrong answers
stay wrong however the kernel is bent.
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import socket
import textwrap
import threading

import psutil
import pytest

from autograder.assignment import Assignment
from autograder.markers import marker_of
from autograder.execute import Limits
from autograder.grade import Options, grade_all
from autograder.submission import Submission
from conftest import COURSE, grade_notebooks, read, write_submissions

pytestmark = pytest.mark.slow

A = "00_images_as_tensors"
MODEL = COURSE.assignment(A)
RELEASE = read(COURSE.release_path(A))
ANSWERS = MODEL.solutions()
TOKEN = "cnn-course-attack-7f3a"  # on every process an attack starts, to find survivors
FORK_TOKEN = "cnnforkbomb91c2"  # the fork bomb's process name (its own: the saboteur class may be grading alongside)


def attack(code: str, then: dict[str, str] | None = None):
    """A notebook whose first exercise cell runs ``code`` (its failure ignored), then the answers ``then``."""
    answers = dict(ANSWERS if then is None else then)
    first = next(iter(MODEL.exercises))
    body = answers.get(first, "")  # no answer of its own: only what the attack gets
    answers[first] = "try:\n" + textwrap.indent(textwrap.dedent(code).strip(), "    ") + "\nexcept Exception:\n    pass\n" + body
    return MODEL.answered(answers, RELEASE)


@pytest.mark.parametrize("grading", ["threads", "dask"])
def test_a_class_with_saboteurs_is_graded_as_if_they_were_not_there(tmp_path, grading):
    """The same class through the thread pool (`--jobs 2`) and a Dask LocalCluster (`--cluster local`)."""
    course = COURSE.copy_to(tmp_path / "course")
    victim = tmp_path / "submitted" / "victim" / A / f"{A}.ipynb"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    heard: list = []
    threading.Thread(target=lambda: heard.append(listener.accept()), daemon=True).start()
    source_nb = course.source_path(A)
    solutions_by_reading_the_source = f'''
        import json
        cells = json.load(open({str(source_nb)!r}))["cells"]
        for cell in cells:
            text = "".join(cell["source"])
            if text.startswith("# EXERCISE"):
                exec(text.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", ""), globals())
    '''
    saboteurs = {
        # in every exercise cell (a later stub would redefine what an earlier cell took), and no work of its own
        "reads_the_source": MODEL.answered({e: textwrap.dedent(solutions_by_reading_the_source) for e in MODEL.exercises},
                                           RELEASE),
        "overwrites_the_victim": attack(f"open({str(victim)!r}, 'w').write('{{}}')"),
        "kills_the_grader": attack(f"import os, signal\nos.kill({os.getpid()}, signal.SIGKILL)\n"
                                   "os.kill(os.getppid(), signal.SIGKILL)"),
        "leaves_a_detached_process": attack(
            f"import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)', "
            f"{TOKEN!r}], start_new_session=True)"),
        "phones_home": attack(f"import socket\nsocket.create_connection(('127.0.0.1', {listener.getsockname()[1]}), "
                              "timeout=3).sendall(b'answers please')"),
        "writes_the_gradebook": attack(f"import sqlite3\nsqlite3.connect({str(course.root / 'gradebook.db')!r})"
                                       ".execute('create table pwned (x)')"),
    }
    honest = {"victim": MODEL.answered(ANSWERS, RELEASE), "untouched": RELEASE}
    files = {**honest, **saboteurs}
    options = Options(profile="quick", device="cpu", jobs=2, limits=Limits(cell_timeout=60, total_timeout=300))
    if grading == "threads":
        results, _ = grade_notebooks(files, A, tmp_path, options, course=course)
    else:
        from autograder.cluster import grade_on_cluster

        graded = grade_on_cluster(write_submissions(files, A, tmp_path), course.assignment(A), options, "local")
        results = {r.student: r.to_json() for r, _ in graded}
    written = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (tmp_path / "submitted").rglob("*.ipynb")}
    expected = {"victim": 12, "untouched": 0, "reads_the_source": 0, **{s: 12 for s in saboteurs if s != "reads_the_source"}}
    assert {s: r["score"] for s, r in results.items()} == expected, {s: r["notes"] for s, r in results.items()}
    assert all(r["isolation"].startswith("standard") for r in results.values())
    # nothing changed on disk: every submission as written (grading read them after all were written)
    assert victim.read_text() != "{}"
    assert {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in written} == written
    assert not (course.root / "gradebook.db").exists()  # grade_notebooks does not record: nobody else may either
    assert not heard, "a kernel reached a listener on the grader's loopback"
    survivors = [p.info["pid"] for p in psutil.process_iter(["pid", "cmdline"]) if TOKEN in " ".join(p.info["cmdline"] or [])]
    assert not survivors, f"processes started by a submission outlived its grading: {survivors}"
    listener.close()


# Wrong answers with the right shapes: honestly they score 0.
WRONG = {
    "to_tensor": "def to_tensor(img):\n    a = np.asarray(img)\n    a = a if a.ndim == 3 else a[:, :, None]\n"
                 "    return torch.zeros(a.shape[2], a.shape[0], a.shape[1])\n",
    "to_grayscale": "def to_grayscale(x):\n    return torch.zeros_like(x[..., :1, :, :])\n",
    "channel_histograms": "def channel_histograms(x, bins=16):\n    return torch.zeros(x.shape[0], bins)\n",
    "normalize": "def normalize(x, mean, std):\n    return torch.zeros_like(x)\n",
}
BENT = {  # each makes the in-kernel checks pass, or tries to
    "input_transformer": "get_ipython().input_transformers_post.append("
                         "lambda lines: ['pass\\n'] if lines and lines[0].startswith('# TEST') else lines)",
    "ast_transformer": """
        import ast
        class Blank(ast.NodeTransformer):
            def visit_Module(self, node):
                return ast.Module(body=[ast.Pass()], type_ignores=[]) if 'check_' in ast.unparse(node) else node
        get_ipython().ast_transformers.append(Blank())""",
    # spelled so that the static scan misses them: the checker must not need it
    "event_callback": """
        checks = __import__('cnn_course.checks', fromlist=['checks'])
        guard = get_ipython().user_ns['__grader' + '_guard__']
        def quiet(*args, **kwargs):
            vars(checks).update({n: (lambda *a, **k: None) for n in ('check_close', 'check_shape', '_fail')})
            vars(guard).update(verify=lambda nonce: print(f'GUARD {nonce} OK'))
        get_ipython().events.register('pre_run_cell', quiet)""",
    "replaced_guard": """
        guard = get_ipython().user_ns['__grader' + '_guard__']
        vars(guard).update(restore=lambda: None, verify=lambda nonce: print(f'GUARD {nonce} OK'))
        vars(__import__('cnn_course.checks', fromlist=['checks']))['_fail'] = lambda *a, **k: None""",
    "settrace": """
        import ctypes, sys
        def tracer(frame, event, arg):
            if event == 'call' and frame.f_code.co_name in ('check_close', 'check_equal'):
                frame.f_locals['expected'] = frame.f_locals.get('got')
                ctypes.pythonapi.PyFrame_LocalsToFast(ctypes.py_object(frame), ctypes.c_int(0))
            return None
        sys.settrace(tracer)""",
}
LIAR = """
class Liar(torch.Tensor):
    def __eq__(self, other): return True
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return True
"""


def test_verdicts_are_decided_outside_the_kernel_however_it_is_bent(tmp_path):
    assert MODEL.tests and all(t.checked for t in MODEL.tests), "00's tests must be decided by the grader"
    honest = dict(ANSWERS)
    files = {name: attack(code, WRONG) for name, code in BENT.items()}
    files["lying_eq"] = MODEL.answered({**WRONG, "to_tensor": LIAR + WRONG["to_tensor"].replace(
        "return torch.zeros(a.shape[2], a.shape[0], a.shape[1])",
        "return torch.zeros(a.shape[2], a.shape[0], a.shape[1]).as_subclass(Liar)")}, RELEASE)
    # honest answers that end the kernel when the grader's float64 inputs arrive (the hidden normalize test)
    files["exits_mid_test"] = MODEL.answered({**honest, "normalize": honest["normalize"].replace(
        "    mean = torch.as_tensor(mean",
        "    import os\n    if x.dtype == torch.float64:\n        os._exit(3)\n    mean = torch.as_tensor(mean", 1)}, RELEASE)
    files["memory_bomb"] = MODEL.answered({**honest, "normalize": honest["normalize"].replace(
        "    mean = torch.as_tensor(mean",
        "    if x.dtype == torch.float64:\n        hog = [bytearray(2**28) for _ in range(200)]\n    mean = torch.as_tensor(mean", 1)},
        RELEASE)
    files["fork_bomb"] = attack(f"""
        import os, sys, time
        for _ in range(5000):
            if os.fork() == 0:
                open('/proc/self/comm', 'w').write({FORK_TOKEN!r}); time.sleep(120); os._exit(0)""")
    files["victim"] = MODEL.answered(honest, RELEASE)
    options = Options(profile="quick", device="cpu", jobs=2, limits=Limits(cell_timeout=60, total_timeout=300))
    results, _ = grade_notebooks(files, A, tmp_path, options)
    scores = {s: r["score"] for s, r in results.items()}
    expected = {**{s: 0 for s in [*BENT, "lying_eq"]}, "exits_mid_test": 10, "memory_bomb": 10, "victim": 12}
    assert {s: scores[s] for s in expected} == expected, {s: r["notes"] for s, r in results.items()}
    assert scores["fork_bomb"] <= 12
    assert any("os._exit" in cell.source for cell in files["exits_mid_test"].cells)
    survivors = [p.info["pid"] for p in psutil.process_iter(["pid", "name"]) if p.info["name"] == FORK_TOKEN]
    assert not survivors, f"processes started by a submission outlived its grading: {survivors}"

    # the control: with the same tests decided inside the kernel, these bends do gain the points
    in_kernel = copy.deepcopy(MODEL.notebook)
    in_kernel.metadata["cnn_course"]["verdicts"] = "kernel"
    model = Assignment.parse(in_kernel, A, MODEL.path, MODEL.delimiters)
    subs = []
    for name in BENT:
        path = tmp_path / "control" / name / A / f"{A}.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(files[name]))
        subs.append(Submission(name, path))
    assert [r.score for r, _ in grade_all(subs, model, options)] == [12] * len(BENT)


@pytest.mark.parametrize("name", [a for a in COURSE.assignments()
                                  if a != A and all(t.checked for t in COURSE.assignment(a).tests)])
def test_tests_decided_outside_the_kernel_give_an_input_transformer_nothing(tmp_path, name):
    """A release, untouched but for a cell that turns every test cell into `pass` (which scores 12/12 on
    00 decided in the kernel, test_verdicts_are_decided_outside_the_kernel_however_it_is_bent): every test of
    an assignment the checker decides whole (all but 00, which the test above covers) stays failed, so
    the bend gains nothing."""
    model = COURSE.assignment(name)
    release = read(COURSE.release_path(name))
    bent = copy.deepcopy(release)  # the release's first exercise (a stub inside its def) installs the bend
    first = next(c for c in bent.cells if c.cell_type == "code" and (m := marker_of(c)) and m.kind == "exercise")
    first.source += "\n" + BENT["input_transformer"] + "\n"
    options = Options(profile="quick", device="cpu", jobs=1, limits=Limits(cell_timeout=60, total_timeout=600))
    results, _ = grade_notebooks({"bent": bent}, name, tmp_path, options)
    assert all(t.checked for t in model.tests)
    gained = {t["grade_id"] for t in results["bent"]["tests"] if t["passed"]}
    assert gained == set(), gained


def test_a_probe_that_lies_about_an_untrained_encoder_gains_nothing(tmp_path):
    """06's headline result (SimCLR's features beat random ones) is measured by the grader from the encoder's
    weights alone: a notebook that never pretrains, and whose linear_probe passes its own tests but claims 99 %
    for the notebook's SimCLR encoder, loses test_self_supervised_beats_random as well as the pretraining's."""
    name = "06_self_supervised"
    model = COURSE.assignment(name)
    answers = model.solutions()
    answers["pretrain_simclr"] = ("def pretrain_simclr(encoder, loader, epochs, *args, **kwargs):\n"
                                  "    return {'loss': [2.0 - 0.01 * i for i in range(epochs * len(loader))]}\n")
    answers["linear_probe"] = answers["linear_probe"] + (
        "\n\n_honest_probe = linear_probe\n\n"
        "def linear_probe(encoder, train, test, steps=200, lr=0.05):\n"
        "    accuracy = _honest_probe(encoder, train, test, steps, lr)\n"
        "    return 0.99 if encoder is globals().get('simclr_encoder') else accuracy\n")
    liar = model.answered(answers, read(COURSE.release_path(name)))
    options = Options(profile="quick", device="cpu", jobs=1, limits=Limits(cell_timeout=120, total_timeout=900))
    results, _ = grade_notebooks({"liar": liar}, name, tmp_path, options)
    failed = {t["grade_id"] for t in results["liar"]["tests"] if not t["passed"]}
    assert failed == {"test_pretrain_simclr", "test_self_supervised_beats_random"}, results["liar"]["tests"]
    message = next(t["message"] for t in results["liar"]["tests"] if t["grade_id"] == "test_self_supervised_beats_random")
    assert "the grader's linear probe" in message, message
