"""The Typer application every command module registers on, and the options common to all commands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import typer

from portlink.cli.progress import configure_logging

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="PortLink: ports, customs and trade finance.",
)


@dataclass
class Options:
    """What ``portlink -v …`` asked for."""

    verbose: bool = False


options = Options()


@app.callback()
def _options(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show libraries' INFO logs and the traceback of an error.")
    ] = False,
) -> None:
    options.verbose = verbose
    configure_logging(verbose=verbose)
