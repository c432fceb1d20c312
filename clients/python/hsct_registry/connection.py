"""Where the server is, who is calling, and how a failed call is told.

The options are regctl's: `REGISTRY_SERVER` and `REGISTRY_TOKEN_FILE`
stand in for --server and --token-file; without a CA certificate the
channel uses local (loopback) credentials, as a registryd without TLS
expects, and with one TLS (mutual with a client certificate and key).
"""

from __future__ import annotations

import dataclasses
import os
import re
from typing import Any

import grpc

from .errors import Problem, RegistryError, UsageError
from .stubs import Stubs

SERVER_ENV = "REGISTRY_SERVER"
TOKEN_FILE_ENV = "REGISTRY_TOKEN_FILE"
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
STATUS_DETAILS_KEY = "grpc-status-details-bin"
RECORD_FIELD_PATTERN = re.compile(r"records\[(\d+)\]\.(.+)")
RECORD_REFERENCE_PATTERN = re.compile(r"records\[(\d+)\]")


@dataclasses.dataclass(frozen=True)
class Settings:
    """How to reach the server: the address, the bearer token, TLS files
    and the deadline of each call."""

    server: str
    token: str = dataclasses.field(repr=False)
    ca_cert: str | None = None
    cert: str | None = None
    key: str | None = None
    timeout: float = 300.0

    @classmethod
    def resolve(cls, server: str | None = None, token_file: str | None = None, *,
                token: str | None = None, ca_cert: str | None = None,
                cert: str | None = None, key: str | None = None,
                timeout: float = 300.0, command: str = "connect") -> "Settings":
        """Settings from arguments, else the environment; UsageError naming
        what is missing or unreadable."""
        server = server or os.environ.get(SERVER_ENV) or None
        token_file = token_file or os.environ.get(TOKEN_FILE_ENV) or None
        missing = [option for option, given in (("--server", server),
                                                ("--token-file", token_file or token))
                   if not given]
        if missing:
            raise UsageError(f"{command} needs {' and '.join(missing)} (or "
                             f"{SERVER_ENV} and {TOKEN_FILE_ENV})")
        if bool(cert) != bool(key):
            raise UsageError("--cert and --key go together")
        if cert and not ca_cert:
            raise UsageError("--cert and --key need --ca-cert")
        if timeout <= 0:
            raise UsageError("--timeout must be a positive number of seconds")
        return cls(server=server, token=token or read_token(token_file),
                   ca_cert=ca_cert, cert=cert, key=key, timeout=timeout)

    def credentials(self) -> grpc.ChannelCredentials:
        """TLS credentials with a CA certificate, else local credentials."""
        if not self.ca_cert:
            return grpc.local_channel_credentials(grpc.LocalConnectionType.LOCAL_TCP)
        return grpc.ssl_channel_credentials(
            root_certificates=read_pem(self.ca_cert, "--ca-cert"),
            private_key=read_pem(self.key, "--key") if self.key else None,
            certificate_chain=read_pem(self.cert, "--cert") if self.cert else None)

    def open_channel(self) -> grpc.Channel:
        """A channel to the server; nothing is sent until the first call."""
        options = [("grpc.max_receive_message_length", MAX_MESSAGE_BYTES)]
        return grpc.secure_channel(self.server, self.credentials(), options)

    def call_options(self) -> dict[str, Any]:
        """The keyword arguments of every call: the token and the deadline."""
        return {"metadata": (("authorization", f"Bearer {self.token}"),),
                "timeout": self.timeout}


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


# --- Errors -----------------------------------------------------------------


def rpc_status(stubs: Stubs, error: grpc.RpcError) -> Any:
    """The google.rpc.Status the server sends as the binary status details
    (gRPC's standard error model), or None."""
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
            return None  # details must match the status they came with
        return status
    return None


def field_violations(stubs: Stubs, status: Any) -> list[tuple[str, str]]:
    """The (field, description) pairs of the google.rpc.BadRequest in a
    status's details."""
    violations: list[tuple[str, str]] = []
    for detail in status.details if status else ():
        bad_request = stubs.error_details.BadRequest()
        if detail.Unpack(bad_request):
            violations += [(v.field, v.description) for v in bad_request.field_violations]
    return violations


def problem_count(stubs: Stubs, status: Any, listed: int) -> int:
    """The total problem count of the ErrorInfo (domain registry.v1), or the
    number of listed violations."""
    for detail in status.details if status else ():
        info = stubs.error_details.ErrorInfo()
        if (detail.Unpack(info) and info.domain == "registry.v1"
                and info.metadata.get("problems", "").isdigit()):
            return int(info.metadata["problems"])
    return listed


def locate(violations: list[tuple[str, str]], source: str,
           lines: list[int] | None) -> list[Problem]:
    """Violations as problems of the input: `records[N].column` becomes the
    line of record N, as do the other records a description names; the
    rest are problems of the whole request. In input order."""
    problems = []
    for field, description in violations:
        match = RECORD_FIELD_PATTERN.fullmatch(field)
        index = int(match.group(1)) if match else -1
        if lines is not None and match and 0 <= index < len(lines):
            described = RECORD_REFERENCE_PATTERN.sub(
                lambda m: (f"line {lines[int(m.group(1))]}"
                           if int(m.group(1)) < len(lines) else m.group(0)),
                description)
            problems.append(Problem(source, lines[index], match.group(2), described))
        else:
            problems.append(Problem(source, 0, field, description))
    return sorted(problems, key=lambda p: p.line)


def registry_error(stubs: Stubs, error: grpc.RpcError, source: str = "",
                   lines: list[int] | None = None) -> RegistryError:
    """A RegistryError of a failed call, its violations located by `lines`
    (the input line of each record sent)."""
    code = error.code()  # type: ignore[attr-defined]
    status = rpc_status(stubs, error)
    violations = field_violations(stubs, status)
    return RegistryError(code.name if code else "UNKNOWN",
                         error.details() or "",  # type: ignore[attr-defined]
                         violations, locate(violations, source, lines),
                         problem_count(stubs, status, len(violations)))
