# The web package's app split (2026-12): models moved between apps keep their tables, so every operation here
# changes only Django's view of the models (which app owns which model, and which model a foreign key points
# at); the database already has exactly these tables, columns and constraints.
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('data', '0001_initial'),
        ('programmes', '0001_initial'),
        ('review', '0005_publish_frozen_versions'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='comment',
                name='model_version',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='programmes.impactmodelversion'),
            ),
            migrations.AlterField(
                model_name='cycle',
                name='datasets',
                field=models.ManyToManyField(blank=True, related_name='cycles', to='data.datasetrecord', verbose_name='dataset snapshots'),
            ),
            migrations.AlterField(
                model_name='cycle',
                name='model_version',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='cycles', to='programmes.impactmodelversion', verbose_name='frozen model version'),
            ),
            migrations.AlterField(
                model_name='cycle',
                name='programme',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='cycles', to='programmes.programme'),
            ),
            migrations.AlterField(
                model_name='reportversion',
                name='model_version',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reports', to='programmes.impactmodelversion'),
            ),
        ]),
    ]
