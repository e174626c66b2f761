"""URLs of the API app: the JSON API under ``api/v1/`` (namespace ``api``) and the token pages under
``accounts/tokens/`` (namespace ``tokens``). Included from the root ``urls.py``."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, include, path, re_path
from django.utils.translation import gettext as _

from impactlab_web.api import views
from impactlab_web.api.api import PERMISSIONS, api


def _json_405(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """django-ninja answers a method an operation lacks with an empty 405: the API's JSON error instead."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
            allowed = response.get("Allow", "GET")
            response = JsonResponse({"error": "method", "message": _("Only %(methods)s is allowed here.")
                                     % {"methods": allowed}}, status=405)
            response["Allow"] = allowed
        return response

    return wrapper


def _stamped(patterns: list[URLPattern]) -> list[URLPattern]:
    """Each API view carries the action its operation checks (``permission``, for the authorisation matrix) and
    is exempt from the login redirect: a token, not a session, signs an API call in (401 without one)."""
    for pattern in patterns:
        assert pattern.name in PERMISSIONS, f"API operation {pattern.name!r} does not declare its permission"
        pattern.callback = _json_405(pattern.callback)
        pattern.callback.permission = PERMISSIONS[pattern.name]
        pattern.callback.login_required = False
    return patterns


api_patterns, _app, namespace = api.urls
api_urls = (_stamped(api_patterns), "api")

token_urls = ([
    path("", views.token_list, name="list"),
    path("<int:access_token>/revoke/", views.revoke, name="revoke"),
], "tokens")

urlpatterns = [
    path("api/v1/", include(api_urls, namespace=namespace)),
    re_path(r"^api/", views.api_not_found, name="api_not_found"),  # any other /api/ address: JSON 404
    path("accounts/tokens/", include(token_urls)),
]
