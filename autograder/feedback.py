"""nbgrader preprocessor for feedback: students see test names, points and messages, not hidden tests."""
from nbgrader.preprocessors import NbGraderPreprocessor

from .markers import HIDDEN_TESTS, marker_of


class HideHiddenTests(NbGraderPreprocessor):
    """Remove hidden-test code from test cells and shorten their errors to one line.

    A traceback through a hidden test quotes its lines, so only ``ename: evalue`` is kept.
    """

    def preprocess_cell(self, cell, resources, index):
        marker = marker_of(cell)
        if marker is None or marker.kind != "test":
            return cell, resources
        cell.source = HIDDEN_TESTS.sub("# (hidden tests ran here)\n", cell.source)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources
