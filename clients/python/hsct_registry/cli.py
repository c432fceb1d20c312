"""The command line: `hsct-registry` / `python3 -m hsct_registry`.

Options, words and exit status are regctl's: 0 success; 1 the server
rejected the request or failed, or the input file is invalid; 2 usage
error. Results go to stdout, errors and the applied definition to stderr.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import textwrap
from collections.abc import Sequence
from typing import Any, NoReturn

from .client import Client, SubmitResult
from .connection import SERVER_ENV, TOKEN_FILE_ENV, Settings
from .errors import CellError, InputError, RegistryError, StubsError, UsageError
from .kinds import KINDS_BY_NAME, kinds_help
from .rows import Rows
from .stubs import STUBS_ENV, compare_with_stubs, load_stubs
from .values import parse_date

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
ERRORS_SHOWN = 50  # of an input's own problems, as regctl
FILES_HELP = ("CSV with a header row (columns in any order; optional columns may "
              "be left out); dates YYYY-MM-DD; an empty cell is a missing optional "
              "value; a byte order mark and CRLF line ends are accepted. The whole "
              "file is checked before anything is sent; problems are printed as "
              "FILE:LINE: column: message and nothing is written.")


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


def times_argument(text: str) -> list[float]:
    """An argparse type: days since transplant, D[,D...]."""
    try:
        return [float(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError("must be D[,D...] (days)") from None


def connection_options(suppress: bool) -> argparse.ArgumentParser:
    """The connection options, taken before or after the command as by
    regctl (after it, they must not reset what was given before)."""
    parser = argparse.ArgumentParser(add_help=False)
    default = {"default": argparse.SUPPRESS} if suppress else {}
    add = parser.add_argument
    add("--server", metavar="HOST:PORT", **default,
        help=f"registryd to call (env {SERVER_ENV})")
    add("--token-file", metavar="FILE", **default,
        help=f"file holding the bearer token (env {TOKEN_FILE_ENV})")
    add("--ca-cert", metavar="FILE", **default,
        help="connect with TLS, trusting this CA (PEM)")
    add("--cert", metavar="FILE", **default, help="client certificate for mutual TLS (PEM)")
    add("--key", metavar="FILE", **default, help="client private key for mutual TLS (PEM)")
    add("--stubs", metavar="DIR", **default,
        help=f"directory of stubs made by gen_stubs.sh (env {STUBS_ENV})")
    add("--timeout", metavar="SECONDS", type=positive_seconds,
        **(default or {"default": 300.0}), help="deadline of each call in seconds (300)")
    return parser


def csv_options(parser: argparse.ArgumentParser) -> None:
    """How a file from a spreadsheet is written, and --dry-run."""
    parser.add_argument("--delimiter", choices=[",", ";", "tab"], default=",",
                        help="field separator (';' as a spreadsheet in a European "
                             "locale saves CSV)")
    parser.add_argument("--decimal-comma", action="store_true",
                        help="read numbers written 3,5 as 3.5 (number columns only)")
    parser.add_argument("--encoding", choices=["utf-8", "windows-1252"], default="utf-8",
                        help="text encoding of the file (utf-8)")
    parser.add_argument("--dry-run", action="store_true",
                        help="run every check of the server and write nothing")


def submit_parser(commands: Any, common: argparse.ArgumentParser, name: str,
                  what: str, reason: bool) -> None:
    """The import, amend and retract commands."""
    parser = commands.add_parser(
        name, parents=[common], help=what,
        description=textwrap.fill(what[0].upper() + what[1:] + " as one "
                                  "all-or-nothing request. " + FILES_HELP),
        epilog=kinds_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", metavar="KIND", choices=list(KINDS_BY_NAME),
                        help="record kind: " + ", ".join(KINDS_BY_NAME))
    parser.add_argument("csv_file", metavar="FILE", help="the CSV file")
    if reason:
        parser.add_argument("--reason", metavar="TEXT", required=True,
                            help="why (kept in the audit trail)")
    csv_options(parser)


def definition_options(parser: argparse.ArgumentParser) -> None:
    """The outcome definition and the data's dates of a report."""
    parser.add_argument("--preset", metavar="NAME",
                        help="a published definition: muller2025, portaccio2025")
    parser.add_argument("--event", metavar="E", help="first-cdw (default), "
                        "first-cdi, first, multiple, first-pira, first-raw")
    parser.add_argument("--baseline", metavar="B", help="fixed (default) or roving")
    parser.add_argument("--confirmation-days", metavar="N[,N...]")
    parser.add_argument("--definition", metavar="FIELD=VALUE", action="append",
                        default=[], help="any field of registry.v1.OutcomeDefinition "
                        "(e.g. infection_min_grade=2); repeatable")
    parser.add_argument("--as-of", metavar="DATE", type=date_argument,
                        help="only data dated on or before DATE")
    parser.add_argument("--as-of-recorded", metavar="TIME",
                        help="the registry as it stood at TIME (RFC 3339)")
    parser.add_argument("--format", choices=["csv", "json"], default="csv")


