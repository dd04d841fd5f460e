from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from peiban.core.models import ConsentPurpose
from peiban.places.models import ResidentKind

ROSTER_MAX_BYTES = 20 * 2**20


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file"),
        help_text=_(
            "Excel (.xlsx) or CSV (UTF-8 or GBK), up to 20 MB. Columns such as 栋, 单元, 房号 "
            "(or one address column like 3-2-301), 面积, 业主/姓名, 电话, 身份."
        ),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > ROSTER_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is %(size).1f MB; the limit is 20 MB."),
                params={"size": upload.size / 2**20},
            )
        return upload


class RosterConfirmForm(forms.Form):
    upload = forms.CharField(widget=forms.HiddenInput, max_length=64)
    partial = forms.BooleanField(
        label=_("Import the good rows and leave out the rejected ones"), required=False
    )


class UnmaskForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need the full number?"),
        max_length=200,
        help_text=_("For example: to call about the leaking pipe. This is recorded."),
    )


def upload_dir() -> str:
    return str(settings.MEDIA_ROOT / "rosters")


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    version = forms.CharField(label=_("Version of the consent text"), max_length=20, initial="1")
    guardian = forms.CharField(
        label=_("Guardian (for a child under 14)"), max_length=50, required=False
    )


class RightsActionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("For example: the resident asked at the rights desk on 3 May."),
    )


LIST_SEPARATORS = re.compile(r"[、,，;；\s]+")


class ListField(forms.CharField):
    """A list of short texts typed as 理发、维修水电 (any of 、,，;； or spaces between)."""

    def prepare_value(self, value: object) -> object:
        if isinstance(value, list):
            return "、".join(str(v) for v in value)
        return value

    def to_python(self, value: object) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [part for part in LIST_SEPARATORS.split(text) if part]


class ResidentForm(forms.Form):
    name = forms.CharField(label=_("Name or form of address"), max_length=50)
    kind = forms.ChoiceField(
        label=_("Owner, tenant or family"),
        choices=[("", "–"), *ResidentKind.choices],
        required=False,
    )
    relation = forms.CharField(label=_("Relation to the household"), max_length=30, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    years_lived = forms.IntegerField(
        label=_("Years lived here"), min_value=0, max_value=120, required=False
    )
    skills = ListField(label=_("Skills and specialities"), required=False, max_length=300)
    time_offered = forms.CharField(
        label=_("Time they can give"),
        max_length=200,
        required=False,
        help_text=_("For example: weekday mornings, two hours a week."),
    )
    interests = ListField(label=_("Interests"), required=False, max_length=300)
    tags = ListField(label=_("Tags"), required=False, max_length=300)
    reason = forms.CharField(
        label=_("Why is this changed?"),
        max_length=200,
        help_text=_("For example: corrected at the resident's request. This is recorded."),
    )

    FIELDS = (
        "name",
        "kind",
        "relation",
        "phone",
        "years_lived",
        "skills",
        "time_offered",
        "interests",
        "tags",
    )
