"""What nbgrader's feedback shows of the tests: verdicts and messages.

nbgrader's ``autograde`` puts the hidden tests back into each notebook, and
``generate_feedback`` renders that notebook, so by default the feedback shows
the hidden tests' source, and the tracebacks of failed ones quote it again.
:class:`HideHiddenTests` (configured in ``nbgrader_config.py``) removes the
hidden regions, as nbgrader's own ``ClearHiddenTests`` does, and shortens the
error of a failed hidden test to its message: the learner reads what was wrong,
never how it was tested. The graders' ``AssertionError`` of a visible test is
shortened the same way, as its message is all the learner needs.
"""

from __future__ import annotations

from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests

__all__ = ["HideHiddenTests"]


class HideHiddenTests(ClearHiddenTests):
    """Remove hidden test regions and the tracebacks that quote them."""

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "code" and utils.is_grade(cell):
            hidden = self.begin_test_delimeter in cell.source
            for output in cell.get("outputs", []):
                if output.get("output_type") != "error":
                    continue
                if hidden or output.get("ename") == "AssertionError":
                    output["traceback"] = [f"{output['ename']}: {output['evalue']}"]
        return super().preprocess_cell(cell, resources, cell_index)
