"""Forms of the qualitative area: bad input is reported next to the field, and nothing is stored half."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from impactlab_web.qualitative.models import COLOUR, Code

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
LABEL = re.compile(r"^[A-Za-z]{1,16}[ -]?[0-9]{1,6}$")


def code_choices(tree: list[tuple[Code, int]], blank: str | None = None) -> list[tuple[str, str]]:
    """A select of codes, indented by depth (the hierarchy stays visible in a plain <select>)."""
    choices = [("", blank)] if blank is not None else []
    return choices + [(str(code.pk), "\u2003" * depth + code.name) for code, depth in tree]


class UploadForm(forms.Form):
    """A transcript or story; its source gets a pseudonymised label, never a name."""

    file = forms.FileField(label=_("Transcript or story"),
                           help_text=_("Plain text (.txt), Word (.docx) or PDF with a text layer."))
    group = forms.ChoiceField(label=_("Stakeholder group"), required=False)
    label = forms.CharField(
        label=_("Source label"), required=False, max_length=23,
        help_text=_("A pseudonym such as R-07 or Vrijwilliger 3 (letters, then a number); never a name. "
                    "Empty: the next free D-number."))

    def __init__(self, *args, groups: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", _("(no group)")), *groups.items()]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload

    def clean_label(self):
        label = " ".join(self.cleaned_data["label"].split())
        if label and not LABEL.match(label):
            raise forms.ValidationError(_("Use a pseudonym: letters followed by a number, such as R-07."))
        return label


class CodeForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    parent = forms.ChoiceField(label=_("Parent code"), required=False)
    colour = forms.CharField(label=_("Colour"), max_length=7, initial="#fde047", validators=[COLOUR],
                             widget=forms.TextInput(attrs={"type": "color"}))
    definition = forms.CharField(label=_("Definition"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, tree: list[tuple[Code, int]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = code_choices(tree, str(_("(top level)")))


class MergeForm(forms.Form):
    target = forms.ChoiceField(label=_("Merge into"))

    def __init__(self, *args, tree: list[tuple[Code, int]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = code_choices(tree, "")


class CodingForm(forms.Form):
    """A passage and a code. The passage is either a selection (start/end from the browser, with the
    selected text to check against) or one of the listed paragraphs and sentences (keyboard)."""

    code = forms.ChoiceField(label=_("Code"))
    passage = forms.ChoiceField(label=_("Passage"), required=False)
    start = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    end = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    quote = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)
    memo = forms.CharField(label=_("Memo"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, tree: list[tuple[Code, int]], passages: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = code_choices(tree, "")
        self.fields["passage"].choices = [("", _("The text selected with the mouse")), *passages]


class MemoForm(forms.Form):
    memo = forms.CharField(label=_("Memo"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class CodingMemoForm(forms.Form):
    coding = forms.IntegerField(widget=forms.HiddenInput)
    memo = forms.CharField(label=_("Memo"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CodingIdForm(forms.Form):
    coding = forms.IntegerField(widget=forms.HiddenInput)


class LinkForm(forms.Form):
    """Link a code (all its quotes) or one coding to an outcome of the impact model."""

    outcome = forms.ChoiceField(label=_("Outcome"))
    code = forms.ChoiceField(label=_("Code"), required=False)
    coding = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, outcomes: list[dict], tree: list[tuple[Code, int]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = [("", ""), *[(o["id"], o["description"]) for o in outcomes]]
        self.fields["code"].choices = code_choices(tree, "")

    def clean(self):
        data = super().clean()
        if not data.get("code") and not data.get("coding"):
            raise forms.ValidationError(_("Choose a code, or link a single coding from its document."))
        return data


class UnlinkForm(forms.Form):
    link = forms.IntegerField(widget=forms.HiddenInput)
