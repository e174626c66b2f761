# The web package's app split (2026-12): models moved between apps keep their tables, so every operation here
# changes only Django's view of the models (which app owns which model, and which model a foreign key points
# at); the database already has exactly these tables, columns and constraints.
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('dashboards', '0004_remove_upload_job_remove_upload_owner_and_more'),
        ('programmes', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='simulation',
                name='version',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='dashboard_simulations', to='programmes.impactmodelversion'),
            ),
            migrations.DeleteModel(
                name='Upload',
            ),
        ]),
    ]
