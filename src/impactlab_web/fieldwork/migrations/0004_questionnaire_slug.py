"""A questionnaire's id gets a column of its own, unique per programme (issue 10). Questionnaires that share an
id within a programme keep it on the oldest; each later one is renamed ``<id>-2``, ``<id>-3``... (its document
too), so no answers are lost and each stays findable."""

from django.db import migrations, models

LENGTH = 100


def fill_slugs(apps, schema_editor) -> None:
    Questionnaire = apps.get_model("fieldwork", "Questionnaire")
    taken: set[tuple[int, str]] = set()
    rows = list(Questionnaire.objects.order_by("programme_id", "created_at", "pk"))
    wanted = {(q.programme_id, str(q.document.get("id", ""))[:LENGTH]) for q in rows}
    for questionnaire in rows:
        slug = str(questionnaire.document.get("id", ""))[:LENGTH]
        new, number = slug, 1
        while (questionnaire.programme_id, new) in taken or (new != slug and (questionnaire.programme_id, new) in wanted):
            number += 1
            new = f"{slug[:LENGTH - 1 - len(str(number))]}-{number}"
        taken.add((questionnaire.programme_id, new))
        document = questionnaire.document if new == slug else {**questionnaire.document, "id": new}
        Questionnaire.objects.filter(pk=questionnaire.pk).update(slug=new, document=document)


class Migration(migrations.Migration):
    dependencies = [("fieldwork", "0003_revoked_links")]
    operations = [
        migrations.AddField(model_name="questionnaire", name="slug",
                            field=models.CharField(default="", editable=False, max_length=100), preserve_default=False),
        migrations.RunPython(fill_slugs, migrations.RunPython.noop),
    ]
