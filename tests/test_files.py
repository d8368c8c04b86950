"""Tests for the link-safe file handling of outputsaving.files, with real links.

Every test builds a secret outside the folder handled and a link to it inside,
and checks that the secret is never read, written, copied or removed.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from outputsaving import files
from outputsaving.files import (
    copy_regular,
    copy_tree_no_follow,
    links_in,
    open_no_follow,
    read_regular,
    remove_no_follow,
    walk_no_follow,
    write_atomically,
    write_new,
    write_no_follow,
)

pytestmark = pytest.mark.linux

SECRET = b"SOLUTION-SECRET-4242"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside the folder under test, which nothing may touch."""
    path = tmp_path / "outside" / "secret.txt"
    path.parent.mkdir()
    path.write_bytes(SECRET)
    return path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "folder"
    path.mkdir()
    return path


def untouched(secret: Path) -> bool:
    return secret.read_bytes() == SECRET and secret.parent.is_dir()


# -- opening and reading ---------------------------------------------------------


def test_open_no_follow_reads_and_updates_a_regular_file(folder):
    path = folder / "a.txt"
    path.write_text("hello")
    with open_no_follow(path) as stream:
        assert stream.read() == b"hello"
    with open_no_follow(path, "r", encoding="utf-8") as stream:
        assert stream.read() == "hello"
    with open_no_follow(path, "r+", encoding="utf-8") as stream:
        stream.seek(0, os.SEEK_END)
        stream.write(" world")
    assert path.read_text() == "hello world"


@pytest.mark.parametrize("mode", ["rb", "r+b"])
def test_open_no_follow_refuses_a_link(folder, secret, mode):
    (folder / "a.txt").symlink_to(secret)
    with pytest.raises(OSError) as raised:
        open_no_follow(folder / "a.txt", mode)
    assert raised.value.errno == errno.ELOOP
    assert untouched(secret)


@pytest.mark.timeout(20)
def test_open_no_follow_refuses_a_fifo_without_blocking(folder):
    os.mkfifo(folder / "pipe")
    with pytest.raises(OSError) as raised:
        open_no_follow(folder / "pipe")
    assert raised.value.errno == errno.EINVAL


def test_open_no_follow_refuses_a_folder_and_odd_modes(folder):
    with pytest.raises(OSError):
        open_no_follow(folder)
    (folder / "a").write_text("x")
    with pytest.raises(ValueError, match="mode"):
        open_no_follow(folder / "a", "w")


def test_open_no_follow_relative_to_an_open_folder(folder, secret):
    (folder / "a.txt").write_text("inside")
    (folder / "b.txt").symlink_to(secret)
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with open_no_follow("a.txt", dir_fd=fd) as stream:
            assert stream.read() == b"inside"
        with pytest.raises(OSError):
            open_no_follow("b.txt", dir_fd=fd)
    finally:
        os.close(fd)


def test_read_regular_stops_at_its_limit_and_refuses_links(folder, secret):
    path = folder / "a.bin"
    path.write_bytes(bytes(100))
    assert read_regular(path, 100) == bytes(100)
    with pytest.raises(OSError) as raised:
        read_regular(path, 99)
    assert raised.value.errno == errno.EFBIG
    (folder / "link").symlink_to(secret)
    with pytest.raises(OSError) as raised:
        read_regular(folder / "link", 1000)
    assert raised.value.errno == errno.ELOOP


# -- walking ---------------------------------------------------------------------


@pytest.fixture
def tree(folder, secret) -> Path:
    """a.txt, b/ (c.txt, d/e.txt), link.txt -> secret, linked/ -> outside/."""
    (folder / "a.txt").write_text("a")
    (folder / "b" / "d").mkdir(parents=True)
    (folder / "b" / "c.txt").write_text("c")
    (folder / "b" / "d" / "e.txt").write_text("e")
    (folder / "link.txt").symlink_to(secret)
    (folder / "linked").symlink_to(secret.parent, target_is_directory=True)
    return folder


