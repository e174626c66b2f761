from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualitativeConfig(AppConfig):
    name = "impactlab_web.qualitative"
    label = "qualitative"
    verbose_name = "qualitative coding"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from impactlab_web.core.navigation import Tab, add_tab
        from impactlab_web.qualitative import jobs  # noqa: F401  (registers the extraction job)

        add_tab(Tab("qualitative:index", _("Interviews"), "qualitative.analyse"))
