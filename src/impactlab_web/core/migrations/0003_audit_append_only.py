"""The audit trail becomes append-only and readable per organisation (issue 10): who (user name kept as text),
which organisation and programme (keys plus names as text), named actions; earlier events get the new names and
lose details that could name a client (file names, transcript labels, reviewers' names, purposes); then the
database trigger that refuses UPDATE and DELETE (impactlab_web.audit_triggers)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from impactlab_web.core import audit_triggers

# (object type, old action) -> (new action, new object type, keep the detail?)
RENAMED = {
    ("dataset", "view"): ("dataset.view", "dataset", True),
    ("dataset", "share"): ("dataset.share", "dataset", False),
    ("dataset", "withdraw"): ("dataset.withdraw", "dataset", False),
    ("upload", "view"): ("data.preview", "upload", False),
    ("qualitative_document", "view"): ("transcript.view", "transcript", False),
    ("qualitative_project", "export"): ("qualitative.export", "programme", True),
    ("report", "export"): ("report.download", "report", False),
}


def forwards(apps, schema_editor):
    AuditEvent = apps.get_model("impactlab_web", "AuditEvent")
    DatasetRecord = apps.get_model("impactlab_web", "DatasetRecord")
    Organisation = apps.get_model("impactlab_web", "Organisation")
    for event in AuditEvent.objects.select_related("user").iterator():
        event.username = event.user.username if event.user_id else ""
        renamed = RENAMED.get((event.object_type, event.action))
        if renamed is not None:
            event.action, event.object_type, keep = renamed
            event.detail = event.detail if keep else ""
        if event.object_type == "dataset":
            record = DatasetRecord.objects.filter(snapshot_id=event.object_id).select_related(
                "programme", "owner").first()
            if record is not None:
                event.programme, event.programme_name = record.programme, record.programme.name
                event.organisation, event.organisation_name = record.owner, record.owner.name
        elif event.object_type == "organisation" and event.object_id.isdigit():
            organisation = Organisation.objects.filter(pk=int(event.object_id)).first()
            if organisation is not None:
                event.organisation, event.organisation_name = organisation, organisation.name
        event.save()


def triggers(apps, schema_editor):
    audit_triggers.install(schema_editor.connection, apps.get_model("impactlab_web", "AuditEvent"))


def no_triggers(apps, schema_editor):
    audit_triggers.uninstall(schema_editor.connection, apps.get_model("impactlab_web", "AuditEvent"))


class Migration(migrations.Migration):

    dependencies = [
        ('impactlab_web', '0002_remove_login_throttle'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='auditevent',
            options={'ordering': ['-at', '-id']},
        ),
        migrations.AddField(
            model_name='auditevent',
            name='organisation',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='impactlab_web.organisation'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='organisation_name',
            field=models.CharField(blank=True, max_length=200, verbose_name='organisation'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='programme',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='impactlab_web.programme'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='programme_name',
            field=models.CharField(blank=True, max_length=200, verbose_name='programme'),
        ),
        migrations.AddField(
            model_name='auditevent',
            name='username',
            field=models.CharField(blank=True, max_length=150, verbose_name='user'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(choices=[('data.upload', 'data file uploaded'), ('data.preview', 'uploaded data previewed'), ('data.import', 'data import started'), ('dataset.view', 'dataset viewed'), ('dataset.share', 'dataset shared'), ('dataset.withdraw', 'data-sharing agreement withdrawn'), ('responses.export', 'questionnaire responses exported'), ('links.export', 'personal link list downloaded'), ('links.revoke', 'wave links revoked'), ('wave.close', 'wave closed'), ('wave.reopen', 'wave opened again'), ('registrations.feed', 'registrations exported to the model'), ('transcript.upload', 'transcript uploaded'), ('transcript.view', 'transcript viewed'), ('quotes.view', 'quotes viewed'), ('qualitative.export', 'qualitative project exported'), ('report.view', 'report with respondent data viewed'), ('report.download', 'report with respondent data downloaded'), ('audit.view', 'audit trail viewed'), ('audit.export', 'audit trail exported'), ('people.invite', 'person invited'), ('people.invite_resend', 'invitation sent again'), ('people.invite_cancel', 'invitation cancelled'), ('people.invite_accept', 'invitation accepted'), ('people.roles', 'roles changed'), ('people.remove', 'person removed'), ('people.activate', 'account activated'), ('people.deactivate', 'account deactivated'), ('people.2fa_rule', 'two-factor rule changed'), ('people.2fa_reset', 'second factor reset')], max_length=40, verbose_name='action'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='at',
            field=models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='time'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='detail',
            field=models.CharField(blank=True, max_length=300, verbose_name='detail'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='ip',
            field=models.GenericIPAddressField(blank=True, null=True, verbose_name='address'),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='object_type',
            field=models.CharField(max_length=50, verbose_name='object'),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['organisation', '-at'], name='audit_organisation_at'),
        ),
        migrations.AddIndex(
            model_name='auditevent',
            index=models.Index(fields=['programme', '-at'], name='audit_programme_at'),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.RunPython(triggers, no_triggers),
    ]
