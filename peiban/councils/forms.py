from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from peiban.councils.models import BodyKind, Majority, MemberRole
from peiban.councils.tally import MATTERS

OPINION_CHOICES = [
    ("yes", pgettext_lazy("vote", "For")),
    ("no", pgettext_lazy("vote", "Against")),
    ("abstain", pgettext_lazy("vote", "Abstain")),
]


class BodyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=BodyKind.choices)
    quorum_percent = forms.IntegerField(
        label=_("Quorum (% of members present)"), min_value=1, max_value=100, required=False
    )
    majority = forms.ChoiceField(label=_("Majority"), choices=Majority.choices)
    turn_seconds = forms.IntegerField(
        label=_("Seconds per speaking turn"), min_value=15, max_value=1800, initial=120
    )
    turns_cap = forms.IntegerField(
        label=_("Turns per person per motion"), min_value=1, max_value=10, initial=2
    )


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    time = forms.TimeField(label=_("Time"), widget=forms.TimeInput(attrs={"type": "time"}))
    place = forms.CharField(label=_("Place"), max_length=100, required=False)
    notice_date = forms.DateField(
        label=_("Notice given on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("An owners' assembly is announced at least 15 days ahead."),
    )
    agenda = forms.CharField(
        label=_("Agenda"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class MotionForm(forms.Form):
    action = forms.CharField(
        label=_("Motion: what is to be done, by whom, by when"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class HandForm(forms.Form):
    resident = forms.IntegerField(widget=forms.HiddenInput)
    side = forms.ChoiceField(
        choices=[
            ("for", pgettext_lazy("vote", "For")),
            ("against", pgettext_lazy("vote", "Against")),
        ]
    )


class VoteForm(forms.Form):
    votes_for = forms.IntegerField(
        label=pgettext_lazy("vote", "For"), min_value=0, max_value=100000
    )
    votes_against = forms.IntegerField(
        label=pgettext_lazy("vote", "Against"), min_value=0, max_value=100000
    )
    abstentions = forms.IntegerField(
        label=pgettext_lazy("vote", "Abstain"), min_value=0, max_value=100000
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.update({"inputmode": "numeric"})


class AssemblyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    matter = forms.TypedChoiceField(
        label=_("Matter (Civil Code Art. 278)"),
        coerce=int,
        choices=[(n, f"{n}. {label}") for n, label in MATTERS.items()],
    )
    question = forms.CharField(
        label=_("The question put to the owners"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    notice_date = forms.DateField(
        label=_("Notice given on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    opens = forms.DateTimeField(
        label=_("Voting opens"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    closes = forms.DateTimeField(
        label=_("Voting closes"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    secret = forms.BooleanField(
        label=_("Secret ballot: keep the list of who voted apart from the ballots"),
        required=False,
    )


class BallotForm(forms.Form):
    code = forms.CharField(label=_("The code on your paper"), max_length=20)
    opinion = forms.ChoiceField(
        label=_("Your opinion"), choices=OPINION_CHOICES, widget=forms.RadioSelect
    )


class PaperBallotForm(forms.Form):
    voter = forms.IntegerField(widget=forms.HiddenInput)
    opinion = forms.ChoiceField(choices=OPINION_CHOICES)


class SheetForm(forms.Form):
    file = forms.FileField(label=_("Ballot sheet (.xlsx or .csv)"))


class ProgressForm(forms.Form):
    text = forms.CharField(label=_("Progress"), max_length=1000)
    done = forms.BooleanField(label=_("This finishes it"), required=False)


class ConsentCaseForm(forms.Form):
    dwelling = forms.CharField(
        label=_("The home to be turned into a business"),
        max_length=40,
        help_text=_("For example 3-2-101 or 3栋2单元101室."),
    )
    purpose = forms.CharField(label=_("The business planned"), max_length=200)


class ConsentForm(forms.Form):
    answer = forms.ChoiceField(
        choices=[("consent", _("Consents")), ("refuse", _("Refuses"))], widget=forms.RadioSelect
    )
    signed_by = forms.CharField(label=_("Signed by"), max_length=50)


class PollForm(forms.Form):
    question = forms.CharField(label=_("Question"), max_length=200)
    options = forms.CharField(
        label=_("Options, one a line"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )
    multiple = forms.BooleanField(label=_("Several answers allowed"), required=False)
    closes = forms.DateTimeField(
        label=_("Closes"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class ProposalForm(forms.Form):
    body = forms.TypedChoiceField(label=_("For which council"), coerce=int)
    action = forms.CharField(
        label=_("What is proposed: who does what, by when"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    need = forms.IntegerField(label=_("From need number (optional)"), required=False, min_value=1)
    support_needed = forms.IntegerField(
        label=_("Supporters needed to go on the agenda"), min_value=1, max_value=10000, initial=10
    )

    def __init__(self, *args: Any, bodies: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].choices = bodies  # type: ignore[attr-defined]


class ResolutionForm(forms.Form):
    action = forms.CharField(label=_("What is to be done"), max_length=300)
    responsible = forms.CharField(label=_("Who does it"), max_length=100)
    due_on = forms.DateField(
        label=_("By when"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class MemberForm(forms.Form):
    """Elect a resident found by name, room or phone digits to a council for a term."""

    resident = forms.IntegerField(label=_("Who was elected"), widget=forms.RadioSelect)
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices, initial=MemberRole.MEMBER)
    term_start = forms.DateField(
        label=_("Term starts"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    term_end = forms.DateField(
        label=_("Term ends"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty if the term has no set end."),
    )


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Minutes"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            "Drafted from what was recorded: who was present, the motions, who spoke, the votes. "
            "Correct and complete it."
        ),
    )


class NoticeForm(forms.Form):
    notice_date = forms.DateField(
        label=_("Notice given on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, starts_on: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.starts_on = starts_on

    def clean_notice_date(self) -> date:
        given: date = self.cleaned_data["notice_date"]
        if given > timezone.localdate():
            raise forms.ValidationError(_("Record notice once it has been given, not before."))
        if given > self.starts_on:
            raise forms.ValidationError(_("Notice is given before the meeting, not after it."))
        return given


class ProposalMotionForm(forms.Form):
    meeting = forms.TypedChoiceField(label=_("At which meeting"), coerce=int)

    def __init__(self, *args: Any, meetings: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["meeting"].choices = meetings  # type: ignore[attr-defined]
