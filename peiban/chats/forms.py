from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peiban.chats.models import ChannelKind, ChannelPlatform
from peiban.needs.models import Category, Urgency
from peiban.places.models import Building


class IntakeForm(forms.Form):
    text = forms.CharField(
        label=_("Paste the chat"),
        widget=forms.Textarea(attrs={"rows": 10}),
        required=False,
        max_length=2_000_000,
        help_text=_("Copy the messages from the group chat, or upload an export below."),
    )
    upload = forms.FileField(
        label=_("Or upload a chat export"),
        required=False,
        help_text=_("A text export (.txt) or a table (.csv, .xlsx) with sender, time and content."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("text", "").strip() and not data.get("upload"):
            raise forms.ValidationError(_("Paste the chat or choose a file."))
        return data


class ConfirmForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none())
    building = forms.ModelChoiceField(
        label=_("Building"), queryset=Building.objects.none(), required=False
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        categories: Any,
        buildings: Any,
        listed: tuple[list[Any], list[Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories  # type: ignore[attr-defined]
        self.fields["building"].queryset = buildings  # type: ignore[attr-defined]
        if listed is not None:  # many forms on one page: list the choices once, not per form
            blank = [("", "---------")]
            self.fields["category"].choices = blank + [(c.pk, str(c)) for c in listed[0]]  # type: ignore[attr-defined]
            self.fields["building"].choices = blank + [(b.pk, str(b)) for b in listed[1]]  # type: ignore[attr-defined]


class DismissForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    chatter = forms.BooleanField(label=_("It is chatter: teach the classifier"), required=False)


class ChannelForm(forms.Form):
    """A group channel: what the group is for, never its QR code, link or members' names."""

    name = forms.CharField(
        label=_("Name of the group"),
        max_length=80,
        help_text=_("As it appears in WeChat, e.g. 幸福里骨干群 or 3栋邻里群."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=ChannelKind.choices)
    platform = forms.ChoiceField(
        label=_("Platform"), choices=ChannelPlatform.choices, initial=ChannelPlatform.WECHAT
    )
    building = forms.ModelChoiceField(
        label=_("Building"),
        queryset=Building.objects.none(),
        required=False,
        help_text=_("For a building group."),
    )
    members = forms.IntegerField(label=_("Members (about)"), min_value=0, required=False)
    started_on = forms.DateField(
        label=_("Started on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    keeper = forms.CharField(
        label=_("Kept by"),
        max_length=60,
        required=False,
        help_text=_("A name or role (社工小王, 3栋楼长), never a phone number."),
    )

    def __init__(self, *args: Any, buildings: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["building"].queryset = buildings  # type: ignore[attr-defined]


class ChannelCloseForm(forms.Form):
    closed_on = forms.DateField(
        label=_("Closed on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
