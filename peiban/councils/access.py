"""Who may do what with councils and owners' votes; outside that, 404.

- Staff and admins (EDIT) set up bodies, meetings and owners' votes, enter paper ballots, import
  sheets and close votes.
- Staff and resident leaders (RECORDS) chair meetings: the chair's screen, speakers, the vote.
- Everyone of the community (residents, leaders, staff, government viewers) sees the public
  board of decisions and the results of closed votes: figures, never names.
"""

from __future__ import annotations

from django.http import Http404

from peiban.core.access import AnyUser, CommunityAccess, get_community_access
from peiban.core.access import Need as Can
from peiban.councils.models import (
    Assembly,
    Body,
    ConsentCase,
    Meeting,
    Motion,
    Poll,
    Proposal,
    Requisition,
    Resolution,
)


def get_public_access(user: AnyUser, ref: str) -> CommunityAccess:
    """Anyone with a role in the community: the public board and closed results."""
    try:
        return get_community_access(user, ref, need=Can.AGGREGATES)
    except Http404:
        return get_community_access(user, ref, need=Can.PARTICIPATE)


def get_body_for_user(
    user: AnyUser, ref: str, pk: int, *, manage: bool = False
) -> tuple[CommunityAccess, Body]:
    """A council or assembly for those who chair its meetings; with `manage`, for staff."""
    access = get_community_access(user, ref, need=Can.EDIT if manage else Can.RECORDS)
    body = (
        Body.objects.select_related("community__organisation")
        .filter(community=access.community, pk=pk)
        .first()
    )
    if body is None:
        raise Http404
    return access, body


def get_meeting_for_user(
    user: AnyUser, ref: str, pk: int, *, chair: bool = False
) -> tuple[CommunityAccess, Meeting]:
    """A meeting for its members and followers; with `chair`, only for those who may chair."""
    access = (
        get_community_access(user, ref, need=Can.RECORDS)
        if chair
        else get_community_access(user, ref, need=Can.PARTICIPATE)
    )
    meeting = (
        Meeting.objects.select_related("body", "community__organisation")
        .filter(community=access.community, pk=pk)
        .first()
    )
    if meeting is None:
        raise Http404
    return access, meeting


def get_motion_for_user(
    user: AnyUser, ref: str, pk: int, *, chair: bool = False
) -> tuple[CommunityAccess, Motion]:
    access = (
        get_community_access(user, ref, need=Can.RECORDS)
        if chair
        else get_community_access(user, ref, need=Can.PARTICIPATE)
    )
    motion = (
        Motion.objects.select_related("meeting__body", "community__organisation")
        .filter(community=access.community, pk=pk)
        .first()
    )
    if motion is None:
        raise Http404
    return access, motion


def get_assembly_for_user(
    user: AnyUser, ref: str, pk: int, *, manage: bool = False
) -> tuple[CommunityAccess, Assembly]:
    """An owners' vote: for staff to manage with `manage`, else for anyone of the community."""
    access = (
        get_community_access(user, ref, need=Can.EDIT) if manage else get_public_access(user, ref)
    )
    assembly = (
        Assembly.objects.select_related("community__organisation", "body")
        .filter(community=access.community, pk=pk)
        .first()
    )
    if assembly is None:
        raise Http404
    return access, assembly


def get_resolution_for_user(
    user: AnyUser, ref: str, pk: int, *, manage: bool = False
) -> tuple[CommunityAccess, Resolution]:
    access = (
        get_community_access(user, ref, need=Can.RECORDS)
        if manage
        else get_public_access(user, ref)
    )
    resolution = (
        Resolution.objects.select_related("community__organisation")
        .filter(community=access.community, pk=pk)
        .first()
    )
    if resolution is None:
        raise Http404
    return access, resolution


def get_consent_case_for_user(
    user: AnyUser, ref: str, pk: int
) -> tuple[CommunityAccess, ConsentCase]:
    """Art. 279 cases hold owners' names and answers: staff only."""
    access = get_community_access(user, ref, need=Can.EDIT)
    case = (
        ConsentCase.objects.select_related("dwelling__building", "community__organisation")
        .filter(community=access.community, pk=pk)
        .first()
    )
    if case is None:
        raise Http404
    return access, case


def get_poll_for_user(user: AnyUser, ref: str, pk: int) -> tuple[CommunityAccess, Poll]:
    access = get_public_access(user, ref)
    poll = Poll.objects.filter(community=access.community, pk=pk).first()
    if poll is None:
        raise Http404
    return access, poll


def get_proposal_for_user(user: AnyUser, ref: str, pk: int) -> tuple[CommunityAccess, Proposal]:
    access = get_community_access(user, ref, need=Can.PARTICIPATE)
    proposal = Proposal.objects.filter(community=access.community, pk=pk).first()
    if proposal is None:
        raise Http404
    return access, proposal


def get_requisition_for_user(
    user: AnyUser, ref: str, pk: int
) -> tuple[CommunityAccess, Requisition]:
    """A requisition of an interim owners' assembly holds owners' signatures: staff only."""
    access = get_community_access(user, ref, need=Can.EDIT)
    requisition = (
        Requisition.objects.select_related("community__organisation")
        .filter(community=access.community, pk=pk)
        .first()
    )
    if requisition is None:
        raise Http404
    return access, requisition
