from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("fieldwork", "0004_questionnaire_slug")]
    operations = [
        migrations.AddConstraint(model_name="questionnaire", constraint=models.UniqueConstraint(
            fields=("programme", "slug"), name="unique_questionnaire_id")),
    ]