def test_walk_lists_every_entry_and_never_enters_a_linked_folder(tree):
    entries = list(walk_no_follow(tree))
    assert [entry.relative for entry in entries] == [
        "a.txt",
        "b",
        "link.txt",
        "linked",
        "b/c.txt",
        "b/d",
        "b/d/e.txt",
    ]
    assert [entry.depth for entry in entries] == [0, 0, 0, 0, 1, 1, 2]
    assert all(entry.path == tree / entry.relative for entry in entries)
    kinds = {entry.relative: stat.S_IFMT(entry.info.st_mode) for entry in entries}
    assert kinds["link.txt"] == kinds["linked"] == stat.S_IFLNK
    assert kinds["b"] == stat.S_IFDIR
    assert not any("secret" in entry.relative for entry in entries)


def test_walk_of_a_linked_folder_is_refused(tree, tmp_path):
    (tmp_path / "alias").symlink_to(tree, target_is_directory=True)
    with pytest.raises(OSError):
        list(walk_no_follow(tmp_path / "alias"))


def test_walk_never_enters_a_folder_swapped_for_a_link_after_listing(tree, secret):
    seen = []
    for entry in walk_no_follow(tree):
        seen.append(entry.relative)
        if entry.relative == "linked":  # the last entry of the top folder
            os.rename(tree / "b", tree / "b-moved")
            (tree / "b").symlink_to(secret.parent, target_is_directory=True)
    assert seen == ["a.txt", "b", "link.txt", "linked"]


def test_walk_never_enters_a_folder_swapped_for_another_folder(tree, secret):
    seen = []
    for entry in walk_no_follow(tree):
        seen.append(entry.relative)
        if entry.relative == "linked":
            os.rename(tree / "b", tree.parent / "b-moved")
            os.rename(secret.parent, tree / "b")  # a real folder, not a link
    assert seen == ["a.txt", "b", "link.txt", "linked"]


def test_walk_passes_over_a_folder_swapped_for_a_named_pipe(tree):
    """Not os.fwalk: Python 3.11 and 3.12 open each sub-folder there with a
    plain ``O_RDONLY``, so a named pipe put in a listed folder's place blocks
    the walk for good (3.13 opens it non-blocking, then raises ENOTDIR out of
    the walk). This walker opens a folder with ``O_DIRECTORY``: the pipe is
    passed over. The pipe is held open here, so that a walker that opens it
    fails (ENOTDIR) instead of hanging."""
    seen, held = [], []
    try:
        for entry in walk_no_follow(tree):
            seen.append(entry.relative)
            if entry.relative == "linked":  # listed, not yet entered: b
                os.rename(tree / "b", tree.parent / "b-moved")
                os.mkfifo(tree / "b")
                held.append(os.open(tree / "b", os.O_RDWR | os.O_NONBLOCK))
    finally:
        for fd in held:
            os.close(fd)
    assert seen == ["a.txt", "b", "link.txt", "linked"]


def test_walk_takes_a_folder_then_its_sub_folders_in_name_order(folder):
    for name in ("x/inner/in", "y/deep", "z/deep"):
        (folder / name).mkdir(parents=True)
    order = [entry.relative for entry in walk_no_follow(folder)]
    assert order == ["x", "y", "z", "x/inner", "x/inner/in", "y/deep", "z/deep"]


def test_walk_enters_only_the_folders_the_caller_wants(tree):
    def enter(entry):
        return entry.relative != "b/d"

    order = [entry.relative for entry in walk_no_follow(tree, enter=enter)]
    assert order == ["a.txt", "b", "link.txt", "linked", "b/c.txt", "b/d"]


def test_walk_lets_the_caller_stop_before_a_folder_is_listed(tree, monkeypatch):
    listed = []
    real_scandir = os.scandir

    def scandir(fd):
        listed.append(fd)
        return real_scandir(fd)

    monkeypatch.setattr(files.os, "scandir", scandir)
    for entry in walk_no_follow(tree):
        if entry.relative == "b":
            break
    assert len(listed) == 1


def test_links_in_names_links_and_special_files_only(tree, secret):
    os.mkfifo(tree / "b" / "pipe")
    (tree / "b" / "broken").symlink_to("nowhere")
    assert sorted(links_in(tree)) == sorted(
        [tree / "link.txt", tree / "linked", tree / "b" / "pipe", tree / "b" / "broken"]
    )
    assert links_in(tree / "missing") == []
    assert links_in(tree / "a.txt") == []
    assert links_in(tree / "linked") == [tree / "linked"]
    assert untouched(secret)


