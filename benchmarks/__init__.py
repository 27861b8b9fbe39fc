"""The course's speed, measured side by side: ``python -m benchmarks`` (``./run.sh bench``).

One module per concern: :mod:`.machine` (where it ran), :mod:`.timing` (medians), :mod:`.notebooks`
(source notebooks executed plainly and through the grader), :mod:`.grading` (our grader against plain
``nbgrader autograde``), :mod:`.reference` (the notebooks' reference operators against PyTorch's),
:mod:`.gpu` (full-profile runs, GPU only), :mod:`.targets` (the issue's targets) and :mod:`.report`
(``docs/benchmarks.md`` and ``docs/benchmarks.json``). :mod:`.cli` ties them together.
"""
