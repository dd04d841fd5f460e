from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from peiban.indicators.definitions import BY_KEY
from peiban.indicators.models import MethodThresholds, Project
from peiban.places.models import Community

# The targets a project form offers (any indicator key may be a target through the service).
TARGET_KEYS = (
    "activities_held",
    "person_times",
    "persons",
    "households_reached",
    "volunteer_hours",
    "self_organisations",
)


class ThresholdsForm(forms.ModelForm[MethodThresholds]):
    class Meta:
        model = MethodThresholds
        fields: ClassVar = [
            "survey_coverage_percent",
            "needs_recorded",
            "leaders_known",
            "themed_activities",
            "regular_participants",
            "coach_ratio_percent",
            "resident_organised_activities",
            "council_decisions_verified",
        ]


class ProjectForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=200)
    funder = forms.CharField(label=_("funder"), max_length=200, required=False)
    contract_number = forms.CharField(label=_("contract number"), max_length=64, required=False)
    starts_on = forms.DateField(label=_("starts"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label=_("ends"), widget=forms.DateInput(attrs={"type": "date"}))
    communities = forms.ModelMultipleChoiceField(
        label=_("communities"),
        queryset=Community.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["communities"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Community.objects.filter(organisation=organisation).order_by("name")
        for key in TARGET_KEYS:
            self.fields[f"target_{key}"] = forms.DecimalField(
                label=str(BY_KEY[key].label),
                required=False,
                min_value=0,
                max_digits=12,
                decimal_places=2,
            )

    def targets(self) -> dict[str, Any]:
        return {
            key: self.cleaned_data[f"target_{key}"]
            for key in TARGET_KEYS
            if self.cleaned_data.get(f"target_{key}") is not None
        }


class TimeLogForm(forms.Form):
    project: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("project"), queryset=Project.objects.none()
    )
    day = forms.DateField(label=_("day"), widget=forms.DateInput(attrs={"type": "date"}))
    hours = forms.DecimalField(
        label=_("hours"), min_value=0.25, max_value=24, max_digits=5, decimal_places=2
    )
    note = forms.CharField(label=_("what was done"), max_length=300, required=False)

    def __init__(self, *args: Any, projects: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["project"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = projects


class CoverForm(forms.Form):
    """A record of the community to link to a project, or to unlink from it."""

    kind = forms.ChoiceField(
        label=_("kind"),
        choices=[
            ("needs", _("Needs")),
            ("recommendations", _("Recommendations")),
            ("activities", _("Activities")),
            ("self_organisations", _("Self-organisations")),
        ],
    )
    record = forms.IntegerField(label=_("record"), min_value=1)


class LinkForm(forms.Form):
    """Another project of the organisation that shares people and effort."""

    other = forms.IntegerField(label=_("project"), min_value=1)
