"""Activates the logged-in user's preferred language (their profile), overriding the browser's."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from impactlab_web.models import Profile


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
