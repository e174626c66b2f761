"""Forms of the fieldwork pages: questionnaire builder, XLSForm upload, waves and links, registrations."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from impactlab.evidence.instruments import list_instruments
from impactlab_web.fieldwork.models import Registration

QUESTION_TYPES = [
    ("single_choice", _("Single choice")), ("multiple_choice", _("Multiple choice")), ("scale", _("Scale")),
    ("integer", _("Whole number")), ("decimal", _("Number")), ("date", _("Date")), ("text", _("Open text")),
    ("note", _("Note (no answer)")),
]
MAX_XLSFORM_BYTES = 2 * 1024 * 1024


class Accessible:
    """After validation, each field with errors points at its message (`<id>_error`) with aria-describedby."""

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        for name, field in self.fields.items():  # type: ignore[attr-defined]
            bound = self[name]  # type: ignore[index]
            ids = [f"{bound.auto_id}_error"] if self.errors.get(name) else []  # type: ignore[attr-defined]
            if field.help_text:
                ids.append(f"{bound.auto_id}_helptext")
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)


def instrument_choices() -> list[tuple[str, str]]:
    return [(i.id, f"{i.id}: {i.name.nl or i.name.en or i.id}") for i in list_instruments()]


class NewQuestionnaireForm(Accessible, forms.Form):
    slug = forms.SlugField(label=_("Short name (id)"), max_length=40,
                           help_text=_("Lower case letters, digits and -; used in the data, e.g. welzijn"))
    title_nl = forms.CharField(label=_("Title (Dutch)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    instrument = forms.ChoiceField(label=_("Start with an instrument"), required=False)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = [("", _("(none)")), *instrument_choices()]

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"].lower()
        if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", slug):
            raise ValidationError(_("Use lower case letters, digits, - and _, starting with a letter or digit."))
        return slug


class XLSFormUploadForm(Accessible, forms.Form):
    file = forms.FileField(label=_("XLSForm (.xlsx)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_XLSFORM_BYTES:
            raise ValidationError(_("The file is larger than 2 MB."))
        if not upload.name.lower().endswith(".xlsx"):
            raise ValidationError(_("Upload an .xlsx workbook (the XLSForm format of KoboToolbox and ODK)."))
        return upload


class QuestionForm(Accessible, forms.Form):
    id = forms.RegexField(label=_("Question id"), regex=r"^[A-Za-z_][A-Za-z0-9_.\-]*$", max_length=40,
                          help_text=_("Letters, digits, _ . -; the column name in the data"))
    type = forms.ChoiceField(label=_("Type"), choices=QUESTION_TYPES)
    text_nl = forms.CharField(label=_("Question (Dutch)"), max_length=500)
    text_en = forms.CharField(label=_("Question (English)"), max_length=500, required=False)
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    choices = forms.CharField(label=_("Choices"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("One per line: code=Dutch label|English label, e.g. 1=ja|yes"))
    min = forms.DecimalField(label=_("Minimum"), required=False)
    max = forms.DecimalField(label=_("Maximum"), required=False)
    min_label = forms.CharField(label=_("Label of the minimum"), required=False, max_length=100)
    max_label = forms.CharField(label=_("Label of the maximum"), required=False, max_length=100)
    max_length = forms.IntegerField(label=_("Maximum length (characters)"), required=False, min_value=1)
    show_if = forms.CharField(label=_("Show only if"), required=False, max_length=300,
                              help_text=_("A condition on earlier questions, e.g. alone == 2 or answered(grade)"))


class InstrumentForm(Accessible, forms.Form):
    instrument = forms.ChoiceField(label=_("Instrument"))
    prefix = forms.RegexField(label=_("Prefix for the item ids"), regex=r"^([A-Za-z_][A-Za-z0-9_.\-]*)?$",
                              required=False, max_length=20)
    required = forms.BooleanField(label=_("Answers are required"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = instrument_choices()


class WaveForm(Accessible, forms.Form):
    name = forms.RegexField(label=_("Wave"), regex=r"^[A-Za-z0-9_.-]{1,20}$", max_length=20,
                            help_text=_("e.g. T0, T1, T2"))
    valid_days = forms.IntegerField(label=_("Links valid for (days)"), min_value=1, max_value=730, initial=120)


class LinksForm(Accessible, forms.Form):
    KINDS = [("personal", _("Personal links (one per respondent)")), ("anonymous", _("One anonymous link")),
             ("next", _("Follow-up links for earlier personal links"))]
    kind = forms.ChoiceField(label=_("Kind of link"), choices=KINDS, widget=forms.RadioSelect)
    count = forms.IntegerField(label=_("How many personal links"), min_value=1, max_value=5000, required=False)
    earlier = forms.CharField(label=_("Earlier links (one per line)"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") == "personal" and not data.get("count"):
            self.add_error("count", _("Say how many links you need."))
        if data.get("kind") == "next" and not (data.get("earlier") or "").strip():
            self.add_error("earlier", _("Paste the earlier links, one per line."))
        return data


class RevokeForm(Accessible, forms.Form):
    links = forms.CharField(label=_("Links to revoke (one per line)"), max_length=200_000,
                            widget=forms.Textarea(attrs={"rows": 4}),
                            help_text=_("Personal or anonymous links of this wave. A revoked link shows a page that "
                                        "it was withdrawn and accepts no answers; revoking an anonymous link also "
                                        "stops the personal links visitors got from it. Answers already sent stay."))


class VisitForm(Accessible, forms.Form):
    earlier = forms.CharField(label=_("This client's link (optional)"), required=False, max_length=2000,
                              help_text=_("Paste the client's link of an earlier wave to link the waves; "
                                          "leave empty for a new respondent."))


CLIENT_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{1,18}[A-Za-z0-9]$")


def check_code(value: str) -> str:
    """A pseudonymised code: 3-20 letters, digits or -, with at least one digit; never a name or an e-mail."""
    value = value.strip()
    if "@" in value or " " in value or not CLIENT_CODE.match(value) or not re.search(r"\d", value):
        raise ValidationError(_("Enter the code (3-20 letters, digits or -, with a digit), never a name."))
    if re.fullmatch(r"\d{9}", value):
        raise ValidationError(_("This looks like a BSN: enter the code, never a citizen service number."))
    if re.fullmatch(r"0\d{9}", value):
        raise ValidationError(_("This looks like a phone number: enter the code instead."))
    return value.upper()


class RegistrationForm(Accessible, forms.ModelForm):
    class Meta:
        model = Registration
        fields = ["date", "client", "support", "kind", "hours", "contacts", "team", "neighbourhood", "provider"]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "support": forms.RadioSelect,
            "hours": forms.NumberInput(attrs={"step": "0.25", "min": "0", "max": "24", "inputmode": "decimal"}),
            "contacts": forms.NumberInput(attrs={"min": "0", "inputmode": "numeric"}),
            "client": forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
            "provider": forms.TextInput(attrs={"autocomplete": "off"}),
            "team": forms.TextInput(attrs={"list": "teams", "autocomplete": "off"}),
            "neighbourhood": forms.TextInput(attrs={"list": "neighbourhoods", "autocomplete": "off"}),
        }
        help_texts = {
            "client": _("The client's code from your caseload (never a name)."),
            "provider": _("Optional: the volunteer's code, if a volunteer gave the support."),
        }

    submission = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, data: Any = None, *args: Any, **kwargs: Any):
        if data is not None and "," in str(data.get("hours", "")):  # a Dutch decimal comma: 1,5 hours
            data = data.copy()
            data["hours"] = str(data["hours"]).replace(",", ".")
        super().__init__(data, *args, **kwargs)
        self.fields["date"].initial = timezone.localdate()
        self.fields["support"].choices = Registration.Support.choices
        self.fields["submission"].initial = uuid.uuid4()  # the idempotency key of this form

    def clean_client(self) -> str:
        return check_code(self.cleaned_data["client"])

    def clean_provider(self) -> str:
        value = self.cleaned_data.get("provider") or ""
        return check_code(value) if value.strip() else ""

    def clean_date(self) -> dt.date:
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise ValidationError(_("The date is in the future."))
        if day < timezone.localdate() - dt.timedelta(days=3 * 366):
            raise ValidationError(_("The date is more than three years ago."))
        return day

    def clean_hours(self) -> Any:
        hours = self.cleaned_data.get("hours")
        if hours is not None and not (0 <= hours <= 24):
            raise ValidationError(_("Hours must be between 0 and 24."))
        return hours

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("hours") is None and data.get("contacts") is None and not self.has_error("hours") \
                and not self.has_error("contacts"):
            self.add_error("hours", _("Enter the hours, the number of contacts, or both."))
        return data


class FeedForm(Accessible, forms.Form):
    stakeholder = forms.ChoiceField(label=_("Stakeholder who gives the informal support"))
    proxy = forms.ChoiceField(label=_("Value of a volunteer hour (proxy)"))
    activity = forms.SlugField(label=_("Activity id for the outputs"), initial="support", max_length=40)

    def __init__(self, *args: Any, stakeholders: list[tuple[str, str]], proxies: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["stakeholder"].choices = stakeholders
        self.fields["proxy"].choices = proxies
