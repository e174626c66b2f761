"""An organisation's audit trail as its administrator reads it: which events, filtered how, as CSV.

An organisation's trail holds the events about its data and its people: events whose organisation it is (its
datasets and uploads, its programmes' responses, transcripts, quotes and reports, its people's accounts, its
own trail), events in programmes it leads, and events of its own people wherever they acted. Another
organisation's trail is never reachable (the views check ``audit.view`` in *this* organisation).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from impactlab.exports import SafeCsvWriter
from impactlab_web.core.models import AuditEvent
from impactlab_web.organisations.models import Membership, Organisation
from impactlab_web.programmes.models import Programme


def events(organisation: Organisation) -> QuerySet[AuditEvent]:
    """Every event of the organisation's trail, newest first."""
    people = Membership.objects.filter(organisation=organisation).values("user")
    led = Programme.objects.filter(lead=organisation).values("pk")
    return AuditEvent.objects.filter(Q(organisation=organisation) | Q(programme__in=led) | Q(user__in=people))


def usernames(organisation: Organisation) -> list[str]:
    """The people who appear in the trail (its people first, then others seen in it), for the person filter."""
    own = set(Membership.objects.filter(organisation=organisation).values_list("user__username", flat=True))
    seen = set(events(organisation).exclude(username="").values_list("username", flat=True).distinct()[:500])
    return sorted(own | seen, key=str.lower)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def filtered(found: QuerySet[AuditEvent], choices: dict[str, Any]) -> QuerySet[AuditEvent]:
    """Narrowed by person, action, object (type or id) and period (`since` and `until` both included)."""
    if choices.get("person"):
        found = found.filter(username=choices["person"])
    if choices.get("action"):
        found = found.filter(action=choices["action"])
    if choices.get("programme"):
        found = found.filter(programme_id=choices["programme"])
    if choices.get("object"):
        text = choices["object"].strip()
        found = found.filter(Q(object_id__startswith=text) | Q(object_type=text))
    if choices.get("since"):
        found = found.filter(at__gte=_day_start(choices["since"]))
    if choices.get("until"):
        found = found.filter(at__lt=_day_start(choices["until"] + dt.timedelta(days=1)))
    return found


def csv_lines(found: QuerySet[AuditEvent]) -> Iterator[str]:
    """The events as CSV lines (header first), every cell formula-safe (``impactlab.exports.safe_cell``).
    The header is translated now, in the request's language; the rows follow as the response streams."""
    header = [_("time (UTC)"), _("user"), _("organisation"), _("programme"), _("action"), _("object"),
              _("object id"), _("detail"), _("address")]
    return _lines(header, found)


def _lines(header: list[str], found: QuerySet[AuditEvent]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)

    def line(cells: list[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(cells)
        return buffer.getvalue()

    yield line(header)
    for event in found.iterator(chunk_size=2000):
        yield line([event.at.astimezone(dt.UTC).isoformat(timespec="seconds"), event.username,
                    event.organisation_name, event.programme_name, event.action, event.object_type,
                    event.object_id, event.detail, event.ip or ""])
