"""Who sees which survey forms and responses.

Staff (Need.EDIT) manage forms, imports and every response; staff and resident leaders
(Need.RECORDS) visit households and fill the form; government viewers (Need.AGGREGATES) see
aggregate results only, never a response. A sensitive form (the Party-member form) is seen by
staff only. Outside that, a form answers 404.
"""

from __future__ import annotations

from django.http import Http404

from peiban.core.access import AnyUser, CommunityAccess, get_community_access
from peiban.core.access import Need as Can
from peiban.surveys.models import Form

__all__ = ["get_form_for_user"]


def get_form_for_user(
    user: AnyUser, community_ref: str, pk: int, *, need: Can
) -> tuple[CommunityAccess, Form]:
    """The form if the user may do `need` with it in the community; otherwise 404."""
    access = get_community_access(user, community_ref, need=need)
    form = (
        Form.objects.select_related("community__organisation", "organisation")
        .filter(pk=pk, community=access.community)
        .first()
    )
    if form is None or (form.sensitive and not access.can(Can.EDIT)):
        raise Http404
    return access, form