# -- copying -----------------------------------------------------------------------


def test_copy_regular_copies_a_file(folder, tmp_path):
    (folder / "a.txt").write_text("data")
    assert copy_regular(folder / "a.txt", tmp_path / "copy.txt") == 4
    assert (tmp_path / "copy.txt").read_text() == "data"


def test_copy_regular_never_copies_a_link_target(folder, secret, tmp_path):
    (folder / "a.txt").symlink_to(secret)
    assert copy_regular(folder / "a.txt", tmp_path / "copy.txt") is None
    assert not (tmp_path / "copy.txt").exists()


def test_copy_regular_never_writes_through_a_link(folder, secret, tmp_path):
    (folder / "a.txt").write_text("planted")
    (tmp_path / "copy.txt").symlink_to(secret)
    with pytest.raises(OSError):
        copy_regular(folder / "a.txt", tmp_path / "copy.txt")
    assert untouched(secret)


@pytest.mark.timeout(20)
def test_copy_regular_skips_a_fifo_without_blocking(folder, tmp_path):
    os.mkfifo(folder / "pipe")
    assert copy_regular(folder / "pipe", tmp_path / "copy") is None


def test_copy_regular_stops_at_its_limit(folder, tmp_path):
    (folder / "big").write_bytes(bytes(5000))
    assert copy_regular(folder / "big", tmp_path / "copy", limit=4000) is None
    assert not (tmp_path / "copy").exists()
    assert copy_regular(folder / "big", tmp_path / "copy", limit=5000) == 5000


def test_copy_tree_copies_regular_files_and_folders_only(tree, secret, tmp_path):
    os.mkfifo(tree / "b" / "pipe")
    os.link(secret, tree / "b" / "hard.txt")
    (tree / "b" / "d" / "f").mkdir()
    os.chmod(tree / "a.txt", 0o4755)
    skipped = copy_tree_no_follow(tree, tmp_path / "copy", max_depth=3)
    assert skipped == ["b/d/f", "b/hard.txt", "b/pipe", "link.txt", "linked"]
    copied = sorted(
        str(p.relative_to(tmp_path / "copy")) for p in (tmp_path / "copy").rglob("*")
    )
    assert copied == ["a.txt", "b", "b/c.txt", "b/d", "b/d/e.txt"]
    assert stat.S_IMODE((tmp_path / "copy" / "a.txt").stat().st_mode) == 0o755
    assert untouched(secret)


def test_copy_tree_keeps_to_its_budgets(folder, tmp_path):
    for name in "abc":
        (folder / name).write_bytes(bytes(600))
    assert copy_tree_no_follow(folder, tmp_path / "one", max_total_bytes=1000) == [
        "b",
        "c",
    ]
    assert copy_tree_no_follow(folder, tmp_path / "two", max_files=2) == ["c"]
    assert copy_tree_no_follow(folder, tmp_path / "three", max_file_bytes=599) == [
        "a",
        "b",
        "c",
    ]


# -- writing -----------------------------------------------------------------------


def test_write_new_never_replaces_or_writes_through_anything(folder, secret):
    write_new(folder / "new.txt", "text")
    assert (folder / "new.txt").read_text() == "text"
    with pytest.raises(FileExistsError):
        write_new(folder / "new.txt", b"again")
    (folder / "link").symlink_to(secret)
    with pytest.raises(FileExistsError):
        write_new(folder / "link", b"overwritten")
    (folder / "dangling").symlink_to(secret.parent / "new-secret")
    with pytest.raises(FileExistsError):
        write_new(folder / "dangling", b"created")
    assert not (secret.parent / "new-secret").exists()
    assert untouched(secret)


def test_write_no_follow_replaces_a_link_folder_or_hard_link(folder, secret):
    (folder / "nb.ipynb").symlink_to(secret)
    assert write_no_follow(folder / "nb.ipynb", "{}") == folder / "nb.ipynb"
    assert (folder / "nb.ipynb").read_text() == "{}"
    assert not (folder / "nb.ipynb").is_symlink()
    (folder / "dir.ipynb").mkdir()
    (folder / "dir.ipynb" / "inner").symlink_to(secret)
    write_no_follow(folder / "dir.ipynb", b"{}")
    assert (folder / "dir.ipynb").read_bytes() == b"{}"
    os.link(secret, folder / "hard.ipynb")
    write_no_follow(folder / "hard.ipynb", b"{}")
    assert (folder / "hard.ipynb").read_bytes() == b"{}"
    assert untouched(secret)


