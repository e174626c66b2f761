from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("impactlab_web", "0007_close_duplicate_agreements")]
    operations = [
        migrations.AddConstraint(model_name="datasharingagreement", constraint=models.UniqueConstraint(
            condition=models.Q(("withdrawn_at__isnull", True)), fields=("dataset", "partner"),
            name="unique_active_agreement")),
    ]
