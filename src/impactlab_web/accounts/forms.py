"""Forms of the account pages."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, User
from django.utils.translation import gettext_lazy as _

from impactlab_web.organisations.models import Profile


class TokenForm(forms.Form):
    token = forms.CharField(label=_("Code from your authenticator app"), max_length=12,
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                                          "autofocus": True}))


class DisableTwoFactorForm(TokenForm):
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete":
                                                                                      "current-password"}))

    def __init__(self, *args, user: AbstractBaseUser | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if self.user is not None and not self.user.check_password(password):
            raise forms.ValidationError(_("This password is not right."))
        return password


class ProfileForm(forms.Form):
    """Name, e-mail address and language. A new e-mail address needs the password and is only asked for here:
    it takes effect once the link sent to it is opened (``email_change``); ``save`` keeps the address."""

    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail address"))
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    password = forms.CharField(label=_("Password (only to change your e-mail address)"), required=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, data=None, *, user: User) -> None:
        profile = Profile.objects.filter(user=user).first()
        initial = {"first_name": user.first_name, "last_name": user.last_name, "email": user.email,
                   "language": profile.language if profile else settings.LANGUAGE_CODE[:2]}
        super().__init__(data, initial=initial)
        self.user = user

    @property
    def new_email(self) -> str | None:
        """The address asked for, when it is not the one in force (case aside)."""
        email = self.cleaned_data.get("email") or ""
        return email if email and email.lower() != (self.user.email or "").lower() else None

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip()  # whether another account has it: email_change.request

    def clean(self) -> dict:
        data = super().clean()
        if self.new_email and not self.user.check_password(data.get("password") or ""):
            self.add_error("password", _("Give your password to change your e-mail address."))
        return data

    def save(self) -> None:
        """Name and language; the address changes only through the e-mailed link."""
        data = self.cleaned_data
        self.user.first_name, self.user.last_name = data["first_name"], data["last_name"]
        self.user.save(update_fields=["first_name", "last_name"])
        Profile.objects.update_or_create(user=self.user, defaults={"language": data["language"]})
