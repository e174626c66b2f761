from django.apps import AppConfig


class ImpactlabWebConfig(AppConfig):
    name = "impactlab_web"
    verbose_name = "impactlab"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings
        from django.utils.translation import get_language

        from impactlab import limits

        # the input limits of the core (impactlab.limits) from the settings; limit messages in the user's language
        limits.configure(**getattr(settings, "IMPACTLAB_LIMITS", {}))
        limits.language = get_language
