"""Account pages: login (django-axes, serialised), the second factor, password change and reset, profile,
language, and one's own sessions."""

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
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import formats, timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from impactlab_web.accounts import email_change, sessions, twofactor
from impactlab_web.accounts.forms import DisableTwoFactorForm, ProfileForm, TokenForm
from impactlab_web.accounts.throttle import throttled
from impactlab_web.core.client import client_ip
from impactlab_web.core.permissions import any_user, public
from impactlab_web.organisations.models import Profile


class LoginView(auth_views.LoginView):
    """Django's login with django-axes: too many failures for one account, or from one address, lock it (429).

    Axes checks the lock before the password and counts a failure after it; parallel attempts would all pass the
    check before any failure is counted. So each attempt holds a lock on its account and its address for the
    whole check (PostgreSQL: transaction-level advisory locks; SQLite: the IMMEDIATE write transaction), and the
    next attempt sees every failure before it: a burst of 50 gets exactly AXES_FAILURE_LIMIT guesses.
    """

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs) -> dict:
        return {**super().get_context_data(**kwargs), "single_sign_on": settings.IMPACTLAB_OIDC}

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
    return render(request, "accounts/login.html", {"form": form, "single_sign_on": settings.IMPACTLAB_OIDC},
                  status=429)


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


def _next(request: HttpRequest, default: str = "programmes:home") -> str:
    """The safe `next` address of this request (same host only), else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse(default)


# ------------------------------------------------------------------------------------------- second factor
@any_user
@never_cache
def verify(request: HttpRequest) -> HttpResponse:
    """After the password: the code from the authenticator app (django-otp throttles wrong codes)."""
    device = twofactor.confirmed_device(request.user)
    if device is None:
        return redirect(_next(request))
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and twofactor.check(device, form.cleaned_data["token"]):
            otp_login(request, device)
            return redirect(_next(request))
        if form.is_valid():
            form.add_error("token", _("This code is not right, or it was used already. Wait for the next code."))
        status = 422
    return render(request, "accounts/verify.html", {"form": form, "next": _next(request)}, status=status)


@any_user
@never_cache
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code (or type the secret), confirm with one code."""
    if twofactor.enrolled(request.user):
        if not twofactor.passed(request):
            return redirect(f"{reverse('accounts:verify')}?next={reverse('accounts:two_factor_setup')}")
        return render(request, "accounts/two_factor.html", {
            "enrolled": True, "required": twofactor.required_for(request.user), "disable": DisableTwoFactorForm(),
        })
    device = twofactor.pending_device(request.user)
    form = TokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid() and twofactor.check(device, form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            ended = sessions.end(request.user, keep=request.session.session_key)
            messages.success(request, _("Two-factor login is on. Sessions ended elsewhere: %(count)d.")
                             % {"count": ended})
            return redirect(_next(request, "accounts:profile"))
        if form.is_valid():
            form.add_error("token", _("This code is not right. Check the time on your phone and try the next code."))
        status = 422
    return render(request, "accounts/two_factor.html", {
        "enrolled": False, "required": twofactor.required_for(request.user), "form": form,
        "qr": twofactor.qr_svg(device), "secret": twofactor.secret(device), "next": _next(request, "accounts:profile"),
    }, status=status)


@any_user
@require_POST
def two_factor_disable(request: HttpRequest) -> HttpResponse:
    """Turn the second factor off: the password and a current code; refused where an organisation requires it."""
    if twofactor.required_for(request.user):
        messages.error(request, _("Your organisation requires two-factor login for your role; it stays on."))
        return redirect("accounts:two_factor_setup")
    form = DisableTwoFactorForm(request.POST, user=request.user)
    device = twofactor.confirmed_device(request.user)
    if device is None or not form.is_valid() or not twofactor.check(device, form.cleaned_data["token"]):
        messages.error(request, _("Two-factor login stays on: the password or the code was not right."))
        return redirect("accounts:two_factor_setup")
    twofactor.remove(request.user)
    messages.success(request, _("Two-factor login is off."))
    return redirect("accounts:profile")


# ------------------------------------------------------------------------------------------- profile
@any_user
@never_cache
def profile(request: HttpRequest) -> HttpResponse:
    """Name, e-mail address and language; a new address (with the password) waits for the link sent to it."""
    form = ProfileForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                if form.new_email:
                    email_change.request(request.user, form.new_email, request.build_absolute_uri)
            except email_change.EmailChangeError as error:
                form.add_error("email", str(error))
                status = 429 if isinstance(error, email_change.Throttled) else 422
            else:
                form.save()
                translation.activate(form.cleaned_data["language"])
                messages.success(request, _("Your profile is saved."))
                if form.new_email:
                    messages.info(request, _("We sent a link to %(email)s. Your e-mail address changes when you "
                                             "open it.") % {"email": form.new_email})
                response = redirect("accounts:profile")
                response.set_cookie(settings.LANGUAGE_COOKIE_NAME, form.cleaned_data["language"], samesite="Lax",
                                    secure=settings.SESSION_COOKIE_SECURE, httponly=True)
                return response
        else:
            status = 422
    return render(request, "accounts/profile.html", {
        "form": form, "enrolled": twofactor.enrolled(request.user),
        "required": twofactor.required_for(request.user), "pending": email_change.pending(request.user),
    }, status=status)


@any_user
@require_POST
def email_resend(request: HttpRequest) -> HttpResponse:
    """A new link for the pending change of e-mail address (throttled)."""
    try:
        change = email_change.resend(request.user, request.build_absolute_uri)
    except email_change.EmailChangeError as error:  # none waiting, or throttled
        messages.error(request, str(error))
    else:
        messages.success(request, _("We sent a new link to %(email)s.") % {"email": change.email})
    return redirect("accounts:profile")


@any_user
@require_POST
def email_cancel(request: HttpRequest) -> HttpResponse:
    """Drop the pending change of e-mail address; its links stop working."""
    if email_change.cancel(request.user):
        messages.success(request, _("The change of e-mail address is cancelled; your address stays as it is."))
    return redirect("accounts:profile")


@any_user
@never_cache
def email_confirm(request: HttpRequest, email_token: str) -> HttpResponse:
    """The link sent to a new address: a button (GET changes nothing, so mail scanners opening links do no
    harm); the POST puts the address in force, for the person logged in only."""
    if request.method != "POST":
        return render(request, "accounts/email_confirm.html",
                      {"change": email_change.linked(request.user, email_token)})
    try:
        email = email_change.confirm(request.user, email_token)
    except email_change.EmailChangeError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your e-mail address is now %(email)s.") % {"email": email})
    return redirect("accounts:profile")


class Unprocessable:
    """A form sent back with errors answers 422, as every form of the app does (Django's views answer 200)."""

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=422)


