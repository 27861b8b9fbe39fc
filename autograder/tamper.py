"""Static check of student code for tampering with what the tests rely on.

It reads the student's cells (exercise cells and any cells they added) as Python, after IPython's
magics are translated, and reports assignments to the comparison functions, the course's check
helpers, IPython's error display, builtins, ``sys.modules`` and the grader itself. The runtime guard
(:mod:`autograder.kernel_guard`) catches what a static read cannot (``exec`` of a built string).
"""
from __future__ import annotations

import ast

from . import protected, syntax


def _translate_magics(code: str) -> str:
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:
        return code
    try:
        return TransformerManager().transform_cell(code)
    except Exception:
        return code


class _Scanner(ast.NodeVisitor):
    def __init__(self):
        self.aliases: dict[str, str] = {"__builtins__": "builtins"}
        self.findings: list[tuple[int, str]] = []

    def _flag(self, node: ast.AST, what: str) -> None:
        self.findings.append((getattr(node, "lineno", 0), what))

    def _dotted(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self._dotted(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call):  # get_ipython().showtraceback = ...
            return self._dotted(node.func)
        return None

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.split(".")[0] == "autograder":
                self._flag(node, f"imports the grader ({alias.name})")
            self.aliases[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if module.split(".")[0] == "autograder":
            self._flag(node, f"imports the grader ({module})")
        for alias in node.names:
            self.aliases[alias.asname or alias.name] = f"{module}.{alias.name}"

    def _check_target(self, target: ast.AST, verb: str) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._check_target(element, verb)
        elif isinstance(target, ast.Attribute):
            owner = self._dotted(target.value) or ""
            if protected.protects(owner, target.attr):
                self._flag(target, f"{verb} {owner or '<object>'}.{target.attr}")
        elif isinstance(target, ast.Subscript):
            owner = self._dotted(target.value) or ""
            if owner in ("sys.modules", "builtins") or protected.in_protected_module(owner):
                self._flag(target, f"{verb} an item of {owner}")

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._check_target(target, "replaces")
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._check_target(node.target, "modifies")
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._check_target(target, "deletes")

    def visit_Call(self, node: ast.Call) -> None:
        name = self._dotted(node.func) or ""
        short = name.rsplit(".", 1)[-1]
        if short in ("setattr", "delattr") and node.args:
            owner = self._dotted(node.args[0]) or ""
            attr = node.args[1].value if len(node.args) > 1 and isinstance(node.args[1], ast.Constant) else None
            if protected.in_protected_module(owner) or protected.protects(owner, attr):
                self._flag(node, f"{short}({owner or '<object>'}, {attr!r})")
        elif short in protected.CALLS:
            self._flag(node, f"calls {name}")
        elif short in ("exec", "eval", "run_line_magic", "run_cell_magic", "compile"):
            for arg in node.args:  # code passed as a literal string is still code (`%time`, exec("..."))
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    try:
                        self.visit(syntax.parse(_translate_magics(arg.value)))
                    except SyntaxError:
                        pass
        elif short in ("setitem", "update", "pop", "__setitem__") and (self._dotted(getattr(node.func, "value", None)) or "") in ("sys.modules", "builtins.__dict__"):
            self._flag(node, f"calls {name}")
        self.generic_visit(node)


def scan(code: str) -> list[tuple[int, str]]:
    """``[(line, what)]`` for each tampering found in one cell's code (empty when clean)."""
    try:
        tree = syntax.parse(_translate_magics(code))
    except SyntaxError:
        return []  # the cell fails when it runs; nothing to tamper with
    scanner = _Scanner()
    scanner.visit(tree)
    return scanner.findings
