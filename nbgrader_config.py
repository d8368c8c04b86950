"""nbgrader configuration of the course "Output saving".

The repository root is the course directory: edit the notebooks in
``source/<assignment>/``; ``make notebooks`` generates the student versions
into ``notebooks/<assignment>/`` (what ``make lab`` opens, committed) and the
executed solution versions into ``solutions/<assignment>/``. What a class
gets is released from ``release/`` (nbgrader's release directory, ignored by
git), which nbgrader's generate step (Formgrader's "Generate", or ``nbgrader
generate_assignment``) fills from ``source/`` alone: notebooks tried out in
``notebooks/`` (answers typed, output folders made) never reach a class.
"""

from pathlib import Path

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import GetGrades

from outputsaving.grading.feedback import HideHiddenTests

c = get_config()  # noqa: F821 (nbgrader provides get_config)

c.CourseDirectory.course_id = "output-saving"
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
# The gradebook stays nbgrader's default: gradebook.db at the course root
# (ignored by git).

# nbgrader's exchange (release, fetch, submit, collect) is the folder exchange/
# of the course (ignored by git): its default, /usr/local/share/nbgrader/exchange,
# needs root. It works on Linux and macOS, not on Windows (use zip collect there).
# Learners fetch into <their folder>/output-saving/<assignment>/.
COURSE_ROOT = Path(__file__).resolve().parent
c.Exchange.root = str(COURSE_ROOT / "exchange")
c.Exchange.path_includes_course = True
(COURSE_ROOT / "exchange").mkdir(exist_ok=True)  # nbgrader needs it to exist

# The ImageJ track: the solution macros (*_solution.ijm) stay in source/, never
# released; the learner's edited macro template is graded, so autograde must
# not overwrite it with the source's untouched template (the input images it
# copies over are the released ones, the same bytes).
c.CourseDirectory.ignore = [
    ".ipynb_checkpoints",
    "*.pyc",
    "__pycache__",
    "feedback",
    "*_solution.ijm",
]
c.Autograde.exclude_overwriting = {
    "activity1_imagej": ["activity1_template.ijm"],
    "activity2_imagej": ["activity2_template.ijm"],
}

# What learners see in place of each solution: a stub that does not stop Run
# All. Each answer cell keeps its placeholder outside the solution region
# (``OUTPUT_DIR = None``, a function's ``def`` line: a stub function returns
# None), so every name a later cell uses exists, and the self-checks say that
# the task is not done yet.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\npass"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# A notebook runs in a few seconds; a cell that takes minutes is stuck.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True

# Feedback shows a hidden test's verdict and message, never its source.
c.GenerateFeedback.preprocessors = [
    GetGrades,
    HideHiddenTests,
    CSSHTMLHeaderPreprocessor,
]
