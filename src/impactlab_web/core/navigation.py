"""The programme sub-navigation: an extension point. Another part of the app adds a tab with `add_tab`."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Tab:
    url_name: str  # reversed with the programme id as `programme`
    label: str | Promise
    action: str  # a permissions.ACTIONS key; the tab shows only when allowed


PROGRAMME_TABS: list[Tab] = [
    Tab("programmes:detail", _("Overview"), "programme.view"),
    Tab("editor:edit", _("Impact model"), "model.view"),
    Tab("programmes:theory_of_change", _("Theory of change"), "model.view"),
    Tab("editor:versions", _("Versions"), "model.view"),
    Tab("data:list", _("Data"), "datasets.list"),
    Tab("partners:list", _("Partners"), "programme.partners"),
    Tab("programmes:settings", _("Settings"), "programme.settings"),
]


def add_tab(tab: Tab, after: str | None = None) -> None:
    """Register a programme tab (e.g. dashboards), after the tab with url name `after` or at the end."""
    if any(t.url_name == tab.url_name for t in PROGRAMME_TABS):
        return
    names = [t.url_name for t in PROGRAMME_TABS]
    PROGRAMME_TABS.insert(names.index(after) + 1 if after in names else len(PROGRAMME_TABS), tab)
