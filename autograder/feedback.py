"""nbgrader preprocessor for feedback: students see test names, points and messages, not hidden tests."""
from nbgrader.preprocessors import NbGraderPreprocessor

from .assignment import Delimiters
from .markers import marker_of


class HideHiddenTests(NbGraderPreprocessor):
    """Remove hidden-test code from test cells and shorten their errors to one line.

    A traceback through a hidden test quotes its lines, so only ``ename: evalue`` is kept.
    """

    def preprocess(self, nb, resources):
        self.delimiters = Delimiters.from_config(self.config)  # the course's, as nbgrader was given them
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, index):
        marker = marker_of(cell)
        if marker is None or marker.kind != "test":
            return cell, resources
        cell.source = self.delimiters.hide_hidden_tests(cell.source, "# (hidden tests ran here)\n")
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources
