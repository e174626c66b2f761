"""Before the rule "one agreement in force per dataset and partner" (issue 10): an expired agreement that was
never withdrawn is closed at the end of its last valid day; of several still in force for the same dataset and
partner, the one valid longest stays (the partner keeps access as long as before) and the others are withdrawn
now."""

import datetime as dt

from django.db import migrations
from django.utils import timezone


def close_duplicates(apps, schema_editor) -> None:
    Agreement = apps.get_model("impactlab_web", "DataSharingAgreement")
    now, today = timezone.now(), timezone.localdate()
    for agreement in Agreement.objects.filter(withdrawn_at__isnull=True, valid_until__lt=today):
        end = timezone.make_aware(dt.datetime.combine(agreement.valid_until + dt.timedelta(days=1), dt.time.min))
        Agreement.objects.filter(pk=agreement.pk).update(withdrawn_at=end)
    groups: dict[tuple[int, int], list] = {}
    for agreement in Agreement.objects.filter(withdrawn_at__isnull=True):
        groups.setdefault((agreement.dataset_id, agreement.partner_id), []).append(agreement)
    for agreements in groups.values():
        agreements.sort(key=lambda a: (a.valid_until, a.created_at, a.pk), reverse=True)
        Agreement.objects.filter(pk__in=[a.pk for a in agreements[1:]]).update(withdrawn_at=now)


class Migration(migrations.Migration):
    dependencies = [("impactlab_web", "0006_partnerships")]
    operations = [migrations.RunPython(close_duplicates, migrations.RunPython.noop)]
