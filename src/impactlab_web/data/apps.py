from django.apps import AppConfig


class DataConfig(AppConfig):
    """Data: uploads on their way to a snapshot, datasets, data-sharing agreements, erasure."""

    name = "impactlab_web.data"
    label = "data"
    verbose_name = "data"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from impactlab_web.data import jobs  # noqa: F401  (registers the job kinds)
