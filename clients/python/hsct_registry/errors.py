"""What can go wrong, as exceptions a program can catch one by one.

The command line turns them into its exit status (UsageError 2, the others
1); a library caller gets the same information as attributes, so a
notebook can show the problems of a file without parsing messages.
"""

from __future__ import annotations

import dataclasses


class RegistryClientError(Exception):
    """The base of every error this package raises on purpose."""


class UsageError(RegistryClientError):
    """A wrong call or option: missing server or token, an unreadable
    certificate, stubs that cannot be found (exit status 2)."""


class StubsError(UsageError):
    """The generated registry.v1 stubs are missing or do not match."""


class CellError(ValueError):
    """A cell that does not obey its column; the message says why."""


@dataclasses.dataclass(frozen=True)
class Problem:
    """One problem of an input: where it is and what is wrong.

    `line` is the CSV line (0 when the problem is about the whole request),
    `column` the column or "row"/"header" ("" when none applies)."""

    source: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = self.source + (f":{self.line}" if self.line > 0 else "")
        return f"{where}: {self.column + ': ' if self.column else ''}{self.message}"


class InputError(RegistryClientError):
    """An input that cannot be sent: every problem found in it, nothing was
    sent. Raised before any call to the server."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems

    @property
    def messages(self) -> list[str]:
        """The problems as `FILE:LINE: column: message` lines."""
        return [str(p) for p in self.problems]


class RegistryError(RegistryClientError):
    """A call the server refused or that failed.

    `code` is the gRPC status code name (INVALID_ARGUMENT, NOT_FOUND,
    UNAUTHENTICATED, ...), `details` the server's message, `violations` the
    (field, description) pairs of its google.rpc.BadRequest, `problems` the
    same located in the input file where they name a record,
    `problem_count` the server's total, which may exceed what it listed."""

    def __init__(self, code: str, details: str,
                 violations: list[tuple[str, str]] | None = None,
                 problems: list[Problem] | None = None,
                 problem_count: int = 0) -> None:
        super().__init__(f"{code}: {details}")
        self.code = code
        self.details = details
        self.violations = violations or []
        self.problems = problems or []
        self.problem_count = max(problem_count, len(self.violations))

    @property
    def unlisted(self) -> int:
        """How many problems the server counted but did not list."""
        return max(0, self.problem_count - len(self.violations))
