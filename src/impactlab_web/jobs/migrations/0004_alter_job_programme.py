# The web package's app split (2026-12): models moved between apps keep their tables, so every operation here
# changes only Django's view of the models (which app owns which model, and which model a foreign key points
# at); the database already has exactly these tables, columns and constraints.
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('jobs', '0003_forget_checked_model_texts'),
        ('programmes', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='job',
                name='programme',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='jobs', to='programmes.programme'),
            ),
        ]),
    ]
