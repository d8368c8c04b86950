"""Tests for outputsaving.safezip, the package's one hardened zip reader.

Every zip here is a real one, written with zipfile; the hostile ones are then
patched byte by byte where zipfile itself would refuse to write them (an
encrypted flag, an unknown compression method, a size that lies).
"""

from __future__ import annotations

import io
import stat
import struct
import zipfile
from pathlib import Path

import pytest

from outputsaving import safezip
from outputsaving.safezip import (
    RULES,
    UnsafeName,
    ZipLimits,
    ZipReadError,
    list_members,
    member_kind,
    open_zip,
    read_member,
    safe_name,
)

LIMITS = ZipLimits(max_members=100, max_member_bytes=10_000_000, max_total_bytes=10**9)


def info(name: str, *, mode: int | None = None) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(name, date_time=(2026, 11, 24, 10, 0, 0))
    entry.compress_type = zipfile.ZIP_DEFLATED
    if mode is not None:
        entry.create_system = 3
        entry.external_attr = mode << 16
    return entry


def make_zip(members) -> bytes:
    """A zip of ``(name or ZipInfo, bytes)`` members."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def patch_header(data: bytes, *, local: int, central: int, fmt: str, value) -> bytes:
    """Set a field of the (only) member's local and central headers."""
    blob = bytearray(data)
    struct.pack_into(fmt, blob, blob.index(b"PK\x03\x04") + local, value)
    struct.pack_into(fmt, blob, blob.index(b"PK\x01\x02") + central, value)
    return bytes(blob)


def listing_of(data: bytes, limits: ZipLimits = LIMITS):
    return list_members(open_zip(data), limits)


def rules(listing) -> list[str]:
    return [problem.rule for problem in listing.problems]


# -- opening -----------------------------------------------------------------------


def test_opens_a_zip_from_a_path_bytes_or_a_file(tmp_path):
    data = make_zip([("a.txt", b"hello")])
    (tmp_path / "a.zip").write_bytes(data)
    for source in (tmp_path / "a.zip", str(tmp_path / "a.zip"), data, io.BytesIO(data)):
        with open_zip(source) as archive:
            (member,) = list_members(archive, LIMITS).members
            assert read_member(archive, member) == b"hello"


@pytest.mark.parametrize(
    "content", [b"hello, I am text", b"II*\x00" + bytes(100), b"PK\x03\x04" + bytes(8)]
)
def test_a_file_that_is_not_a_zip_is_named_so(content):
    with pytest.raises(ZipReadError) as raised:
        open_zip(content)
    assert raised.value.reason == "not_a_zip"
    assert raised.value.words == "File is not a zip file"


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.99])
def test_a_truncated_zip_cannot_be_opened(keep):
    data = make_zip([(f"{i}.txt", bytes(range(256)) * 4) for i in range(5)])
    with pytest.raises(ZipReadError) as raised:
        open_zip(data[: int(len(data) * keep)])
    assert raised.value.reason in ("not_a_zip", "damaged")
    assert 0 < len(raised.value.words) < 80


def test_a_damaged_directory_is_damaged():
    blob = bytearray(make_zip([("a.txt", b"hello")]))
    central = blob.index(b"PK\x01\x02")
    blob[central : central + 4] = b"XXXX"  # the directory entry's signature
    with pytest.raises(ZipReadError) as raised:
        open_zip(bytes(blob))
    assert raised.value.reason == "damaged"


def test_a_missing_file_cannot_be_opened(tmp_path):
    with pytest.raises(ZipReadError) as raised:
        open_zip(tmp_path / "missing.zip")
    assert raised.value.reason == "damaged"


# -- names -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("a.txt", "a.txt"),
        ("a//./b/c.txt", "a/b/c.txt"),
        ("./a/", "a"),
        ("a..b/..c", "a..b/..c"),
    ],
)
def test_safe_names_are_normalised(name, path):
    assert safe_name(name) == path


@pytest.mark.parametrize(
    "name",
    [
        "../evil.txt",
        "a/../../evil.txt",
        "a/..",
        "/etc/passwd",
        "C:evil.txt",
        "c:/evil.txt",
        "a\\b.txt",
        "..\\..\\evil.txt",
        "a\0b",
    ],
)
def test_unsafe_names_raise(name):
    with pytest.raises(UnsafeName):
        safe_name(name)


@pytest.mark.parametrize(
    "name", ["../evil.txt", "/abs/evil.txt", "C:evil.txt", "a\\b.txt", ".", "./"]
)
def test_members_with_unsafe_names_are_refused(name):
    entry = info("placeholder")
    entry.filename = name  # bypass zipfile's own clean-up of names
    listing = listing_of(make_zip([("fine.txt", b"x"), (entry, b"y")]))
    if name == "./":  # the folder itself: a folder entry, nothing to refuse
        assert listing.problems == []
        return
    (problem,) = listing.problems
    assert problem.rule == "unsafe_name"
    assert problem.member.name == name
    assert problem.member.path is None
    assert listing.members[0].path == "fine.txt"


