"""URLs of the people pages (namespace `people`)."""

from __future__ import annotations

from django.urls import path

from impactlab_web.organisations import views

app_name = "people"
ORG = "organisations/<int:organisation>/"

urlpatterns = [
    path(ORG + "people/", views.people_list, name="list"),
    path(ORG + "people/<int:person>/", views.person_edit, name="person"),
    path(ORG + "people/<int:person>/remove/", views.person_remove, name="remove"),
    path(ORG + "people/<int:person>/active/", views.person_active, name="active"),
    path(ORG + "people/<int:person>/two-factor-reset/", views.person_two_factor_reset, name="two_factor_reset"),
    path(ORG + "two-factor/", views.two_factor_rule, name="two_factor_rule"),
    path(ORG + "invitations/<int:invitation>/resend/", views.invitation_resend, name="resend"),
    path(ORG + "invitations/<int:invitation>/cancel/", views.invitation_cancel, name="cancel"),
    path(ORG + "audit/", views.audit_list, name="audit"),
    path(ORG + "audit.csv", views.audit_export, name="audit_export"),
    path("invitations/<str:invite_token>/", views.accept, name="accept"),
]
