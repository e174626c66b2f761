"""Forms of the people pages: bad input is reported next to the field."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from impactlab_web.organisations.models import Role


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    role = forms.ChoiceField(label=_("Role in the organisation"), choices=Role.choices, initial=Role.PROFESSIONAL)
    language = forms.ChoiceField(label=_("Language of the invitation"), choices=settings.LANGUAGES)


class RolesForm(forms.Form):
    """Organisation roles as checkboxes, and per programme of the organisation a role (or none)."""

    roles = forms.MultipleChoiceField(label=_("Roles in the organisation"), choices=Role.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, programmes, **kwargs):
        super().__init__(*args, **kwargs)
        self.programmes = list(programmes)
        for programme in self.programmes:
            self.fields[f"programme_{programme.pk}"] = forms.MultipleChoiceField(
                label=programme.name, choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple)

    def programme_fields(self):
        return [self[f"programme_{p.pk}"] for p in self.programmes]

    def chosen(self) -> tuple[set[Role], set[tuple[int, Role]]]:
        roles = {Role(r) for r in self.cleaned_data["roles"]}
        programme_roles = {(p.pk, Role(r)) for p in self.programmes for r in self.cleaned_data[f"programme_{p.pk}"]}
        return roles, programme_roles


class AcceptForm(forms.Form):
    """A new account for the invited person: login name, name, language and a password (twice)."""

    username = forms.CharField(label=_("Login name"), max_length=150)
    name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    password1 = forms.CharField(label=_("Password"), strip=False, widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=_("Password again"), strip=False, widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        User._meta.get_field("username").run_validators(username)
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This login name is taken."))
        return username

    def clean(self):
        data = super().clean()
        one, two = data.get("password1"), data.get("password2")
        if one and two and one != two:
            self.add_error("password2", _("The two passwords differ."))
        elif one:
            try:
                validate_password(one, User(username=data.get("username", ""), email=self.email))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class AuditFilterForm(forms.Form):
    """The audit page's filters: person, action, programme, object and period (all optional)."""

    person = forms.ChoiceField(label=_("Person"), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)
    programme = forms.TypedChoiceField(label=_("Programme"), required=False, coerce=int, empty_value=None)
    object = forms.CharField(label=_("Object (type, or the start of its id)"), required=False, max_length=64)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, usernames, programmes, **kwargs):
        from impactlab_web.core.models import AuditEvent

        super().__init__(*args, **kwargs)
        everyone = [("", _("everyone"))]
        self.fields["person"].choices = [*everyone, *((name, name) for name in usernames)]
        self.fields["action"].choices = [("", _("every action")), *AuditEvent.Action.choices]
        self.fields["programme"].choices = [("", _("every programme")), *((p.pk, p.name) for p in programmes)]

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", _("The end of the period comes before its start."))
        return data
