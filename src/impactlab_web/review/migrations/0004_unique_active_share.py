import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("review", "0003_close_duplicate_shares")]
    operations = [
        migrations.AddConstraint(model_name="share", constraint=models.UniqueConstraint(
            models.F("report"), models.F("kind"), django.db.models.functions.text.Lower("name"),
            condition=models.Q(("revoked_at__isnull", True)), name="unique_active_share")),
    ]
