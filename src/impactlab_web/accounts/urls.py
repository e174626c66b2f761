"""URLs of the account pages (namespace `accounts`)."""

from __future__ import annotations

from django.urls import path

from impactlab_web.accounts import oidc, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("sso/", oidc.start, name="oidc_start"),  # single sign-on (OpenID Connect): 404 unless configured
    path("sso/callback/", oidc.callback, name="oidc_callback"),
    path("language/", views.set_language, name="language"),
    path("profile/", views.profile, name="profile"),
    path("email/resend/", views.email_resend, name="email_resend"),
    path("email/cancel/", views.email_cancel, name="email_cancel"),
    path("email/confirm/<str:email_token>/", views.email_confirm, name="email_confirm"),
    path("password/", views.password_change, name="password_change"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/sent/", views.password_reset_done, name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("password/reset/done/", views.password_reset_complete, name="password_reset_complete"),
    path("two-factor/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/verify/", views.verify, name="verify"),
    path("two-factor/disable/", views.two_factor_disable, name="two_factor_disable"),
    path("sessions/", views.session_list, name="sessions"),
    path("sessions/end/", views.session_end, name="session_end"),
]
