"""Fieldwork URLs: questionnaires (builder, waves, links, visit, export), the public questionnaire pages and
registrations of support (entry, own list, balance, feed the model)."""

from __future__ import annotations

from django.urls import path

from impactlab_web.fieldwork import public, registration_views, views

P = "programmes/<int:programme>/"
Q = P + "questionnaires/<int:questionnaire>/"
R = P + "registrations/"

app_name = "fieldwork"
urlpatterns = [
    path(P + "questionnaires/", views.questionnaires, name="questionnaires"),
    path(P + "questionnaires/new/", views.create, name="create"),
    path(P + "questionnaires/import/", views.import_xlsform, name="import_xlsform"),
    path(Q, views.detail, name="questionnaire"),
    path(Q + "questions/", views.add_question, name="add_question"),
    path(Q + "instruments/", views.add_instrument, name="add_instrument"),
    path(Q + "remove/", views.remove_item, name="remove_item"),
    path(Q + "document.yaml", views.export_yaml, name="export_yaml"),
    path(Q + "waves/", views.add_wave, name="add_wave"),
    path(Q + "waves/<int:wave>/links/", views.links, name="links"),
    path(Q + "waves/<int:wave>/revoke/", views.revoke_links, name="revoke_links"),
    path(Q + "waves/<int:wave>/close/", views.close_wave, name="close_wave"),
    path(Q + "waves/<int:wave>/visit/", views.start_visit, name="start_visit"),
    path(Q + "waves/<int:wave>/export/", views.export_wave, name="export_wave"),
    path(P + "visit/<str:wave_link>/", public.visit, name="visit"),
    path("r/<str:wave_link>/", public.respond, name="respond"),
    path(R, registration_views.registrations, name="registrations"),
    path(R + "<int:registration>/", registration_views.edit, name="edit_registration"),
    path(R + "<int:registration>/delete/", registration_views.delete, name="delete_registration"),
    path(R + "balance/", registration_views.balance, name="balance"),
    path(R + "feed/", registration_views.feed, name="feed"),
    path(R + "feed/<uuid:job>/", registration_views.proposal, name="proposal"),
]
