"""The account page for personal access tokens: list, make (the secret shown once), revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from impactlab_web.api import tokens
from impactlab_web.api.models import AccessToken, Scope
from impactlab_web.core.permissions import any_user, public


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100,
                           help_text=gettext_lazy("What the token is for, e.g. 'notebook' or 'Power BI'."))
    scopes = forms.MultipleChoiceField(label=gettext_lazy("May be used for"), choices=Scope.choices,
                                       widget=forms.CheckboxSelectMultiple, initial=[Scope.PROGRAMMES])
    days = forms.IntegerField(label=gettext_lazy("Valid for (days)"), min_value=1, max_value=tokens.MAX_DAYS,
                              initial=tokens.DEFAULT_DAYS)


@any_user
@never_cache
def token_list(request: HttpRequest) -> HttpResponse:
    """The person's own tokens; a POST makes one and shows its secret once, on this answer only."""
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        _token, secret = tokens.make(request.user, form.cleaned_data["name"], form.cleaned_data["scopes"],
                                     form.cleaned_data["days"], request)
        form = TokenForm()
    status = 422 if request.method == "POST" and secret is None else 200
    return render(request, "api/tokens.html", {"form": form, "tokens": tokens.mine(request.user), "secret": secret},
                  status=status)


@any_user
@require_POST
def revoke(request: HttpRequest, access_token: int) -> HttpResponse:
    """Revoke one of the person's own tokens (someone else's: 404)."""
    token = get_object_or_404(AccessToken, pk=access_token, user=request.user)
    tokens.revoke(token, request)
    messages.success(request, _("The token '%(name)s' is revoked.") % {"name": token.name})
    return redirect("tokens:list")


@public
@csrf_exempt
def api_not_found(request: HttpRequest) -> HttpResponse:
    """Any /api/ address the API does not have (a wrong id type, an old version): the API's JSON 404."""
    return JsonResponse({"error": "not_found", "message": _("Not found, or not yours to see.")}, status=404)
