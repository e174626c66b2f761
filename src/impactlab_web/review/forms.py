"""Forms of learning cycles, report generation, sharing and comments."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from impactlab_web.review.models import Comment, Cycle, Phase


class CycleForm(forms.ModelForm):
    class Meta:
        model = Cycle
        fields = ["title", "question", "conclusions", "change_note"]
        widgets = {"question": forms.Textarea(attrs={"rows": 3}), "conclusions": forms.Textarea(attrs={"rows": 5}),
                   "change_note": forms.Textarea(attrs={"rows": 4})}


class NewCycleForm(forms.ModelForm):
    class Meta:
        model = Cycle
        fields = ["title", "question"]
        widgets = {"question": forms.Textarea(attrs={"rows": 2})}


class PhaseForm(forms.Form):
    status = forms.ChoiceField(label=_("status"), choices=Phase.Status.choices)
    notes = forms.CharField(label=_("notes"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DatasetsForm(forms.Form):
    datasets = forms.ModelMultipleChoiceField(label=_("Dataset snapshots used in this cycle"), queryset=None,
                                              required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["datasets"].queryset = queryset
        self.fields["datasets"].label_from_instance = lambda r: f"{r.name} · {r.snapshot_id[:12]} · n = {r.n}"


class ReportForm(forms.Form):
    lang = forms.ChoiceField(label=_("Language"), choices=[("nl", "Nederlands"), ("en", "English")])
    formats = forms.MultipleChoiceField(label=_("Formats"), widget=forms.CheckboxSelectMultiple,
                                        choices=[("pdf", "PDF"), ("html", "HTML"), ("xlsx", _("Excel value map"))])


class ShareForm(forms.Form):
    kind = forms.ChoiceField(choices=[("role", "role"), ("link", "link")], widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name of the reviewer"), max_length=120, required=False)
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=365, initial=30, required=False)

    def clean(self):
        data = super().clean()
        if data.get("kind") == "link" and not data.get("name"):
            self.add_error("name", _("Whom is this link for?"))
        return data


class CommentForm(forms.Form):
    target = forms.ChoiceField(choices=Comment.Target.choices, widget=forms.HiddenInput)
    target_id = forms.CharField(max_length=120, widget=forms.HiddenInput)
    verdict = forms.ChoiceField(label=_("Do you recognise this outcome?"), required=False,
                                choices=[("agree", _("Yes, I recognise it")), ("disagree", _("No, I do not")),
                                         ("suggest", _("Partly: I suggest a change")), ("", _("Just a comment"))],
                                widget=forms.RadioSelect)
    text = forms.CharField(label=_("Your comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, targets: dict[str, set[str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.targets = targets

    def clean(self):
        data = super().clean()
        target, target_id = data.get("target"), data.get("target_id")
        if self.targets is not None and target and target_id and target_id not in self.targets.get(target, set()):
            raise forms.ValidationError(_("The report has no such section or outcome."))
        return data


class AnswerForm(forms.Form):
    text = forms.CharField(label=_("Answer"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    resolve = forms.BooleanField(label=_("Resolved"), required=False)

    def clean(self):
        data = super().clean()
        if not data.get("text") and not data.get("resolve"):
            raise forms.ValidationError(_("Write an answer or mark the comment resolved."))
        return data