def report_parsers(commands: Any, common: argparse.ArgumentParser) -> None:
    """report outcomes, km and cif."""
    report = commands.add_parser("report", help="outcome rows, Kaplan-Meier, "
                                 "cumulative incidence (as regctl report)")
    kinds = report.add_subparsers(dest="report", required=True, metavar="REPORT")
    outcomes = kinds.add_parser("outcomes", parents=[common],
                                help="one outcome row per patient")
    definition_options(outcomes)
    for name, what in (("km", "Kaplan-Meier as R's survfit"),
                       ("cif", "cumulative incidence, death competing")):
        parser = kinds.add_parser(name, parents=[common], help=what)
        parser.add_argument("--endpoint", metavar="E", required=True,
                            help="os, pfs, relapse, neda3, ... (docs/cli.md)")
        parser.add_argument("--by", metavar="G", choices=["disease", "center",
                                                          "regimen", "era"])
        if name == "km":
            parser.add_argument("--conf-type", choices=["log", "log-log", "plain"])
            parser.add_argument("--times", metavar="D,...", type=times_argument,
                                help="one row per time (days since transplant)")
        definition_options(parser)


def build_parser(prog: str) -> argparse.ArgumentParser:
    """The whole command line."""
    parser = argparse.ArgumentParser(
        prog=prog, parents=[connection_options(False)],
        description="Python client of the HSCT follow-up registry.",
        epilog="Exit status: 0 success; 1 the server rejected the request or "
               "failed, or the input file is invalid; 2 usage error.")
    common = connection_options(True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    submit_parser(commands, common, "import", "import new records of one kind from "
                  "a CSV file; identical re-imports are no-ops", reason=False)
    submit_parser(commands, common, "amend", "new values for existing records "
                  "(named by their key columns)", reason=True)
    submit_parser(commands, common, "retract", "remove the records named by the "
                  "key columns of a file (other columns are ignored)", reason=True)
    visits = commands.add_parser("import-visits", parents=[common],
                                 help="import visits (the same as: import visits FILE)",
                                 description="Imports visits: the same as "
                                             "`import visits FILE`. " + FILES_HELP)
    visits.add_argument("csv_file", metavar="FILE", help="the CSV file")
    csv_options(visits)
    export = commands.add_parser("export", parents=[common],
                                 help="the center's current records of a kind, "
                                      "in the import format")
    export.add_argument("kind", metavar="KIND", choices=list(KINDS_BY_NAME))
    export.add_argument("--as-of-recorded", metavar="TIME",
                        help="the records as they stood at TIME (RFC 3339)")
    export.add_argument("--format", choices=["csv", "json"], default="csv")
    status = commands.add_parser(
        "status", parents=[common],
        help="a patient's NEDA status, transplant course and timeline",
        description="Prints a patient's status as regctl patient status does, "
                    "with the NEDA-3 evaluability (and why not) and the EDA date "
                    "on lines of their own.")
    status.add_argument("patient_id", metavar="PATIENT_ID", nargs="?",
                        help="the center's own patient code (submitters)")
    status.add_argument("--registry-id", metavar="ID",
                        help="name the patient by registry id instead")
    status.add_argument("--as-of", metavar="DATE", type=date_argument,
                        help="status using only data dated on or before DATE")
    report_parsers(commands, common)
    commands.add_parser(
        "kinds", parents=[common], help="list the record kinds and their CSV columns",
        description=textwrap.fill("Lists the record kinds and their CSV columns. "
                                  "With stubs, also checks that the kinds and "
                                  "columns cover the registry.v1 messages (exit 1 "
                                  "when they do not)."),
        epilog=kinds_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    return parser


def parse_args(argv: Sequence[str], prog: str) -> argparse.Namespace:
    """Parses the command line; argparse exits 2 on usage errors."""
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    if args.command == "status" and bool(args.patient_id) == bool(args.registry_id):
        parser.error("status takes PATIENT_ID or --registry-id ID (one of them)")
    if args.command == "import-visits":
        args.command, args.kind = "import", "visits"
    return args


# --- Output -----------------------------------------------------------------


class Output:
    """Where a command writes: results to stdout, the rest to stderr."""

    def __init__(self, program: str) -> None:
        self.program = program

    @staticmethod
    def out(text: str) -> None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")

    def err(self, message: str, prefixed: bool = False) -> None:
        print(f"{self.program}: {message}" if prefixed else message, file=sys.stderr)

    def input_error(self, error: InputError, source: str) -> int:
        """An input's own problems: the first 50, the count; nothing sent."""
        for problem in error.problems[:ERRORS_SHOWN]:
            self.err(str(problem))
        if len(error.problems) > ERRORS_SHOWN:
            self.err(f"... and {len(error.problems) - ERRORS_SHOWN} more")
        self.err(f"{len(error.problems)} error(s) in {source}; nothing was sent",
                 prefixed=True)
        return EXIT_FAILED

    def registry_error(self, error: RegistryError) -> int:
        """A refused call: its code, then its problems by line."""
        self.err(f"{error.code}: {error.details}", prefixed=True)
        for problem in error.problems:
            if problem.line > 0:
                self.err(str(problem))
            else:
                self.err(f"  {problem.column}: {problem.message}")
        if error.unlisted:
            self.err(f"  ... and {error.unlisted} more problem(s) not listed")
        return EXIT_FAILED

    def rows(self, rows: Rows, form: str) -> None:
        """Rows as CSV (regctl's) or JSON objects (dates as text)."""
        if rows.definition:
            self.err(f"# definition {rows.definition}")
        if rows.data_as_of_recorded:
            self.err(f"# data as recorded at {rows.data_as_of_recorded}")
        if form == "json":
            self.out(json.dumps(list(rows), indent=1, default=str))
        else:
            sys.stdout.write(rows.to_csv())


# --- Commands ---------------------------------------------------------------


def definition_of(args: argparse.Namespace) -> dict[str, Any]:
    """The definition options as OutcomeDefinition fields."""
    definition: dict[str, Any] = {}
    for option in ("preset", "event", "baseline", "confirmation_days"):
        if getattr(args, option, None):
            definition[option] = getattr(args, option)
    for pair in getattr(args, "definition", []):
        name, equals, value = pair.partition("=")
        if not equals or not name:
            raise UsageError(f"--definition must be FIELD=VALUE (got '{pair}')")
        definition[name.strip()] = value.strip()
    return definition


def submit(client: Client, args: argparse.Namespace, output: Output) -> int:
    """import, amend, retract."""
    try:
        result: SubmitResult = client.submit(
            args.command, args.kind, args.csv_file, reason=getattr(args, "reason", ""),
            dry_run=args.dry_run, delimiter=args.delimiter,
            decimal_comma=args.decimal_comma, encoding=args.encoding)
    except InputError as e:
        return output.input_error(e, args.csv_file)
    for note in result.notes:
        output.err(note)
    if result.dry_run:
        for problem in result.problems[:ERRORS_SHOWN]:
            output.err(str(problem))
        if result.problem_count > min(len(result.problems), ERRORS_SHOWN):
            output.err(f"... and {result.problem_count - min(len(result.problems), ERRORS_SHOWN)} more")
    output.out(result.summary())
    return EXIT_FAILED if result.dry_run and result.problem_count else EXIT_OK


def report(client: Client, args: argparse.Namespace, output: Output) -> int:
    """report outcomes, km, cif."""
    dates = {"as_of": args.as_of, "as_of_recorded": args.as_of_recorded,
             "definition": definition_of(args)}
    if args.report == "outcomes":
        rows = client.outcomes(**dates)
    elif args.report == "km":
        rows = client.km(args.endpoint, by=args.by, conf_type=args.conf_type,
                         times=args.times, **dates)
    else:
        rows = client.cif(args.endpoint, by=args.by, **dates)
    output.rows(rows, args.format)
    return EXIT_OK


def list_kinds(args: argparse.Namespace, output: Output) -> int:
    """The kinds command; with stubs, also what of them the table misses."""
    output.out(kinds_help())
    try:
        stubs = load_stubs(args.stubs)
    except StubsError:
        if args.stubs or os.environ.get(STUBS_ENV):
            raise
        return EXIT_OK  # no stubs anywhere: nothing to compare with
    _, uncovered = compare_with_stubs(stubs)
    for problem in uncovered:
        output.err(f"not covered by this client: {problem}", prefixed=True)
    return EXIT_FAILED if uncovered else EXIT_OK


def run(args: argparse.Namespace, output: Output) -> int:
    """Runs one command; UsageError and ValueError are usage errors."""
    if args.command == "kinds":
        return list_kinds(args, output)
    settings = Settings.resolve(args.server, args.token_file, ca_cert=args.ca_cert,
                                cert=args.cert, key=args.key, timeout=args.timeout,
                                command=args.command)
    with Client(settings, load_stubs(args.stubs)) as client:
        try:
            if args.command in ("import", "amend", "retract"):
                return submit(client, args, output)
            if args.command == "export":
                output.rows(client.export(args.kind, as_of_recorded=args.as_of_recorded),
                            args.format)
                return EXIT_OK
            if args.command == "status":
                status = client.patient_status(args.patient_id,
                                               registry_id=args.registry_id,
                                               as_of=args.as_of)
                output.out(status.text)
                return EXIT_OK
            return report(client, args, output)
        except RegistryError as e:
            return output.registry_error(e)


def main(argv: Sequence[str] | None = None, prog: str = "hsct-registry",
         program: str = "hsct-registry") -> NoReturn:
    """Entry point: exits 0, 1 or 2."""
    args = parse_args(sys.argv[1:] if argv is None else argv, prog)
    output = Output(program)
    try:
        code = run(args, output)
    except (UsageError, ValueError) as e:
        output.err(str(e), prefixed=True)
        code = EXIT_USAGE
    sys.exit(code)
