"""Per request: keep the session index fresh, and hold back everything but the second-factor pages until done."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from impactlab_web.accounts import sessions, twofactor

# What a signed-in person may reach before the second factor: the second-factor pages, logging out, language.
OPEN_BEFORE_SECOND_FACTOR = frozenset({
    "accounts:verify", "accounts:two_factor_setup", "accounts:logout", "accounts:language", "health",
})


class SessionIndexMiddleware:
    """Index each signed-in session under its person (see sessions.py); after AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            sessions.touch(request, request.user)
        return self.get_response(request)


class SecondFactorMiddleware:
    """A person with a second factor must give its code after the password; one whose organisation requires a
    second factor must set one up first. Until then every page but OPEN_BEFORE_SECOND_FACTOR redirects (fail
    closed: a new page is covered without naming it). After django_otp's OTPMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or twofactor.passed(request):
            return None
        match = request.resolver_match
        name = f"{match.namespace}:{match.url_name}" if match and match.namespace else getattr(match, "url_name", "")
        if name in OPEN_BEFORE_SECOND_FACTOR or getattr(view, "login_required", True) is False:
            return None
        if twofactor.enrolled(user):
            target = "accounts:verify"
        elif twofactor.required_for(user):
            target = "accounts:two_factor_setup"
        else:
            return None
        return HttpResponseRedirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
