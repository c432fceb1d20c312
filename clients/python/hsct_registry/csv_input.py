"""Reading the records of a CSV file (or of rows a program built) by the
rules regctl reads them with.

A header row names the columns, in any order; optional columns may be
left out. A byte order mark and CRLF line ends are accepted. Every row must
have as many fields as the header. Text must be UTF-8 (or the encoding
given). A number written with a decimal comma is refused with the hint,
unless the file is read with `decimal_comma`. The whole input is checked
before anything is sent, so that a file is either sent whole or refused
with all of its problems at once, each naming its line and column.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import io
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Union

from .errors import CellError, InputError, Problem
from .kinds import DOUBLE, Kind
from .values import cell_of, has_decimal_comma, latest_valid_date, read_cell

Source = Union[str, "os.PathLike[str]", Iterable[Mapping[str, Any]]]
DELIMITERS = {",": ",", ";": ";", "tab": "\t", "\t": "\t"}
ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "windows-1252": "cp1252",
             "cp1252": "cp1252"}
ROWS_SOURCE = "<rows>"


@dataclasses.dataclass(frozen=True)
class ReadOptions:
    """How a file is written: its delimiter, whether its numbers use a
    decimal comma, its text encoding; and whether only the key columns are
    read (a retraction names records, it gives no values)."""

    delimiter: str = ","
    decimal_comma: bool = False
    encoding: str = "utf-8"
    key_only: bool = False

    def __post_init__(self) -> None:
        if self.delimiter not in DELIMITERS:
            raise ValueError("delimiter must be ',', ';' or tab")
        if self.encoding.lower() not in ENCODINGS:
            raise ValueError("encoding must be utf-8 or windows-1252")


@dataclasses.dataclass(frozen=True)
class Row:
    """One record read: its line (its position for rows of a program,
    counting the header as line 1) and its typed values by column name
    (None for an empty cell)."""

    line: int
    values: dict[str, Any]


@dataclasses.dataclass(frozen=True)
class LoadedInput:
    """The records of an input, where they came from, and the notes
    (nothing wrong, but worth saying) made while reading it."""

    source: str
    rows: list[Row]
    notes: list[str]


def read_input(kind: Kind, source: Source,
               options: ReadOptions = ReadOptions()) -> LoadedInput:
    """Every record of a CSV file (a path) or of an iterable of mappings;
    InputError listing every problem when any row is bad."""
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        header_line, header, records = _file_records(path, options)
    else:
        path = ROWS_SOURCE
        header_line, header, records = _mapping_records(kind, source)
    reader = _Reader(kind, path, options)
    positions = reader.header(header_line, header)
    if reader.problems:
        raise InputError(reader.problems)
    rows = [row for line, fields in records
            if (row := reader.row(line, header, positions, fields)) is not None]
    if reader.problems:
        raise InputError(reader.problems)
    return LoadedInput(path, rows, reader.notes)


# --- Files -------------------------------------------------------------------


def _file_records(path: str, options: ReadOptions
                  ) -> tuple[int, list[str], Iterator[tuple[int, list[str]]]]:
    """The header and the record iterator of a CSV file."""
    records = _csv_records(path, _decode(path, options), DELIMITERS[options.delimiter])
    try:
        header_line, header = next(records)
    except StopIteration:
        raise InputError([Problem(path, 1, "", "the file is empty "
                                  "(a header row is required)")]) from None
    bad = [Problem(path, header_line, "header", why)
           for name in header if (why := _encoding_problem(name, options))]
    if bad:
        raise InputError(bad)
    _check_delimiter(path, header_line, header, options)
    return header_line, header, records


def _decode(path: str, options: ReadOptions) -> str:
    """The text of a file (a byte order mark dropped); bytes the encoding
    does not define are kept as surrogate escapes, to be named by cell."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise InputError([Problem(path, 0, "", f"cannot read: {e.strerror}")]) from e
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    return data.decode(ENCODINGS[options.encoding.lower()], errors="surrogateescape")


def _encoding_problem(cell: str, options: ReadOptions) -> str | None:
    """Why a cell is not text in the file's encoding, None when it is."""
    for index, character in enumerate(cell):
        if "\udc80" <= character <= "\udcff":
            if ENCODINGS[options.encoding.lower()] == "cp1252":
                return "a byte Windows-1252 does not define; is the file in another encoding?"
            offset = len(cell[:index].encode("utf-8", errors="surrogateescape"))
            return (f"byte {offset + 1} (0x{ord(character) - 0xDC00:02X}) is not "
                    "UTF-8 text; save the file as UTF-8 (a spreadsheet's "
                    "\"CSV UTF-8\"), or give the encoding it was saved in "
                    "(--encoding windows-1252 for Excel's plain CSV on Windows)")
    return None


