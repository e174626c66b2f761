"""URLs of data upload, data-sharing agreements and the dashboard (included once in impactlab_web/urls.py)."""

from __future__ import annotations

from django.urls import include, path

from impactlab_web.dashboards import views

P = "programmes/<int:programme>/"

upload_urls = ([
    path(P + "data/upload/", views.upload_new, name="upload_new"),
    path(P + "data/uploads/<uuid:upload>/", views.upload_detail, name="upload"),
    path(P + "data/uploads/<uuid:upload>/status/", views.upload_status, name="upload_status"),
    path(P + "data/uploads/<uuid:upload>/discard/", views.upload_discard, name="upload_discard"),
    path(P + "data/<int:dataset>/agreements/new/", views.agreement_new, name="agreement_new"),
    path(P + "data/agreements/<int:agreement>/withdraw/", views.agreement_withdraw, name="agreement_withdraw"),
    path(P + "dashboard/", views.index, name="index"),
    path(P + "dashboard/simulate/", views.simulate, name="simulate"),
    path(P + "dashboard/compute/", views.compute, name="compute"),
    path(P + "dashboard/progress/<uuid:job>/", views.progress, name="progress"),
    path(P + "dashboard/charts/<slug:chart>.json", views.chart, name="chart"),
], "dashboards")

urlpatterns = [path("", include(upload_urls))]
