"""Before the rule "one active share per report version and reviewer" (issue 10): an expired share that was never
withdrawn is closed at the moment it expired; of several still active for the same report version, kind and
reviewer (name in any case), the one valid longest stays (its reviewer keeps access as long as before) and the
others are withdrawn now."""

import datetime as dt

from django.db import migrations
from django.utils import timezone

FOREVER = dt.datetime.max.replace(tzinfo=dt.UTC)


def close_duplicates(apps, schema_editor) -> None:
    Share = apps.get_model("review", "Share")
    now = timezone.now()
    for share in Share.objects.filter(revoked_at__isnull=True, expires_at__lte=now):
        Share.objects.filter(pk=share.pk).update(revoked_at=share.expires_at)
    groups: dict[tuple[int, str, str], list] = {}
    for share in Share.objects.filter(revoked_at__isnull=True):
        groups.setdefault((share.report_id, share.kind, share.name.lower()), []).append(share)
    for shares in groups.values():
        shares.sort(key=lambda s: (s.expires_at or FOREVER, s.created_at, s.pk), reverse=True)
        Share.objects.filter(pk__in=[s.pk for s in shares[1:]]).update(revoked_at=now)


class Migration(migrations.Migration):
    dependencies = [("review", "0002_tombstone")]
    operations = [migrations.RunPython(close_duplicates, migrations.RunPython.noop)]
