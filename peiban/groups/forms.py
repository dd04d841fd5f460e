from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from peiban.groups.models import STAGE_ORDER, FundingSource, GroupKind, MemberRole, Stage

DATE = forms.DateInput(attrs={"type": "date"})


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind of self-organisation"), choices=GroupKind.choices)
    founded_on = forms.DateField(label=_("Founded on"), widget=DATE, initial=timezone.localdate)
    purpose = forms.CharField(
        label=_("What the group does"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class MemberForm(forms.Form):
    resident = forms.IntegerField(widget=forms.HiddenInput)
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices, initial=MemberRole.MEMBER)


class MeetingForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE, initial=timezone.localdate)
    time = forms.TimeField(
        label=_("Time"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        initial="19:00",
    )
    topic = forms.CharField(label=_("Topic"), max_length=200)
    place = forms.CharField(label=_("Place"), max_length=100, required=False)
    attendees = forms.IntegerField(
        label=_("How many came"),
        min_value=0,
        required=False,
        help_text=_("Leave empty for a meeting still to come."),
    )
    minutes = forms.CharField(
        label=_("Minutes and decisions"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    staff_present = forms.BooleanField(label=_("Staff took part"), required=False)


class FundForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Income or spending"),
        choices=[("income", _("Income")), ("spending", _("Spending"))],
        widget=forms.RadioSelect,
        initial="income",
    )
    amount = forms.CharField(label=_("Amount (yuan)"), max_length=20)
    description = forms.CharField(label=_("What for"), max_length=200)
    occurred_on = forms.DateField(label=_("Date"), widget=DATE, initial=timezone.localdate)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Why it is corrected"), max_length=300)


class PlanForm(forms.Form):
    goals = forms.CharField(
        label=_("Goals"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    without_staff = forms.CharField(
        label=_("What the group now does without staff"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class CoachingForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DATE, initial=timezone.localdate)
    minutes_spent = forms.IntegerField(
        label=_("Staff time in minutes"), min_value=1, max_value=1440
    )
    topic = forms.CharField(label=_("Topic"), max_length=200)


class RulesForm(forms.Form):
    text = forms.CharField(label=_("Rules (章程)"), widget=forms.Textarea(attrs={"rows": 8}))
    adopted_on = forms.DateField(label=_("Adopted on"), widget=DATE, initial=timezone.localdate)


class StageForm(forms.Form):
    to_stage = forms.ChoiceField(
        label=_("Move to the stage"), choices=[(s, Stage(s).label) for s in STAGE_ORDER]
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class AssessmentForm(forms.Form):
    period = forms.CharField(label=_("Period"), max_length=10, help_text=_("As 2026H1 or 2026Q3."))


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    goal = forms.CharField(label=_("Goal"), widget=forms.Textarea(attrs={"rows": 3}))
    funding_source = forms.ChoiceField(
        label=_("Where the money comes from"), choices=FundingSource.choices
    )
    group = forms.TypedChoiceField(label=_("Proposed by"), coerce=int, required=False)

    def __init__(self, *args: Any, groups: list[tuple[Any, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"] = forms.TypedChoiceField(
            label=_("Proposed by"), coerce=int, required=False, empty_value=None, choices=groups
        )


class LineForm(forms.Form):
    description = forms.CharField(label=_("What it pays for"), max_length=200)
    amount = forms.CharField(label=_("Amount (yuan)"), max_length=20)


class ExpenseForm(forms.Form):
    line = forms.TypedChoiceField(label=_("Budget line"), coerce=int)
    amount = forms.CharField(label=_("Amount (yuan)"), max_length=20)
    description = forms.CharField(label=_("What was bought"), max_length=200)
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE, initial=timezone.localdate)
    receipt = forms.FileField(label=_("Receipt (photo or PDF)"), required=False)

    def __init__(self, *args: Any, lines: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["line"] = forms.TypedChoiceField(
            label=_("Budget line"), coerce=int, choices=lines
        )


class LogForm(forms.Form):
    text = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}))


class CompleteForm(forms.Form):
    report = forms.CharField(label=_("Completion report"), widget=forms.Textarea(attrs={"rows": 5}))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("reject", _("Do not approve"))],
        widget=forms.RadioSelect,
        initial="approve",
    )
    approved_by = forms.CharField(label=_("Decided by"), max_length=200)
    approval_ref = forms.CharField(label=_("Decision reference"), max_length=120, required=False)
    decided_on = forms.DateField(label=_("Decided on"), widget=DATE, initial=timezone.localdate)
    decision_text = forms.CharField(
        label=_("Decision"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class EvaluationForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices)


class KindForm(forms.Form):
    kind = forms.ChoiceField(label=_("New kind"), choices=GroupKind.choices)
    reason = forms.CharField(label=_("Why"), max_length=300, required=False)


class TrainingForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DATE, initial=timezone.localdate)
    topic = forms.CharField(label=_("Topic"), max_length=200)
    trainer = forms.CharField(label=_("Trainer"), max_length=100, required=False)
    attendees = forms.IntegerField(label=_("How many came"), min_value=0, initial=0)


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due_on = forms.DateField(label=_("Due"), widget=DATE, required=False)


class PopulationForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    population = forms.IntegerField(label=_("Residents counted officially"), min_value=0)


class PolicyForm(forms.Form):
    base = forms.CharField(label=_("Yearly base amount (yuan)"), max_length=20)
    per_hundred = forms.CharField(label=_("Amount per hundred residents (yuan)"), max_length=20)
    negative_list = forms.CharField(
        label=_("Negative list"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "One rule a line: the rule, a vertical bar, then its words separated by commas."
        ),
    )
