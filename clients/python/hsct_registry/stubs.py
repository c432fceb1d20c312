"""Finding and checking the generated gRPC stubs.

The stubs are generated from proto/registry/v1 by gen_stubs.sh and never
committed, so they can always follow the protos. They are looked for in
the directory given by the caller (--stubs), then REGISTRY_PY_STUBS, then
the package's own `_stubs` directory (where `gen_stubs.sh` writes them
without an argument, and from where `pip install` copies them along).
Whatever is found is compared with the kinds table before use, because a
client that silently dropped a field would lose data.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import os
import sys
from types import ModuleType

from .errors import StubsError
from .kinds import BOOL, DATE, DOUBLE, ENUM, INT, KINDS, TEXT

STUBS_ENV = "REGISTRY_PY_STUBS"
BUNDLED_STUBS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_stubs")
HOW_TO_MAKE = "make them with clients/python/gen_stubs.sh [DIR]"


@dataclasses.dataclass(frozen=True)
class Stubs:
    """The generated modules this client uses."""

    records: ModuleType
    submission: ModuleType
    submission_grpc: ModuleType
    outcomes: ModuleType
    outcomes_grpc: ModuleType
    reports: ModuleType
    reports_grpc: ModuleType
    rpc_status: ModuleType  # google.rpc.status_pb2
    error_details: ModuleType  # google.rpc.error_details_pb2


def stubs_directory(directory: str | None = None) -> str:
    """The directory the stubs are taken from; StubsError when none is
    given and the package holds none."""
    chosen = directory or os.environ.get(STUBS_ENV) or ""
    if not chosen and os.path.isdir(os.path.join(BUNDLED_STUBS, "registry", "v1")):
        chosen = BUNDLED_STUBS
    if not chosen:
        raise StubsError(f"give the generated stubs with --stubs DIR or {STUBS_ENV} "
                         f"({HOW_TO_MAKE})")
    if not os.path.isdir(os.path.join(chosen, "registry", "v1")):
        raise StubsError(f"--stubs: no registry/v1 stubs in {chosen} ({HOW_TO_MAKE})")
    return os.path.abspath(chosen)


def load_stubs(directory: str | None = None) -> Stubs:
    """Imports the generated modules and checks them against KINDS."""
    return _load(stubs_directory(directory))


@functools.cache
def _load(directory: str) -> Stubs:
    """The modules of one directory, imported once per process (the
    generated code imports `registry.v1` absolutely, so the directory must
    be on sys.path)."""
    if directory not in sys.path:
        sys.path.insert(0, directory)

    def load(package: str, name: str) -> ModuleType:
        try:
            return importlib.import_module(f"{package}.{name}")
        except ImportError as e:
            raise StubsError(f"--stubs: cannot load {package}.{name} from "
                             f"{directory} ({HOW_TO_MAKE}): {e}") from e

    stubs = Stubs(records=load("registry.v1", "records_pb2"),
                  submission=load("registry.v1", "submission_pb2"),
                  submission_grpc=load("registry.v1", "submission_pb2_grpc"),
                  outcomes=load("registry.v1", "outcomes_pb2"),
                  outcomes_grpc=load("registry.v1", "outcomes_pb2_grpc"),
                  reports=load("registry.v1", "reports_pb2"),
                  reports_grpc=load("registry.v1", "reports_pb2_grpc"),
                  rpc_status=load("google.rpc", "status_pb2"),
                  error_details=load("google.rpc", "error_details_pb2"))
    wrong, _ = compare_with_stubs(stubs)
    if wrong:
        raise StubsError(f"--stubs: the stubs in {directory} do not match this "
                         "client: " + "; ".join(wrong))
    return stubs


_FIELD_TYPES = {TEXT: ("TYPE_STRING",), INT: ("TYPE_INT32", "TYPE_INT64"),
                DOUBLE: ("TYPE_DOUBLE",), DATE: ("TYPE_MESSAGE",),
                ENUM: ("TYPE_ENUM",), BOOL: ("TYPE_BOOL",)}


def compare_with_stubs(stubs: Stubs) -> tuple[list[str], list[str]]:
    """Compares KINDS with the registry.v1 messages of the stubs: what the
    table names that the stubs lack or type otherwise (the client cannot
    work), and what the stubs hold that the table does not cover (the
    client would drop it)."""
    wrong: list[str] = []
    uncovered: list[str] = []
    record = stubs.records.Record.DESCRIPTOR
    kind_enum = stubs.records.RecordKind.DESCRIPTOR
    for kind in KINDS:
        if f"RECORD_KIND_{kind.name.upper()}" not in kind_enum.values_by_name:
            wrong.append(f"no RecordKind for {kind.name}")
        oneof_field = record.fields_by_name.get(kind.field)
        if oneof_field is None or oneof_field.message_type is None:
            wrong.append(f"no Record.{kind.field} message for {kind.name}")
            continue
        message = oneof_field.message_type
        for column in kind.columns:
            _compare_column(kind.name, message, column, wrong, uncovered)
        uncovered.extend(f"{kind.name}: {message.name}.{field.name} has no column"
                         for field in message.fields if kind.column(field.name) is None)
    known = {kind.field for kind in KINDS}
    uncovered.extend(f"Record.{field.name} is not a kind of this client"
                     for field in record.fields if field.name not in known)
    names = {f"RECORD_KIND_{kind.name.upper()}" for kind in KINDS}
    uncovered.extend(f"RecordKind.{value.name} is not a kind of this client"
                     for value in kind_enum.values
                     if value.number != 0 and value.name not in names)
    return wrong, uncovered


def _compare_column(kind: str, message, column, wrong: list[str],
                    uncovered: list[str]) -> None:
    """One column against its field of the kind's message."""
    field = message.fields_by_name.get(column.name)
    if field is None:
        wrong.append(f"{kind}: {message.name} has no field {column.name}")
        return
    if not any(field.type == getattr(field, t) for t in _FIELD_TYPES[column.type]):
        wrong.append(f"{kind}: {message.name}.{column.name} is not "
                     f"of the type of a {column.type} column")
    elif column.type == DATE and field.message_type.name != "Date":
        wrong.append(f"{kind}: {message.name}.{column.name} is not a Date")
    elif column.type == ENUM and column.codes:
        enum = field.enum_type
        if enum.name != column.codes.enum:
            wrong.append(f"{kind}: {message.name}.{column.name} is a "
                         f"{enum.name}, not a {column.codes.enum}")
            return
        names = [name for _, name in column.codes.values]
        wrong.extend(f"{kind}: {enum.name} has no {name}"
                     for name in names if name not in enum.values_by_name)
        uncovered.extend(f"{kind}: {enum.name}.{value.name} has no code"
                         for value in enum.values
                         if value.number != 0 and value.name not in names)