class PasswordChangeView(Unprocessable, auth_views.PasswordChangeView):
    """Django's password change; every other session of the person ends (this one stays signed in)."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    def form_valid(self, form):
        response = super().form_valid(form)  # keeps this session signed in (update_session_auth_hash)
        ended = sessions.end(form.user, keep=self.request.session.session_key)
        messages.success(self.request, _("Your password is changed. Sessions ended elsewhere: %(count)d.")
                         % {"count": ended})
        return response


password_change = any_user(never_cache(PasswordChangeView.as_view()))


class PasswordResetView(Unprocessable, auth_views.PasswordResetView):
    """Django's "forgot password" by e-mail, throttled per address and per e-mail address (the answer is the
    same whether or not the address is known, so it tells nobody who has an account)."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().lower()
        if throttled("password-reset-ip", client_ip(self.request)) or throttled("password-reset-email", email):
            form.add_error(None, _("Too many requests. Try again in an hour."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


password_reset = public(PasswordResetView.as_view())
password_reset_done = public(
    auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"))


class PasswordResetConfirmView(Unprocessable, auth_views.PasswordResetConfirmView):
    """Set a new password from the e-mailed link (one use, expires after PASSWORD_RESET_TIMEOUT); every session
    of the person ends."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        sessions.end(form.user)
        return response


password_reset_confirm = public(never_cache(PasswordResetConfirmView.as_view()))
password_reset_complete = public(
    auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"))


# ------------------------------------------------------------------------------------------- sessions
@any_user
@never_cache
def session_list(request: HttpRequest) -> HttpResponse:
    """The person's own signed-in sessions: where and when, this one marked; end one or all others."""
    return render(request, "accounts/sessions.html", {
        "sessions": sessions.active(request.user), "current": request.session.session_key,
    })


@any_user
@require_POST
def session_end(request: HttpRequest) -> HttpResponse:
    """End one of the person's own sessions (`session` = its index id), or every other one (`others`)."""
    current = request.session.session_key
    if request.POST.get("others"):
        ended = sessions.end(request.user, keep=current)
    else:
        row = sessions.UserSession.objects.filter(user=request.user, pk=request.POST.get("session") or 0).first()
        ended = sessions.end(request.user, keep=current, only=row.session_key) if row else 0
    messages.success(request, _("Sessions ended: %(count)d.") % {"count": ended})
    return redirect("accounts:sessions")
