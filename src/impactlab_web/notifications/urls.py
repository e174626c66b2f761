"""URLs of one's own notifications (namespace `notifications`)."""

from __future__ import annotations

from django.urls import path

from impactlab_web.notifications import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/<int:notification>/open/", views.notification_open, name="open"),
    path("notifications/read/", views.notification_read_all, name="read_all"),
]
