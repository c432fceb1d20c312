#!/usr/bin/python3
"""A small Python client of the HSCT follow-up registry (registryd).

Imports EDSS visits from a CSV file and reads a patient's NEDA status:

    registry_client.py --server HOST:PORT --token-file FILE
        [--ca-cert F [--cert F --key F]] [--stubs DIR] [--timeout SECONDS]
        import-visits CSV_FILE | status PATIENT_ID

The gRPC stubs are not committed: generate them with gen_stubs.sh into a
directory given by --stubs or the REGISTRY_PY_STUBS environment variable.

Exit status as regctl: 0 success; 1 the server rejected the request or
failed, or the input file is invalid; 2 usage error. Errors go to stderr.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import datetime
import importlib
import os
import re
import sys
from collections.abc import Iterator, Sequence
from types import ModuleType
from typing import Any, NoReturn

import grpc

PROGRAM = "registry_client"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
RECORDS_PER_MESSAGE = 1000
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
STATUS_DETAILS_KEY = "grpc-status-details-bin"
VISIT_COLUMNS = ("patient_id", "visit_date", "edss")
DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
RECORD_FIELD_PATTERN = re.compile(r"records\[(\d+)\]\.(.+)")


class UsageError(Exception):
    """A bad command line or an unreadable option file (exit 2)."""


class InputError(Exception):
    """An invalid input file; `messages` are `FILE:LINE: column: message`."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclasses.dataclass(frozen=True)
class Stubs:
    """The generated registry.v1 modules this client uses."""

    records: ModuleType
    submission: ModuleType
    submission_grpc: ModuleType
    outcomes: ModuleType
    outcomes_grpc: ModuleType


@dataclasses.dataclass(frozen=True)
class VisitRow:
    """One visit read from the CSV file, with its line number."""

    line: int
    patient_id: str
    visit_date: datetime.date
    edss: float | None


# --- Command line -----------------------------------------------------------


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """Parses the command line; argparse exits 2 on usage errors."""
    parser = argparse.ArgumentParser(
        prog="registry_client.py",
        description="Python client of the HSCT follow-up registry.")
    parser.add_argument("--server", required=True, help="HOST:PORT of registryd")
    parser.add_argument("--token-file", required=True,
                        help="file holding the bearer token")
    parser.add_argument("--ca-cert", help="connect with TLS, trusting this CA (PEM)")
    parser.add_argument("--cert", help="client certificate for mutual TLS (PEM)")
    parser.add_argument("--key", help="client private key for mutual TLS (PEM)")
    parser.add_argument("--stubs", default=os.environ.get("REGISTRY_PY_STUBS"),
                        help="directory of stubs made by gen_stubs.sh "
                             "(env REGISTRY_PY_STUBS)")
    parser.add_argument("--timeout", type=positive_seconds, default=300.0,
                        help="deadline of each call in seconds (300)")
    commands = parser.add_subparsers(dest="command", required=True)
    visits = commands.add_parser("import-visits",
                                 help="import visits (patient_id,visit_date,edss)")
    visits.add_argument("csv_file")
    status = commands.add_parser("status", help="a patient's NEDA status")
    status.add_argument("patient_id")
    return parser.parse_args(argv)


def positive_seconds(text: str) -> float:
    """An argparse type: a positive number of seconds."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return value


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

    return Stubs(records=load("records_pb2"),
                 submission=load("submission_pb2"),
                 submission_grpc=load("submission_pb2_grpc"),
                 outcomes=load("outcomes_pb2"),
                 outcomes_grpc=load("outcomes_pb2_grpc"))


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


def field_violations(stubs: Stubs, error: grpc.RpcError) -> list[tuple[str, str]]:
    """The (field, description) pairs of the registry.v1.BadRequest the
    server sends as the binary status details, if any."""
    trailing = error.trailing_metadata() or ()  # type: ignore[attr-defined]
    for key, value in trailing:
        if key != STATUS_DETAILS_KEY or not isinstance(value, bytes):
            continue
        bad_request = stubs.records.BadRequest()
        try:
            bad_request.ParseFromString(value)
        except Exception:  # DecodeError: details of another shape
            return []
        return [(v.field, v.description) for v in bad_request.field_violations]
    return []


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
    return EXIT_FAILED


def eprint(message: str) -> None:
    """Prints one line on stderr."""
    print(message, file=sys.stderr)


# --- import-visits ----------------------------------------------------------


def parse_date(text: str) -> datetime.date:
    """A `YYYY-MM-DD` date; ValueError otherwise."""
    if not DATE_PATTERN.fullmatch(text):
        raise ValueError("expected a date YYYY-MM-DD")
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ValueError("not a valid calendar date") from None


def parse_visit(path: str, line: int, row: dict[str, str]) -> tuple[VisitRow | None, list[str]]:
    """One CSV row as a visit, or the problems found in it."""
    problems: list[str] = []
    patient_id = (row.get("patient_id") or "").strip()
    if not patient_id:
        problems.append(f"{path}:{line}: patient_id: required")
    visit_date: datetime.date | None = None
    try:
        visit_date = parse_date((row.get("visit_date") or "").strip())
    except ValueError as e:
        problems.append(f"{path}:{line}: visit_date: {e}")
    edss: float | None = None
    edss_text = (row.get("edss") or "").strip()
    if edss_text:
        try:
            edss = float(edss_text)
        except ValueError:
            problems.append(f"{path}:{line}: edss: not a number: {edss_text!r}")
    if problems or visit_date is None:
        return None, problems
    return VisitRow(line, patient_id, visit_date, edss), []


def read_visits(path: str) -> list[VisitRow]:
    """Every visit of a CSV file with a header row (columns in any order),
    checked completely; InputError listing every problem."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            missing = [c for c in VISIT_COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError([f"{path}:1: missing column(s): {', '.join(missing)}"])
            visits: list[VisitRow] = []
            problems: list[str] = []
            for row in reader:
                visit, row_problems = parse_visit(path, reader.line_num, row)
                problems.extend(row_problems)
                if visit:
                    visits.append(visit)
    except OSError as e:
        raise InputError([f"{path}: cannot read: {e.strerror}"]) from e
    except (csv.Error, UnicodeDecodeError) as e:
        raise InputError([f"{path}: {e}"]) from e
    if problems:
        raise InputError(problems)
    return visits


