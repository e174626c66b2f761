"""The `impactlab` Typer application and its shared helpers (error handling, output)."""

from __future__ import annotations

import json
import os
import sys
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console
from typer.core import TyperGroup

from impactlab.errors import UserError

EXIT_USER_ERROR = 2


class OutputFormat(StrEnum):
    """How a command prints its result."""

    table = "table"
    json = "json"


FORMAT = typer.Option(OutputFormat.table, "--format", "-f", help="table (readable) or json (machine-readable)")


def _console(stderr: bool = False) -> Console:
    """A console that is wide enough for value maps when output goes to a file or pipe, where text lines are
    never broken (a script reading the output must find a message whole, however long the file's path)."""
    probe = Console(stderr=stderr)
    if probe.is_terminal:
        return probe
    return Console(stderr=stderr, width=max(probe.width, 140), soft_wrap=True)


console = _console()
err_console = _console(stderr=True)


def show_messages(messages: list[str] | str) -> None:
    """Print each message on stderr, as plain text."""
    for message in [messages] if isinstance(messages, str) else messages:
        err_console.print(message, markup=False, highlight=False, soft_wrap=True)


def fail(messages: list[str] | str) -> None:
    """Print each message on stderr and exit with code 2."""
    show_messages(messages)
    raise typer.Exit(EXIT_USER_ERROR)


def print_json(data: Any) -> None:
    """Write data as JSON on stdout (no Rich markup, no wrapping)."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


class _UserErrorsAsMessages(TyperGroup):
    """Every command's UserError becomes its messages on stderr and exit code 2."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except UserError as error:
            fail(error.messages)


app = typer.Typer(
    cls=_UserErrorsAsMessages,
    name="impactlab",
    help="Show what difference social work makes: impact models, SROI/MKBA valuation and evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def run() -> None:
    """Run the app: user errors become messages and exit code 2, never a traceback."""
    try:
        app()
    except UserError as error:
        show_messages(error.messages)
        sys.exit(EXIT_USER_ERROR)
    except Exception as error:  # the last line of defence: no traceback for users
        if os.environ.get("IMPACTLAB_DEBUG"):
            raise
        err_console.print(
            f"impactlab: internal error ({type(error).__name__}: {error}). "
            "Set IMPACTLAB_DEBUG=1 to see the details, and please report it."
        )
        sys.exit(1)
