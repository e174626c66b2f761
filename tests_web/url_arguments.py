"""Test values for URL arguments in the authorisation matrix: one line per argument name.

Each area adds the arguments its URLs take. A value is a function of the test world; it may create
what it needs in the world's programme (``world.programme``; its lead organisation is ``world.own``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ARGUMENTS: dict[str, Callable[[Any], object]] = {
    "programme": lambda world: world.programme.pk,
    "number": lambda world: 1,
    "dataset": lambda world: world.dataset.pk,
    "job": lambda world: world.job.pk,
}
