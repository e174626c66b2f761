"""Forms: bad input is reported next to the field, never as an error page."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from impactlab_web.models import Organisation, Programme


class ProgrammeForm(forms.ModelForm):
    """A new programme: its name, lead organisation (one where the user may create) and partners."""

    class Meta:
        model = Programme
        fields = ["name", "description", "lead", "partners"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3}), "partners": forms.CheckboxSelectMultiple}

    def __init__(self, *args, leads, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = leads
        self.fields["partners"].queryset = Organisation.objects.all()
        self.fields["partners"].required = False
        if leads.count() == 1:
            self.fields["lead"].initial = leads.first()


class ModelTextForm(forms.Form):
    """The impact model as YAML text, with a short message for the version history."""

    text = forms.CharField(label=_("Impact model (YAML)"), strip=False,
                           widget=forms.Textarea(attrs={"rows": 28, "spellcheck": "false"}))
    message = forms.CharField(label=_("What changed"), max_length=300, required=False)
    base = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class ModelUploadForm(forms.Form):
    """A YAML file to import as the next version."""

    file = forms.FileField(label=_("YAML file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.MODEL_UPLOAD_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB."))
        try:
            return upload.name, upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise forms.ValidationError(_("The file is not UTF-8 text.")) from None


class CompareForm(forms.Form):
    a = forms.IntegerField(label=_("Older version"), min_value=1)
    b = forms.IntegerField(label=_("Newer version"), min_value=1)
