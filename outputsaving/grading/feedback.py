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

import re

from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests

__all__ = ["HIDDEN", "TEST_FOLDER", "HideHiddenTests"]


#: What a hidden test's line becomes in an output.
HIDDEN = "[hidden test]"
#: What the fresh folder a hidden test gave the learner's function becomes.
TEST_FOLDER = "[test folder]/"
_SHORTEST = 8
#: Where a path starts: after a space, a quote, a bracket or ``=``/``:``.
_PATH_START = r"(?<![^\s'\"(\[=:])/[^\s'\"<>]*?"
#: A Python install's library folder (a warning's file name, say).
_LIBRARY = re.compile(
    _PATH_START + r"/lib/python3(?:\.\d+)?/(?:site-packages/|dist-packages/)?"
)
#: The evidence folder of a hidden test (see outputsaving.grading.evidence).
_EVIDENCE = re.compile(r"\.outputsaving-evidence/[^/\s'\"<>]+/")


class HideHiddenTests(ClearHiddenTests):
    """Remove hidden test regions and the tracebacks and outputs that quote them."""

    def preprocess(self, nb, resources):
        self._machine = _machine_paths(
            self.config.CourseDirectory.get("root"),
            resources.get("nbgrader", {}).get("student"),
            resources.get("nbgrader", {}).get("assignment"),
        )
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
        for pattern, replacement in self._machine:
            text = pattern.sub(replacement, text)
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


def _machine_paths(root, student, assignment) -> list[tuple[re.Pattern, str]]:
    """Patterns of the grader's paths in outputs, with what replaces each.

    The folder the notebook ran in (a worker's copy of
    ``autograded/<student>/<assignment>/``, under the course ``root`` or
    elsewhere) becomes nothing, so that its files show as the learner's own
    relative paths; a hidden test's fresh folder becomes :data:`TEST_FOLDER`;
    a Python install's library folder becomes nothing (``zipfile.py:1550``).
    """
    patterns = []
    if isinstance(student, str) and isinstance(assignment, str):
        start = _PATH_START
        if isinstance(root, str) and root:
            start = rf"(?:{re.escape(root.rstrip('/'))}[^\s'\"<>]*?|{start})"
        ran_in = rf"/autograded/{re.escape(student)}/{re.escape(assignment)}/"
        patterns.append((re.compile(start + ran_in), ""))
    patterns += [(_EVIDENCE, TEST_FOLDER), (_LIBRARY, "")]
    return patterns


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
