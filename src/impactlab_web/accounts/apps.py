from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "impactlab_web.accounts"
    label = "accounts"
    verbose_name = "accounts, sessions and two-factor authentication"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from impactlab_web.accounts import sessions

        sessions.connect()
