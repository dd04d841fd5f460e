from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from peiban.network.models import TieKind, TieSource
from peiban.places.models import Community, Resident


class TieForm(forms.Form):
    resident = forms.ModelChoiceField(queryset=Resident.objects.none(), label=_("Resident"))
    other = forms.ModelChoiceField(queryset=Resident.objects.none(), label=_("Other resident"))
    kind = forms.ChoiceField(label=_("Kind of tie"), choices=TieKind.choices)
    source = forms.ChoiceField(label=_("Where it was learnt"), choices=TieSource.choices)
    strength = forms.IntegerField(
        label=_("Strength (1–5)"),
        min_value=1,
        max_value=5,
        initial=3,
        help_text=_("1 knows by sight, 5 very close."),
    )
    observed_on = forms.DateField(label=_("Since"), widget=forms.DateInput(attrs={"type": "date"}))
    sensitive = forms.BooleanField(label=_("Visible to staff only"), required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, community: Community, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        residents = Resident.objects.filter(community=community, anonymised_at__isnull=True)
        for name in ("resident", "other"):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = residents.order_by("name", "pk")
