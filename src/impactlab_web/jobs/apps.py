from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "impactlab_web.jobs"
    label = "jobs"
    verbose_name = "background jobs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from impactlab_web.jobs import kinds  # noqa: F401  (registers the job kinds)
