"""pandas DataFrames of rows, for analysts who have pandas.

pandas is not a dependency of the client: it is imported when a frame is
asked for, and its absence is a clear error rather than a failed import of
the whole package.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .errors import RegistryClientError
from .rows import DATE, FIXED1, FIXED4, FLAG, INT, NUMBER, YES_NO, Rows


class PandasMissing(RegistryClientError, ImportError):
    """pandas is needed for a DataFrame and is not installed."""


def _pandas() -> Any:
    """The pandas module, or PandasMissing saying how to get it."""
    try:
        import pandas
    except ImportError as e:
        raise PandasMissing("a DataFrame needs pandas, which is not installed "
                            "(pip install pandas, or apt-get install python3-pandas); "
                            "the rows themselves are plain dicts") from e
    return pandas


# The pandas dtype of each field type: nullable integers and booleans keep
# missing values missing instead of turning a column into floats.
_DTYPES = {INT: "Int64", FLAG: "Int64", NUMBER: "float64", FIXED1: "float64",
           FIXED4: "float64", YES_NO: "boolean"}


def to_dataframe(rows: Iterable[dict[str, Any]]) -> Any:
    """A DataFrame of rows, one column per field in regctl's order.

    With Rows (what exports and reports return), columns get their types:
    dates as datetime64, whole numbers and flags as nullable Int64, numbers
    as float64, yes/no as nullable boolean, text as object; an empty result
    still has its columns. Plain dicts are taken as pandas takes them."""
    pandas = _pandas()
    if not isinstance(rows, Rows):
        return pandas.DataFrame.from_records(list(rows))
    frame = pandas.DataFrame.from_records(list(rows), columns=list(rows.columns))
    for field in rows.fields:
        if field.type == DATE:
            frame[field.name] = pandas.to_datetime(frame[field.name])
        elif field.type in _DTYPES:
            frame[field.name] = frame[field.name].astype(_DTYPES[field.type])
    return frame