def _csv_records(path: str, text: str, delimiter: str
                 ) -> Iterator[tuple[int, list[str]]]:
    """The records of a CSV text with the line each starts on; blank lines
    are skipped. InputError on a syntax error."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    while True:
        start = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise InputError([Problem(path, reader.line_num, "", str(e))]) from None
        if fields:
            yield start, fields


def _check_delimiter(path: str, line: int, header: list[str],
                     options: ReadOptions) -> None:
    """A header of one field holding another delimiter: the file is not
    separated the way it is read, and every row would be wrong."""
    delimiter = DELIMITERS[options.delimiter]
    for other, name in ((";", ";"), ("\t", "tab"), (",", ",")):
        if other == delimiter or len(header) != 1 or other not in header[0]:
            continue
        hint = (" (a spreadsheet's CSV saved in a European locale)"
                if other == ";" else "")
        extra = (" (and --decimal-comma if its numbers are written 3,5)"
                 if other == ";" else "")
        shown = "tab" if delimiter == "\t" else delimiter
        raise InputError([Problem(path, line, "", f"the header is separated by "
                                  f"'{name}', not '{shown}'{hint}: give "
                                  f"--delimiter '{name}'{extra}")])


# --- Rows of a program -------------------------------------------------------


def _mapping_records(kind: Kind, rows: Iterable[Mapping[str, Any]]
                     ) -> tuple[int, list[str], Iterator[tuple[int, list[str]]]]:
    """Mappings as a header (every key, in order of first use) and records
    of cell texts; row N is "line" N + 1, as if under a header."""
    rows = list(rows)
    header: list[str] = []
    for row in rows:
        header.extend(name for name in row if name not in header)
    records: list[tuple[int, list[str]]] = []
    problems: list[Problem] = []
    for index, row in enumerate(rows):
        fields = []
        for name in header:
            column = kind.column(name)
            value = row.get(name)
            try:
                fields.append(cell_of(column, value) if column else str(value or ""))
            except CellError as e:
                problems.append(Problem(ROWS_SOURCE, index + 2, name, str(e)))
                fields.append("")
        records.append((index + 2, fields))
    if problems:
        raise InputError(problems)
    return 1, header, iter(records)


# --- Checking ----------------------------------------------------------------


def edit_distance(a: str, b: str) -> int:
    """Insertions, deletions and substitutions from `a` to `b`."""
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        diagonal, row[0] = row[0], i
        for j in range(1, len(b) + 1):
            up = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1,
                         diagonal + (a[i - 1] != b[j - 1]))
            diagonal = up
    return row[len(b)]


def closest(name: str, names: Iterable[str]) -> str | None:
    """The name closest to `name`, if close enough to be a likely typo."""
    best, best_distance = None, max(2, len(name) // 3) + 1
    for candidate in names:
        distance = edit_distance(name, candidate)
        if distance < best_distance:
            best, best_distance = candidate, distance
    return best


class _Reader:
    """The checks of one input, collecting its problems and notes."""

    def __init__(self, kind: Kind, path: str, options: ReadOptions) -> None:
        self.kind, self.path, self.options = kind, path, options
        self.problems: list[Problem] = []
        self.notes: list[str] = []
        self.latest = None if options.key_only else latest_valid_date()

    def problem(self, line: int, column: str, message: str) -> None:
        self.problems.append(Problem(self.path, line, column, message))

    def header(self, line: int, header: list[str]) -> dict[str, int]:
        """The position of each column named by the header; problems for
        unknown and repeated names and for missing required columns."""
        names = self.kind.names
        positions: dict[str, int] = {}
        for index, name in enumerate(header):
            found = name if name in names else None
            folded = name.strip().lower()
            if found is None and folded in names:
                found = folded
                self.notes.append(f"{self.path}:{line}: note: column '{name}' "
                                  f"read as {folded}")
            if found is None:
                guess = closest(folded, names)
                self.problem(line, name, f"unknown column for {self.kind.name}" + (
                    f"; did you mean {guess}?" if guess
                    else f" (columns: {','.join(names)})"))
            elif found in positions:
                self.problem(line, name, "repeated column")
            else:
                positions[found] = index
        for column in self.kind.columns:
            needed = column.key if self.options.key_only else column.required
            if needed and column.name not in positions:
                self.problem(line, column.name, "required column is missing")
        return positions

    def row(self, line: int, header: list[str], positions: dict[str, int],
            fields: list[str]) -> Row | None:
        """One record's typed values, or None (with its problems noted)."""
        encoding = [(header[i] if i < len(header) else "row", why)
                    for i, cell in enumerate(fields)
                    if (why := _encoding_problem(cell, self.options))]
        for column, why in encoding:
            self.problem(line, column, why)
        if encoding:
            return None
        if len(fields) != len(header):
            self.problem(line, "row", f"expected {len(header)} values as in the "
                         f"header, found {len(fields)}")
            return None
        values: dict[str, Any] = {}
        for column in self.kind.columns:
            values[column.name] = None
            if column.name not in positions or (self.options.key_only and not column.key):
                continue
            cell = fields[positions[column.name]]
            if not cell:
                if column.required:
                    self.problem(line, column.name, "required value is missing")
                continue
            if column.type == DOUBLE and self.options.decimal_comma and has_decimal_comma(cell):
                cell = cell.replace(",", ".")
            try:
                values[column.name] = read_cell(column, cell, self.latest)
            except CellError as e:
                self.problem(line, column.name, str(e))
        return Row(line, values)
