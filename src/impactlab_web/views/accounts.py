"""Login (throttled), logout and the per-user language switch."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from impactlab_web import throttle
from impactlab_web.models import Profile
from impactlab_web.permissions import any_user, public


class LoginView(auth_views.LoginView):
    """Django's login, refusing a username+address pair that failed too often (status 429)."""

    template_name = "impactlab_web/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        username, ip = request.POST.get("username", ""), throttle.client_ip(request)
        until = throttle.locked_until(username, ip)
        if until:
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, _("Too many failed attempts. Try again after %(time)s.")
                           % {"time": formats.time_format(timezone.localtime(until), "TIME_FORMAT")})
            return self.render_to_response(self.get_context_data(form=form), status=429)
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            throttle.reset(username, ip)
        else:
            throttle.record_failure(username, ip)
        return response


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
