from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from peiban.core.access import communities_for_user, get_community_for_user, memberships_for_user
from peiban.core.names import user_display_name

router = Router(tags=["account"])


class MembershipOut(Schema):
    organisation: str
    organisation_name: str
    role: str


class MeOut(Schema):
    username: str
    name: str
    language: str
    memberships: list[MembershipOut]


class CommunityOut(Schema):
    id: int
    slug: str
    name: str
    organisation: str


@router.get("/me", response=MeOut, summary="The signed-in user and their memberships")
def me(request: HttpRequest) -> dict[str, object]:
    user = request.user
    return {
        "username": user.get_username(),
        "name": user_display_name(user),
        "language": request.LANGUAGE_CODE,
        "memberships": [
            {
                "organisation": m.organisation.slug,
                "organisation_name": m.organisation.name,
                "role": m.role,
            }
            for m in memberships_for_user(user)
        ],
    }


@router.get(
    "/communities",
    response=list[CommunityOut],
    tags=["communities"],
    summary="Communities you may see",
)
def community_list(request: HttpRequest) -> list[dict[str, object]]:
    return [
        {"id": c.pk, "slug": c.slug, "name": c.name, "organisation": c.organisation.slug}
        for c in communities_for_user(request.user)
    ]


@router.get(
    "/communities/{ref}", response=CommunityOut, tags=["communities"], summary="One community"
)
def community_detail(request: HttpRequest, ref: str) -> dict[str, object]:
    c = get_community_for_user(request.user, ref)
    return {"id": c.pk, "slug": c.slug, "name": c.name, "organisation": c.organisation.slug}
