"""Cut an assignment down to what some of its graded cells need, so a session of the proof runs only that.

A code cell is kept if it is an exercise or test cell of the chosen exercises, or if it binds or changes a
name that a kept cell after it reads. Names come from the syntax tree: no cell is executed to decide.
Keeping a cell too many is safe; dropping one a test needs is not, and the proof checks the slice of
every assignment against the full notebook (`tests/test_proof.py`), so a wrong cut fails loudly.
"""
from __future__ import annotations

import ast
import copy
import functools

from . import syntax
from .assignment import Assignment


DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


@functools.lru_cache(maxsize=None)
def parse_cell(code: str) -> ast.Module:
    """A code cell's syntax tree, IPython magics turned into the calls they stand for (cached: every session
    slices the same cells; callers only read the tree)."""
    from IPython.core.inputtransformer2 import TransformerManager

    return syntax.parse(TransformerManager().transform_cell(code))


def names_used(code: str) -> set[str]:
    """Identifiers the code reads (comments, docstrings and its own definitions aside)."""
    return {n.id for n in ast.walk(parse_cell(code)) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def imported_names(tree: ast.Module) -> set[str]:
    return {(a.asname or a.name).split(".")[0] for n in ast.walk(tree)
            if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}


def star_imports(tree: ast.Module) -> bool:
    """`from m import *` binds names no syntax tree shows, so such a cell may define any name."""
    return any(isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names) for n in ast.walk(tree))


def reads_and_changes(code: str, modules: frozenset = frozenset()) -> tuple[set[str], set[str]]:
    """Names a cell reads, and names it binds or changes (`x = ...`, `def x`, `import x`, `x.attr = ...`,
    `x[i] = ...`, and a top-level `x.method(...)`, which may change x in place; a call on a module such as
    `torch.manual_seed(0)` or `plt.show()` does not count). Names bound inside functions count as changed
    too: keeping a cell too many is safe, dropping one a test needs is not."""
    tree = parse_cell(code)
    nodes = list(ast.walk(tree))
    names = [n for n in nodes if isinstance(n, ast.Name)]
    defined = {n.name for n in tree.body if isinstance(n, DEFINITIONS)} | imported_names(tree)
    changed = {n.id for n in names if isinstance(n.ctx, ast.Store)} | defined
    for node in nodes:
        if isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, ast.Store):
            base = node.value
            while isinstance(base, (ast.Attribute, ast.Subscript)):
                base = base.value
            if isinstance(base, ast.Name):
                changed.add(base.id)
    for statement in tree.body:
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            func = statement.value.func
            while isinstance(func, (ast.Attribute, ast.Subscript, ast.Call)):
                func = func.func if isinstance(func, ast.Call) else func.value
            if isinstance(func, ast.Name) and func is not statement.value.func and func.id not in modules:
                changed.add(func.id)
    # a name the cell binds anywhere (locals and parameters too) is its own, not a need on earlier cells
    bound = {n.id for n in names if not isinstance(n.ctx, ast.Load)} | defined
    bound |= {a.arg for a in nodes if isinstance(a, ast.arg)}
    reads = {n.id for n in names if isinstance(n.ctx, ast.Load)} - bound
    # get_ipython is how the magics parse: the kernel's own, never another cell's
    return reads - {"get_ipython"}, changed - {"get_ipython"}


def graded_slice(assignment: Assignment, exercises: frozenset | None = None,
                 also_reads: frozenset = frozenset()) -> Assignment:
    """The assignment cut to the exercise and test cells of `exercises` (all by default) and the earlier
    code cells they need, transitively: the lesson's figures and demos, and the other exercises' tests,
    drop out, so a proof session runs in a fraction of the notebook's time. `also_reads`: names that code put in
    place of an exercise reads (a mutant calling another exercise's class), kept defined too."""
    nb = copy.deepcopy(assignment.notebook)
    chosen = set(assignment.exercises) if exercises is None else set(exercises)
    graded = {e.index for e in assignment.exercises.values() if e.name in chosen}
    graded |= {t.index for e in assignment.exercises.values() if e.name in chosen for t in e.tests}
    modules = frozenset().union(*(imported_names(parse_cell(cell.source)) for cell in nb.cells
                                  if cell.cell_type == "code"))
    needed: set[str] = set(also_reads)
    keep = []
    for index in reversed(range(len(nb.cells))):
        cell = nb.cells[index]
        if cell.cell_type != "code":
            continue
        reads, changes = reads_and_changes(cell.source, modules)
        if index in graded or changes & needed or (needed and star_imports(parse_cell(cell.source))):
            keep.append(cell)
            needed |= reads
    nb.cells = keep[::-1]
    return Assignment.parse(nb, assignment.name, assignment.path, assignment.delimiters)