def test_unsafe_folder_names_are_refused_too():
    listing = listing_of(make_zip([(info("../up/"), b"")]))
    assert rules(listing) == ["unsafe_name"]


# -- links and special files ----------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "kind"),
    [
        (stat.S_IFLNK | 0o777, "link"),
        (stat.S_IFIFO | 0o644, "special"),
        (stat.S_IFCHR | 0o644, "special"),
        (stat.S_IFREG | 0o644, "file"),
        (0, "file"),
    ],
)
def test_link_and_special_entries_are_refused(mode, kind):
    entry = info("a.txt", mode=mode) if mode else info("a.txt")
    listing = listing_of(make_zip([(entry, b"/etc/passwd")]))
    (member,) = listing.members
    assert member.kind == kind == member_kind(entry)
    assert rules(listing) == ([] if kind == "file" else ["link"])


def test_folders_are_members_but_not_files():
    listing = listing_of(make_zip([(info("a/"), b""), ("a/b.txt", b"b")]))
    assert [(m.path, m.kind) for m in listing.members] == [
        ("a", "dir"),
        ("a/b.txt", "file"),
    ]
    assert [m.path for m in listing.files] == ["a/b.txt"]
    assert listing.problems == []


# -- encrypted members and compression methods ---------------------------------------


def encrypted_zip() -> bytes:
    data = make_zip([("secret.txt", b"top secret")])
    blob = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = blob.index(signature) + offset
        struct.pack_into("<H", blob, at, struct.unpack_from("<H", blob, at)[0] | 1)
    return bytes(blob)


def test_an_encrypted_member_is_refused_and_never_read():
    with open_zip(encrypted_zip()) as archive:
        listing = list_members(archive, LIMITS)
        assert rules(listing) == ["encrypted"]
        with pytest.raises(ZipReadError) as raised:
            read_member(archive, listing.members[0])
    assert raised.value.reason == "encrypted"
    assert "password" in raised.value.words


def test_an_unknown_compression_method_is_refused_and_never_read():
    data = patch_header(
        make_zip([("a.txt", b"hello")]), local=8, central=10, fmt="<H", value=99
    )
    with open_zip(data) as archive:
        listing = list_members(archive, LIMITS)
        assert rules(listing) == ["unsupported_compression"]
        with pytest.raises(ZipReadError) as raised:
            read_member(archive, listing.members[0])
    assert raised.value.reason == "unsupported_compression"


@pytest.mark.parametrize(
    "method", [zipfile.ZIP_STORED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]
)
def test_standard_compression_methods_are_read(method):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        archive.writestr("a.txt", b"hello" * 100)
    with open_zip(buffer.getvalue()) as archive:
        listing = list_members(archive, LIMITS)
        assert listing.problems == []
        assert read_member(archive, listing.members[0]) == b"hello" * 100


# -- sizes, counts and bombs ---------------------------------------------------------


def test_too_many_members_folders_included():
    data = make_zip([(info("d/"), b"")] + [(f"d/{i}.txt", b"x") for i in range(3)])
    listing = listing_of(data, ZipLimits(3, 1000, 1000))
    assert rules(listing) == ["too_many_members"]
    assert listing.problems[0].size == 4
    assert listing.problems[0].limit == 3
    assert rules(listing_of(data, ZipLimits(4, 1000, 1000))) == []


def test_a_member_declaring_too_much_is_refused():
    listing = listing_of(
        make_zip([("a.bin", bytes(2000)), ("b.bin", bytes(1000))]),
        ZipLimits(10, 1000, 10_000),
    )
    (problem,) = listing.problems
    assert (problem.rule, problem.member.name, problem.size, problem.limit) == (
        "member_too_large",
        "a.bin",
        2000,
        1000,
    )


def test_the_total_is_refused_once_at_the_member_that_goes_over():
    data = make_zip([(f"{i}.bin", bytes(600)) for i in range(4)])
    listing = listing_of(data, ZipLimits(10, 1000, 1000))
    (problem,) = listing.problems
    assert (problem.rule, problem.member.name, problem.size) == (
        "total_too_large",
        "1.bin",
        1200,
    )
    assert listing.total == 2400


