"""Login (django-axes throttling per account and address, serialised), logout and the per-user language switch."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.db import connection, transaction
from django.db.models import Q
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from impactlab_web.client import client_ip
from impactlab_web.models import Profile
from impactlab_web.permissions import any_user, public


class LoginView(auth_views.LoginView):
    """Django's login with django-axes: too many failures for one account, or from one address, lock it (429).

    Axes checks the lock before the password and counts a failure after it; parallel attempts would all pass the
    check before any failure is counted. So each attempt holds a lock on its account and its address for the
    whole check (PostgreSQL: transaction-level advisory locks; SQLite: the IMMEDIATE write transaction), and the
    next attempt sees every failure before it: a burst of 50 gets exactly AXES_FAILURE_LIMIT guesses.
    """

    template_name = "impactlab_web/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        with transaction.atomic():
            _serialise(request.POST.get("username", ""), client_ip(request))
            response = super().post(request, *args, **kwargs)
        if getattr(request, "axes_locked_out", False):
            return lockout(request, response)
        return response


def _serialise(username: str, ip: str) -> None:
    """Wait for every other login attempt on this account or from this address (until this transaction ends)."""
    if connection.vendor != "postgresql":
        return  # SQLite: the transaction began IMMEDIATE, holding the database's write lock already
    keys = sorted({f"login:user:{username.strip().lower()}", f"login:ip:{ip}"})  # one order: no deadlock
    with connection.cursor() as cursor:
        for key in keys:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])


def lockout(request: HttpRequest, original_response: HttpResponse | None = None,
            credentials: dict | None = None) -> HttpResponse:
    """The login page with "too many failed attempts" and when to try again (AXES_LOCKOUT_CALLABLE), status 429."""
    if original_response is not None and original_response.status_code == 429:
        return original_response
    from axes.helpers import get_cool_off
    from axes.models import AccessAttempt

    username = (credentials or {}).get("username") or request.POST.get("username", "")
    latest = (AccessAttempt.objects.filter(Q(username=username) | Q(ip_address=client_ip(request)))
              .order_by("-attempt_time").values_list("attempt_time", flat=True).first())
    until = (latest or timezone.now()) + (get_cool_off(request) or dt.timedelta(0))
    form = AuthenticationForm(request, initial={"username": username})
    form.cleaned_data, form._errors = {}, ErrorDict()  # an error without a second check of the password
    form.add_error(None, _("Too many failed attempts. Try again after %(time)s.")
                   % {"time": formats.time_format(timezone.localtime(until), "TIME_FORMAT")})
    return render(request, "impactlab_web/login.html", {"form": form}, status=429)


login = public(LoginView.as_view())
logout = any_user(auth_views.LogoutView.as_view())


@any_user
@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Store the chosen language in the profile (and a cookie) and go back to where the user was."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        messages.error(request, _("Unknown language."))
        language = translation.get_language()
    else:
        Profile.objects.update_or_create(user=request.user, defaults={"language": language})
        translation.activate(language)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = reverse("programmes:home")
    response = HttpResponseRedirect(target)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax",
                        secure=settings.SESSION_COOKIE_SECURE, httponly=True)
    return response
