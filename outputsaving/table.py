"""Check a saved results table: a tab-delimited (or comma-separated) text file.

The check reads the file by its content, never by its name, and reports every
problem at once: a file that is not text (an image, an Excel workbook), a
wrong delimiter, a missing header, decimal commas, the pandas index saved as
a column, ragged rows, and, given the reference label image, rows and areas
that do not match its objects.

Rules the check follows
-----------------------
Delimiter
    Told from the first non-blank line (the header): a tab if it holds one,
    else a semicolon, else a comma. Without any of these, the columns are
    taken as aligned with spaces when the data rows split into two or more
    words, and as a single column otherwise (a single column is consistent
    with any delimiter, so it only gets a note).
Header
    The first row is a header unless every non-empty cell in it is a number.
Numbers
    A column is a number column when every non-missing cell is a number with
    a point as decimal mark (``12.5``, ``-1e-3``, ``inf``). Cells such as
    ``12,5`` are decimal commas. Missing cells are empty or one of ``NaN``,
    ``NA``, ``N/A``, ``null``, ``None`` (any case).
First column without a name
    ImageJ writes its row numbers as a first column whose header is a space,
    counting ``1, 2, ..., n``; that is accepted. pandas writes its index as a
    first column whose header is empty (or ``Unnamed: 0`` when a read table is
    saved again), counting ``0, 1, ..., n - 1``, or other integers once rows
    were filtered. So an unnamed first column counting exactly ``1..n`` is
    ImageJ's row number; any other unnamed first column of integers, and any
    ``Unnamed: k`` column, is the pandas index. (A pandas index of exactly
    ``1..n``, left after dropping row 0 only, passes as ImageJ's.)
Columns compared with the labels
    The area column is the first whose name, ignoring case and surrounding
    spaces, is one of ``area``, ``area_px``, ``area (px)``, ``area [px]``,
    ``area (pixels)``. The label column is the first named ``label`` (any
    case); when it holds integers, rows are matched to objects by it,
    otherwise (or without it) rows are taken in the order of the sorted
    non-zero labels. Areas must equal the pixel counts exactly; areas that
    are all the pixel counts times one constant are named as calibrated.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections import Counter
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from outputsaving.findings import CheckResult, checker
from outputsaving.reference import as_reference_labels
from outputsaving.sniff import FORMAT_NAMES, preflight

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["AREA_NAMES", "LABEL_NAMES", "MAX_BYTES", "check_table"]

#: Largest table file this check reads, in bytes.
MAX_BYTES = 50 * 1024 * 1024

#: Column names (lower case, stripped) taken as the area in pixels.
AREA_NAMES = ("area", "area_px", "area (px)", "area [px]", "area (pixels)")

#: Column names (lower case, stripped) taken as the object label.
LABEL_NAMES = ("label",)

_DELIMITERS = {"tab": "\t", "comma": ","}
_SPACES = " "  # stands for "aligned with one or more spaces"
_SINGLE = ""  # stands for "a single column, no delimiter"
_DELIMITER_WORDS = {"\t": "tabs", ",": "commas", ";": "semicolons", _SPACES: "spaces"}
_EXPECTED_TEXT = {"\t": "tab-delimited", ",": "comma-separated"}

_MISSING = frozenset({"", "nan", "-nan", "na", "n/a", "null", "none"})
_NUMBER = re.compile(
    r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:inf|infinity)", re.IGNORECASE
)
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+(?:[eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")
_UNNAMED = re.compile(r"Unnamed: \d+")
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def check_table(path, *, sep: str = "tab", labels=None) -> CheckResult:
    """Check a saved results table and return every finding at once.

    Parameters
    ----------
    path : str or Path
        The table file to check.
    sep : {"tab", "comma"}, optional
        The delimiter the exercise asks for. Default ``"tab"``.
    labels : (M, N) array_like of int, or str or Path, optional
        The reference label image (label 0 is background), or the path of a
        TIFF or PNG file holding one. When given, the table must have one row
        per object and an area column equal to each object's pixel count.

    Returns
    -------
    CheckResult
        ``kind`` is ``"table"``; ``content`` is the table as a DataFrame
        (number columns converted, other columns as text) when the file could
        be read into columns, else None.

    Raises
    ------
    ValueError
        When ``sep`` is not ``"tab"`` or ``"comma"``, or ``labels`` is not a
        usable label image (both are the caller's mistakes, not the learner's).
    """
    if sep not in _DELIMITERS:
        msg = f"sep must be 'tab' or 'comma', not {sep!r}"
        raise ValueError(msg)
    reference = None if labels is None else as_reference_labels(labels)
    return _check_table(path, delimiter=_DELIMITERS[sep], reference=reference)


@checker("table")
def _check_table(
    result: CheckResult, path: Path, *, delimiter: str, reference: np.ndarray | None
) -> None:
    expected = {
        "expected": _DELIMITER_WORDS[delimiter],
        "expected_text": _EXPECTED_TEXT[delimiter],
    }
    fmt = preflight(result, path, max_bytes=MAX_BYTES)
    if fmt is None:
        return
    text = _decode(result, path.read_bytes(), fmt, expected)
    if text is None:
        return
    if not text.strip():
        result.add("table.empty")
        return
    if _is_json(text):
        result.add("table.json", **expected)
        return

    found = _detect_delimiter(text)
    if found == _SINGLE:
        first = next(line for line in text.splitlines() if line.strip())
        result.add("table.single_column", name=_name_list([first[:40]]), **expected)
    elif found != delimiter:
        result.add("table.wrong_delimiter", found=_DELIMITER_WORDS[found], **expected)

    split = _split_rows(text, found)
    if split is None:
        result.add("table.unreadable")
        return
    rows, lines = split
    if not rows:  # only empty quoted cells, such as a lone '"'
        result.add("table.empty")
        return
    has_header = not _is_number_row(rows[0])
    if has_header:
        header, data, data_lines = rows[0], rows[1:], lines[1:]
    else:
        result.add("table.no_header", example=", ".join(rows[0][:3]))
        header, data, data_lines = None, rows, lines
    if not data:
        result.add("table.no_rows", columns=_name_list(header or rows[0]))
        return
    width = len(rows[0])
    if _is_ragged(result, data, data_lines, width=width, delimiter=found):
        return

    if header is not None:
        _check_names(result, header, data)
    table = _to_frame(result, header, data, data_lines, width=width)
    result.content = table
    if reference is not None and header is not None:
        _compare_with_labels(result, table, header, data_lines, reference)
    elif reference is not None:
        objects = np.count_nonzero(np.unique(reference))
        if len(table) != objects:
            result.add("table.row_count", found=len(table), expected=objects)


def _decode(result: CheckResult, raw: bytes, fmt: str, expected: dict) -> str | None:
    """Return the text of ``raw``, or None after adding why it is not text."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError:
            text = None
        if text is not None and "\x00" not in text:
            result.add("table.utf16")
            return text
    if fmt == "zip":
        result.add("table.excel_workbook", **expected)
        return None
    if raw.startswith(_OLE_SIGNATURE):
        result.add("table.excel_xls", **expected)
        return None
    if fmt != "text" or b"\x00" in raw:
        what = FORMAT_NAMES["binary" if fmt == "text" else fmt]
        result.add("table.not_text", what=what, **expected)
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        result.add("table.latin1")
        return raw.decode("latin-1")


