"""The progress bar and log of a grading run (outputsaving.classroom.progress)."""

from __future__ import annotations

import io
import threading

from outputsaving.classroom.progress import Progress


def test_progress_without_a_terminal_prints_counts_and_eta():
    stream = io.StringIO()
    progress = Progress(4, stream=stream)
    progress.advance("alice  quiz  1.0 s  6/6  graded")
    progress.advance()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("alice")
    assert "1/4" in lines[1]
    assert "ETA" in lines[1]
    assert "2/4" in lines[2]
    assert "50%" in lines[2]
    assert "\r" not in stream.getvalue()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_on_a_terminal_draws_only_from_the_grader_thread():
    """No tqdm monitor thread: a worker forked while it drew would inherit
    the stream's lock, held forever."""
    from tqdm._monitor import TMonitor

    def monitors():
        return {t for t in threading.enumerate() if isinstance(t, TMonitor)}

    before = monitors()
    stream = _Terminal()
    progress = Progress(2, stream=stream)
    progress.advance("alice  quiz  1.0 s  6/6  graded")
    assert monitors() == before
    progress.close()
    assert "alice" in stream.getvalue()
    assert "\r" in stream.getvalue()  # drawn in place: a live bar


def test_no_bar_still_logs_each_submission():
    stream = io.StringIO()
    Progress(2, stream=stream, bar=False).advance("bob  quiz  1.0 s  0/6  refused")
    assert stream.getvalue() == "bob  quiz  1.0 s  0/6  refused\n"
