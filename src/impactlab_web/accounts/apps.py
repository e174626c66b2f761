from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "impactlab_web.accounts"
    label = "accounts"
    verbose_name = "accounts, sessions and two-factor authentication"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth import user_logged_in

        from impactlab_web.accounts import sessions, twofactor

        sessions.connect()
        user_logged_in.connect(twofactor.forget_provider_mfa, dispatch_uid="impactlab-forget-provider-mfa")
