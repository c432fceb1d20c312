"""Typed values to registry.v1 messages and back.

A column's name is its field in the kind's message, so one generic mapping
serves every kind: a new kind needs a row in KINDS, not code here.
"""

from __future__ import annotations

import datetime
from typing import Any

from .kinds import BOOL, DATE, ENUM, KINDS, Kind
from .stubs import Stubs


def to_date(stubs: Stubs, value: datetime.date) -> Any:
    """A registry.v1.Date."""
    return stubs.records.Date(year=value.year, month=value.month, day=value.day)


def from_date(date: Any) -> datetime.date | None:
    """The date of a registry.v1.Date, None when it is unset."""
    if not (date.year or date.month or date.day):
        return None
    return datetime.date(date.year, date.month, date.day)


def date_text(date: Any, unset: str = "") -> str:
    """`YYYY-MM-DD` of a registry.v1.Date, or `unset` when it is unset."""
    value = from_date(date)
    return value.isoformat() if value else unset


def to_record(stubs: Stubs, kind: Kind, values: dict[str, Any]) -> Any:
    """A registry.v1.Record holding the kind's message, each column's value
    in its field of the same name; missing values leave their fields unset."""
    record = stubs.records.Record()
    message = getattr(record, kind.field)
    message.SetInParent()  # a kind whose fields are all unset is still set
    for column in kind.columns:
        value = values.get(column.name)
        if value is None:
            continue
        if column.type == DATE:
            getattr(message, column.name).CopyFrom(to_date(stubs, value))
        elif column.type == ENUM and column.codes:
            enum = getattr(stubs.records, column.codes.enum)
            setattr(message, column.name, enum.Value(column.codes.value_name(value)))
        else:  # TEXT, INT, DOUBLE, BOOL: the Python value as it is
            setattr(message, column.name, value)
    return record


def kind_of_record(record: Any) -> Kind | None:
    """The kind a registry.v1.Record holds, None for one this client lacks."""
    field = record.WhichOneof("record")
    return next((kind for kind in KINDS if kind.field == field), None)


def from_record(kind: Kind, record: Any) -> dict[str, Any]:
    """The typed values of a registry.v1.Record by column, in canonical
    order: text as str ("" when empty, as read.csv reads it), codes as
    their CSV text, dates as datetime.date, yes/no columns as bool, None
    for an unset date, code or number."""
    message = getattr(record, kind.field)
    values: dict[str, Any] = {}
    for column in kind.columns:
        field = message.DESCRIPTOR.fields_by_name[column.name]
        value = getattr(message, column.name)
        if column.type == DATE:
            values[column.name] = from_date(value) if message.HasField(column.name) else None
        elif column.type == ENUM and column.codes:
            name = field.enum_type.values_by_number.get(value)
            code = column.codes.code_of(name.name) if name else ""
            values[column.name] = code or None
        elif column.type == BOOL:
            values[column.name] = bool(value)
        elif field.has_presence:
            values[column.name] = value if message.HasField(column.name) else None
        else:  # text ("" when empty) and whole numbers without presence
            values[column.name] = value
    return values
