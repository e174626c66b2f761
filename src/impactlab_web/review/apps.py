from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "impactlab_web.review"
    label = "review"
    verbose_name = "learning cycles, reports and review"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from impactlab_web.core.navigation import Tab, add_tab
        from impactlab_web.review import jobs  # noqa: F401  (registers the "report" job kind)

        add_tab(Tab("review:cycles", _("Learning cycles"), "cycles.view"))
        add_tab(Tab("review:reports", _("Reports"), "reports.view"))
