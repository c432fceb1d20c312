"""Rows: what exports and reports return.

A result is a list of plain dicts, one per row, keyed by column in the
order regctl prints them, with typed values: text as str (possibly ""),
whole numbers and 0/1 flags as int, numbers as float, dates as
datetime.date, yes/no columns as bool, and None where regctl prints an
empty cell or NA. The list also knows its columns and their types, so that
an empty result still has a header, `to_csv` writes exactly regctl's CSV,
and a DataFrame gets the right dtypes.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable
from typing import Any

from .values import format_number

# Field types: how a value is typed and printed.
TEXT = "text"        # str
INT = "int"          # int
FLAG = "flag"        # int 0 or 1
NUMBER = "number"    # float, shortest text that reads back
FIXED1 = "fixed1"    # float, one decimal (EDSS)
FIXED4 = "fixed4"    # float, four decimals (rates, probabilities)
DATE = "date"        # datetime.date
YES_NO = "yes_no"    # bool, printed yes/no


@dataclasses.dataclass(frozen=True)
class Field:
    """One column of a result: its name, type and the text of a missing
    value ("" or "NA", as regctl prints it)."""

    name: str
    type: str = TEXT
    missing: str = ""


def field_text(field: Field, value: Any) -> str:
    """A value as regctl prints it in CSV."""
    if value is None:
        return field.missing
    if field.type == YES_NO:
        return "yes" if value else "no"
    if field.type == DATE:
        return value.isoformat() if isinstance(value, datetime.date) else str(value)
    if field.type == NUMBER:
        return format_number(float(value))
    if field.type == FIXED1:
        return f"{float(value):.1f}"
    if field.type == FIXED4:
        return f"{float(value):.4f}"
    return str(value)


class Rows(list):
    """A list of row dicts that knows its fields, and for reports the
    definition they were computed with and the recorded time of their data
    (given back as `as_of_recorded`, it reproduces the result)."""

    def __init__(self, fields: Iterable[Field], rows: Iterable[dict[str, Any]] = (),
                 definition: str = "", data_as_of_recorded: str = "") -> None:
        super().__init__(rows)
        self.fields: tuple[Field, ...] = tuple(fields)
        self.definition = definition
        self.data_as_of_recorded = data_as_of_recorded

    @property
    def columns(self) -> tuple[str, ...]:
        """The column names, in regctl's order."""
        return tuple(f.name for f in self.fields)

    def to_csv(self) -> str:
        """The rows as regctl's `--format csv` writes them, header first."""
        lines = [csv_line(list(self.columns))]
        for row in self:
            lines.append(csv_line([field_text(f, row.get(f.name)) for f in self.fields]))
        return "".join(line + "\n" for line in lines)

    def to_dataframe(self):  # -> pandas.DataFrame
        """The rows as a pandas DataFrame (pandas imported only now)."""
        from .frames import to_dataframe
        return to_dataframe(self)


def _needs_quotes(cell: str) -> bool:
    return (any(c in cell for c in ',"\r\n') or cell[:1] == " " or cell[-1:] == " "
            or cell.startswith("\ufeff"))


def csv_line(cells: list[str]) -> str:
    """One CSV line as the server's CSV writer quotes it: only where needed
    (a delimiter, quote or line end, surrounding spaces), and a row of one
    empty cell as "" so that it is not read as a blank line."""
    if len(cells) == 1 and not cells[0]:
        return '""'
    return ",".join('"' + c.replace('"', '""') + '"' if _needs_quotes(c) else c
                    for c in cells)
