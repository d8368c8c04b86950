"""Tests for outputsaving.table: the results-table check."""

from __future__ import annotations

import io
import string
import zipfile

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_settings import SLOW_IS_FINE
from PIL import Image
from skimage.measure import regionprops_table

from outputsaving.table import check_table

# Three objects of different sizes (4, 6 and 2 pixels); label 2 is unused.
LABELS = np.array(
    [
        [1, 1, 0, 0, 0, 0],
        [1, 1, 0, 3, 3, 3],
        [0, 0, 0, 3, 3, 3],
        [4, 4, 0, 0, 0, 0],
    ]
)

# What ImageJ writes with File > Save As > Results (checked against ImageJ 1.53t):
# a space as the first header cell, then rows numbered from 1.
IMAGEJ_TXT = (
    " \tArea\tX\tY\tXM\tYM\tPerim.\tBX\tBY\tWidth\tHeight\n"
    "1\t4\t1.000\t1.000\t1.000\t1.000\t5.657\t0\t0\t2\t2\n"
    "2\t6\t4.500\t2.000\t4.500\t2.000\t7.657\t3\t1\t3\t2\n"
    "3\t2\t1.000\t3.500\t1.000\t3.500\t4.243\t0\t3\t2\t1\n"
)


def measured() -> pd.DataFrame:
    """The table a learner should save for LABELS."""
    return pd.DataFrame(
        regionprops_table(LABELS, properties=("label", "area", "centroid"))
    )


def write(tmp_path, content, name="table.txt"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(LABELS.astype(np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


# -- tables that pass ----------------------------------------------------------


def test_tab_table_passes_and_content_is_the_dataframe(tmp_path):
    table = measured()
    path = write(tmp_path, table.to_csv(sep="\t", index=False))
    result = check_table(path, labels=LABELS)
    assert result.passed, result.report()
    assert result.kind == "table"
    assert result.findings == []
    pd.testing.assert_frame_equal(result.content, table)


def test_comma_table_passes_when_comma_is_asked_for(tmp_path):
    path = write(tmp_path, measured().to_csv(index=False), name="table.csv")
    result = check_table(path, sep="comma", labels=LABELS)
    assert result.passed, result.report()


@pytest.mark.parametrize(("sep", "delimiter"), [("tab", "\t"), ("comma", ",")])
def test_imagej_results_with_row_numbers_pass(tmp_path, sep, delimiter):
    path = write(tmp_path, IMAGEJ_TXT.replace("\t", delimiter))
    result = check_table(path, sep=sep, labels=LABELS)
    assert result.passed, result.report()
    assert result.content[" "].tolist() == [1, 2, 3]
    assert result.content["Area"].tolist() == [4, 6, 2]


def test_shuffled_rows_pass_with_a_label_column(tmp_path):
    table = measured().sample(frac=1, random_state=3)
    assert table["label"].tolist() != sorted(table["label"])
    path = write(tmp_path, table.to_csv(sep="\t", index=False))
    assert check_table(path, labels=LABELS).passed


def test_utf8_bom_and_windows_line_ends_pass(tmp_path):
    text = measured().to_csv(sep="\t", index=False, lineterminator="\r\n")
    path = write(tmp_path, b"\xef\xbb\xbf" + text.encode())
    result = check_table(path, labels=LABELS)
    assert result.passed, result.report()
    assert list(result.content.columns) == ["label", "area", "centroid-0", "centroid-1"]


@pytest.mark.parametrize("name", ["Area", "AREA", "area (px)", "area_px"])
def test_area_column_is_found_by_its_accepted_names(tmp_path, name):
    table = measured().rename(columns={"area": name})
    path = write(tmp_path, table.to_csv(sep="\t", index=False))
    assert check_table(path, labels=LABELS).passed


def test_latin1_text_is_read_with_a_note(tmp_path):
    text = "label\tarea\tunit\n1\t4\tµm\n3\t6\tµm\n4\t2\tµm\n"
    path = write(tmp_path, text.encode("latin-1"))
    result = check_table(path, labels=LABELS)
    assert result.passed
    assert result.codes == ["table.latin1"]
    assert result.content["unit"].tolist() == ["µm"] * 3


def test_single_column_gets_a_note_only(tmp_path):
    path = write(tmp_path, "area\n4\n6\n2\n")
    result = check_table(path, labels=LABELS)
    assert result.passed
    assert result.codes == ["table.single_column"]
    assert "'area'" in result.notes[0].message


# -- files that are not text tables --------------------------------------------


@pytest.mark.parametrize(
    ("content", "code", "words"),
    [
        (png_bytes(), "table.not_text", "a PNG image"),
        (bytes(range(256)) * 4, "table.not_text", "binary file"),
        (zip_bytes(), "table.excel_workbook", "Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "table.excel_xls", ".xls"),
    ],
    ids=["png", "binary", "zip", "xls"],
)
def test_non_text_files_are_named(tmp_path, content, code, words):
    result = check_table(write(tmp_path, content), labels=LABELS)
    assert result.codes == [code]
    assert words in result.errors[0].message
    assert "tab-delimited" in result.errors[0].message
    assert result.content is None


def test_non_text_message_names_the_asked_delimiter(tmp_path):
    result = check_table(write(tmp_path, zip_bytes(), "t.csv"), sep="comma")
    assert "comma-separated" in result.errors[0].message


def test_utf16_text_is_an_error_but_is_read(tmp_path):
    text = measured().to_csv(sep="\t", index=False)
    result = check_table(write(tmp_path, text.encode("utf-16")), labels=LABELS)
    assert result.codes == ["table.utf16"]
    assert result.content is not None


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "file.empty"),
        ("\n  \n\t\n", "table.empty"),
        ("label\tarea\n", "table.no_rows"),
    ],
    ids=["zero-bytes", "whitespace", "header-only"],
)
def test_empty_tables(tmp_path, content, code):
    result = check_table(write(tmp_path, content), labels=LABELS)
    assert result.codes == [code]
    assert result.content is None


def test_header_only_message_names_the_columns(tmp_path):
    result = check_table(write(tmp_path, "label\tarea\n"))
    assert "'label', 'area'" in result.errors[0].message


def test_json_is_named(tmp_path):
    result = check_table(write(tmp_path, measured().to_json()), labels=LABELS)
    assert result.codes == ["table.json"]
    assert "JSON" in result.errors[0].message


def test_missing_file(tmp_path):
    assert check_table(tmp_path / "nope.txt").codes == ["file.missing"]


# -- wrong tables ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("write_table", "found"),
    [
        (lambda t: t.to_csv(index=False), "commas"),
        (lambda t: t.to_csv(sep=";", index=False), "semicolons"),
        (lambda t: t.to_string(index=False), "spaces"),
    ],
    ids=["comma", "semicolon", "aligned"],
)
def test_wrong_delimiter_is_named(tmp_path, write_table, found):
    path = write(tmp_path, write_table(measured()))
    result = check_table(path, labels=LABELS)
    assert result.codes == ["table.wrong_delimiter"]
    message = result.errors[0].message
    assert f"separated by {found}, but tabs were expected" in message
    # The table is still read with the delimiter found, for the other checks.
    assert result.content["area"].tolist() == [4, 6, 2]


