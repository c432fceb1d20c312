#!/usr/bin/python3
"""A small Python client of the HSCT follow-up registry (registryd).

Imports CSV files of every record kind and prints a patient's status:

    registry_client.py [--server HOST:PORT --token-file FILE]
        [--ca-cert F [--cert F --key F]] [--stubs DIR] [--timeout SECONDS]
        COMMAND ...

    import KIND CSV_FILE        new records of one kind (as regctl submit import)
    import-visits CSV_FILE      the same as `import visits CSV_FILE`
    status PATIENT_ID           NEDA status, transplant course and timeline
                                (as regctl patient status)
    kinds                       the kinds and their columns

The CSV files are those `regctl submit import KIND FILE` takes: a header
row naming the columns (any order; optional columns may be left out),
dates YYYY-MM-DD, an empty cell a missing optional value. KINDS below
declares every kind's columns and the field of the registry.v1 message each
one fills; a file is checked against it completely before anything is sent,
and nothing is sent when any row is bad. Rules across columns (EDSS steps,
a dose with its unit, an adverse event's grade scale, dates in order) and
against the patient's other records are the server's: its field violations
are printed with the file and line too, and it writes nothing either.

The gRPC stubs are not committed: generate them with gen_stubs.sh into a
directory given by --stubs or the REGISTRY_PY_STUBS environment variable.

Exit status as regctl: 0 success; 1 the server rejected the request or
failed, or the input file is invalid; 2 usage error. Errors go to stderr.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import dataclasses
import datetime
import functools
import importlib
import io
import math
import os
import re
import sys
import textwrap
from collections.abc import Iterator, Sequence
from types import ModuleType
from typing import Any, NoReturn

import grpc

PROGRAM = "registry_client"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
RECORDS_PER_MESSAGE = 1000
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
STATUS_DETAILS_KEY = "grpc-status-details-bin"
DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
WHOLE_NUMBER_PATTERN = re.compile(r"-?[0-9]+")
NUMBER_PATTERN = re.compile(r"[0-9A-Za-z+.-]+")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
RECORD_FIELD_PATTERN = re.compile(r"records\[(\d+)\]\.(.+)")
INT32_RANGE = (-2**31, 2**31 - 1)


class UsageError(Exception):
    """A bad command line or an unreadable option file (exit 2)."""


class InputError(Exception):
    """An invalid input file; `messages` are `FILE:LINE: column: message`."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


class CellError(ValueError):
    """A cell that does not obey its column; the message says why."""


# --- The record kinds --------------------------------------------------------
#
# The same declaration as the server's (core/record_declarations.cc): each
# kind's columns in canonical order, each with its type, whether it is
# required, and its allowed values. A column's name is both its CSV header
# and its field in the kind's registry.v1 message.

TEXT, INT, DOUBLE, DATE, ENUM, BOOL = "text", "int", "double", "date", "enum", "bool"
YES_NO = ("no", "yes")  # a BOOL column: false, true


@dataclasses.dataclass(frozen=True)
class Codes:
    """The CSV codes of an ENUM column and the registry.v1 enum values they
    stand for, in the declared order."""

    enum: str  # the enum type in registry.v1, e.g. "Sex"
    values: tuple[tuple[str, str], ...]  # (CSV code, enum value name)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.values)

    def value_name(self, code: str) -> str:
        """The enum value name of a CSV code."""
        return _value_names(self)[code]

    def code_of(self, value_name: str) -> str:
        """The CSV code of an enum value name, "" when it has none."""
        return _codes_by_value_name(self).get(value_name, "")


@functools.cache
def _value_names(codes: Codes) -> dict[str, str]:
    return dict(codes.values)


@functools.cache
def _codes_by_value_name(codes: Codes) -> dict[str, str]:
    return {name: code for code, name in codes.values}


def prefixed(enum: str, prefix: str, *codes: str) -> Codes:
    """Codes whose enum values are PREFIX_CODE (upper case)."""
    return Codes(enum, tuple((code, f"{prefix}_{code.upper()}") for code in codes))


SEX = Codes("Sex", (("F", "SEX_FEMALE"), ("M", "SEX_MALE"), ("X", "SEX_OTHER")))
DISEASE = prefixed("Disease", "DISEASE",
                   "RRMS", "SPMS", "PPMS", "NMOSD", "SSC", "SLE", "OTHER")
TRANSPLANT_TYPE = prefixed("TransplantType", "TRANSPLANT_TYPE",
                           "autologous", "allogeneic")
DEATH_CAUSE = prefixed("DeathCause", "DEATH_CAUSE",
                       "disease", "infection", "toxicity", "gvhd", "graft_failure",
                       "secondary_malignancy", "other", "unknown")
TREATMENT_CLASS = prefixed("TreatmentClass", "TREATMENT_CLASS",
                           "dmt", "immunosuppressant", "biologic", "corticosteroid",
                           "antimalarial", "ivig_or_plasma_exchange", "other")
DISEASE_STATE = prefixed("DiseaseState", "DISEASE_STATE",
                         "remission", "improved", "stable", "relapse", "progression")
ADVERSE_EVENT_CATEGORY = prefixed(
    "AdverseEventCategory", "ADVERSE_EVENT_CATEGORY",
    "infection", "viral_reactivation", "secondary_autoimmune_disease", "malignancy",
    "acute_gvhd", "chronic_gvhd", "organ_toxicity", "other")
