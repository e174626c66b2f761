"""Simulations are kept per key (model text, evidence snapshots and instruments, engine, draws, seed), not per
version: earlier results, computed without the programme's evidence, are dropped and run again on the next view
(``manage.py recompute`` does the same for cached figures)."""

import django.db.models.deletion
from django.db import migrations, models


def drop_simulations(apps, schema_editor):
    apps.get_model("dashboards", "Simulation").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("dashboards", "0002_upload_preview_alter_upload_state"),
        ("impactlab_web", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(drop_simulations, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="simulation",
            name="version",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="dashboard_simulations",
                                    to="impactlab_web.impactmodelversion"),
        ),
        migrations.AddField(
            model_name="simulation",
            name="key",
            field=models.CharField(default="", max_length=64, unique=True),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="simulation",
            name="snapshots",
            field=models.JSONField(blank=True, default=list),
        ),
    ]
