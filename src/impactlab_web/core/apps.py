from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The installation's cross-cutting parts: audit trail, rate limits, admin site, commands, base templates.

    Its label stays ``impactlab_web``: the app's migrations (and the tables' names) date from when the web package
    was one app, and the domain apps' migrations depend on them."""

    name = "impactlab_web.core"
    label = "impactlab_web"
    verbose_name = "impactlab"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import post_migrate

        from impactlab_web.core.audit_triggers import after_migrate

        # the audit trail's append-only trigger, back after a migration that rebuilt its table (SQLite)
        post_migrate.connect(after_migrate, sender=self, dispatch_uid="impactlab_audit_triggers")
        from django.utils.translation import get_language

        from impactlab import limits

        # the input limits of the core (impactlab.limits) from the settings; limit messages in the user's language
        limits.configure(**getattr(settings, "IMPACTLAB_LIMITS", {}))
        limits.language = get_language
