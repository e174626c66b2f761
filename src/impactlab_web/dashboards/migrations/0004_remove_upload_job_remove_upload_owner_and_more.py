# The web package's app split (2026-12): models moved between apps keep their tables, so every operation here
# changes only Django's view of the models (which app owns which model, and which model a foreign key points
# at); the database already has exactly these tables, columns and constraints.
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('dashboards', '0003_simulation_key'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.RemoveField(
                model_name='upload',
                name='job',
            ),
            migrations.RemoveField(
                model_name='upload',
                name='owner',
            ),
            migrations.RemoveField(
                model_name='upload',
                name='programme',
            ),
            migrations.RemoveField(
                model_name='upload',
                name='record',
            ),
            migrations.RemoveField(
                model_name='upload',
                name='uploaded_by',
            ),
        ]),
    ]