def test_write_atomically_replaces_a_link_and_leaves_no_temporary(folder, secret):
    (folder / "marker.json").symlink_to(secret)
    write_atomically(folder / "deeper" / "m.json", "{}")
    write_atomically(folder / "marker.json", '{"done": true}')
    assert (folder / "marker.json").read_text() == '{"done": true}'
    assert not (folder / "marker.json").is_symlink()
    assert (folder / "deeper" / "m.json").read_text() == "{}"
    assert sorted(p.name for p in folder.iterdir()) == ["deeper", "marker.json"]
    assert untouched(secret)


def test_write_atomically_keeps_the_old_file_when_it_fails(folder, monkeypatch):
    (folder / "marker.json").write_text("old")

    def fail(*_):
        raise OSError(errno.EIO, "disk gone")

    monkeypatch.setattr(files.os, "replace", fail)
    with pytest.raises(OSError, match="disk gone"):
        write_atomically(folder / "marker.json", "new")
    assert (folder / "marker.json").read_text() == "old"
    assert [p.name for p in folder.iterdir()] == ["marker.json"]


# -- removing ------------------------------------------------------------------------


def test_remove_no_follow_removes_a_read_only_tree_but_no_link_target(tree, secret):
    (tree / "b" / "d" / "link").symlink_to(secret)
    for path in (tree / "b" / "d", tree / "b", tree):
        for entry in path.iterdir():
            if not entry.is_symlink():
                entry.chmod(0o555 if entry.is_dir() else 0o444)
        path.chmod(0o555)
    remove_no_follow(tree)
    assert not tree.exists()
    assert untouched(secret)
    assert sorted(p.name for p in secret.parent.iterdir()) == ["secret.txt"]


def test_remove_no_follow_makes_folders_writable_but_never_a_link_target(
    tree, secret, monkeypatch
):
    """As a user who is not root: removing from a read-only folder fails."""
    (tree / "ro").mkdir()
    (tree / "ro" / "link").symlink_to(secret)  # alone: its removal fails first
    secret.chmod(0o600)
    (tree / "ro").chmod(0o555)
    real_unlink = os.unlink

    def unlink(path, *, dir_fd=None):
        folder = (
            os.fstat(dir_fd)
            if dir_fd is not None
            else os.stat(os.path.dirname(os.path.abspath(path)))
        )
        if not folder.st_mode & stat.S_IWUSR:
            raise PermissionError(errno.EACCES, "read-only folder", path)
        return real_unlink(path, dir_fd=dir_fd)

    monkeypatch.setattr(os, "unlink", unlink)
    remove_no_follow(tree)
    monkeypatch.undo()
    assert not tree.exists()
    assert untouched(secret)
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600


def test_remove_no_follow_removes_a_link_itself(folder, secret):
    (folder / "linked").symlink_to(secret.parent, target_is_directory=True)
    remove_no_follow(folder / "linked")
    assert not (folder / "linked").is_symlink()
    assert untouched(secret)
    remove_no_follow(folder / "missing")  # nothing there: fine


def test_modes_are_set_through_no_link(tmp_path):
    """Issue 25: nbgrader's permission step followed a learner's link to the
    course's gradebook and left it read-only."""
    from outputsaving.files import chmod_tree_no_follow

    course_file = tmp_path / "gradebook.db"
    course_file.write_bytes(b"SQLite format 3\x00")
    course_file.chmod(0o644)
    graded = tmp_path / "autograded" / "ana" / "quiz"
    (graded / "sub").mkdir(parents=True)
    (graded / "quiz.ipynb").write_text("{}")
    (graded / "sub" / "out.txt").write_text("x")
    (graded / "grades.db").symlink_to(course_file)
    (graded / "sub" / "link").symlink_to(course_file)
    chmod_tree_no_follow(graded, 0o444)
    assert (course_file.stat().st_mode & 0o777) == 0o644
    assert ((graded / "quiz.ipynb").stat().st_mode & 0o777) == 0o444
    assert ((graded / "sub" / "out.txt").stat().st_mode & 0o777) == 0o444
