"""Forms of the upload, mapping and agreement pages: every bad input is a message next to its field."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from impactlab.evidence.datasets import DATASET_NAME
from impactlab_web.data import uploads

ROLE_LABELS = {
    "skip": _("not imported"),
    "respondent_id": _("respondent id (pseudonymised)"),
    "wave": _("wave"),
    "group": _("group (breakdown)"),
    "item": _("instrument item"),
    "identifier": _("direct identifier (dropped)"),
    "date_of_birth": _("date of birth (age band)"),
    "free_text": _("free text (scrubbed)"),
    "keep": _("keep as is"),
}


def _dataset_name(value: str) -> str:
    if not DATASET_NAME.match(value):
        raise forms.ValidationError(_("Use letters, digits, '_', '.' or '-' (at most 64), starting with a letter "
                                      "or digit."))
    return value


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Data file (CSV, Excel .xlsx or SPSS .sav)"))
    owner = forms.ModelChoiceField(queryset=None, label=_("Owned by"), empty_label=None)

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["file"].help_text = _("At most %(mb)d MB. The file is deleted after its import.") % {
            "mb": uploads.max_bytes() // (1024 * 1024)}
        self.fields["file"].widget.attrs["accept"] = ".csv,.txt,.tsv,.xlsx,.sav,.zsav"


class MappingForm(forms.Form):
    dataset = forms.CharField(label=_("Dataset name"), max_length=64, help_text=_(
        "Everyone in the programme sees this name: describe the data (e.g. survey-2026), never a person."))
    instrument = forms.ChoiceField(label=_("Instrument"), required=False)
    wave_value = forms.CharField(label=_("Wave of the whole file (when there is no wave column)"), max_length=32,
                                 required=False)
    missing_codes = forms.CharField(label=_("Answer codes that mean 'no answer' (items)"), required=False,
                                    help_text=_("Separated by commas, e.g. 9, 99"))
    answer_format = forms.ChoiceField(label=_("Answer format"), required=False, widget=forms.RadioSelect)
    answers_seen = forms.CharField(required=False, widget=forms.HiddenInput)
    on_error = forms.ChoiceField(label=_("Rows with problems"), widget=forms.RadioSelect, initial="reject",
                                 choices=[("reject", _("reject the whole file and show the report")),
                                          ("quarantine", _("import the good rows, set the others apart"))])

    def __init__(self, *args, columns: list[str], instruments: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = columns
        self.fields["instrument"].choices = [("", _("none")), *instruments]
        self.fields["answer_format"].choices = [(f, f) for f in answer_format_ids()]
        for index, column in enumerate(columns):
            self.fields[f"role_{index}"] = forms.ChoiceField(
                label=column, choices=list(ROLE_LABELS.items()), initial="skip")

    def clean_dataset(self) -> str:
        return _dataset_name(self.cleaned_data["dataset"].strip())

    def clean_missing_codes(self) -> list[str]:
        return [c.strip() for c in self.cleaned_data["missing_codes"].split(",") if c.strip()]

    def role_fields(self):
        return [(column, self[f"role_{index}"]) for index, column in enumerate(self.columns)]

    def roles(self) -> dict[str, str]:
        return {column: self.cleaned_data[f"role_{index}"] for index, column in enumerate(self.columns)}


def answer_format_ids() -> list[str]:
    """Every answer format id of the shipped instruments (the page shows those of the chosen instrument)."""
    from impactlab.evidence.instruments import list_instruments

    return sorted({f.id for instrument in list_instruments() for f in instrument.formats})


class AgreementForm(forms.Form):
    partner = forms.ModelChoiceField(queryset=None, label=_("Partner organisation"))
    purpose = forms.CharField(label=_("Purpose"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    valid_until = forms.DateField(label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners

    def clean_valid_until(self):
        day = self.cleaned_data["valid_until"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("The date lies in the past."))
        return day
