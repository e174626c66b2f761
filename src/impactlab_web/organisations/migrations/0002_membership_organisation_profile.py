# The web package's app split (2026-12): models moved between apps keep their tables, so every operation here
# changes only Django's view of the models (which app owns which model, and which model a foreign key points
# at); the database already has exactly these tables, columns and constraints.
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('organisations', '0001_invitations'),
        ('impactlab_web', '0011_audit_account_email'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='Membership',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('role', models.CharField(choices=[('administrator', 'Administrator'), ('researcher', 'Researcher'), ('professional', 'Professional'), ('reviewer', 'Stakeholder reviewer'), ('viewer', 'Viewer')], max_length=20, verbose_name='role')),
                ],
                options={
                    'db_table': 'impactlab_web_membership',
                },
            ),
            migrations.CreateModel(
                name='Organisation',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=200, unique=True, verbose_name='name')),
                    ('kind', models.CharField(choices=[('welfare', 'Welfare organisation'), ('municipality', 'Municipality'), ('university', 'University'), ('other', 'Other')], default='other', max_length=20, verbose_name='kind')),
                ],
                options={
                    'db_table': 'impactlab_web_organisation',
                    'ordering': ['name'],
                },
            ),
            migrations.CreateModel(
                name='Profile',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('language', models.CharField(choices=[('en', 'English'), ('nl', 'Nederlands')], default='en', max_length=8, verbose_name='language')),
                ],
                options={
                    'db_table': 'impactlab_web_profile',
                },
            ),
        ]),
    ]
