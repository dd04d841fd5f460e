from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from peiban.ledger.models import RewardKind


class CertificateForm(forms.Form):
    responsible_person = forms.CharField(label=_("Responsible person"), max_length=50)
    handler = forms.CharField(label=_("Handler"), max_length=50)


class RuleForm(forms.Form):
    hours_to_points = forms.DecimalField(
        label=_("Points per hour"), min_value=Decimal("0.01"), max_digits=7, decimal_places=2
    )
    cap = forms.DecimalField(
        label=_("Cap on stored points"),
        min_value=Decimal("0.01"),
        max_digits=9,
        decimal_places=2,
        required=False,
        help_text=_("Leave empty if there is no cap."),
    )
    text = forms.CharField(label=_("Rules as published"), max_length=5000, widget=forms.Textarea)
    approved_by = forms.CharField(
        label=_("Approved by"),
        max_length=200,
        help_text=_("For example: the residents' council, decision of 2026-03-02."),
    )


class RewardForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=RewardKind.choices)
    cost = forms.DecimalField(
        label=_("Cost in points"), min_value=Decimal("0.01"), max_digits=9, decimal_places=2
    )
    stock = forms.IntegerField(
        label=_("In stock"),
        min_value=0,
        required=False,
        help_text=_("Leave empty for a service without limit."),
    )


class RedeemForm(forms.Form):
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=99, initial=1)
