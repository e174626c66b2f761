from django.apps import AppConfig


class ProgrammesConfig(AppConfig):
    """Programmes, their partners (with consent), the impact model's versions and the theory of change."""

    name = "impactlab_web.programmes"
    label = "programmes"
    verbose_name = "programmes"
    default_auto_field = "django.db.models.BigAutoField"
