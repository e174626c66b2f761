# The web package's app split (2026-12): models moved between apps keep their tables, so every operation here
# changes only Django's view of the models (which app owns which model, and which model a foreign key points
# at); the database already has exactly these tables, columns and constraints.
import django.db.models.deletion
from django.db import migrations, models


MOVED = {"organisation": "organisations", "profile": "organisations", "membership": "organisations",
         "programme": "programmes", "impactmodelversion": "programmes", "partnership": "programmes",
         "datasetrecord": "data", "datasharingagreement": "data"}


def content_types_follow(apps, schema_editor):
    """The moved models' content types (and so their permissions and admin log entries) follow them to their app."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    moves = [("impactlab_web", model, app) for model, app in MOVED.items()] + [("dashboards", "upload", "data")]
    for old_app, model, new_app in moves:
        if ContentType.objects.filter(app_label=new_app, model=model).exists():
            ContentType.objects.filter(app_label=old_app, model=model).delete()
        else:
            ContentType.objects.filter(app_label=old_app, model=model).update(app_label=new_app)


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('data', '0002_initial'),
        ('accounts', '0003_alter_twofactorrule_organisation'),
        ('dashboards', '0005_alter_simulation_version_delete_upload'),
        ('fieldwork', '0006_alter_questionnaire_programme_and_more'),
        ('impactlab_web', '0013_models_move_to_their_apps'),
        ('jobs', '0004_alter_job_programme'),
        ('organisations', '0003_membership_programme_membership_user_and_more'),
        ('programmes', '0001_initial'),
        ('qualitative', '0002_alter_code_programme_alter_document_programme_and_more'),
        ('review', '0006_alter_comment_model_version_alter_cycle_datasets_and_more'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.AlterField(
                model_name='auditevent',
                name='organisation',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='organisations.organisation'),
            ),
            migrations.RemoveField(
                model_name='partnership',
                name='answered_by',
            ),
            migrations.RemoveField(
                model_name='partnership',
                name='ended_by',
            ),
            migrations.RemoveField(
                model_name='partnership',
                name='invited_by',
            ),
            migrations.RemoveField(
                model_name='partnership',
                name='programme',
            ),
            migrations.RemoveField(
                model_name='profile',
                name='user',
            ),
            migrations.RemoveField(
                model_name='programme',
                name='archived_by',
            ),
            migrations.RemoveField(
                model_name='programme',
                name='created_by',
            ),
            migrations.AlterField(
                model_name='auditevent',
                name='programme',
                field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='programmes.programme'),
            ),
            migrations.DeleteModel(
                name='DatasetRecord',
            ),
            migrations.DeleteModel(
                name='DataSharingAgreement',
            ),
            migrations.DeleteModel(
                name='ImpactModelVersion',
            ),
            migrations.DeleteModel(
                name='Membership',
            ),
            migrations.DeleteModel(
                name='Organisation',
            ),
            migrations.DeleteModel(
                name='Partnership',
            ),
            migrations.DeleteModel(
                name='Profile',
            ),
            migrations.DeleteModel(
                name='Programme',
            ),
        ]),
        migrations.RunPython(content_types_follow, migrations.RunPython.noop),
    ]
