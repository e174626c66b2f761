"""The `impactlab` Typer application and its shared helpers (error handling, output)."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import typer
from rich.console import Console

from impactlab.errors import UserError

app = typer.Typer(
    name="impactlab",
    help="Show what difference social work makes: impact models, SROI/MKBA valuation and evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
def _console(stderr: bool = False) -> Console:
    """A console that is wide enough for value maps when output goes to a file or pipe."""
    probe = Console(stderr=stderr)
    return probe if probe.is_terminal else Console(stderr=stderr, width=max(probe.width, 140))


console = _console()
err_console = _console(stderr=True)

EXIT_USER_ERROR = 2


def fail(messages: list[str] | str) -> None:
    """Print each message on stderr and exit with code 2."""
    for message in [messages] if isinstance(messages, str) else messages:
        err_console.print(message, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_USER_ERROR)


def print_json(data: Any) -> None:
    """Write data as JSON on stdout (no Rich markup, no wrapping)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def run() -> None:
    """Run the app: user errors become messages and exit code 2, never a traceback."""
    try:
        code = app(standalone_mode=False)
    except UserError as error:
        fail(error.messages)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("Aborted.")
        sys.exit(130)
    except Exception as error:  # the last line of defence: no traceback for users
        if os.environ.get("IMPACTLAB_DEBUG"):
            raise
        import click

        if isinstance(error, click.ClickException):
            error.show()
            sys.exit(EXIT_USER_ERROR)
        err_console.print(
            f"impactlab: internal error ({type(error).__name__}: {error}). "
            "Set IMPACTLAB_DEBUG=1 to see the details, and please report it."
        )
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
