"""Locale-aware numbers for the dashboard (``1.234,5`` in Dutch); a missing figure is a dash."""

from __future__ import annotations

from typing import Any

from django import template

from impactlab_web.core.templatetags.impactlab import _number

register = template.Library()


def _missing(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, float) and value != value)


@register.filter
def num(value: Any, places: int = 2) -> str:
    return "—" if _missing(value) else _number(float(value), int(places))


@register.filter
def pct(value: Any, places: int = 0) -> str:
    """A share 0.255 -> 26% (or 25,5% with one place in Dutch)."""
    return "—" if _missing(value) else f"{_number(100 * float(value), int(places))}%"


@register.filter
def whole(value: Any) -> str:
    return "—" if _missing(value) else _number(int(value), 0)


@register.filter
def setting(value: Any) -> str:
    """An assumption's value: whole and grouped from 1000 up, else at most three decimals (trailing zeros cut)."""
    if _missing(value):
        return "—"
    number = float(value)
    if abs(number) >= 1000:
        return _number(number, 0)
    text = _number(number, 3)
    decimal = _number(0.5, 1)[1]  # the locale's decimal separator
    return text.rstrip("0").rstrip(decimal) if decimal in text else text


@register.filter
def quarter(value: Any) -> str:
    """An ISO date at the start of a quarter -> ``2025 Q2``."""
    text = str(value or "")
    if len(text) >= 7 and text[:4].isdigit() and text[5:7].isdigit():
        return f"{text[:4]} Q{(int(text[5:7]) - 1) // 3 + 1}"
    return text