ATTACK_PHENOTYPE = prefixed("AttackPhenotype", "ATTACK_PHENOTYPE",
                            "optic_neuritis", "myelitis", "area_postrema",
                            "brainstem", "diencephalic", "cerebral")
ORGAN = prefixed("Organ", "ORGAN", "heart", "lung", "kidney")
LAB_RESULT_STATE = prefixed("LabResultState", "LAB_RESULT_STATE",
                            "positive", "negative")
ADVERSE_EVENT_GRADE = prefixed(
    "AdverseEventGrade", "ADVERSE_EVENT_GRADE",
    "1", "2", "3", "4", "5", "I", "II", "III", "IV", "mild", "moderate", "severe")


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of a kind and the rules a single value of it obeys."""

    name: str  # CSV header and message field
    type: str  # TEXT, INT, DOUBLE, DATE, ENUM or BOOL
    required: bool = False  # an empty cell is an error
    key: bool = False  # part of the record's natural key
    max_length: int = 0  # TEXT: most bytes (UTF-8)
    minimum: float | None = None  # INT, DOUBLE: inclusive range
    maximum: float | None = None
    max_this_year: bool = False  # INT: the maximum is this year
    codes: Codes | None = None  # ENUM: the allowed values
    pattern: str = ""  # TEXT: what every character must match
    pattern_text: str = ""  # TEXT: the pattern in words

    @property
    def allowed(self) -> tuple[str, ...]:
        """The allowed cell texts of an ENUM or BOOL column."""
        if self.type == BOOL:
            return YES_NO
        return self.codes.codes if self.codes else ()

    @property
    def free_text(self) -> bool:
        """Free text is kept as written; other cells lose surrounding spaces."""
        return self.type == TEXT and not self.pattern


@dataclasses.dataclass(frozen=True)
class Kind:
    """A record kind: its name on the command line, its field of the
    registry.v1.Record oneof, and its columns in canonical order."""

    name: str
    field: str
    meaning: str
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


PATIENT_ID = Column("patient_id", TEXT, required=True, key=True, max_length=64,
                    pattern=r"[A-Za-z0-9._-]",
                    pattern_text="1 to 64 letters, digits, '.', '_' or '-'")

KINDS: tuple[Kind, ...] = (
    Kind("patients", "patient", "one row per patient (import patients first)", (
        PATIENT_ID,
        Column("sex", ENUM, required=True, codes=SEX),
        Column("birth_year", INT, required=True, minimum=1900, max_this_year=True),
        Column("disease", ENUM, required=True, codes=DISEASE),
        Column("diagnosis_date", DATE, required=True),
    )),
    Kind("transplants", "transplant", "each transplant; the first is day 0", (
        PATIENT_ID,
        Column("transplant_date", DATE, required=True, key=True),
        Column("type", ENUM, required=True, codes=TRANSPLANT_TYPE),
        Column("regimen", TEXT, required=True, max_length=64),
    )),
    Kind("visits", "visit", "clinic visits with EDSS", (
        PATIENT_ID,
        Column("visit_date", DATE, required=True, key=True),
        Column("edss", DOUBLE, required=True),
    )),
    Kind("relapses", "relapse", "clinical relapses", (
        PATIENT_ID,
        Column("onset_date", DATE, required=True, key=True),
        Column("phenotype", ENUM, codes=ATTACK_PHENOTYPE),
    )),
    Kind("mri", "mri", "MRI scans and their lesion counts", (
        PATIENT_ID,
        Column("scan_date", DATE, required=True, key=True),
        Column("new_t2", INT, required=True, minimum=0, maximum=10000),
        Column("enlarging_t2", INT, required=True, minimum=0, maximum=10000),
        Column("gd_enhancing", INT, required=True, minimum=0, maximum=10000),
        Column("brain_volume_change_pct", DOUBLE, minimum=-100, maximum=100),
    )),
    Kind("treatments", "treatment", "disease-modifying treatments", (
        PATIENT_ID,
        Column("drug", TEXT, required=True, key=True, max_length=100),
        Column("start_date", DATE, required=True, key=True),
        Column("end_date", DATE),
        Column("class", ENUM, codes=TREATMENT_CLASS),
        Column("dose", DOUBLE, minimum=0, maximum=100000),
        Column("dose_unit", TEXT, max_length=32),
        Column("protocol", BOOL),
    )),
    Kind("deaths", "death", "one row per deceased patient", (
        PATIENT_ID,
        Column("death_date", DATE, required=True),
        Column("cause", TEXT, max_length=200),
        Column("cause_code", ENUM, codes=DEATH_CAUSE),
    )),
    Kind("adverse_events", "adverse_event", "complications after transplant, graded", (
        PATIENT_ID,
        Column("onset_date", DATE, required=True, key=True),
        Column("category", ENUM, required=True, key=True, codes=ADVERSE_EVENT_CATEGORY),
        Column("grade", ENUM, required=True, codes=ADVERSE_EVENT_GRADE),
        Column("resolution_date", DATE),
        Column("description", TEXT, max_length=200),
    )),
    Kind("engraftment", "engraftment",
         "neutrophil and platelet recovery after a transplant", (
             PATIENT_ID,
             Column("transplant_date", DATE, required=True, key=True),
             Column("neutrophil_date", DATE),
             Column("platelet_date", DATE),
         )),
    Kind("disease_status", "disease_status", "the centre's assessment of the disease", (
        PATIENT_ID,
        Column("status_date", DATE, required=True, key=True),
        Column("status", ENUM, required=True, codes=DISEASE_STATE),
    )),
    Kind("ssc_assessments", "ssc_assessment",
         "systemic sclerosis: skin, lung, heart and function (SSC patients)", (
             PATIENT_ID,
             Column("assessment_date", DATE, required=True, key=True),
             Column("mrss", INT, minimum=0, maximum=51),
             Column("fvc_pct", DOUBLE, minimum=10, maximum=200),
             Column("dlco_pct", DOUBLE, minimum=5, maximum=200),
             Column("lvef_pct", DOUBLE, minimum=5, maximum=95),
             Column("haq_di", DOUBLE, minimum=0, maximum=3),
             Column("patient_global", DOUBLE, minimum=0, maximum=10),
             Column("physician_global", DOUBLE, minimum=0, maximum=10),
         )),
    Kind("organ_failures", "organ_failure",
         "systemic sclerosis: major organ failures (SSC patients)", (
             PATIENT_ID,
             Column("event_date", DATE, required=True, key=True),
             Column("organ", ENUM, required=True, key=True, codes=ORGAN),
             Column("kind", TEXT, required=True, max_length=100),
             Column("persistent", BOOL),
         )),
    Kind("sle_assessments", "sle_assessment",
         "lupus: SLEDAI-2K descriptors, PGA and steroid dose (SLE patients)", (
             PATIENT_ID,
             Column("assessment_date", DATE, required=True, key=True),
             Column("sledai_descriptors", TEXT, max_length=600),
             Column("pga", DOUBLE, minimum=0, maximum=3),
             Column("prednisolone_mg_day", DOUBLE, minimum=0, maximum=1000),
         )),
    Kind("lab_results", "lab_result",
         "dated laboratory results: serology and measured values", (
             PATIENT_ID,
             Column("sample_date", DATE, required=True, key=True),
             Column("test", TEXT, required=True, key=True, max_length=32),
             Column("result", ENUM, codes=LAB_RESULT_STATE),
             Column("value", DOUBLE, minimum=0, maximum=1000000),
             Column("unit", TEXT, max_length=32),
             Column("assay", TEXT, max_length=100),
             Column("titre", TEXT, max_length=32),
         )),
)
KINDS_BY_NAME = {kind.name: kind for kind in KINDS}


def kinds_help() -> str:
    """Every kind and its columns (* required, + key), as regctl lists them."""
    lines = ["KIND and its CSV columns (header row required, any order; "
             "* required, + key):"]
    for kind in KINDS:
        columns = ",".join(c.name + ("*" if c.required else "") + ("+" if c.key else "")
                           for c in kind.columns)
        lines.append(f"  {kind.name}: {columns}")
        lines.append(f"      {kind.meaning}")
    return "\n".join(lines)


@dataclasses.dataclass(frozen=True)
class Stubs:
    """The generated registry.v1 modules this client uses."""

    records: ModuleType
    submission: ModuleType
    submission_grpc: ModuleType
    outcomes: ModuleType
    outcomes_grpc: ModuleType
    rpc_status: ModuleType  # google.rpc.status_pb2
    error_details: ModuleType  # google.rpc.error_details_pb2


# --- Command line -----------------------------------------------------------


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Parses the command line; argparse exits 2 on usage errors."""
    parser = argparse.ArgumentParser(
        prog="registry_client.py",
        description="Python client of the HSCT follow-up registry.",
        epilog="Exit status: 0 success; 1 the server rejected the request or "
               "failed, or the input file is invalid; 2 usage error.")
    parser.add_argument("--server", metavar="HOST:PORT",
                        help="registryd to call (needed by import and status)")
    parser.add_argument("--token-file", metavar="FILE",
                        help="file holding the bearer token (needed by import "
                             "and status)")
    parser.add_argument("--ca-cert", metavar="FILE",
                        help="connect with TLS, trusting this CA (PEM)")
    parser.add_argument("--cert", metavar="FILE",
                        help="client certificate for mutual TLS (PEM)")
    parser.add_argument("--key", metavar="FILE",
                        help="client private key for mutual TLS (PEM)")
    parser.add_argument("--stubs", metavar="DIR",
                        default=os.environ.get("REGISTRY_PY_STUBS"),
                        help="directory of stubs made by gen_stubs.sh "
                             "(env REGISTRY_PY_STUBS)")
    parser.add_argument("--timeout", metavar="SECONDS", type=positive_seconds,
                        default=300.0, help="deadline of each call in seconds (300)")
    commands = parser.add_subparsers(dest="command", required=True,
                                     metavar="COMMAND")
    files_help = ("CSV with a header row (columns in any order; optional "
                  "columns may be left out); dates YYYY-MM-DD; an empty cell "
                  "is a missing optional value. The whole file is checked "
                  "before anything is sent; problems are printed as "
                  "FILE:LINE: column: message and nothing is written.")
    import_command = commands.add_parser(
        "import", help="import new records of one kind from a CSV file",
        description=textwrap.fill("Imports the records of a CSV file as one "
                                  "all-or-nothing request; identical re-imports "
                                  "are no-ops. " + files_help),
        epilog=kinds_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    import_command.add_argument("kind", metavar="KIND", choices=list(KINDS_BY_NAME),
                                help="record kind: " + ", ".join(KINDS_BY_NAME))
    import_command.add_argument("csv_file", metavar="FILE", help="the CSV file")
    visits = commands.add_parser(
        "import-visits", help="import visits (the same as: import visits FILE)",
        description="Imports visits (patient_id,visit_date,edss): the same as "
                    "`import visits FILE`. " + files_help)
    visits.add_argument("csv_file", metavar="FILE", help="the CSV file")
    status = commands.add_parser(
        "status", help="a patient's NEDA status, transplant course and timeline",
        description="Prints a patient's status as the registry computes it with "
                    "the reference definition: NEDA-3 status in words, whether "
                    "NEDA-3 is evaluable (and why not), the EDA date, relapses "
                    "and disability worsening, and the timeline, which includes "
                    "the transplant course (engraftment, adverse events, "
                    "disease status).")
    status.add_argument("patient_id", metavar="PATIENT_ID", nargs="?",
                        help="the center's own patient code (submitters)")
    status.add_argument("--registry-id", metavar="ID",
                        help="name the patient by registry id instead")
    status.add_argument("--as-of", metavar="DATE", type=date_argument,
                        help="status using only data dated on or before DATE "
                             "(YYYY-MM-DD)")
    commands.add_parser(
        "kinds", help="list the record kinds and their CSV columns",
        description=textwrap.fill("Lists the record kinds and their CSV columns. "
                                  "With stubs (--stubs), also checks that the "
                                  "kinds and columns match the registry.v1 "
                                  "messages (exit 1 when they do not)."),
        epilog=kinds_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    args = parser.parse_args(argv)
    if args.command == "status" and bool(args.patient_id) == bool(args.registry_id):
        parser.error("status takes PATIENT_ID or --registry-id ID (one of them)")
    if args.command == "import-visits":
        args.command, args.kind = "import", "visits"
    return args


def positive_seconds(text: str) -> float:
    """An argparse type: a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return value


def date_argument(text: str) -> datetime.date:
    """An argparse type: a date YYYY-MM-DD."""
    try:
        return parse_date(text)
    except CellError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def read_text_file(path: str, option: str) -> str:
    """The content of a file named by an option, or a UsageError."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        raise UsageError(f"{option}: cannot read {path}: {e.strerror}") from e


def read_pem(path: str, option: str) -> bytes:
    """A PEM file named by an option, checked to look like PEM."""
    text = read_text_file(path, option)
    if "-----BEGIN" not in text:
        raise UsageError(f"{option}: not a PEM file: {path}")
    return text.encode()


def read_token(path: str) -> str:
    """The bearer token held in a file, without surrounding whitespace."""
    token = read_text_file(path, "--token-file").strip()
    if not token:
        raise UsageError(f"--token-file: {path} is empty")
    return token


# --- Stubs and channel ------------------------------------------------------


def load_stubs(directory: str | None) -> Stubs:
    """Imports the generated registry.v1 modules from `directory`."""
    if not directory:
        raise UsageError("give the generated stubs with --stubs DIR or "
                         "REGISTRY_PY_STUBS (make them with gen_stubs.sh DIR)")
    if not os.path.isdir(os.path.join(directory, "registry", "v1")):
        raise UsageError(f"--stubs: no registry/v1 stubs in {directory} "
                         "(make them with gen_stubs.sh DIR)")
    sys.path.insert(0, os.path.abspath(directory))

    def load(name: str) -> ModuleType:
        try:
            return importlib.import_module(f"registry.v1.{name}")
        except ImportError as e:
            raise UsageError(f"--stubs: cannot load registry.v1.{name} from "
                             f"{directory}: {e}") from e

    def load_rpc(name: str) -> ModuleType:
        try:
            return importlib.import_module(f"google.rpc.{name}")
        except ImportError as e:
            raise UsageError(f"--stubs: cannot load google.rpc.{name} from "
                             f"{directory} (made by gen_stubs.sh): {e}") from e

    stubs = Stubs(records=load("records_pb2"),
                  submission=load("submission_pb2"),
                  submission_grpc=load("submission_pb2_grpc"),
                  outcomes=load("outcomes_pb2"),
                  outcomes_grpc=load("outcomes_pb2_grpc"),
                  rpc_status=load_rpc("status_pb2"),
                  error_details=load_rpc("error_details_pb2"))
    mismatches, _ = compare_with_stubs(stubs)
    if mismatches:
        raise UsageError(f"--stubs: the stubs in {directory} do not match this "
                         "client: " + "; ".join(mismatches))
    return stubs


def compare_with_stubs(stubs: Stubs) -> tuple[list[str], list[str]]:
    """Compares KINDS with the registry.v1 messages of the stubs: what the
    table names that the stubs lack or type otherwise (the client cannot
    work), and what the stubs hold that the table does not cover."""
    wrong: list[str] = []
    uncovered: list[str] = []
    record = stubs.records.Record.DESCRIPTOR
    kind_enum = stubs.records.RecordKind.DESCRIPTOR
    field_types = {TEXT: ("TYPE_STRING",), INT: ("TYPE_INT32", "TYPE_INT64"),
                   DOUBLE: ("TYPE_DOUBLE",), DATE: ("TYPE_MESSAGE",),
                   ENUM: ("TYPE_ENUM",), BOOL: ("TYPE_BOOL",)}
    for kind in KINDS:
        if f"RECORD_KIND_{kind.name.upper()}" not in kind_enum.values_by_name:
            wrong.append(f"no RecordKind for {kind.name}")
        oneof_field = record.fields_by_name.get(kind.field)
        if oneof_field is None or oneof_field.message_type is None:
            wrong.append(f"no Record.{kind.field} message for {kind.name}")
            continue
        message = oneof_field.message_type
        for column in kind.columns:
            field = message.fields_by_name.get(column.name)
            if field is None:
                wrong.append(f"{kind.name}: {message.name} has no field {column.name}")
                continue
            if not any(field.type == getattr(field, t) for t in field_types[column.type]):
                wrong.append(f"{kind.name}: {message.name}.{column.name} is not "
                             f"of the type of a {column.type} column")
            elif column.type == DATE and field.message_type.name != "Date":
                wrong.append(f"{kind.name}: {message.name}.{column.name} is not a Date")
            elif column.type == ENUM and column.codes:
                enum = field.enum_type
                if enum.name != column.codes.enum:
                    wrong.append(f"{kind.name}: {message.name}.{column.name} is a "
                                 f"{enum.name}, not a {column.codes.enum}")
                    continue
                names = [name for _, name in column.codes.values]
                wrong.extend(f"{kind.name}: {enum.name} has no {name}"
                             for name in names if name not in enum.values_by_name)
                uncovered.extend(f"{kind.name}: {enum.name}.{value.name} has no code"
                                 for value in enum.values
                                 if value.number != 0 and value.name not in names)
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


def channel_credentials(args: argparse.Namespace) -> grpc.ChannelCredentials:
    """TLS credentials with --ca-cert (mutual with --cert/--key), otherwise
    the local (loopback) credentials a registryd without TLS expects."""
    if bool(args.cert) != bool(args.key):
        raise UsageError("--cert and --key go together")
    if not args.ca_cert:
        if args.cert:
            raise UsageError("--cert and --key need --ca-cert")
        return grpc.local_channel_credentials(grpc.LocalConnectionType.LOCAL_TCP)
    return grpc.ssl_channel_credentials(
        root_certificates=read_pem(args.ca_cert, "--ca-cert"),
        private_key=read_pem(args.key, "--key") if args.key else None,
        certificate_chain=read_pem(args.cert, "--cert") if args.cert else None)


def open_channel(args: argparse.Namespace) -> grpc.Channel:
    """A channel to the server named by --server."""
    options = [("grpc.max_receive_message_length", MAX_MESSAGE_BYTES)]
    return grpc.secure_channel(args.server, channel_credentials(args), options)


# --- Errors -----------------------------------------------------------------


def rpc_status(stubs: Stubs, error: grpc.RpcError):
    """The google.rpc.Status the server sends as the binary status details
    (gRPC's standard error model, as grpcio-status's rpc_status.from_call
    reads it), or None."""
    trailing = error.trailing_metadata() or ()  # type: ignore[attr-defined]
    for key, value in trailing:
        if key != STATUS_DETAILS_KEY or not isinstance(value, bytes):
            continue
        status = stubs.rpc_status.Status()
        try:
            status.ParseFromString(value)
        except Exception:  # DecodeError: details of another shape
            return None
        code = error.code()  # type: ignore[attr-defined]
        if code is not None and status.code != code.value[0]:
            return None  # as from_call, details must match the status
        return status
    return None


def field_violations(stubs: Stubs, error: grpc.RpcError) -> list[tuple[str, str]]:
    """The (field, description) pairs of the google.rpc.BadRequest in the
    status details, if any."""
    status = rpc_status(stubs, error)
    violations: list[tuple[str, str]] = []
    for detail in status.details if status else ():
        bad_request = stubs.error_details.BadRequest()
        if detail.Unpack(bad_request):
            violations += [(v.field, v.description)
                           for v in bad_request.field_violations]
    return violations


def problem_count(stubs: Stubs, error: grpc.RpcError) -> int:
    """The total problem count of the status details' ErrorInfo (domain
    registry.v1), or the number of listed violations."""
    status = rpc_status(stubs, error)
    for detail in status.details if status else ():
        info = stubs.error_details.ErrorInfo()
        if (detail.Unpack(info) and info.domain == "registry.v1"
                and info.metadata.get("problems", "").isdigit()):
            return int(info.metadata["problems"])
    return len(field_violations(stubs, error))


def report_rpc_error(stubs: Stubs, error: grpc.RpcError,
                     locate: dict[int, int] | None = None,
                     path: str = "") -> int:
    """Prints a failed call with its code and field violations; returns 1.

    With `locate` (record index -> CSV line), violations of `records[N].col`
    are printed as `PATH:LINE: col: message`, in file order."""
    code = error.code()  # type: ignore[attr-defined]
    details = error.details()  # type: ignore[attr-defined]
    eprint(f"{PROGRAM}: {code.name if code else 'UNKNOWN'}: {details}")
    lines: list[tuple[int, str]] = []
    for field, description in field_violations(stubs, error):
        match = RECORD_FIELD_PATTERN.fullmatch(field)
        index = int(match.group(1)) if match else -1
        if locate is not None and match and index in locate:
            lines.append((locate[index],
                          f"{path}:{locate[index]}: {match.group(2)}: {description}"))
        else:
            lines.append((0, f"  {field}: {description}"))
    for _, message in sorted(lines, key=lambda pair: pair[0]):
        eprint(message)
    unlisted = problem_count(stubs, error) - len(lines)
    if unlisted > 0:
        eprint(f"  ... and {unlisted} more problem(s) not listed")
    return EXIT_FAILED


def eprint(message: str) -> None:
    """Prints one line on stderr."""
    print(message, file=sys.stderr)


# --- Reading CSV files ------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Row:
    """One record read from a CSV file: its first line and its values by
    column name (None for an empty cell), typed by the columns."""

    line: int
    values: dict[str, Any]


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


def number_text(value: float) -> str:
    """Shortest text of a number, without a fraction for whole numbers."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def check_range(column: Column, value: float, latest: datetime.date) -> None:
    """The inclusive range of an INT or DOUBLE column, when it has one."""
    minimum = column.minimum
    maximum = float(latest.year) if column.max_this_year else column.maximum
    if minimum is None or maximum is None:
        return
    if value < minimum or value > maximum:
        raise CellError(f"must be between {number_text(minimum)} and "
                        f"{number_text(maximum)} (got {number_text(value)})")


def read_cell(column: Column, text: str, latest: datetime.date) -> Any:
    """The typed value of one non-empty cell; CellError when it breaks a rule
    of its column. The words are the server's."""
    if column.type == TEXT:
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
    if column.type in (ENUM, BOOL):
        if text not in column.allowed:
            raise CellError(f"'{text}' is not one of {', '.join(column.allowed)}")
        return text == "yes" if column.type == BOOL else text
    if column.type == DATE:
        value = parse_date(text)
        if value > latest:
            raise CellError(f"date {value.isoformat()} is in the future")
        return value
    if column.type == INT:
        if not WHOLE_NUMBER_PATTERN.fullmatch(text) or not (
                INT32_RANGE[0] <= int(text) <= INT32_RANGE[1]):
            raise CellError(f"'{text}' is not a whole number")
        whole = int(text)
        check_range(column, whole, latest)
        return whole
    if column.type == DOUBLE:
        try:
            number = float(text) if NUMBER_PATTERN.fullmatch(text) else math.nan
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise CellError(f"'{text}' is not a number")
        number = number + 0.0  # -0 is 0
        check_range(column, number, latest)
        return number
    raise AssertionError(f"column {column.name}: unknown type {column.type}")


def decode_csv(path: str) -> str:
    """The text of a file read as UTF-8 (a byte order mark dropped); bytes
    that are not UTF-8 are kept as surrogate escapes for invalid_utf8."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise InputError([f"{path}: cannot read: {e.strerror}"]) from e
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    return data.decode("utf-8", errors="surrogateescape")


def invalid_utf8(cell: str) -> str | None:
    """Why a cell is not UTF-8 text (its first bad byte), None when it is."""
    for index, character in enumerate(cell):
        if "\udc80" <= character <= "\udcff":
            offset = len(cell[:index].encode("utf-8", errors="surrogateescape"))
            return (f"byte {offset + 1} (0x{ord(character) - 0xDC00:02X}) is not "
                    "UTF-8 text; save the file as UTF-8 (a spreadsheet's "
                    "\"CSV UTF-8\"), not in a Windows or Latin-1 encoding")
    return None


def csv_records(path: str, text: str) -> Iterator[tuple[int, list[str]]]:
    """The records of a CSV text with the line each starts on; blank lines
    are skipped. InputError on a syntax error."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    while True:
        start = reader.line_num + 1
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise InputError([f"{path}:{reader.line_num}: {e}"]) from None
        if fields:
            yield start, fields


def read_header(path: str, kind: Kind, line: int,
                header: list[str]) -> tuple[dict[str, int], list[str]]:
    """The file position of each column named by the header, and the
    problems of the header: unknown or repeated columns, required columns
    missing. Optional columns may be left out."""
    positions: dict[str, int] = {}
    problems: list[str] = []
    expected = ",".join(c.name for c in kind.columns)
    for index, name in enumerate(header):
        if (bad := invalid_utf8(name)) is not None:
            problems.append(f"{path}:{line}: header: {bad}")
        elif kind.column(name) is None:
            problems.append(f"{path}:{line}: {name}: unknown column for {kind.name} "
                            f"(columns: {expected})")
        elif name in positions:
            problems.append(f"{path}:{line}: {name}: repeated column")
        else:
            positions[name] = index
    problems.extend(f"{path}:{line}: {c.name}: required column is missing"
                    for c in kind.columns if c.required and c.name not in positions)
    return positions, problems


def read_rows(path: str, kind: Kind) -> list[Row]:
    """Every record of a CSV file of `kind`, each cell checked by its
    column; InputError listing every problem of the file."""
    records = csv_records(path, decode_csv(path))
    try:
        header_line, header = next(records)
    except StopIteration:
        raise InputError([f"{path}:1: the file is empty "
                          "(a header row is required)"]) from None
    positions, problems = read_header(path, kind, header_line, header)
    if problems:
        raise InputError(problems)
    latest = latest_valid_date()
    rows: list[Row] = []
    for line, fields in records:
        # Protobuf strings must be UTF-8: name the cell that is not.
        encoding = [f"{path}:{line}: {header[i] if i < len(header) else 'row'}: {bad}"
                    for i, cell in enumerate(fields)
                    if (bad := invalid_utf8(cell)) is not None]
        if encoding:
            problems.extend(encoding)
            continue
        if len(fields) != len(header):
            problems.append(f"{path}:{line}: row: expected {len(header)} values as "
                            f"in the header, found {len(fields)}")
            continue
        values: dict[str, Any] = {}
        for column in kind.columns:
            cell = fields[positions[column.name]] if column.name in positions else ""
            if not column.free_text:
                cell = cell.strip()
            values[column.name] = None
            if not cell:
                if column.required:
                    problems.append(f"{path}:{line}: {column.name}: "
                                    "required value is missing")
                continue
            try:
                values[column.name] = read_cell(column, cell, latest)
            except CellError as e:
                problems.append(f"{path}:{line}: {column.name}: {e}")
        rows.append(Row(line, values))
    if problems:
        raise InputError(problems)
    return rows


# --- import -----------------------------------------------------------------


def to_date(stubs: Stubs, value: datetime.date) -> Any:
    """A registry.v1.Date."""
    return stubs.records.Date(year=value.year, month=value.month, day=value.day)


def to_record(stubs: Stubs, kind: Kind, row: Row) -> Any:
    """A registry.v1.Record holding the kind's message, each column's value
    in its field of the same name; empty cells leave their fields unset."""
    record = stubs.records.Record()
    message = getattr(record, kind.field)
    message.SetInParent()  # a kind whose fields are all unset is still set
    for column in kind.columns:
        value = row.values[column.name]
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


def import_requests(stubs: Stubs, records: Sequence[Any]) -> Iterator[Any]:
    """The SubmitRequest stream of an import: chunks of records, the first
    setting the operation (an empty import is one empty request)."""
    for start in range(0, max(len(records), 1), RECORDS_PER_MESSAGE):
        request = stubs.submission.SubmitRequest()
        if start == 0:
            request.operation = stubs.submission.OPERATION_IMPORT
            # The server applies nothing unless exactly this many arrive.
            request.record_count = len(records)
        request.records.extend(records[start:start + RECORDS_PER_MESSAGE])
        yield request


def import_file(stubs: Stubs, channel: grpc.Channel, call: dict[str, Any],
                kind: Kind, path: str) -> int:
    """The import command: streams the file's records as one import."""
    try:
        rows = read_rows(path, kind)
    except InputError as e:
        for message in e.messages:
            eprint(message)
        eprint(f"{PROGRAM}: {len(e.messages)} error(s) in {path}; nothing was sent")
        return EXIT_FAILED
    records = [to_record(stubs, kind, row) for row in rows]
    stub = stubs.submission_grpc.SubmissionServiceStub(channel)
    try:
        response = stub.Submit(import_requests(stubs, records), **call)
    except grpc.RpcError as error:
        locate = {i: row.line for i, row in enumerate(rows)}
        return report_rpc_error(stubs, error, locate, path)
    if response.received != len(records):
        eprint(f"{PROGRAM}: the registry reports {response.received} records "
               f"received of the {len(records)} sent (request "
               f"{response.request_id})")
        return EXIT_FAILED
    print(f"import {kind.name} from {path}: {response.received} records, "
          f"{response.accepted} accepted, {response.unchanged} unchanged "
          f"(request {response.request_id})")
    return EXIT_OK


# --- status -----------------------------------------------------------------


def date_text(date: Any, unset: str = "") -> str:
    """`YYYY-MM-DD` of a registry.v1.Date, or `unset` when it is unset."""
    if not (date.year or date.month or date.day):
        return unset
    return f"{date.year:04d}-{date.month:02d}-{date.day:02d}"


def disease_text(stubs: Stubs, disease: int) -> str:
    """The CSV code of a registry.v1.Disease ("" when unset or unknown)."""
    try:
        return DISEASE.code_of(stubs.records.Disease.Name(disease))
    except ValueError:
        return ""



def disease_course_lines(stubs: Stubs, disease: int, course: Any) -> list[str]:
    """Each disease's own course in words, as regctl patient status says it."""
    def when(field: str, otherwise: str) -> str:
        return date_text(getattr(course, field)) if course.HasField(field) else otherwise

    lines = []
    pb = stubs.records
    if disease == pb.DISEASE_SSC:
        lines.append(f"Systemic sclerosis: progression {when('ssc_progression', 'none')} "
                     f"(skin {when('skin_progression', 'none')}, "
                     f"lung {when('lung_progression', 'none')}); persistent organ "
                     f"failure {when('persistent_organ_failure', 'none')}")
    if disease == pb.DISEASE_SLE:
        line = (f"Lupus: first DORIS remission {when('first_doris', 'not reached')}, "
                f"first LLDAS {when('first_lldas', 'not reached')}, "
                f"first flare {when('first_flare', 'none')}")
        if course.HasField("lldas_time_fraction"):
            line += f"; in LLDAS {course.lldas_time_fraction * 100:.0f} % of the time assessed"
        lines.append(line)
    if course.aqp4_positive_before:
        line = ("AQP4-IgG positive before transplant: "
                + (f"seroreversion {date_text(course.aqp4_seroreversion)}"
                   if course.HasField("aqp4_seroreversion") else "no seroreversion seen"))
        if course.HasField("aqp4_reconversion"):
            line += f", re-conversion {date_text(course.aqp4_reconversion)}"
        lines.append(line)
    return lines

def status_lines(stubs: Stubs, response: Any) -> list[str]:
    """A GetPatientStatusResponse in the words of `regctl patient status`,
    with the NEDA-3 evaluability and the EDA date on lines of their own."""
    outcome = response.outcome
    patient = outcome.patient
    head = "Patient " + (f"{patient.patient_id} ({patient.registry_id})"
                         if patient.patient_id else patient.registry_id)
    if patient.center:
        head += f", center {patient.center}"
    head += f", {disease_text(stubs, patient.disease)}"
    if patient.HasField("transplant_date"):
        head += f", transplant on {date_text(patient.transplant_date)}"
    lines = [head, response.neda_status]
    if outcome.neda3_evaluable:
        lines.append("NEDA-3 evaluable: yes")
    else:
        lines.append(f"NEDA-3 evaluable: no ({outcome.not_evaluable_reason})")
    lines.append(f"EDA date: {date_text(outcome.eda_date, 'none')}")
    relapses = f"Relapses after transplant: {outcome.relapses_post}"
    if outcome.HasField("arr_pre") or outcome.HasField("arr_post"):
        before = f"{outcome.arr_pre:.2f}" if outcome.HasField("arr_pre") else "-"
        after = f"{outcome.arr_post:.2f}" if outcome.HasField("arr_post") else "-"
        relapses += f" (ARR {before} before, {after} after)"
    lines.append(f"{relapses}; confirmed disability worsening: {outcome.cdw_count}")
    if patient.HasField("transplant_date"):
        course = outcome.course
        tfr = (f"ended {date_text(course.tfr_end)} ({course.tfr_end_reason})"
               if course.HasField("tfr_end") else "ongoing at the last contact")
        lines.append(f"Treatment-free remission: {tfr}")
        lines.extend(disease_course_lines(stubs, patient.disease, course))
    lines.extend(f"Note: {warning}" for warning in outcome.warnings)
    lines += ["", "Timeline"]
    for entry in response.timeline:
        day = f"day {entry.day:6d}" if entry.HasField("day") else " " * 10
        lines.append(f"  {date_text(entry.date)}  {day}  {entry.what}")
    lines += ["", f"Definition {response.definition.rules_version}: "
                  f"{response.definition.text}"]
    if response.definition.HasField("data_as_of_recorded"):
        frozen = response.definition.data_as_of_recorded
        when = datetime.datetime.fromtimestamp(frozen.seconds, datetime.timezone.utc)
        lines.append("Data as recorded at "
                     f"{when:%Y-%m-%dT%H:%M:%S}.{frozen.nanos // 1000:06d}Z")
    return lines


def patient_status(stubs: Stubs, channel: grpc.Channel, call: dict[str, Any],
                   args: argparse.Namespace) -> int:
    """The status command."""
    stub = stubs.outcomes_grpc.OutcomeServiceStub(channel)
    request = stubs.outcomes.GetPatientStatusRequest()
    if args.registry_id:
        request.registry_id = args.registry_id
    else:
        request.patient_id = args.patient_id
    if args.as_of:
        request.as_of.CopyFrom(to_date(stubs, args.as_of))
    try:
        response = stub.GetPatientStatus(request, **call)
    except grpc.RpcError as error:
        return report_rpc_error(stubs, error)
    print("\n".join(status_lines(stubs, response)))
    return EXIT_OK


# --- kinds ------------------------------------------------------------------


def list_kinds(stubs_directory: str | None) -> int:
    """The kinds command; with stubs, also what of them the table misses."""
    print(kinds_help())
    if not stubs_directory:
        return EXIT_OK
    _, uncovered = compare_with_stubs(load_stubs(stubs_directory))
    for problem in uncovered:
        eprint(f"{PROGRAM}: not covered by this client: {problem}")
    return EXIT_FAILED if uncovered else EXIT_OK


# --- main -------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    """Runs one command; UsageError is left to the caller."""
    if args.command == "kinds":
        return list_kinds(args.stubs)
    missing = [option for option, value in (("--server", args.server),
                                            ("--token-file", args.token_file))
               if not value]
    if missing:
        raise UsageError(f"{args.command} needs {' and '.join(missing)}")
    stubs = load_stubs(args.stubs)
    call = {"metadata": (("authorization", f"Bearer {read_token(args.token_file)}"),),
            "timeout": args.timeout}
    with open_channel(args) as channel:
        if args.command == "import":
            return import_file(stubs, channel, call, KINDS_BY_NAME[args.kind],
                               args.csv_file)
        return patient_status(stubs, channel, call, args)


def main(argv: Sequence[str] | None = None) -> NoReturn:
    """Entry point: exits 0, 1 or 2."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        code = run(args)
    except UsageError as e:
        eprint(f"{PROGRAM}: {e}")
        code = EXIT_USAGE
    sys.exit(code)


if __name__ == "__main__":
    main()
