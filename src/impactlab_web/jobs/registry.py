"""Job kinds: each is a function ``(params, progress) -> result dict`` registered under a name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Progress = Callable[[float, str], None]
JobFunction = Callable[[dict[str, Any], Progress], dict[str, Any]]

_KINDS: dict[str, JobFunction] = {}


def register(kind: str) -> Callable[[JobFunction], JobFunction]:
    """Decorator: run this function for jobs of ``kind``."""

    def decorate(function: JobFunction) -> JobFunction:
        _KINDS[kind] = function
        return function

    return decorate


def function_for(kind: str) -> JobFunction:
    if kind not in _KINDS:
        raise KeyError(f"no job function registered for {kind!r} (known: {', '.join(sorted(_KINDS))})")
    return _KINDS[kind]
