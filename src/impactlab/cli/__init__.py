"""The `impactlab` command. Each module below registers its commands on the shared app."""

import os

from impactlab.cli import (
    evidence_commands,  # noqa: F401
    form_commands,  # noqa: F401
    instrument_commands,  # noqa: F401
    model_commands,  # noqa: F401  (registers commands)
    registration_commands,  # noqa: F401
    report_commands,  # noqa: F401
    stats_commands,  # noqa: F401
)
from impactlab.cli.app import app, run

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the `impactlab` console script.

    pydantic plugins are off in this process unless PYDANTIC_DISABLE_PLUGINS is set (to "" to keep them):
    looking them up scans the entry points of every installed distribution, 30 ms of each command that
    reads a model, for plugins (observability of validation) that a command does not use (issue 13).
    """
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    run()