def test_tab_table_fails_when_comma_is_asked_for(tmp_path):
    path = write(tmp_path, measured().to_csv(sep="\t", index=False))
    result = check_table(path, sep="comma")
    assert result.codes == ["table.wrong_delimiter"]
    assert "separated by tabs, but commas" in result.errors[0].message


def test_pandas_index_is_named(tmp_path):
    path = write(tmp_path, measured().to_csv(sep="\t"))  # index=True by default
    result = check_table(path, labels=LABELS)
    assert result.codes == ["table.pandas_index"]
    assert "(0, 1, 2, ...)" in result.errors[0].message


def test_pandas_index_of_filtered_rows_is_named(tmp_path):
    table = measured().iloc[[0, 2]]
    path = write(tmp_path, table.to_csv(sep="\t"))
    assert "table.pandas_index" in check_table(path).codes


def test_unnamed_0_column_from_a_resaved_table_is_the_pandas_index(tmp_path):
    first = write(tmp_path, measured().to_csv(sep="\t"), "first.txt")
    again = pd.read_csv(first, sep="\t")  # the index comes back as "Unnamed: 0"
    path = write(tmp_path, again.to_csv(sep="\t", index=False))
    assert check_table(path).codes == ["table.pandas_index"]


@pytest.mark.parametrize(
    ("sep", "expected_codes"),
    [
        ("\t", ["table.decimal_comma"]),
        (";", ["table.wrong_delimiter", "table.decimal_comma"]),
        (",", ["table.decimal_comma"]),  # pandas quotes "2,5", so it stays one field
    ],
    ids=["tab", "semicolon", "comma-quoted"],
)
def test_decimal_comma_is_named(tmp_path, sep, expected_codes):
    path = write(tmp_path, measured().to_csv(sep=sep, decimal=",", index=False))
    result = check_table(path, sep="comma" if sep == "," else "tab", labels=LABELS)
    assert result.codes == expected_codes
    message = result.errors[-1].message
    assert "'4,0' in column 'area'" in message


def test_unquoted_decimal_comma_in_comma_file_is_named(tmp_path):
    text = "label,area,mean\n1,4,12,5\n3,6,10,25\n4,3,9,0\n"
    result = check_table(write(tmp_path, text, "t.csv"), sep="comma")
    assert result.codes == ["table.ragged_decimal_comma"]
    assert "Line 2 of your table has 4 fields, but the header has 3" in (
        result.errors[0].message
    )


