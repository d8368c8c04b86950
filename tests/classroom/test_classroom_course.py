"""The course folder as other users of the machine see it (issue 25, section 4)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from outputsaving.classroom.course import readable_by_others


@pytest.fixture
def tmp_path():
    """A folder every user can enter (pytest's own are private, mode 700)."""
    folder = Path(tempfile.mkdtemp(prefix="osk-course-"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def _course(tmp_path):
    course = tmp_path / "course"
    (course / "source").mkdir(parents=True)
    (course / "feedback").mkdir()
    (course / "gradebook.db").write_bytes(b"")
    for path in (tmp_path, course):
        path.chmod(0o755)
    return course


def test_what_others_can_read_is_named(tmp_path):
    course = _course(tmp_path)
    (course / "source").chmod(0o755)
    (course / "feedback").chmod(0o750)
    (course / "gradebook.db").chmod(0o644)
    assert readable_by_others(course) == ["source", "gradebook.db"]


def test_a_course_others_cannot_enter_is_private(tmp_path):
    course = _course(tmp_path)
    (course / "source").chmod(0o755)
    course.chmod(0o750)
    assert readable_by_others(course) == []
    course.chmod(0o755)
    tmp_path.chmod(0o700)  # a folder above it, as a home folder of mode 700
    try:
        assert readable_by_others(course) == []
    finally:
        tmp_path.chmod(0o755)
