"""Template helpers: locale-aware money and ratios, permission checks and the programme tabs."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import template
from django.urls import reverse
from django.utils import formats, translation

from impactlab_web.core import permissions
from impactlab_web.core.navigation import PROGRAMME_TABS

register = template.Library()

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def _number(value: Any, places: int) -> str:
    """Rounded half-up (Django's number_format would cut the digits off), grouped per locale."""
    rounded = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return formats.number_format(rounded, places, use_l10n=True, force_grouping=True)


@register.filter
def money(value: Any, currency: str = "EUR") -> str:
    """`1234.56` -> `€ 1.234,56` (nl) or `€1,234.56` (en); empty values give a dash."""
    if value is None or value == "":
        return "—"
    symbol = SYMBOLS.get(currency, currency + " ")
    amount = _number(abs(float(value)), 2)
    sign = "-" if float(value) < 0 else ""
    if (translation.get_language() or "en").startswith("nl"):
        return f"{symbol.strip()} {sign}{amount}"
    return f"{sign}{symbol}{amount}"


@register.filter
def ratio(value: Any) -> str:
    """An SROI ratio with two decimals in the locale's format (`3,45` in Dutch)."""
    return "—" if value is None else _number(float(value), 2)


@register.simple_tag(takes_context=True)
def allowed(context: template.Context, action: str, obj: Any = None) -> bool:
    return permissions.can(context["request"].user, action, obj)


@register.inclusion_tag("impactlab_web/_programme_tabs.html", takes_context=True)
def programme_tabs(context: template.Context, programme: Any) -> dict[str, Any]:
    request = context["request"]
    current = request.resolver_match.view_name if request.resolver_match else ""
    tabs = [
        {"url": reverse(t.url_name, kwargs={"programme": programme.pk}), "label": t.label,
         "current": t.url_name == current}
        for t in PROGRAMME_TABS
        if permissions.can(request.user, t.action, programme)
    ]
    return {"tabs": tabs}
