"""URLs of the installation itself: the load balancer's health check and the superusers' admin site."""

from __future__ import annotations

from django.urls import path

from impactlab_web.core import admin, health

urlpatterns = [
    path("health/", health.health, name="health"),
    path("admin/", admin.site.urls),
]
