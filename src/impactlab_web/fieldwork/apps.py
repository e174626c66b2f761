from django.apps import AppConfig


class FieldworkConfig(AppConfig):
    name = "impactlab_web.fieldwork"
    label = "fieldwork"
    verbose_name = "fieldwork"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from impactlab_web.core.navigation import Tab, add_tab
        from impactlab_web.fieldwork import jobs  # noqa: F401  (registers the job kinds)

        add_tab(Tab("fieldwork:questionnaires", _("Questionnaires"), "questionnaire.view"))
        add_tab(Tab("fieldwork:registrations", _("Registrations"), "registrations.record"))
        add_tab(Tab("fieldwork:balance", _("Support balance"), "registrations.balance"))
