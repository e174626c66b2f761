from django.apps import AppConfig


class ImpactlabWebConfig(AppConfig):
    name = "impactlab_web"
    verbose_name = "impactlab"
    default_auto_field = "django.db.models.BigAutoField"
