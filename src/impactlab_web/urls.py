"""The root URL configuration: every app's own ``urls.py``, each with its namespace, at the site's root."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("", include("impactlab_web.core.urls")),
    path("accounts/", include("impactlab_web.accounts.urls")),
    path("", include("impactlab_web.programmes.urls")),
    path("", include("impactlab_web.data.urls")),
    path("", include("impactlab_web.dashboards.urls")),
    path("", include("impactlab_web.jobs.urls")),
    path("", include("impactlab_web.fieldwork.urls")),
    path("", include("impactlab_web.qualitative.urls")),
    path("", include("impactlab_web.review.urls")),
    path("", include("impactlab_web.organisations.urls")),
    path("", include("impactlab_web.notifications.urls")),
    path("", include("impactlab_web.api.urls")),
]

handler400 = "impactlab_web.core.errors.bad_request"
