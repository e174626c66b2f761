"""Number formatting for terminal tables."""

from __future__ import annotations

import math

SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$"}


def money(amount: float | None, currency: str = "EUR") -> str:
    """``€ 1,234`` (whole units; cents for amounts under 100)."""
    if amount is None or not math.isfinite(amount):
        return "n/a"
    symbol = SYMBOLS.get(currency, currency + " ")
    digits = 2 if abs(amount) < 100 and not float(amount).is_integer() else 0
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol} {abs(amount):,.{digits}f}"


def number(value: float | None) -> str:
    """A number with up to four significant decimals and thousands separators."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def percent(share: float | None, decimals: int = 1) -> str:
    """``0.255`` -> ``25.5%``."""
    return "n/a" if share is None or not math.isfinite(share) else f"{100 * share:.{decimals}f}%"
