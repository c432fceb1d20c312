"""Python client of the HSCT follow-up registry (registryd).

A library and a command line over the registry's gRPC API: imports,
amendments, retractions and exports of every record kind from CSV files or
rows, a patient's status, and the outcome, Kaplan-Meier and cumulative
incidence reports as plain rows, or pandas DataFrames where pandas is
installed. The library never prints; the command line (`hsct-registry`,
`python3 -m hsct_registry`) speaks as regctl does.

    from hsct_registry import Client
    with Client.connect() as registry:   # REGISTRY_SERVER, REGISTRY_TOKEN_FILE
        rows = registry.outcomes()       # list of dicts, regctl's columns
"""

from .client import Client, SubmitResult
from .connection import Settings
from .csv_input import ReadOptions, read_input
from .errors import (CellError, InputError, Problem, RegistryClientError,
                     RegistryError, StubsError, UsageError)
from .frames import PandasMissing, to_dataframe
from .kinds import KINDS, KINDS_BY_NAME, Column, Kind
from .rows import Field, Rows
from .status import PatientStatus

__version__ = "0.1.0"

__all__ = [
    "CellError", "Client", "Column", "Field", "InputError", "KINDS", "KINDS_BY_NAME",
    "Kind", "PandasMissing", "PatientStatus", "Problem", "ReadOptions",
    "RegistryClientError", "RegistryError", "Rows", "Settings", "StubsError",
    "SubmitResult", "UsageError", "read_input", "to_dataframe",
]
