from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from peiban.core.models import ConsentPurpose

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