def _is_json(text: str) -> bool:
    """True when ``text`` is a JSON object or array, as ``to_json`` writes."""
    if text.lstrip()[0] not in "{[":
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _detect_delimiter(text: str) -> str:
    """Return the delimiter of ``text``: a character, _SPACES or _SINGLE."""
    lines = [line for line in text.splitlines() if line.strip()]
    header = lines[0]
    for candidate in ("\t", ";", ","):
        if candidate in header:
            return candidate
    words = Counter(len(line.split()) for line in lines[1:51])
    usual = words.most_common(1)[0][0] if words else len(header.split())
    return _SPACES if usual >= 2 else _SINGLE


def _split_rows(text: str, delimiter: str) -> tuple[list[list[str]], list[int]] | None:
    """Split ``text`` into rows of cells, skipping blank lines.

    Returns the rows and the (1-based) line number of each, or None when the
    text cannot be split (an open quote running past the csv field limit).
    """
    rows, lines = [], []
    if delimiter == _SPACES:
        for number, line in enumerate(io.StringIO(text, newline=None), start=1):
            if line.strip():
                rows.append(line.split())
                lines.append(number)
        return rows, lines
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter or "\t")
    try:
        for row in reader:
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error:
        return None
    return rows, lines


def _is_number(cell: str) -> bool:
    return bool(_NUMBER.fullmatch(cell.strip()))


