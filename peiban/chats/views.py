"""Pages of the group-chat intake. Each view asks its access helper first, then one service."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peiban.chats.access import get_channel_for_user, get_proposal_for_user
from peiban.chats.demo_chat import demo_chat_text
from peiban.chats.forms import (
    ChannelCloseForm,
    ChannelForm,
    ConfirmForm,
    DismissForm,
    IntakeForm,
)
from peiban.chats.parsing import ChatFileError, parse_chat, read_chat_file
from peiban.chats.selectors import (
    classifier_stored,
    community_channels,
    emerging_issues,
    need_source_messages,
    pending_proposals,
    sender_shown,
)
from peiban.chats.services import (
    ChannelFields,
    ChatError,
    Edit,
    channel_close,
    channel_record,
    channel_update,
    chat_intake,
    classifier_train,
    proposal_confirm,
    proposal_dismiss,
)
from peiban.core.access import CommunityAccess, get_community_access, signed_in
from peiban.core.access import Need as Can
from peiban.needs.access import needs_for_user
from peiban.needs.services import NeedError, categories_ensure
from peiban.places.models import Building


@login_required
def intake(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.EDIT)
    user = signed_in(request)
    form = IntakeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("upload")
        try:
            if upload is not None:
                parsed = read_chat_file(upload.read(), filename=upload.name or "")
                source = upload.name or ""
            else:
                parsed = parse_chat(form.cleaned_data["text"])
                source = _("pasted text")
            batch = chat_intake(
                community=access.community, messages=parsed, actor=user, source=source
            )
        except (ChatFileError, ChatError) as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("%(read)s messages read; %(proposed)s proposed as needs.")
                % {"read": batch.messages_read, "proposed": batch.proposals_made},
            )
            return redirect("chats:proposals", community=access.community.slug)
    return render(
        request,
        "chats/intake.html",
        {
            "community": access.community,
            "form": form,
            "pending": pending_proposals(access.community).count(),
            "alerts": emerging_issues(access.community),
        },
    )


@login_required
def demo_text(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.EDIT)
    buildings = Building.objects.filter(community=access.community).count() or 3
    start = timezone.localdate() - timedelta(days=30)
    text = demo_chat_text(buildings=min(buildings, 20), start=start)
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


@login_required
def proposals(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.RECORDS)
    staff = access.can(Can.EDIT)
    categories = access.community.organisation.need_categories.filter(active=True)
    buildings = Building.objects.filter(community=access.community)
    listed = (list(categories), list(buildings)) if staff else None
    rows = []
    for proposal in pending_proposals(access.community):
        form = (
            ConfirmForm(
                categories=categories,
                buildings=buildings,
                listed=listed,
                initial={
                    "title": proposal.title,
                    "category": proposal.category_id,
                    "building": proposal.building_id,
                    "urgency": proposal.urgency,
                    "version": proposal.version,
                },
                prefix=f"p{proposal.pk}",
            )
            if staff
            else None
        )
        shown = [
            (sender_shown(access, m.sender), m.sent_at, m.text) for m in proposal.messages.all()
        ]
        rows.append({"proposal": proposal, "form": form, "messages": shown})
    return render(
        request,
        "chats/proposals.html",
        {"community": access.community, "rows": rows, "staff": staff},
    )


@login_required
@require_POST
def confirm(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, proposal = get_proposal_for_user(request.user, community, pk)
    user = signed_in(request)
    categories_ensure(access.community.organisation)
    form = ConfirmForm(
        request.POST,
        categories=access.community.organisation.need_categories.filter(active=True),
        buildings=Building.objects.filter(community=access.community),
        prefix=f"p{proposal.pk}",
    )
    if not form.is_valid():
        messages.error(request, _("Check the title, category and urgency, then confirm again."))
        return redirect("chats:proposals", community=access.community.slug)
    data = form.cleaned_data
    try:
        need = proposal_confirm(
            proposal=proposal,
            actor=user,
            edit=Edit(
                title=data["title"],
                category=data["category"],
                building=data["building"],
                urgency=data["urgency"],
            ),
            expected_version=data["version"],
        )
    except (ChatError, NeedError) as error:
        messages.error(request, str(error))
        return redirect("chats:proposals", community=access.community.slug)
    messages.success(request, _("The need “%(title)s” is in the register.") % {"title": need.title})
    return redirect("chats:proposals", community=access.community.slug)


@login_required
@require_POST
def dismiss(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, proposal = get_proposal_for_user(request.user, community, pk)
    user = signed_in(request)
    form = DismissForm(request.POST)
    if form.is_valid():
        try:
            proposal_dismiss(
                proposal=proposal,
                actor=user,
                chatter=form.cleaned_data["chatter"],
                expected_version=form.cleaned_data["version"],
            )
        except ChatError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The proposal was dismissed and its messages deleted."))
    return redirect("chats:proposals", community=access.community.slug)


@login_required
def model_quality(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.EDIT)
    stored = classifier_stored(access.community.organisation)
    quality = stored.quality if stored else {}
    per_category = sorted(
        (quality.get("per_category") or {}).items(), key=lambda item: -item[1]["support"]
    )
    return render(
        request,
        "chats/model.html",
        {
            "community": access.community,
            "stored": stored,
            "quality": quality,
            "per_category": per_category,
        },
    )


@login_required
@require_POST
def model_train(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.EDIT)
    classifier_train(organisation=access.community.organisation, actor=signed_in(request))
    messages.success(request, _("The classifier was trained again."))
    return redirect("chats:model", community=access.community.slug)


@login_required
def alerts(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.AGGREGATES)
    return render(
        request,
        "chats/alerts.html",
        {"community": access.community, "alerts": emerging_issues(access.community)},
    )


@login_required
def need_messages(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    # Roles that see records, and only for needs they may see (leaders: public or their own).
    access = get_community_access(request.user, community, need=Can.RECORDS)
    need = needs_for_user(access, signed_in(request)).filter(pk=pk).first()
    if need is None:
        raise Http404
    shown = [
        (sender_shown(access, m.sender), m.sent_at, m.text) for m in need_source_messages(need)
    ]
    return render(
        request,
        "chats/need_messages.html",
        {"community": access.community, "need": need, "source_messages": shown},
    )


# --- Group channels ----------------------------------------------------------------------------


@login_required
def channels(request: HttpRequest, community: str) -> HttpResponse:
    # Staff and admins keep the list; resident leaders see it with the keepers' names masked.
    access = get_community_access(request.user, community, need=Can.RECORDS)
    rows = [
        (channel, sender_shown(access, channel.keeper) if channel.keeper else "")
        for channel in community_channels(access.community)
    ]
    return render(
        request,
        "chats/channels.html",
        {
            "community": access.community,
            "rows": rows,
            "open_count": sum(1 for channel, _keeper in rows if channel.closed_on is None),
            "staff": access.can(Can.EDIT),
        },
    )


def _fields(data: dict[str, Any]) -> ChannelFields:
    return ChannelFields(
        name=data["name"],
        kind=data["kind"],
        platform=data["platform"],
        building=data["building"],
        members=data["members"],
        started_on=data["started_on"],
        keeper=data["keeper"],
    )


def _channel_form_page(
    request: HttpRequest, access: CommunityAccess, form: ChannelForm, **extra: Any
) -> HttpResponse:
    return render(
        request, "chats/channel_form.html", {"community": access.community, "form": form, **extra}
    )


@login_required
def channel_add(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.EDIT)
    form = ChannelForm(
        request.POST or None, buildings=Building.objects.filter(community=access.community)
    )
    if request.method == "POST" and form.is_valid():
        try:
            channel = channel_record(
                community=access.community,
                fields=_fields(form.cleaned_data),
                actor=signed_in(request),
            )
        except ChatError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The group “%(name)s” is recorded.") % {"name": channel})
            return redirect("chats:channels", community=access.community.slug)
    return _channel_form_page(request, access, form)


@login_required
def channel_edit(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, channel = get_channel_for_user(request.user, community, pk)
    if channel.closed_on is not None:
        raise Http404
    form = ChannelForm(
        request.POST or None,
        buildings=Building.objects.filter(community=access.community),
        initial={
            "name": channel.name,
            "kind": channel.kind,
            "platform": channel.platform,
            "building": channel.building_id,
            "members": channel.members,
            "started_on": channel.started_on,
            "keeper": channel.keeper,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            channel_update(
                channel=channel, fields=_fields(form.cleaned_data), actor=signed_in(request)
            )
        except ChatError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The group “%(name)s” is saved.") % {"name": channel.name})
            return redirect("chats:channels", community=access.community.slug)
    return _channel_form_page(request, access, form, channel=channel, close_form=ChannelCloseForm())


@login_required
@require_POST
def channel_close_view(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, channel = get_channel_for_user(request.user, community, pk)
    form = ChannelCloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the date the group closed."))
        return redirect("chats:channel-edit", community=access.community.slug, pk=channel.pk)
    try:
        channel_close(
            channel=channel, actor=signed_in(request), closed_on=form.cleaned_data["closed_on"]
        )
    except ChatError as error:
        messages.error(request, str(error))
        return redirect("chats:channel-edit", community=access.community.slug, pk=channel.pk)
    messages.success(request, _("The group “%(name)s” is closed.") % {"name": channel.name})
    return redirect("chats:channels", community=access.community.slug)
