"""Forms of the organisation set-up pages; the services re-check everything they are given."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from peiban.core.models import Organisation, Role
from peiban.places.models import Community, PartnerKind

ROLE_HELP = _(
    "Organisation admins set up the organisation and see every community. Staff keep the "
    "registry of their communities. Resident leaders see the records of their communities; "
    "government viewers see only counts."
)


class CommunityForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, help_text=_("As in 和平里小区."))
    slug = forms.SlugField(
        label=_("Short name"),
        max_length=80,
        required=False,
        help_text=_(
            "Used in web addresses: Latin letters, digits and hyphens, as in heping. "
            "Leave it empty to have one made for you."
        ),
    )
    city = forms.CharField(label=_("City"), max_length=64, required=False)
    grid_code = forms.CharField(
        label=_("Grid code"),
        max_length=64,
        required=False,
        help_text=_("The code of the grid (网格) the street office files the community under."),
    )

    def clean_slug(self) -> str:
        slug: str = self.cleaned_data["slug"]
        if slug and Community.objects.filter(slug=slug).exists():
            raise forms.ValidationError(
                _("The short name “%(slug)s” is taken. Choose another one."),
                code="taken",
                params={"slug": slug},
            )
        return slug


class PartnerForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of partner"), choices=PartnerKind.choices)
    name = forms.CharField(
        label=_("Name"), max_length=200, help_text=_("As in 和平街道办事处 or 安居物业.")
    )
    contact = forms.CharField(
        label=_("Contact person"),
        max_length=100,
        required=False,
        help_text=_("Who to ask there, as in 王主任."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you do together, or anything the team should know."),
    )


class _RoleForm(forms.Form):
    """Role and communities, shared by the add and change forms."""

    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, help_text=ROLE_HELP)
    communities = forms.ModelMultipleChoiceField(
        label=_("Communities"),
        queryset=Community.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Where this member works. Not needed for organisation admins."),
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelMultipleChoiceField, self.fields["communities"])
        field.queryset = Community.objects.filter(organisation=organisation)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        role = cleaned.get("role")
        if role and role != Role.ORG_ADMIN and not cleaned.get("communities"):
            self.add_error(
                "communities",
                _("Choose at least one community: only organisation admins see every community."),
            )
        return cleaned


class MemberAddForm(_RoleForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_(
            "What they type to sign in. If someone already has this username, that account "
            "is added and keeps its own name and e-mail."
        ),
    )
    last_name = forms.CharField(label=_("Family name"), max_length=150, required=False)
    first_name = forms.CharField(label=_("Given name"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("E-mail"),
        required=False,
        help_text=_("Optional; lets them ask for a new password themselves later."),
    )

    field_order = ("username", "last_name", "first_name", "email", "role", "communities")


class MemberChangeForm(_RoleForm):
    pass
