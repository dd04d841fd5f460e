from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from peiban.activities.models import ActivityKind, Registration
from peiban.groups.models import SelfOrganisation
from peiban.places.models import Community, PublicSpace


class ActivityForm(forms.Form):
    def __init__(
        self,
        *args: Any,
        community: Community,
        groups: QuerySet[SelfOrganisation] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        group_field = self.fields["group"]
        assert isinstance(group_field, forms.ModelChoiceField)
        if groups is None or not groups.exists():
            del self.fields["group"]
        else:
            group_field.queryset = groups
        spaces = PublicSpace.objects.filter(community=community, usable_for_activities=True)
        field = self.fields["place"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = spaces.order_by("name")
        if not spaces.exists():
            del self.fields["place"]

    title = forms.CharField(label=_("Title"), max_length=120)
    group = forms.ModelChoiceField(
        label=_("Organised by a self-organisation"),
        queryset=SelfOrganisation.objects.none(),
        required=False,
        empty_label=_("No, I organise it myself"),
        help_text=_("Activities a group runs itself show how far it has grown."),
    )
    kind = forms.ChoiceField(
        label=_("Kind of activity"), choices=ActivityKind.choices, initial=ActivityKind.THEMED
    )
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(
        label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    hours = forms.DecimalField(
        label=_("How many hours it lasts"),
        min_value=Decimal("0.5"),
        max_value=Decimal(24),
        decimal_places=1,
        initial=2,
    )
    capacity = forms.IntegerField(
        label=_("How many people can come"),
        min_value=1,
        required=False,
        help_text=_("Leave empty if there is no limit."),
    )
    registration = forms.ChoiceField(
        label=_("Registration"),
        choices=Registration.choices,
        initial=Registration.OPEN,
        widget=forms.RadioSelect,
    )
    place = forms.ModelChoiceField(
        label=_("Public space"),
        queryset=PublicSpace.objects.none(),
        required=False,
        empty_label=_("Another place (write it below)"),
    )
    place_text = forms.CharField(
        label=_("Where"),
        max_length=100,
        required=False,
        help_text=_("For example: the square in front of building 3."),
    )
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        required=False,
    )


class NewcomerForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    room = forms.CharField(
        label=_("Room"), max_length=40, help_text=_("Written as 3-2-301 or 3栋2单元301.")
    )
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )


class FeedbackForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How was it?"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything you would like to tell us? (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SummaryForm(forms.Form):
    summary = forms.CharField(
        label=_("Closing summary"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "What happened, who helped, what residents said and what comes next. "
            "The figures are added for you."
        ),
    )


class PhotoForm(forms.Form):
    file = forms.ImageField(
        label=_("Photo"),
        help_text=_("JPEG, PNG or WebP; up to 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        error_messages={
            "required": _("Choose a photo to upload."),
            "invalid_image": _("This file is not a photo that can be opened."),
        },
    )
    caption = forms.CharField(label=_("Caption (optional)"), max_length=200, required=False)
    people_agreed = forms.BooleanField(
        label=_("The people shown agreed to this photo being kept and shown to residents."),
        error_messages={
            "required": _("Confirm that the people in the photo agreed to it being kept and shown.")
        },
    )
