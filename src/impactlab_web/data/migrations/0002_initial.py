# The web package's app split (2026-12): models moved between apps keep their tables, so every operation here
# changes only Django's view of the models (which app owns which model, and which model a foreign key points
# at); the database already has exactly these tables, columns and constraints.
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('data', '0001_initial'),
        ('jobs', '0004_alter_job_programme'),
        ('organisations', '0003_membership_programme_membership_user_and_more'),
        ('programmes', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AddField(
                model_name='datasetrecord',
                name='owner',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='datasets', to='organisations.organisation'),
            ),
            migrations.AddField(
                model_name='datasetrecord',
                name='programme',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='datasets', to='programmes.programme'),
            ),
            migrations.AddField(
                model_name='datasharingagreement',
                name='created_by',
                field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
            ),
            migrations.AddField(
                model_name='datasharingagreement',
                name='dataset',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='agreements', to='data.datasetrecord'),
            ),
            migrations.AddField(
                model_name='datasharingagreement',
                name='partner',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='received_agreements', to='organisations.organisation'),
            ),
            migrations.AddField(
                model_name='upload',
                name='job',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='jobs.job'),
            ),
            migrations.AddField(
                model_name='upload',
                name='owner',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='uploads', to='organisations.organisation'),
            ),
            migrations.AddField(
                model_name='upload',
                name='programme',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='uploads', to='programmes.programme'),
            ),
            migrations.AddField(
                model_name='upload',
                name='record',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='data.datasetrecord'),
            ),
            migrations.AddField(
                model_name='upload',
                name='uploaded_by',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL),
            ),
            migrations.AddConstraint(
                model_name='datasharingagreement',
                constraint=models.UniqueConstraint(condition=models.Q(('withdrawn_at__isnull', True)), fields=('dataset', 'partner'), name='unique_active_agreement'),
            ),
        ]),
    ]
