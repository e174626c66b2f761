from django.apps import AppConfig


class ImpactlabWebConfig(AppConfig):
    name = "impactlab_web"
    verbose_name = "impactlab"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import post_migrate

        from impactlab_web.audit_triggers import after_migrate

        # the audit trail's append-only trigger, back after a migration that rebuilt its table (SQLite)
        post_migrate.connect(after_migrate, sender=self, dispatch_uid="impactlab_audit_triggers")
        from django.utils.translation import get_language

        from impactlab import limits

        # the input limits of the core (impactlab.limits) from the settings; limit messages in the user's language
        limits.configure(**getattr(settings, "IMPACTLAB_LIMITS", {}))
        limits.language = get_language
