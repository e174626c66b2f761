# The web package's app split (2026-12): models moved between apps keep their tables, so every operation here
# changes only Django's view of the models (which app owns which model, and which model a foreign key points
# at); the database already has exactly these tables, columns and constraints.
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_emailchange'),
        ('organisations', '0002_membership_organisation_profile'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='twofactorrule',
                name='organisation',
                field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='two_factor_rule', to='organisations.organisation'),
            ),
        ]),
    ]
