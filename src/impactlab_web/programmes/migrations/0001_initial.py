# The web package's app split (2026-12): models moved between apps keep their tables, so every operation here
# changes only Django's view of the models (which app owns which model, and which model a foreign key points
# at); the database already has exactly these tables, columns and constraints.
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('organisations', '0002_membership_organisation_profile'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='Programme',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=200, verbose_name='name')),
                    ('description', models.TextField(blank=True, verbose_name='description')),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('archived_at', models.DateTimeField(blank=True, null=True, verbose_name='archived at')),
                    ('archived_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('lead', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='led_programmes', to='organisations.organisation', verbose_name='lead organisation')),
                ],
                options={
                    'db_table': 'impactlab_web_programme',
                    'ordering': ['name'],
                },
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
                    ('organisation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='partnerships', to='organisations.organisation', verbose_name='organisation')),
                    ('programme', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='partnerships', to='programmes.programme')),
                ],
                options={
                    'db_table': 'impactlab_web_partnership',
                    'ordering': ['-invited_at', '-pk'],
                    'constraints': [models.UniqueConstraint(condition=models.Q(('state', 'accepted')), fields=('programme', 'organisation'), name='one_accepted_partnership')],
                },
            ),
            migrations.CreateModel(
                name='ImpactModelVersion',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('number', models.PositiveIntegerField()),
                    ('text', models.TextField()),
                    ('document', models.JSONField(help_text='the validated model as a JSON document')),
                    ('figures', models.JSONField(default=dict, help_text='key figures of the valuation at save time')),
                    ('message', models.CharField(blank=True, max_length=300, verbose_name='message')),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('published_at', models.DateTimeField(blank=True, null=True, verbose_name='published at')),
                    ('author', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('published_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='published by')),
                    ('programme', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='versions', to='programmes.programme')),
                ],
                options={
                    'db_table': 'impactlab_web_impactmodelversion',
                    'ordering': ['-number'],
                    'constraints': [models.UniqueConstraint(fields=('programme', 'number'), name='unique_version_number')],
                },
            ),
        ]),
    ]
