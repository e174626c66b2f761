"""Finished model checks no longer keep the submitted model text in their row (issue 10): clear it from the
checks that ended before this rule."""

from django.db import migrations

TERMINAL = ("done", "failed", "cancelled")


def forget_texts(apps, schema_editor) -> None:
    Job = apps.get_model("jobs", "Job")
    for job in Job.objects.filter(kind="model.check", status__in=TERMINAL).only("pk", "params").iterator():
        if "text" in (job.params or {}):
            params = {key: value for key, value in job.params.items() if key != "text"}
            Job.objects.filter(pk=job.pk).update(params=params)


class Migration(migrations.Migration):
    dependencies = [("jobs", "0002_job_attempts_job_cancel_requested_job_heartbeat_and_more")]
    operations = [migrations.RunPython(forget_texts, migrations.RunPython.noop)]
