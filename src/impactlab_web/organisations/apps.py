from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "impactlab_web.organisations"
    label = "organisations"
    verbose_name = "organisations and their people"
    default_auto_field = "django.db.models.BigAutoField"
