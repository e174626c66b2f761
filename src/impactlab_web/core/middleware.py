"""Activates the logged-in user's preferred language (their profile), overriding the browser's."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from impactlab_web.organisations.models import Profile


class UserLanguageMiddleware:
    """Runs after authentication; LocaleMiddleware still handles anonymous visitors."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            language = Profile.objects.filter(user=request.user).values_list("language", flat=True).first()
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)


class NoStoreMiddleware:
    """One rule for every page and download: ``Cache-Control: no-store`` (they may hold personal data: pages of
    signed-in users, personal wave links, exports), so no browser or proxy keeps a copy. Only static files
    (the same for everyone) may be cached."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings

        response = self.get_response(request)
        static = request.path.startswith("/" + settings.STATIC_URL.lstrip("/"))
        if not static and "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "no-store"
        return response
