from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "impactlab_web.api"
    label = "api"
    verbose_name = "JSON API and personal access tokens"
    default_auto_field = "django.db.models.BigAutoField"
