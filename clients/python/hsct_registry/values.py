"""Cells and values: reading one cell by its column, and the canonical text
of a value.

The rules and their words are the server's (core/record_values.cc), so a
file refused here would be refused by the server for the same reason, and
a value printed here reads back as the same value there.
"""

from __future__ import annotations

import datetime
import decimal
import math
import re
from typing import Any

from .errors import CellError
from .kinds import BOOL, DATE, DOUBLE, ENUM, INT, TEXT, Column

DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
WHOLE_NUMBER_PATTERN = re.compile(r"-?[0-9]+")
NUMBER_PATTERN = re.compile(r"[0-9A-Za-z+.-]+")
DECIMAL_COMMA_PATTERN = re.compile(r"-?[0-9]+,[0-9]+")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
INT32_RANGE = (-2**31, 2**31 - 1)


def latest_valid_date() -> datetime.date:
    """The latest calendar date anywhere on Earth (UTC+14), as the server
    takes "today" for its no-dates-in-the-future rule."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return (now + datetime.timedelta(hours=14)).date()


def parse_date(text: str) -> datetime.date:
    """A `YYYY-MM-DD` date from 1900 on; CellError otherwise."""
    try:
        if DATE_PATTERN.fullmatch(text):
            value = datetime.date.fromisoformat(text)
            if value.year >= 1900:
                return value
    except ValueError:
        pass
    raise CellError(f"'{text}' is not a valid date (YYYY-MM-DD)")


def format_number(value: float) -> str:
    """The shortest plain decimal that reads back as exactly `value`, as the
    server writes numbers (no exponent, no trailing zeros, "0" for -0)."""
    if value == 0:
        return "0"
    text = format(decimal.Decimal(repr(float(value))).normalize(), "f")
    return text


def has_decimal_comma(text: str) -> bool:
    """Whether a cell is a number written with a decimal comma ("3,5")."""
    return bool(DECIMAL_COMMA_PATTERN.fullmatch(text))


def canonical_text(column: Column, value: Any) -> str:
    """The text of a typed value in a column, as regctl exports it; "" for
    a missing value."""
    if value is None:
        return ""
    if column.type == BOOL:
        return "yes" if value else "no"
    if column.type == DATE:
        return value.isoformat() if isinstance(value, datetime.date) else str(value)
    if column.type == DOUBLE and isinstance(value, (int, float)):
        if column.decimals >= 0:
            return f"{float(value):.{column.decimals}f}"
        return format_number(float(value))
    return str(value)


def _check_range(column: Column, value: float, latest: datetime.date) -> None:
    """The inclusive range of an INT or DOUBLE column, when it has one."""
    minimum = column.minimum
    maximum = float(latest.year) if column.max_this_year else column.maximum
    if minimum is None or maximum is None:
        return
    if value < minimum or value > maximum:
        raise CellError(f"must be between {format_number(minimum)} and "
                        f"{format_number(maximum)} (got {format_number(value)})")


def _read_text(column: Column, text: str) -> str:
    size = len(text.encode("utf-8"))
    if column.pattern:
        if size > column.max_length or not re.fullmatch(f"{column.pattern}+", text):
            raise CellError(f"must be {column.pattern_text} (got '{text}')")
        return text
    if size > column.max_length or CONTROL_CHARACTERS.search(text):
        raise CellError(f"must be at most {column.max_length} characters "
                        "without control characters")
    if column.key and "|" in text:
        raise CellError("must not contain '|'")
    return text


def _read_whole(column: Column, text: str, latest: datetime.date) -> int:
    if not WHOLE_NUMBER_PATTERN.fullmatch(text) or not (
            INT32_RANGE[0] <= int(text) <= INT32_RANGE[1]):
        raise CellError(f"'{text}' is not a whole number")
    whole = int(text)
    _check_range(column, whole, latest)
    return whole


def _read_number(column: Column, text: str, latest: datetime.date) -> float:
    try:
        number = float(text) if NUMBER_PATTERN.fullmatch(text) else math.nan
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        message = f"'{text}' is not a number"
        if has_decimal_comma(text):
            message += (f": use a decimal point ({text.replace(',', '.')}), or "
                        "read the file with --decimal-comma")
        raise CellError(message)
    number = number + 0.0  # -0 is 0
    _check_range(column, number, latest)
    return number


def read_cell(column: Column, text: str, latest: datetime.date | None) -> Any:
    """The typed value of one non-empty cell; CellError when it breaks a rule
    of its column. With `latest` None, dates are not checked against today
    (a retraction names a record, it does not date one)."""
    if column.type == TEXT:
        return _read_text(column, text)
    if column.type in (ENUM, BOOL):
        if text not in column.allowed:
            raise CellError(f"'{text}' is not one of {', '.join(column.allowed)}")
        return text == "yes" if column.type == BOOL else text
    if column.type == DATE:
        value = parse_date(text)
        if latest is not None and value > latest:
            raise CellError(f"date {value.isoformat()} is in the future")
        return value
    if column.type == INT:
        return _read_whole(column, text, latest or datetime.date.max)
    if column.type == DOUBLE:
        return _read_number(column, text, latest or datetime.date.max)
    raise AssertionError(f"column {column.name}: unknown type {column.type}")


def cell_of(column: Column, value: Any) -> str:
    """The cell text of a value given by a program (a row of dicts): typed
    values are written as the server writes them, text is kept as it is so
    that it is checked like a file's cell."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) and column.type != BOOL:
        raise CellError(f"'{value}' is not a value of a {column.type} column")
    if isinstance(value, float) and math.isnan(value):
        return ""  # pandas' missing value
    if isinstance(value, datetime.datetime):
        value = value.date()
    if column.type == DOUBLE and isinstance(value, (int, float)):
        return format_number(float(value))
    return canonical_text(column, value)
