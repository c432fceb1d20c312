"""The library API: one Client per server connection.

    from hsct_registry import Client
    with Client.connect() as registry:          # REGISTRY_SERVER, REGISTRY_TOKEN_FILE
        registry.import_records("visits", "visits.csv")
        outcomes = registry.outcomes_frame()    # a pandas DataFrame

Every method either returns its result or raises: InputError for an input
that was not sent (every problem of it, by line and column), RegistryError
for a call the server refused (its code and its problems located in the
input), UsageError for a wrong call. Nothing is printed.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import grpc

from .connection import Settings, locate, registry_error
from .csv_input import ReadOptions, Source, read_input
from .errors import Problem, RegistryError
from .kinds import BOOL, DATE, DOUBLE, INT, Kind, kind_named
from .records import from_record, kind_of_record, to_record
from .reports import (cif_rows, definition_message, endpoint_value, enum_value,
                      km_rows, outcome_rows, set_as_of, set_timestamp)
from .rows import FIXED1, NUMBER, TEXT, YES_NO, Field, Rows
from .rows import DATE as DATE_FIELD
from .rows import INT as INT_FIELD
from .status import PatientStatus, patient_status
from .stubs import Stubs, load_stubs

RECORDS_PER_MESSAGE = 1000
ITEMS_TRAILER = "x-items"
OPERATIONS = {"import": "OPERATION_IMPORT", "amend": "OPERATION_AMEND",
              "retract": "OPERATION_RETRACT"}


@dataclasses.dataclass(frozen=True)
class SubmitResult:
    """What the server did with an import, amendment or retraction; for a
    dry run, what it would have done and every problem it found."""

    operation: str
    kind: str
    source: str
    received: int
    accepted: int
    unchanged: int
    request_id: str
    dry_run: bool = False
    problems: list[Problem] = dataclasses.field(default_factory=list)
    problem_count: int = 0
    notes: list[str] = dataclasses.field(default_factory=list)

    def summary(self) -> str:
        """The line regctl ends a submission with."""
        if self.dry_run:
            return (f"dry run of {self.operation} {self.kind} from {self.source}: "
                    f"{self.received} records, {self.problem_count} problem(s); "
                    f"{self.accepted} would be accepted, {self.unchanged} "
                    "unchanged; nothing was written")
        return (f"{self.operation} {self.kind} from {self.source}: {self.received} "
                f"records, {self.accepted} accepted, {self.unchanged} unchanged "
                f"(request {self.request_id})")


def export_fields(kind: Kind) -> tuple[Field, ...]:
    """The fields of a kind's exported rows: its columns and their types."""
    types = {INT: INT_FIELD, DATE: DATE_FIELD, BOOL: YES_NO}
    return tuple(Field(c.name, FIXED1 if c.type == DOUBLE and c.decimals == 1
                       else NUMBER if c.type == DOUBLE else types.get(c.type, TEXT))
                 for c in kind.columns)