def to_date(stubs: Stubs, value: datetime.date) -> Any:
    """A registry.v1.Date."""
    return stubs.records.Date(year=value.year, month=value.month, day=value.day)


def to_record(stubs: Stubs, visit: VisitRow) -> Any:
    """A registry.v1.Record holding a Visit (edss left unset when missing)."""
    message = stubs.records.Visit(patient_id=visit.patient_id,
                                  visit_date=to_date(stubs, visit.visit_date))
    if visit.edss is not None:
        message.edss = visit.edss
    return stubs.records.Record(visit=message)


def import_requests(stubs: Stubs, visits: Sequence[VisitRow]) -> Iterator[Any]:
    """The SubmitRequest stream of an import: chunks of records, the first
    setting the operation (an empty import is one empty request)."""
    for start in range(0, max(len(visits), 1), RECORDS_PER_MESSAGE):
        request = stubs.submission.SubmitRequest()
        if start == 0:
            request.operation = stubs.submission.OPERATION_IMPORT
            # The server applies nothing unless exactly this many arrive.
            request.record_count = len(visits)
        chunk = visits[start:start + RECORDS_PER_MESSAGE]
        request.records.extend(to_record(stubs, v) for v in chunk)
        yield request


def import_visits(stubs: Stubs, channel: grpc.Channel, call: dict[str, Any],
                  path: str) -> int:
    """The import-visits command: streams the file's visits as one import."""
    try:
        visits = read_visits(path)
    except InputError as e:
        for message in e.messages:
            eprint(message)
        return EXIT_FAILED
    stub = stubs.submission_grpc.SubmissionServiceStub(channel)
    try:
        response = stub.Submit(import_requests(stubs, visits), **call)
    except grpc.RpcError as error:
        locate = {i: v.line for i, v in enumerate(visits)}
        return report_rpc_error(stubs, error, locate, path)
    if response.received != len(visits):
        eprint(f"registry_client: the registry reports {response.received} "
               f"records received of the {len(visits)} sent (request "
               f"{response.request_id})")
        return EXIT_FAILED
    print(f"import visits from {path}: {response.received} records, "
          f"{response.accepted} accepted, {response.unchanged} unchanged "
          f"(request {response.request_id})")
    return EXIT_OK


# --- status -----------------------------------------------------------------


def date_text(date: Any) -> str:
    """`YYYY-MM-DD` of a registry.v1.Date, or "none" when it is unset."""
    if not (date.year or date.month or date.day):
        return "none"
    return f"{date.year:04d}-{date.month:02d}-{date.day:02d}"


def patient_status(stubs: Stubs, channel: grpc.Channel, call: dict[str, Any],
                   patient_id: str) -> int:
    """The status command: the NEDA status sentence and the EDA date."""
    stub = stubs.outcomes_grpc.OutcomeServiceStub(channel)
    request = stubs.outcomes.GetPatientStatusRequest(patient_id=patient_id)
    try:
        response = stub.GetPatientStatus(request, **call)
    except grpc.RpcError as error:
        return report_rpc_error(stubs, error)
    patient = response.outcome.patient
    print(f"Patient {patient.patient_id or patient.registry_id} "
          f"({patient.registry_id}), center {patient.center}")
    print(response.neda_status)
    print(f"EDA date: {date_text(response.outcome.eda_date)}")
    return EXIT_OK


# --- main -------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    """Runs one command; UsageError is left to the caller."""
    stubs = load_stubs(args.stubs)
    call = {"metadata": (("authorization", f"Bearer {read_token(args.token_file)}"),),
            "timeout": args.timeout}
    with open_channel(args) as channel:
        if args.command == "import-visits":
            return import_visits(stubs, channel, call, args.csv_file)
        return patient_status(stubs, channel, call, args.patient_id)


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
