# The web package's app split (2026-12): models moved between apps keep their tables, so every operation here
# changes only Django's view of the models (which app owns which model, and which model a foreign key points
# at); the database already has exactly these tables, columns and constraints.
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('impactlab_web', '0012_audit_api_tokens'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.RemoveField(
                model_name='datasetrecord',
                name='owner',
            ),
            migrations.RemoveField(
                model_name='datasetrecord',
                name='programme',
            ),
            migrations.RemoveField(
                model_name='datasharingagreement',
                name='dataset',
            ),
            migrations.RemoveField(
                model_name='datasharingagreement',
                name='created_by',
            ),
            migrations.RemoveField(
                model_name='datasharingagreement',
                name='partner',
            ),
            migrations.RemoveField(
                model_name='impactmodelversion',
                name='author',
            ),
            migrations.RemoveField(
                model_name='impactmodelversion',
                name='programme',
            ),
            migrations.RemoveField(
                model_name='impactmodelversion',
                name='published_by',
            ),
            migrations.RemoveField(
                model_name='membership',
                name='organisation',
            ),
            migrations.RemoveField(
                model_name='membership',
                name='programme',
            ),
            migrations.RemoveField(
                model_name='membership',
                name='user',
            ),
            migrations.RemoveField(
                model_name='programme',
                name='lead',
            ),
            migrations.RemoveField(
                model_name='partnership',
                name='organisation',
            ),
        ]),
    ]
