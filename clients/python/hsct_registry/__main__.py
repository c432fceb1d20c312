"""`python3 -m hsct_registry`: the command line."""

from .cli import main

main(prog="python3 -m hsct_registry")
