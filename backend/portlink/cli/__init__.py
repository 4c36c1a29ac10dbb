"""The ``portlink`` command line: bring up a local stack, deploy to a chain, index it, serve the API, manage keys,
audit, replay the pilot. One module per group of commands (:mod:`.stack`, :mod:`.keys`, :mod:`.audit`,
:mod:`.pilot`, :mod:`.risk`); they translate only, the services do the work.

Every error a person can cause is one line on stderr, ``portlink: error: …``: exit 2 for a usage error (an
unknown command, a missing or malformed option or argument), 1 for anything else. Long work shows its progress
(:mod:`.progress`). Libraries' INFO logs stay quiet unless ``-v``.
"""

from __future__ import annotations

import sys
import traceback

import typer

from portlink.cli import audit, keys, pilot, risk, stack
from portlink.cli.app import app, options
from portlink.errors import PortLinkError

__all__ = ["app", "main"]

# The command modules register their commands on `app` when imported.
_COMMANDS = (audit, keys, pilot, risk, stack)


def _fail(message: str, status: int) -> None:
    typer.echo(f"portlink: error: {message}".replace("\n", " "), err=True)
    sys.exit(status)


def main() -> None:
    """Entry point: runs the app and turns every error into one line on stderr (usage errors exit 2)."""
    from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

    try:
        status = app(standalone_mode=False)  # typer.Exit(n) comes back as n in this mode
    except NoArgsIsHelpError as exc:  # `portlink` or `portlink keys` alone: the help, not an error
        exc.show()
        sys.exit(exc.exit_code)
    except UsageError as exc:
        where = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
        _fail(f"{exc.format_message()}{where}", 2)
    except ClickException as exc:
        _fail(exc.format_message(), exc.exit_code)
    except PortLinkError as exc:
        _fail(str(exc), 1)
    except (typer.Abort, KeyboardInterrupt):
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except OSError as exc:  # the node or a file went away mid-command: the system's own words
        _fail(f"{type(exc).__name__}: {exc}", 1)
    except Exception as exc:
        if options.verbose:
            traceback.print_exc()
        _fail(f"unexpected {type(exc).__name__}: {exc} (run with -v for the traceback)", 1)
    if isinstance(status, int) and status:
        sys.exit(status)