def test_ragged_rows_name_the_line(tmp_path):
    text = "label\tarea\n1\t4\n3\t6\textra\n4\n"
    result = check_table(write(tmp_path, text), labels=LABELS)
    assert result.codes == ["table.ragged"]
    message = result.errors[0].message
    assert message.startswith("Line 3 of your table has 3 fields, but the header has 2")
    assert "2 of your 3 rows" in message
    assert result.content is None


def test_no_header_is_named(tmp_path):
    path = write(tmp_path, measured().to_csv(sep="\t", index=False, header=False))
    result = check_table(path, labels=LABELS)
    assert result.codes == ["table.no_header"]
    assert "(1, 4.0, 0.5)" in result.errors[0].message
    assert len(result.content) == 3


def test_unnamed_and_duplicate_columns(tmp_path):
    text = "label\tarea\t\tarea\n1\t4\tx\t4\n3\t6\ty\t6\n4\t2\tz\t2\n"
    result = check_table(write(tmp_path, text), labels=LABELS)
    assert result.codes == ["table.unnamed_column", "table.duplicate_column"]
    assert "(1 in all, the first is column 3)" in result.errors[0].message
    assert "'area'" in result.errors[1].message


def test_unclosed_quote_does_not_crash(tmp_path):
    text = 'label\tarea\n1\t"4\n' + "3\t6\n" * 60000
    result = check_table(write(tmp_path, text))
    assert "file.unexpected" not in result.codes
    assert not result.passed


def test_missing_values_are_a_note_without_labels_and_an_error_with(tmp_path):
    table = measured()
    table.loc[1, "area"] = np.nan
    path = write(tmp_path, table.to_csv(sep="\t", index=False))
    plain = check_table(path)
    assert plain.passed
    assert plain.codes == ["table.missing_values"]
    assert "column 'area' on line 3" in plain.notes[0].message
    checked = check_table(path, labels=LABELS)
    assert checked.codes == ["table.missing_values", "table.area_missing"]
    assert "(1 in all, the first on line 3)" in checked.errors[0].message


# -- comparison with the label image ---------------------------------------------


def test_wrong_row_count_names_found_and_expected(tmp_path):
    table = pd.concat([measured(), measured().iloc[[0]]])
    table["label"] = [1, 3, 4, 7]
    path = write(tmp_path, table.to_csv(sep="\t", index=False))
    result = check_table(path, labels=LABELS)
    assert result.codes == ["table.row_count", "table.unknown_labels"]
    assert result.errors[0].message.startswith(
        "Your table has 4 rows, but the image has 3 objects."
    )
    assert "(1 in all, such as 7)" in result.errors[1].message


def test_missing_object_without_label_column(tmp_path):
    table = measured().drop(columns="label").iloc[:2]
    path = write(tmp_path, table.to_csv(sep="\t", index=False))
    result = check_table(path, labels=LABELS)
    assert result.codes == ["table.row_count"]
    assert "2 rows, but the image has 3 objects" in result.errors[0].message


def test_missing_and_repeated_labels(tmp_path):
    table = measured()
    table["label"] = [1, 1, 4]
    path = write(tmp_path, table.to_csv(sep="\t", index=False))
    result = check_table(path, labels=LABELS)
    assert result.codes == ["table.missing_objects", "table.duplicate_labels"]
    assert "such as label 3" in result.errors[0].message
    assert "(1 in all, such as 1)" in result.errors[1].message


def test_areas_off_by_one_fail(tmp_path):
    table = measured()
    table["area"] += 1
    path = write(tmp_path, table.to_csv(sep="\t", index=False))
    result = check_table(path, labels=LABELS)
    assert result.codes == ["table.area_mismatch"]
    message = result.errors[0].message
    assert message.startswith("3 of your 3 areas differ")
    assert "label 1 has area 5 in your table but 4 pixels" in message


def test_one_wrong_area_is_matched_by_label(tmp_path):
    table = measured().iloc[::-1]
    table.loc[table["label"] == 3, "area"] = 7
    path = write(tmp_path, table.to_csv(sep="\t", index=False))
    result = check_table(path, labels=LABELS)
    assert result.codes == ["table.area_mismatch"]
    assert "label 3 has area 7 in your table but 6 pixels" in result.errors[0].message


def test_calibrated_areas_are_named(tmp_path):
    table = measured()
    table["area"] *= 0.25
    path = write(tmp_path, table.to_csv(sep="\t", index=False))
    result = check_table(path, labels=LABELS)
    assert result.codes == ["table.area_scaled"]
    assert "times 0.25" in result.errors[0].message