class Client:
    """A connection to registryd with a bearer token."""

    def __init__(self, settings: Settings, stubs: Stubs | None = None) -> None:
        self.settings = settings
        self.stubs = stubs or load_stubs()
        self._channel = settings.open_channel()

    @classmethod
    def connect(cls, server: str | None = None, token_file: str | None = None, *,
                token: str | None = None, ca_cert: str | None = None,
                cert: str | None = None, key: str | None = None,
                stubs: str | None = None, timeout: float = 300.0) -> "Client":
        """A client of `server` (HOST:PORT, else REGISTRY_SERVER) with the
        token of `token_file` (else REGISTRY_TOKEN_FILE) or `token`; TLS
        with `ca_cert`, mutual TLS with `cert` and `key` too; the stubs of
        directory `stubs` (else REGISTRY_PY_STUBS or the package's own)."""
        settings = Settings.resolve(server, token_file, token=token, ca_cert=ca_cert,
                                    cert=cert, key=key, timeout=timeout)
        return cls(settings, load_stubs(stubs))

    def close(self) -> None:
        """Closes the channel."""
        self._channel.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _stub(self, name: str) -> Any:
        module = {"SubmissionService": self.stubs.submission_grpc,
                  "OutcomeService": self.stubs.outcomes_grpc,
                  "ReportService": self.stubs.reports_grpc}[name]
        return getattr(module, f"{name}Stub")(self._channel)

    def _unary(self, service: str, method: str, request: Any) -> Any:
        """One unary call; RegistryError when it fails."""
        try:
            return getattr(self._stub(service), method)(
                request, **self.settings.call_options())
        except grpc.RpcError as error:
            raise registry_error(self.stubs, error) from None

    def _stream(self, service: str, method: str, request: Any,
                count: Any) -> list[Any]:
        """Every message of a server stream, checked against the number of
        items the server says it sent (`count` counts them per message)."""
        call = getattr(self._stub(service), method)(request, **self.settings.call_options())
        try:
            messages = list(call)
        except grpc.RpcError as error:
            raise registry_error(self.stubs, error) from None
        received = sum(count(m) for m in messages)
        stated = dict(call.trailing_metadata() or ()).get(ITEMS_TRAILER)
        if stated is None or not str(stated).isdigit():
            raise RegistryError("INCOMPLETE", "the registry did not say how many "
                                "items it sent; the answer may be incomplete")
        if int(stated) != received:
            raise RegistryError("INCOMPLETE", f"the registry sent {stated} items and "
                                f"{received} arrived: the answer is incomplete")
        return messages

    # --- Submissions ---------------------------------------------------------

    def import_records(self, kind: str, source: Source, *, dry_run: bool = False,
                       **read: Any) -> SubmitResult:
        """Imports new records of `kind` from a CSV file or an iterable of
        row mappings, as one all-or-nothing request; identical re-imports
        are no-ops. `read` options: delimiter, decimal_comma, encoding."""
        return self.submit("import", kind, source, dry_run=dry_run, **read)

    def amend(self, kind: str, source: Source, reason: str, *,
              dry_run: bool = False, **read: Any) -> SubmitResult:
        """Replaces the values of existing records, named by their keys."""
        return self.submit("amend", kind, source, reason=reason, dry_run=dry_run, **read)

    def retract(self, kind: str, source: Source, reason: str, *,
                dry_run: bool = False, **read: Any) -> SubmitResult:
        """Removes the records named by their keys (only the key columns are
        read); the earlier values stay in the patient's history."""
        return self.submit("retract", kind, source, reason=reason, dry_run=dry_run, **read)

    def submit(self, operation: str, kind_name: str, source: Source, *,
               reason: str = "", dry_run: bool = False, delimiter: str = ",",
               decimal_comma: bool = False, encoding: str = "utf-8") -> SubmitResult:
        """Reads and checks the whole input, then streams its records as one
        request stating their number (the server applies nothing unless
        exactly that many arrive)."""
        if operation not in OPERATIONS:
            raise ValueError(f"operation must be one of {', '.join(OPERATIONS)}")
        if operation != "import" and not reason.strip():
            raise ValueError(f"{operation} needs a reason (kept in the audit trail)")
        kind = kind_named(kind_name)
        options = ReadOptions(delimiter=delimiter, decimal_comma=decimal_comma,
                              encoding=encoding, key_only=operation == "retract")
        loaded = read_input(kind, source, options)
        records = [to_record(self.stubs, kind, row.values) for row in loaded.rows]
        lines = [row.line for row in loaded.rows]
        requests = self._requests(OPERATIONS[operation], reason, dry_run, records)
        found: list[tuple[str, str]] = []
        try:
            if dry_run:
                # DryRun streams the summary, then every problem.
                response = None
                for answer in self._stub("SubmissionService").DryRun(
                        requests, **self.settings.call_options()):
                    if answer.HasField("summary"):
                        response = answer.summary
                    found.extend((v.field, v.description) for v in answer.problems)
                if response is None:
                    raise RegistryError("INCOMPLETE", "the dry run ended without "
                                        "its summary")
            else:
                response = self._stub("SubmissionService").Submit(
                    requests, **self.settings.call_options())
        except grpc.RpcError as error:
            raise registry_error(self.stubs, error, loaded.source, lines) from None
        if response.received != len(records):
            raise RegistryError("INCOMPLETE", f"the registry reports {response.received} "
                                f"records received of the {len(records)} sent (request "
                                f"{response.request_id}); check with an export")
        if dry_run and len(found) != response.problem_count:
            raise RegistryError("INCOMPLETE", f"the registry announced "
                                f"{response.problem_count} problems and sent {len(found)}")
        return SubmitResult(operation, kind.name, loaded.source, response.received,
                            response.accepted, response.unchanged, response.request_id,
                            response.dry_run, locate(found, loaded.source, lines),
                            response.problem_count, loaded.notes)

    def _requests(self, operation: str, reason: str, dry_run: bool,
                  records: Sequence[Any]) -> Iterator[Any]:
        """The SubmitRequest stream: chunks of records, the first setting
        the operation, reason and count (an empty input is one request)."""
        module = self.stubs.submission
        for start in range(0, max(len(records), 1), RECORDS_PER_MESSAGE):
            request = module.SubmitRequest()
            if start == 0:
                request.operation = getattr(module, operation)
                request.reason = reason
                request.record_count = len(records)
                request.dry_run = dry_run
            request.records.extend(records[start:start + RECORDS_PER_MESSAGE])
            yield request

    def export(self, kind_name: str, *,
               as_of_recorded: str | datetime.datetime | None = None) -> Rows:
        """The center's current records of a kind (as they stood at
        `as_of_recorded`, when given) as typed rows in the import format;
        `rows.to_csv()` is regctl's `submit export KIND --format csv`."""
        kind = kind_named(kind_name)
        request = self.stubs.submission.ExportRequest(
            kind=self.stubs.records.RecordKind.Value(f"RECORD_KIND_{kind.name.upper()}"))
        if as_of_recorded:
            set_timestamp(request.as_of_recorded, as_of_recorded)
        messages = self._stream("SubmissionService", "Export", request,
                                lambda m: len(m.records))
        rows = Rows(export_fields(kind))
        for message in messages:
            rows.extend(from_record(kind, r) for r in message.records
                        if kind_of_record(r) == kind)
        return rows

    # --- Outcomes and reports ------------------------------------------------

    def patient_status(self, patient_id: str | None = None, *,
                       registry_id: str | None = None,
                       as_of: datetime.date | str | None = None,
                       as_of_recorded: str | datetime.datetime | None = None,
                       definition: dict[str, Any] | None = None) -> PatientStatus:
        """One patient's status, named by the center's code (submitters) or
        the registry id."""
        if bool(patient_id) == bool(registry_id):
            raise ValueError("give patient_id or registry_id (one of them)")
        request = self.stubs.outcomes.GetPatientStatusRequest(
            definition=definition_message(self.stubs, definition))
        if registry_id:
            request.registry_id = registry_id
        else:
            request.patient_id = patient_id
        set_as_of(self.stubs, request, as_of, as_of_recorded)
        response = self._unary("OutcomeService", "GetPatientStatus", request)
        return patient_status(self.stubs, response)

    def outcomes(self, definition: dict[str, Any] | None = None, *,
                 as_of: datetime.date | str | None = None,
                 as_of_recorded: str | datetime.datetime | None = None) -> Rows:
        """One outcome row per patient in scope: `regctl report outcomes`."""
        request = self.stubs.outcomes.StreamCohortOutcomesRequest(
            definition=definition_message(self.stubs, definition))
        set_as_of(self.stubs, request, as_of, as_of_recorded)
        messages = self._stream("OutcomeService", "StreamCohortOutcomes", request,
                                lambda m: len(m.outcomes))
        return outcome_rows(self.stubs, messages)

    def km(self, endpoint: str, *, by: str | None = None, conf_type: str | None = None,
           times: Iterable[float] | None = None,
           definition: dict[str, Any] | None = None,
           as_of: datetime.date | str | None = None,
           as_of_recorded: str | datetime.datetime | None = None) -> Rows:
        """Kaplan-Meier rows of an endpoint: `regctl report km`; with
        `times`, one row per requested time (days since transplant)."""
        reports = self.stubs.reports
        request = reports.KaplanMeierRequest(
            endpoint=endpoint_value(self.stubs, endpoint),
            definition=definition_message(self.stubs, definition))
        if by:
            request.by = enum_value(reports.Stratification, by)
        if conf_type:
            request.conf_type = enum_value(reports.ConfidenceType, conf_type)
        times = list(times or ())
        request.times_days.extend(float(t) for t in times)
        set_as_of(self.stubs, request, as_of, as_of_recorded)
        response = self._unary("ReportService", "KaplanMeier", request)
        return km_rows(response, at_times=bool(times))

    def cif(self, endpoint: str, *, by: str | None = None,
            definition: dict[str, Any] | None = None,
            as_of: datetime.date | str | None = None,
            as_of_recorded: str | datetime.datetime | None = None) -> Rows:
        """Cumulative incidence rows of an endpoint, its competing event
        competing: `regctl report cif`."""
        reports = self.stubs.reports
        request = reports.CumulativeIncidenceRequest(
            endpoint=endpoint_value(self.stubs, endpoint),
            definition=definition_message(self.stubs, definition))
        if by:
            request.by = enum_value(reports.Stratification, by)
        set_as_of(self.stubs, request, as_of, as_of_recorded)
        response = self._unary("ReportService", "CumulativeIncidence", request)
        return cif_rows(response)

    # --- DataFrames (pandas imported only when asked for) --------------------

    def export_frame(self, kind_name: str, **options: Any) -> Any:
        """export() as a pandas DataFrame."""
        return self.export(kind_name, **options).to_dataframe()

    def outcomes_frame(self, definition: dict[str, Any] | None = None,
                       **options: Any) -> Any:
        """outcomes() as a pandas DataFrame."""
        return self.outcomes(definition, **options).to_dataframe()

    def km_frame(self, endpoint: str, **options: Any) -> Any:
        """km() as a pandas DataFrame."""
        return self.km(endpoint, **options).to_dataframe()

    def cif_frame(self, endpoint: str, **options: Any) -> Any:
        """cif() as a pandas DataFrame."""
        return self.cif(endpoint, **options).to_dataframe()
