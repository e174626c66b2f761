from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "impactlab_web.dashboards"
    label = "dashboards"
    verbose_name = "dashboards"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from impactlab_web.core.navigation import Tab, add_tab
        from impactlab_web.dashboards import jobs  # noqa: F401  (registers the job kinds)

        add_tab(Tab("dashboards:index", _("Dashboard"), "results.view"), after="editor:versions")