def test_no_area_column_names_the_columns(tmp_path):
    table = measured().rename(columns={"area": "size"})
    path = write(tmp_path, table.to_csv(sep="\t", index=False))
    result = check_table(path, labels=LABELS)
    assert result.codes == ["table.no_area_column"]
    assert "'label', 'size', 'centroid-0', 'centroid-1'" in result.errors[0].message


def test_area_as_text_is_named(tmp_path):
    text = "label\tarea\n1\t4 px\n3\t6 px\n4\t2 px\n"
    result = check_table(write(tmp_path, text), labels=LABELS)
    assert result.codes == ["table.area_not_numbers"]
    assert "'4 px'" in result.errors[0].message


def test_imagej_text_label_column_falls_back_to_label_order(tmp_path):
    text = IMAGEJ_TXT.replace(" \tArea", " \tLabel\tArea")
    lines = text.splitlines()
    lines[1:] = [f"{line.split(chr(9), 1)[0]}\tmask.tif\t{line.split(chr(9), 1)[1]}"
                 for line in lines[1:]]  # fmt: skip
    result = check_table(write(tmp_path, "\n".join(lines) + "\n"), labels=LABELS)
    assert result.passed, result.report()
    assert result.codes == ["table.label_not_numbers"]
    assert "'mask.tif'" in result.notes[0].message


def test_labels_from_a_file(tmp_path):
    label_path = tmp_path / "labels.png"
    Image.fromarray(LABELS.astype(np.uint8)).save(label_path)
    path = write(tmp_path, measured().to_csv(sep="\t", index=False))
    assert check_table(path, labels=label_path).passed


def test_programmer_errors_raise(tmp_path):
    path = write(tmp_path, "a\n1\n")
    with pytest.raises(ValueError, match="sep"):
        check_table(path, sep=";")
    with pytest.raises(ValueError):
        check_table(path, labels=np.zeros((2, 2, 2, 2)))


# -- properties --------------------------------------------------------------------

NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_ ]{0,8}", fullmatch=True).filter(
    lambda name: name.strip().lower() not in {"nan", "na", "inf", "infinity", "none"}
)
VALUES = (st.integers(-(2**53), 2**53), st.floats(allow_nan=False))


@st.composite
def tables(draw):
    names = draw(st.lists(NAMES, min_size=1, max_size=5, unique_by=str.strip))
    rows = draw(st.integers(1, 8))
    columns = {}
    for name in names:
        values = draw(st.sampled_from(VALUES))
        columns[name] = draw(st.lists(values, min_size=rows, max_size=rows))
    return pd.DataFrame(columns)


@settings(max_examples=40, deadline=None, suppress_health_check=SLOW_IS_FINE)
@given(table=tables())
def test_round_trip_of_random_tables(tmp_path_factory, table):
    path = tmp_path_factory.mktemp("round") / "table.txt"
    table.to_csv(path, sep="\t", index=False)
    result = check_table(path)
    assert result.passed, result.report()
    assert set(result.codes) <= {"table.single_column"}
    pd.testing.assert_frame_equal(result.content, table, check_exact=True)


@settings(max_examples=50, deadline=None)
@given(content=st.binary(min_size=1, max_size=300))
def test_random_bytes_never_crash(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("bytes") / "table.txt"
    path.write_bytes(content)
    result = check_table(path, labels=LABELS)
    assert "file.unexpected" not in result.codes


@settings(max_examples=50, deadline=None)
@given(content=st.text(alphabet=string.printable + "µ²,;\t", max_size=300))
def test_random_text_never_crashes(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("text") / "table.txt"
    path.write_text(content, encoding="utf-8")
    result = check_table(path, labels=LABELS)
    assert "file.unexpected" not in result.codes


# -- real ImageJ ------------------------------------------------------------------


@pytest.mark.imagej
@pytest.mark.parametrize(
    ("name", "sep"), [("results.txt", "tab"), ("results.csv", "comma")]
)
def test_tables_saved_by_imagej_pass(imagej, tmp_path, name, sep):
    binary = LABELS > 0
    Image.fromarray((binary * 255).astype(np.uint8)).save(tmp_path / "mask.png")
    macro = f"""
    open("{tmp_path / "mask.png"}");
    setThreshold(1, 255);
    run("Set Measurements...", "area centroid perimeter bounding decimal=3");
    run("Analyze Particles...", "display clear");
    saveAs("Results", "{tmp_path / name}");
    print("saved");
    """
    # In batch mode ImageJ also prints the results table; "saved" comes last.
    assert imagej.run_lines(macro, tmp_path)[-1] == "saved"
    result = check_table(tmp_path / name, sep=sep, labels=LABELS)
    assert result.passed, result.report()
    assert result.content["Area"].tolist() == [4, 6, 2]
