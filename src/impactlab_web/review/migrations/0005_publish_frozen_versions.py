"""Versions saved before drafts existed: those a learning cycle froze, or whose report was shared (with the
reviewers' role or by a personal link), were already presented outside the editors as results, so they count
as published (at their save time, by nobody). Every other version is a draft until an editor publishes it."""

from django.db import migrations
from django.db.models import F, Q


def publish_frozen(apps, schema_editor) -> None:
    Version = apps.get_model("impactlab_web", "ImpactModelVersion")
    Cycle = apps.get_model("review", "Cycle")
    ReportVersion = apps.get_model("review", "ReportVersion")
    frozen = Cycle.objects.filter(model_version__isnull=False).values("model_version")
    shared = ReportVersion.objects.filter(shares__isnull=False).values("model_version")
    (Version.objects.filter(published_at__isnull=True).filter(Q(pk__in=frozen) | Q(pk__in=shared))
     .update(published_at=F("created_at")))


class Migration(migrations.Migration):
    dependencies = [
        ("review", "0004_unique_active_share"),
        ("impactlab_web", "0010_version_published"),
    ]

    operations = [migrations.RunPython(publish_frozen, migrations.RunPython.noop)]