def test_a_zip_bomb_is_refused_by_its_ratio_without_decompressing(monkeypatch):
    data = make_zip([("bomb.bin", bytes(5_000_000)), ("small.bin", bytes(60_000))])
    monkeypatch.setattr(
        zipfile.ZipFile, "open", lambda *_, **__: pytest.fail("decompressed")
    )
    listing = listing_of(data)
    (problem,) = listing.problems
    assert (problem.rule, problem.member.name, problem.limit) == (
        "compression_ratio",
        "bomb.bin",
        200,
    )
    assert problem.member.ratio > 200
    # under ratio_min_bytes, any ratio is fine; above it, max_ratio decides
    assert (
        listing_of(data, ZipLimits(10, 10**7, 10**9, max_ratio=10_000)).problems == []
    )
    small = ZipLimits(10, 10**7, 10**9, ratio_min_bytes=1000)
    assert [p.member.name for p in listing_of(data, small).problems] == [
        "bomb.bin",
        "small.bin",
    ]


def test_a_huge_declared_size_is_refused_before_reading():
    data = patch_header(
        make_zip([("a.txt", b"hello")]),
        local=22,
        central=24,
        fmt="<I",
        value=3_000_000_000,
    )
    listing = listing_of(data)
    assert rules(listing) == [
        "member_too_large",
        "compression_ratio",
        "total_too_large",
    ]


def test_every_rule_is_reported_in_order_for_one_member():
    entry = info("../a.txt", mode=stat.S_IFLNK | 0o777)
    entry.filename = "../a.txt"
    listing = listing_of(make_zip([(entry, bytes(100_000))]), ZipLimits(0, 10, 10))
    assert rules(listing) == [
        "too_many_members",
        "unsafe_name",
        "link",
        "member_too_large",
        "compression_ratio",
        "total_too_large",
    ]
    assert set(rules(listing)) <= set(RULES)


# -- duplicates ------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:Duplicate name")
@pytest.mark.parametrize(
    "names",
    [
        ["a.txt", "a.txt"],
        ["a/b.txt", "a/./b.txt"],
        ["a//b.txt", "a/b.txt"],
        ["a", "a/b.txt"],
        ["a/b.txt", "a"],
    ],
)
def test_names_that_unpack_to_the_same_place_are_refused(names):
    data = make_zip([(name, b"x") for name in names])
    listing = listing_of(data)
    (problem,) = listing.problems
    assert problem.rule == "duplicate"
    assert problem.member is listing.members[1]
    relaxed = ZipLimits(100, 10**7, 10**9, unique_names=False)
    assert listing_of(data, relaxed).problems == []


def test_a_folder_entry_and_its_files_are_no_duplicates():
    data = make_zip([(info("a/"), b""), ("a/b.txt", b"x"), ("a/c.txt", b"y")])
    assert listing_of(data).problems == []


# -- reading ---------------------------------------------------------------------------


def test_a_member_lying_about_its_size_reads_as_damaged_and_no_more(monkeypatch):
    data = patch_header(
        make_zip([("a.bin", bytes(500_000))]), local=22, central=24, fmt="<I", value=100
    )
    reads = []
    real_read = zipfile.ZipExtFile.read

    def read(self, n=-1):
        reads.append(n)
        return real_read(self, n)

    monkeypatch.setattr(zipfile.ZipExtFile, "read", read)
    with open_zip(data) as archive:
        listing = list_members(archive, LIMITS)
        assert listing.problems == []
        with pytest.raises(ZipReadError) as raised:
            read_member(archive, listing.members[0])
    assert raised.value.reason == "damaged"
    assert reads == [101]


def test_damaged_member_data_reads_as_damaged():
    data = bytearray(make_zip([("a.txt", bytes(range(256)) * 40)]))
    start = data.index(b"PK\x03\x04") + 30 + len("a.txt")
    data[start + 5 : start + 25] = bytes(20)
    with open_zip(bytes(data)) as archive:
        listing = list_members(archive, LIMITS)
        with pytest.raises(ZipReadError) as raised:
            read_member(archive, listing.members[0].info)
    assert raised.value.reason == "damaged"
    assert len(raised.value.words) < 80


def test_a_failed_crc_check_reads_as_damaged_in_few_words():
    name = "a" * 100 + ".txt"
    data = patch_header(
        make_zip([(name, b"hello")]), local=14, central=16, fmt="<I", value=12345
    )
    with open_zip(data) as archive:
        listing = list_members(archive, LIMITS)
        with pytest.raises(ZipReadError) as raised:
            read_member(archive, listing.members[0])
    assert raised.value.reason == "damaged"
    assert raised.value.words == "BadZipFile"  # zipfile's text names the member


def test_the_reader_module_is_the_only_one_opening_zips():
    """rois, intake and lms_zip read zips through safezip, never zipfile itself."""
    package = Path(safezip.__file__).parent
    for module in ("rois.py", "classroom/intake.py", "classroom/lms_zip.py"):
        text = (package / module).read_text()
        assert "zipfile.ZipFile(" not in text, module
