"""Feedback pages: seconds per page, with and without the compiled-template cache.

Builds a small demo class (``scripts/make_demo_class.py``: ``--learners N`` of
its learners, without the hostile ones), grades it without feedback, then
writes every submission's feedback page in this process, twice: with
nbconvert's own HTMLExporter (Jinja compiles nbconvert's templates for each
page, as in plain nbgrader), and with the course's exporter
(:func:`outputsaving.classroom.feedback.feedback_exporter`, templates compiled
once per process). The pages must be the same. Prints measured figures; no
assertions.

Usage: ``python benchmarks/bench_feedback.py [--learners N] [--unsafe]``
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))

from make_demo_class import STUDENTS, build_demo_class  # noqa: E402

from outputsaving.classroom import feedback  # noqa: E402
from outputsaving.classroom.course import course_settings  # noqa: E402
from outputsaving.classroom.engine import grade_class  # noqa: E402
from outputsaving.classroom.tasks import FeedbackTask  # noqa: E402

_IDS = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def pages(course: Path, config, graded) -> tuple[float, dict[str, str]]:
    """Seconds per page, and the pages, writing every graded submission's feedback."""
    written = {}
    start = time.perf_counter()
    for student, assignment in graded:
        feedback.generate_feedback(
            FeedbackTask(student, assignment, str(course), config)
        )
        for page in (course / "feedback" / student / assignment).glob("*.html"):
            written[str(page)] = _IDS.sub("", page.read_text(encoding="utf-8"))
    return (time.perf_counter() - start) / len(graded), written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=6)
    parser.add_argument("--unsafe", action="store_true", help="no sandbox")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        course = Path(folder) / "class"
        build_demo_class(course, students=STUDENTS[: args.learners], hostile=False)
        result = grade_class(
            course,
            feedback=False,
            progress=False,
            unsafe=args.unsafe,
            stream=io.StringIO(),
        )
        graded = [
            (o.student, o.assignment)
            for o in result.outcomes
            if o.outcome in {"graded", "stopped"}
        ]
        config, _ = course_settings(course)
        kept = feedback.feedback_exporter
        from nbconvert.exporters import HTMLExporter

        feedback.feedback_exporter = lambda: HTMLExporter
        pages(course, config, graded[:1])  # imports, both ways alike
        before, plain = pages(course, config, graded)
        feedback.feedback_exporter = kept
        after, cached = pages(course, config, graded)
    same = "the same" if plain == cached else "DIFFERENT"
    print(f"measured: {len(graded)} feedback pages, {same} both ways")
    print(f"measured: nbconvert's HTMLExporter   {before:.3f} s per page")
    print(f"measured: templates compiled once    {after:.3f} s per page")
    print(f"measured: templates compiled: {feedback.compiled_templates().compiled}")


if __name__ == "__main__":
    main()
