"""The `impactlab` command. Each module below registers its commands on the shared app."""

from impactlab.cli import (
    evidence_commands,  # noqa: F401
    instrument_commands,  # noqa: F401
    model_commands,  # noqa: F401  (registers commands)
    registration_commands,  # noqa: F401
    report_commands,  # noqa: F401
    stats_commands,  # noqa: F401
)
from impactlab.cli.app import app, run

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the `impactlab` console script."""
    run()
