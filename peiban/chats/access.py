"""Who may reach a proposal or a group channel: staff of its community (anything else is a 404)."""

from __future__ import annotations

from django.http import Http404

from peiban.chats.models import Channel, Proposal, ProposalStatus
from peiban.core.access import AnyUser, CommunityAccess, get_community_access
from peiban.core.access import Need as Can


def get_proposal_for_user(
    user: AnyUser, community: str, pk: int, *, need: Can = Can.EDIT
) -> tuple[CommunityAccess, Proposal]:
    access = get_community_access(user, community, need=need)
    proposal = (
        Proposal.objects.select_related("community__organisation", "category", "building")
        .filter(community=access.community, pk=pk, status=ProposalStatus.PENDING)
        .first()
    )
    if proposal is None:
        raise Http404
    return access, proposal


def get_channel_for_user(
    user: AnyUser, community: str, pk: int, *, need: Can = Can.EDIT
) -> tuple[CommunityAccess, Channel]:
    """A group channel of the community, for a user who may `need` there; otherwise 404."""
    access = get_community_access(user, community, need=need)
    channel = (
        Channel.objects.select_related("community__organisation", "building")
        .filter(community=access.community, pk=pk)
        .first()
    )
    if channel is None:
        raise Http404
    return access, channel
