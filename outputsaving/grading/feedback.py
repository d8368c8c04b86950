"""What nbgrader's feedback shows of the tests: verdicts and messages.

nbgrader's ``autograde`` puts the hidden tests back into each notebook, and
``generate_feedback`` renders that notebook, so by default the feedback shows
the hidden tests' source, and the tracebacks of failed ones quote it again.
:class:`HideHiddenTests` (configured in ``nbgrader_config.py``) removes the
hidden regions, as nbgrader's own ``ClearHiddenTests`` does, and shortens the
error of a failed hidden test to its message: the learner reads what was wrong,
never how it was tested. The graders' ``AssertionError`` of a visible test is
shortened the same way, as its message is all the learner needs. And wherever
a line of a hidden test appears in any cell's output (a learner's code can
print the kernel's input history, or the frames of the test that called it),
it is replaced by :data:`HIDDEN`.
"""

from __future__ import annotations

from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests

__all__ = ["HideHiddenTests"]


#: What a hidden test's line becomes in an output.
HIDDEN = "[hidden test]"
_SHORTEST = 8


class HideHiddenTests(ClearHiddenTests):
    """Remove hidden test regions and the tracebacks and outputs that quote them."""

    def preprocess(self, nb, resources):
        self._hidden_lines = sorted(
            {
                line.strip()
                for cell in nb.cells
                if cell.cell_type == "code"
                for line in _hidden_region(cell.source, self.begin_test_delimeter)
                if len(line.strip()) >= _SHORTEST
            },
            key=len,
            reverse=True,
        )
        return super().preprocess(nb, resources)

    def _scrub(self, text):
        if not isinstance(text, str):
            return text
        for line in self._hidden_lines:
            text = text.replace(line, HIDDEN)
        return text.replace(self.begin_test_delimeter, HIDDEN).replace(
            self.end_test_delimeter, HIDDEN
        )

    def _scrub_outputs(self, cell) -> None:
        for output in cell.get("outputs", []):
            if "text" in output:
                output["text"] = self._scrub(
                    "".join(output["text"])
                    if isinstance(output["text"], list)
                    else output["text"]
                )
            for key, value in list(output.get("data", {}).items()):
                if isinstance(value, str | list):
                    text = "".join(value) if isinstance(value, list) else value
                    output["data"][key] = self._scrub(text)
            if output.get("output_type") == "error":
                output["evalue"] = self._scrub(output.get("evalue", ""))
                output["traceback"] = [
                    self._scrub(line) for line in output.get("traceback", [])
                ]

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "code":
            self._scrub_outputs(cell)
        if cell.cell_type == "code" and utils.is_grade(cell):
            hidden = self.begin_test_delimeter in cell.source
            for output in cell.get("outputs", []):
                if output.get("output_type") != "error":
                    continue
                if hidden or output.get("ename") == "AssertionError":
                    output["traceback"] = [f"{output['ename']}: {output['evalue']}"]
        return super().preprocess_cell(cell, resources, cell_index)


def _hidden_region(source: str, begin: str) -> list[str]:
    """The lines between hidden-test delimiters (nbgrader's ``### BEGIN ...``)."""
    lines, inside = [], False
    for line in source.splitlines():
        if begin in line:
            inside = True
        elif "END HIDDEN TESTS" in line:
            inside = False
        elif inside:
            lines.append(line)
    return lines
