from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

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
