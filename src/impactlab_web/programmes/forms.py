"""Forms: bad input is reported next to the field, never as an error page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from impactlab_web.programmes.models import Programme


class ProgrammeForm(forms.ModelForm):
    """A new programme: its name, description and lead organisation (one where the user may create).

    No list of other organisations: partners are invited afterwards, and join only with their consent."""

    class Meta:
        model = Programme
        fields = ["name", "description", "lead"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, leads, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = leads
        if leads.count() == 1:
            self.fields["lead"].initial = leads.first()


class ProgrammeSettingsForm(forms.ModelForm):
    """Rename and describe a programme (its lead stays)."""

    class Meta:
        model = Programme
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


class ModelTextForm(forms.Form):
    """The impact model as YAML text, with a short message for the version history."""

    text = forms.CharField(label=_("Impact model (YAML)"), strip=False,
                           widget=forms.Textarea(attrs={"rows": 28, "spellcheck": "false"}))
    message = forms.CharField(label=_("What changed"), max_length=300, required=False)
    base = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def clean_text(self):
        """The text with the line ends it is stored with: a browser sends a textarea's lines ended by CR LF, which
        would make every line of a save differ from the version before it (and every merge a conflict)."""
        text = self.cleaned_data["text"].replace("\r\n", "\n").replace("\r", "\n")
        _within_model_limit(text, "model.yaml")
        return text


def _within_model_limit(text: str, name: str) -> None:
    """The model size limit (impactlab.limits model_bytes) as a form error, in the user's language."""
    from impactlab.limits import LimitExceeded, check_model_size

    try:
        check_model_size(text, name)
    except LimitExceeded as error:
        raise forms.ValidationError(str(error)) from None


class ModelUploadForm(forms.Form):
    """A YAML file to import as the next version."""

    file = forms.FileField(label=_("YAML file"))

    def clean_file(self):
        from impactlab import limits

        upload = self.cleaned_data["file"]
        name = upload.name or "model.yaml"
        try:  # refused before it is read: the limit of every model text (editor, check, import)
            limits.check_bytes(name, upload.size, limits.current().model_bytes, "the model text", "de modeltekst")
        except limits.LimitExceeded as error:
            raise forms.ValidationError(str(error)) from None
        try:
            text = upload.read().decode("utf-8")
        except UnicodeDecodeError:
            raise forms.ValidationError(_("The file is not UTF-8 text.")) from None
        _within_model_limit(text, name)
        return upload.name, text


class CompareForm(forms.Form):
    a = forms.IntegerField(label=_("Older version"), min_value=1)
    b = forms.IntegerField(label=_("Newer version"), min_value=1)


class DeleteConfirmForm(forms.Form):
    """Deleting a snapshot or a dataset: the dataset's name typed again."""

    confirm = forms.CharField(label=_("Type the dataset's name to confirm"), max_length=64,
                              widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))

    def __init__(self, *args, name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.name = name

    def clean_confirm(self) -> str:
        typed = self.cleaned_data["confirm"].strip()
        if typed != self.name:
            raise forms.ValidationError(_("That is not the dataset's name: nothing was deleted."))
        return typed


class ErasureFindForm(forms.Form):
    """The respondent's id as it stands in the source file, or their personal wave link (pseudonymised at once,
    never stored)."""

    identifier = forms.CharField(
        label=_("The respondent's id in the source file"), max_length=1000,
        help_text=_("As it was written in the imported file (e.g. the client number), or their personal wave link "
                    "for answers given through a link. It is turned into the pseudonym the snapshots hold and is "
                    "not stored."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))


class ErasureConfirmForm(forms.Form):
    """The found respondent (a signed pseudonym, valid for a short while) and the confirmation."""

    token = forms.CharField(widget=forms.HiddenInput)
    confirm = forms.BooleanField(label=_("I confirm: remove this respondent's rows from these snapshots for good"))


class PartnerInviteForm(forms.Form):
    """Invite a partner: the e-mail address of a named administrator of the other organisation."""

    email = forms.EmailField(label=_("E-mail address of the other organisation's administrator"), max_length=254)


class PartnerAnswerForm(forms.Form):
    """Which of the administrator's own organisations answers (accepts) an invitation."""

    organisation = forms.ModelChoiceField(label=_("Your organisation"), queryset=None, empty_label=None)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class PartnerCodeForm(PartnerAnswerForm):
    """Accept an invitation code that the programme's lead gave."""

    code = forms.CharField(label=_("Invitation code"), max_length=40)
    field_order = ["code", "organisation"]


class ConfirmForm(forms.Form):
    """A step that cannot be undone, confirmed with a tick."""

    confirm = forms.BooleanField(label=_("I understand: this cannot be undone."), required=True)


class LeaveForm(ConfirmForm):
    organisation = forms.ModelChoiceField(label=_("Organisation that leaves"), queryset=None, empty_label=None)
    field_order = ["organisation", "confirm"]

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations


class DeleteProgrammeForm(forms.Form):
    """Deleting a programme: its name typed exactly as confirmation."""

    name = forms.CharField(label=_("Type the programme's name to confirm"), max_length=200, strip=True)

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme = programme

    def clean_name(self):
        name = self.cleaned_data["name"]
        if name != self.programme.name:
            raise forms.ValidationError(_("This is not the programme's name; nothing was deleted."))
        return name
