"""Proof that an assignment's tests work: every mutant (a plausible wrong solution) loses points on its
exercise's tests, and every correct alternative keeps full marks, graded through the autograder.

Mutant files (``tests/mutants/<assignment>.py``) hold two dicts, ``MUTANTS`` and ``ALTERNATIVES``:
exercise -> {description: code}. The code is a whole exercise cell (without its marker line), or
``mutate(exercise, (old, new), ...)``: the source's solution with those edits, resolved when the file is
loaded against the assignment, so a mistake is one readable edit instead of a copy of the solution.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Edit:
    """The reference solution of ``exercise`` with each edit applied: an ``(old, new)`` replacement, or a
    function of the code for an edit that a replacement cannot say."""
    exercise: str
    edits: tuple

    def apply(self, solution: str) -> str:
        code = solution
        for edit in self.edits:
            if callable(edit):
                code = edit(code)
                continue
            old, new = edit
            # exactly once: a changed solution then breaks the mutant loudly instead of leaving it correct
            if code.count(old) != 1:
                raise ValueError(f"{self.exercise}: {old!r} occurs {code.count(old)} times in the reference solution")
            code = code.replace(old, new)
        return code


def mutate(exercise: str, *edits) -> Edit:
    return Edit(exercise, tuple(edits))
