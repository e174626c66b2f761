# The web package's app split (2026-12): models moved between apps keep their tables, so every operation here
# changes only Django's view of the models (which app owns which model, and which model a foreign key points
# at); the database already has exactly these tables, columns and constraints.
import uuid
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('impactlab_web', '0011_audit_account_email'),
        ('dashboards', '0003_simulation_key'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='DatasetRecord',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=64, verbose_name='dataset')),
                    ('snapshot_id', models.CharField(max_length=64, unique=True, verbose_name='snapshot')),
                    ('source_sha256', models.CharField(max_length=64, verbose_name='source hash')),
                    ('n', models.PositiveIntegerField(verbose_name='rows')),
                    ('origin', models.CharField(max_length=300, verbose_name='origin')),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                ],
                options={
                    'db_table': 'impactlab_web_datasetrecord',
                    'ordering': ['name', 'created_at'],
                },
            ),
            migrations.CreateModel(
                name='DataSharingAgreement',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('purpose', models.CharField(max_length=300, verbose_name='purpose')),
                    ('valid_until', models.DateField(verbose_name='valid until')),
                    ('withdrawn_at', models.DateTimeField(blank=True, null=True, verbose_name='withdrawn at')),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                ],
                options={
                    'db_table': 'impactlab_web_datasharingagreement',
                },
            ),
            migrations.CreateModel(
                name='Upload',
                fields=[
                    ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                    ('filename', models.CharField(max_length=200, verbose_name='file')),
                    ('format', models.CharField(max_length=8)),
                    ('size', models.PositiveBigIntegerField(default=0)),
                    ('path', models.CharField(blank=True, help_text='the raw file until it is imported', max_length=500)),
                    ('dataset', models.CharField(blank=True, max_length=64, verbose_name='dataset')),
                    ('mapping', models.JSONField(blank=True, default=dict)),
                    ('on_error', models.CharField(default='reject', max_length=12)),
                    ('state', models.CharField(choices=[('reading', 'reading the file'), ('mapping', 'waiting for the column mapping'), ('importing', 'importing'), ('imported', 'imported'), ('rejected', 'rejected'), ('failed', 'failed'), ('discarded', 'discarded'), ('expired', 'expired: not mapped within a day')], default='mapping', max_length=12)),
                    ('report', models.JSONField(blank=True, default=dict)),
                    ('preview', models.JSONField(blank=True, default=dict, help_text='columns and a few masked rows, read in a job')),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                ],
                options={
                    'db_table': 'dashboards_upload',
                    'ordering': ['-created_at'],
                },
            ),
        ]),
    ]
