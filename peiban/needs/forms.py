from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peiban.needs.models import ActionKind, Category, Channel, RecognitionKind, Urgency, Visibility


class NeedForm(forms.Form):
    title = forms.CharField(
        label=_("What is the need, in a few words?"),
        max_length=120,
        help_text=_("For example: a rooster crows at dawn in building 5."),
    )
    description = forms.CharField(
        label=_("Details"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        required=False,
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none())
    place = forms.CharField(
        label=_("Where"),
        max_length=40,
        required=False,
        help_text=_("A building (5栋) or a room (5-1-302); leave empty for the whole compound."),
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL)
    visibility = forms.ChoiceField(
        label=_("Who may see it"), choices=Visibility.choices, initial=Visibility.PRIVATE
    )

    def __init__(self, *args: Any, categories: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories  # type: ignore[attr-defined]


class StaffNeedForm(NeedForm):
    channel = forms.ChoiceField(label=_("How it reached us"), choices=Channel.choices)
    raiser = forms.CharField(
        label=_("Raised by"),
        max_length=60,
        required=False,
        help_text=_("The resident's room and name, as 5-1-302 王芳; leave empty if unknown."),
    )


class MoveForm(forms.Form):
    to_stage = forms.CharField(max_length=16, widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ActionForm(forms.Form):
    kind = forms.ChoiceField(label=_("What was done"), choices=ActionKind.choices)
    by = forms.ChoiceField(
        label=_("Who did it"),
        choices=[("resident", _("A resident")), ("staff", _("Staff"))],
        initial="resident",
        widget=forms.RadioSelect,
    )
    resident = forms.CharField(
        label=_("Which resident"),
        max_length=60,
        required=False,
        help_text=_("Room and name, as 5-1-302 王芳; empty means the lead."),
    )
    description = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}), max_length=3000
    )
    outcome = forms.CharField(label=_("Outcome"), max_length=300, required=False)


class LeadForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    resident = forms.CharField(
        label=_("Resident who leads"),
        max_length=60,
        required=False,
        help_text=_("Room and name, as 5-1-302 王芳."),
    )
    staff_reason = forms.CharField(
        label=_("Or I lead it myself, because"),
        max_length=200,
        required=False,
        help_text=_("Staff lead only with a reason, for example: the resident is in hospital."),
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=_("Photo or document"),
        help_text=_("JPEG, PNG, WebP, PDF or Word; up to 10 MB."),
    )


class LetterForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=100)
    body = forms.CharField(
        label=_("Text"), widget=forms.Textarea(attrs={"rows": 12}), max_length=5000
    )
    signature = forms.CharField(label=_("Signed by"), max_length=100)


class PostedForm(forms.Form):
    where = forms.CharField(
        label=_("Where was it posted?"),
        max_length=200,
        help_text=_("For example: the notice board at the entrance of building 5."),
    )


class RecognitionForm(forms.Form):
    resident = forms.CharField(
        label=_("Whom do we thank?"), max_length=60, help_text=_("Room and name, as 5-1-302 王芳.")
    )
    kind = forms.ChoiceField(label=_("For"), choices=RecognitionKind.choices)
    message = forms.CharField(label=_("Thanks"), max_length=300)
    public = forms.BooleanField(
        label=_("Show on the community's public board (needs their consent)"), required=False
    )


class HelpForm(forms.Form):
    message = forms.CharField(
        label=_("How can you help?"), max_length=300, help_text=_("For example: I can fix taps.")
    )


class ReopenForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("Why reopen it?"), max_length=300)


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=50)
    hint = forms.CharField(label=_("What it covers"), max_length=200, required=False)
    active = forms.BooleanField(label=_("In use"), required=False, initial=True)