def _is_decimal_comma(cell: str) -> bool:
    return bool(_DECIMAL_COMMA.fullmatch(cell.strip()))


def _is_missing(cell: str) -> bool:
    return cell.strip().lower() in _MISSING


def _is_number_row(row: list[str]) -> bool:
    cells = [cell for cell in row if cell.strip()]
    return bool(cells) and all(_is_number(c) or _is_decimal_comma(c) for c in cells)


def _name_list(names: list[str], limit: int = 8) -> str:
    shown = ", ".join(f"'{name.strip()}'" for name in names[:limit])
    return shown + (", ..." if len(names) > limit else "")


def _is_ragged(
    result: CheckResult,
    data: list[list[str]],
    lines: list[int],
    *,
    width: int,
    delimiter: str,
) -> bool:
    """Add a finding and return True when rows differ in length from the first."""
    bad = [
        (row, line) for row, line in zip(data, lines, strict=True) if len(row) != width
    ]
    if not bad:
        return False
    if delimiter == ",":
        for row, line in bad:
            if len(row) > width and all(_INTEGER.fullmatch(c.strip()) for c in row):
                result.add(
                    "table.ragged_decimal_comma",
                    line=line,
                    found=len(row),
                    expected=width,
                )
                return True
    row, line = bad[0]
    result.add(
        "table.ragged",
        line=line,
        found=len(row),
        expected=width,
        count=len(bad),
        total=len(data),
    )
    return True


def _check_names(result: CheckResult, header: list[str], data: list[list[str]]) -> None:
    """Name a pandas index column, unnamed columns and repeated names."""
    names = [name.strip() for name in header]
    unnamed = [
        j for j, name in enumerate(names) if not name or _UNNAMED.fullmatch(name)
    ]
    if unnamed and unnamed[0] == 0:
        first = [row[0].strip() for row in data]
        integers = all(_INTEGER.fullmatch(value) for value in first)
        counts_from_one = integers and [int(value) for value in first] == list(
            range(1, len(first) + 1)
        )
        if not names[0] and counts_from_one:  # ImageJ's row numbers
            unnamed = unnamed[1:]
        elif integers or names[0]:  # pandas' index (names[0] is "Unnamed: k")
            result.add("table.pandas_index", values=", ".join(first[:3]))
            unnamed = unnamed[1:]
    if unnamed:
        result.add("table.unnamed_column", count=len(unnamed), position=unnamed[0] + 1)
    repeated = [name for name, n in Counter(names).items() if name and n > 1]
    if repeated:
        result.add("table.duplicate_column", name=repeated[0])


def _to_frame(
    result: CheckResult,
    header: list[str] | None,
    data: list[list[str]],
    lines: list[int],
    *,
    width: int,
) -> pd.DataFrame:
    """Build the DataFrame: number columns as numbers, the others as text."""
    columns = {}
    decimal_comma = None
    missing = []
    for j in range(width):
        cells = [row[j] for row in data]
        gaps = [i for i, cell in enumerate(cells) if _is_missing(cell)]
        present = [cell for cell in cells if not _is_missing(cell)]
        commas = [cell for cell in present if _is_decimal_comma(cell)]
        numeric = present and all(
            _is_number(c) or _is_decimal_comma(c) for c in present
        )
        name = header[j].strip() if header is not None else str(j + 1)
        if numeric and commas:
            if decimal_comma is None:
                line = lines[cells.index(commas[0])]
                decimal_comma = {"example": commas[0].strip(), "column": name}
                decimal_comma["line"] = line
            columns[j] = pd.Series(cells, dtype=object)
        elif numeric:
            skip = set(gaps)
            values = [None if i in skip else c.strip() for i, c in enumerate(cells)]
            columns[j] = pd.to_numeric(pd.Series(values, dtype=object))
            missing += [(lines[i], name) for i in gaps]
        else:
            columns[j] = pd.Series(cells, dtype=object)
    if decimal_comma is not None:
        result.add("table.decimal_comma", **decimal_comma)
    if missing:
        line, name = min(missing)
        result.add("table.missing_values", count=len(missing), column=name, line=line)
    table = pd.DataFrame(columns)
    table.columns = list(header) if header is not None else list(range(width))
    return table


