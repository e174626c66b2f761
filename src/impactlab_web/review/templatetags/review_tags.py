"""Template helpers of the review pages: a dict item by key and a share as a percentage."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import formats

register = template.Library()


@register.filter
def item(mapping: Any, key: Any) -> Any:
    """``figures|item:"monte_carlo.p5"``: a dict value by a key that is no identifier."""
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter
def percent(value: Any) -> str:
    """0.25 -> 25% (locale digits)."""
    if value is None or value == "":
        return "–"
    return f"{formats.number_format(round(float(value) * 100, 1), 0 if float(value) * 100 % 1 == 0 else 1)}%"
