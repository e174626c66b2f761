"""Partnerships with consent (issue 11): every existing partner row becomes an accepted partnership, so
installations keep their partners; then the plain many-to-many goes. Programmes can be archived."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def accept_existing_partners(apps, schema_editor) -> None:
    """Each (programme, partner) row, not the lead itself, as an accepted partnership dated now."""
    Programme = apps.get_model("impactlab_web", "Programme")
    Partnership = apps.get_model("impactlab_web", "Partnership")
    now = django.utils.timezone.now()
    rows = Programme.partners.through.objects.values_list("programme_id", "organisation_id", "programme__lead_id")
    Partnership.objects.bulk_create([
        Partnership(programme_id=programme, organisation_id=organisation, state="accepted", invited_at=now,
                    expires=now, answered_at=now)
        for programme, organisation, lead in rows if organisation != lead])


def partners_back(apps, schema_editor) -> None:
    """Backwards: the accepted partnerships become plain partner rows again."""
    Programme = apps.get_model("impactlab_web", "Programme")
    Partnership = apps.get_model("impactlab_web", "Partnership")
    through = Programme.partners.through
    through.objects.bulk_create([
        through(programme_id=p, organisation_id=o) for p, o in
        Partnership.objects.filter(state="accepted", organisation__isnull=False)
        .values_list("programme_id", "organisation_id")])


class Migration(migrations.Migration):

    dependencies = [
        ('impactlab_web', '0005_audit_data_removal'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(choices=[('data.upload', 'data file uploaded'), ('data.preview', 'uploaded data previewed'), ('data.import', 'data import started'), ('dataset.view', 'dataset viewed'), ('dataset.share', 'dataset shared'), ('dataset.withdraw', 'data-sharing agreement withdrawn'), ('dataset.delete', 'dataset snapshot deleted'), ('respondent.erase', 'respondent erased from the data (right to erasure)'), ('responses.export', 'questionnaire responses exported'), ('links.export', 'personal link list downloaded'), ('links.revoke', 'wave links revoked'), ('wave.close', 'wave closed'), ('wave.reopen', 'wave opened again'), ('registrations.feed', 'registrations exported to the model'), ('transcript.upload', 'transcript uploaded'), ('transcript.view', 'transcript viewed'), ('quotes.view', 'quotes viewed'), ('qualitative.export', 'qualitative project exported'), ('report.view', 'report with respondent data viewed'), ('report.download', 'report with respondent data downloaded'), ('audit.view', 'audit trail viewed'), ('audit.export', 'audit trail exported'), ('people.invite', 'person invited'), ('people.invite_resend', 'invitation sent again'), ('people.invite_cancel', 'invitation cancelled'), ('people.invite_accept', 'invitation accepted'), ('people.roles', 'roles changed'), ('people.remove', 'person removed'), ('people.activate', 'account activated'), ('people.deactivate', 'account deactivated'), ('people.2fa_rule', 'two-factor rule changed'), ('people.2fa_reset', 'second factor reset'), ('partner.invite', 'partner organisation invited'), ('partner.accept', 'partnership accepted'), ('partner.decline', 'partnership declined'), ('partner.end', 'partnership ended'), ('partner.leave', 'programme left by a partner'), ('programme.change', 'programme renamed or described'), ('programme.archive', 'programme archived'), ('programme.unarchive', 'programme taken out of the archive'), ('programme.delete', 'programme deleted')], max_length=40, verbose_name='action'),
        ),
        migrations.AddField(
            model_name='programme',
            name='archived_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='archived at'),
        ),
        migrations.AddField(
            model_name='programme',
            name='archived_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.CreateModel(
            name='Partnership',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('state', models.CharField(choices=[('invited', 'invited'), ('accepted', 'accepted'), ('declined', 'declined'), ('ended', 'ended')], default='invited', max_length=10, verbose_name='state')),
                ('email', models.EmailField(blank=True, max_length=254, verbose_name="administrator's e-mail address")),
                ('code_sha256', models.CharField(blank=True, max_length=64, null=True, unique=True)),
                ('invited_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('expires', models.DateTimeField()),
                ('answered_at', models.DateTimeField(blank=True, null=True)),
                ('ended_at', models.DateTimeField(blank=True, null=True)),
                ('answered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('ended_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('invited_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('organisation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='partnerships', to='impactlab_web.organisation', verbose_name='organisation')),
                ('programme', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='partnerships', to='impactlab_web.programme')),
            ],
            options={
                'ordering': ['-invited_at', '-pk'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('state', 'accepted')), fields=('programme', 'organisation'), name='one_accepted_partnership')],
            },
        ),
        migrations.RunPython(accept_existing_partners, partners_back),
        migrations.RemoveField(
            model_name='programme',
            name='partners',
        ),
    ]
