"""The bundled example class is what examples/make_examples.py builds from today's release and mutants."""
import json

from conftest import ROOT
from examples.make_examples import EXAMPLES, build


def test_committed_examples_are_up_to_date(tmp_path):
    for assignment in EXAMPLES:
        expected = build(assignment, tmp_path)
        committed = json.loads((ROOT / "examples" / "expected_scores.json").read_text())[assignment]
        assert expected == committed
        for fresh in sorted(tmp_path.glob(f"*/{assignment}/*.ipynb")):
            kept = ROOT / "examples" / "submitted" / fresh.relative_to(tmp_path)
            assert kept.read_text() == fresh.read_text(), f"{kept} is stale: run ./run.sh python -m examples.make_examples"
