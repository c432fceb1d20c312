#!/usr/bin/python3
"""The registry's Python client run as a script, from a source tree:

    clients/python/registry_client.py [options] COMMAND ...

The same command line as `python3 -m hsct_registry` (the package next to
this file; see docs/python.md), kept so that existing scripts calling this
file go on working. Exit status as regctl: 0 success; 1 the server
rejected the request or failed, or the input file is invalid; 2 usage
error.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from hsct_registry.cli import main  # noqa: E402 (after the path it needs)

if __name__ == "__main__":
    main(prog="registry_client.py", program="registry_client")
