"""URLs of the programme dashboard."""

from __future__ import annotations

from django.urls import path

from impactlab_web.dashboards import views

app_name = "dashboards"
P = "programmes/<int:programme>/"

urlpatterns = [
    path(P + "dashboard/", views.index, name="index"),
    path(P + "dashboard/simulate/", views.simulate, name="simulate"),
    path(P + "dashboard/compute/", views.compute, name="compute"),
    path(P + "dashboard/progress/<uuid:job>/", views.progress, name="progress"),
    path(P + "dashboard/charts/<slug:chart>.json", views.chart, name="chart"),
]