def _find_column(header: list[str], names: tuple[str, ...]) -> int | None:
    for j, name in enumerate(header):
        if name.strip().lower() in names:
            return j
    return None


def _format_number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.6g}"


def _compare_with_labels(
    result: CheckResult,
    table: pd.DataFrame,
    header: list[str],
    lines: list[int],
    reference: np.ndarray,
) -> None:
    """Compare rows and areas of ``table`` with the objects of ``reference``."""
    objects, sizes = np.unique(reference[reference > 0], return_counts=True)
    if len(table) != len(objects):
        result.add("table.row_count", found=len(table), expected=len(objects))

    # Pairs (row position, object position) to compare areas on.
    pairs = None
    label_column = _find_column(header, LABEL_NAMES)
    if label_column is not None:
        column = table.iloc[:, label_column]
        values = column.dropna()
        usable = pd.api.types.is_numeric_dtype(column) and bool(
            np.all(np.isfinite(values) & (values == np.round(values)))
        )
        if usable:
            pairs = _match_labels(result, column, objects)
        elif len(values):
            example = next(
                (v for v in values if not _is_number(str(v))), values.iloc[0]
            )
            result.add(
                "table.label_not_numbers",
                column=header[label_column].strip(),
                example=example,
            )
    if pairs is None and len(table) == len(objects):
        pairs = [(k, k) for k in range(len(objects))]

    area_column = _find_column(header, AREA_NAMES)
    if area_column is None:
        result.add("table.no_area_column", columns=_name_list(header))
        return
    areas = table.iloc[:, area_column]
    if not pd.api.types.is_numeric_dtype(areas):
        text = [value for value in areas if not _is_missing(value)]
        if not text:
            result.add("table.area_missing", count=len(areas), line=lines[0])
        elif not any(_is_decimal_comma(value) for value in text):
            example = next(value for value in text if not _is_number(value))
            name = header[area_column].strip()
            result.add("table.area_not_numbers", column=name, example=example.strip())
        return
    if not pairs:
        return
    rows = np.array([row for row, _ in pairs])
    found = areas.to_numpy(dtype=float)[rows]
    expected = sizes[[obj for _, obj in pairs]].astype(float)
    gaps = np.isnan(found)
    if gaps.any():
        first = lines[rows[np.argmax(gaps)]]
        result.add("table.area_missing", count=int(gaps.sum()), line=first)
    found, expected, rows = found[~gaps], expected[~gaps], rows[~gaps]
    labels = objects[[obj for _, obj in pairs]][~gaps]
    differ = ~np.isclose(found, expected, rtol=0, atol=1e-6)
    if not differ.any():
        return
    ratio = found / expected
    if differ.all() and len(ratio) >= 2 and np.allclose(ratio, ratio[0], rtol=0.01):
        result.add("table.area_scaled", factor=f"{ratio[0]:.4g}")
        return
    i = int(np.argmax(differ))
    result.add(
        "table.area_mismatch",
        count=int(differ.sum()),
        total=len(found),
        label=int(labels[i]),
        found=_format_number(found[i]),
        expected=_format_number(expected[i]),
    )


def _match_labels(
    result: CheckResult, column: pd.Series, objects: np.ndarray
) -> list[tuple[int, int]]:
    """Match rows to objects by the label column; name unknown and missing ones."""
    position = {int(label): k for k, label in enumerate(objects)}
    pairs, seen, unknown, repeated = [], set(), [], []
    for row, value in enumerate(column):
        if pd.isna(value):
            continue
        label = int(value)
        if label not in position:
            unknown.append(label)
        elif label in seen:
            repeated.append(label)
        else:
            seen.add(label)
            pairs.append((row, position[label]))
    if unknown:
        result.add("table.unknown_labels", count=len(set(unknown)), example=unknown[0])
    absent = [int(label) for label in objects if int(label) not in seen]
    if absent:
        result.add(
            "table.missing_objects",
            count=len(absent),
            total=len(objects),
            example=absent[0],
        )
    if repeated:
        result.add(
            "table.duplicate_labels", count=len(set(repeated)), example=repeated[0]
        )
    return pairs
