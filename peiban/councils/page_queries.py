"""Reads that only the councils' pages need: the members of a body with their terms, the meetings
a proposal can go to, a first draft of the minutes, and the charts of closed polls. Each costs a
fixed number of queries whatever the size of the data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import Count
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from peiban.core.charts import Series, stacked_bars
from peiban.councils.models import (
    Body,
    BodyMember,
    Meeting,
    MeetingStatus,
    MotionStatus,
    Poll,
    PollAnswer,
    PollOption,
    SpeakingTurn,
    TurnStatus,
)

MEETING_CHOICES = 20  # meetings to come offered per body when a proposal becomes a motion


@dataclass(frozen=True)
class Seat:
    member: BodyMember
    serving: bool  # the term covers today


def body_seats(body: Body, *, today: date | None = None) -> list[Seat]:
    """Every term of every member, those serving today first, then by the start of the term."""
    day = today or timezone.localdate()
    seats = [
        Seat(
            member=member,
            serving=member.term_start <= day
            and (member.term_end is None or member.term_end >= day),
        )
        for member in BodyMember.objects.filter(body=body)
        .select_related("resident")
        .order_by("-term_start", "id")
    ]
    return sorted(seats, key=lambda seat: not seat.serving)


def meetings_to_come(community_id: int, *, body_id: int | None = None) -> dict[int, list[Meeting]]:
    """The meetings not yet closed, by body, soonest first: where a proposal can become a motion."""
    found: dict[int, list[Meeting]] = {}
    meetings = Meeting.objects.filter(community_id=community_id)
    if body_id is not None:
        meetings = meetings.filter(body_id=body_id)
    for meeting in meetings.exclude(status=MeetingStatus.CLOSED).order_by("starts_at", "id"):
        rows = found.setdefault(meeting.body_id, [])
        if len(rows) < MEETING_CHOICES:
            rows.append(meeting)
    return found


def minutes_draft(meeting: Meeting) -> str:
    """A first draft of the minutes from what Peiban recorded: who was present, each motion,
    who spoke on it and how it was decided. The secretary corrects and completes it."""
    present = list(
        meeting.presences.order_by("resident__name", "id").values_list("resident__name", flat=True)
    )
    motions = list(meeting.motions.order_by("position", "id"))
    speakers: dict[int, list[str]] = {}
    for motion_id, name in (
        SpeakingTurn.objects.filter(motion__meeting=meeting, status=TurnStatus.DONE)
        .order_by("started_at", "id")
        .values_list("motion_id", "resident__name")
    ):
        names = speakers.setdefault(motion_id, [])
        if name not in names:
            names.append(name)
    lines = [
        _("%(title)s, %(when)s")
        % {
            "title": meeting.title,
            "when": timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M"),
        }
    ]
    if meeting.place:
        lines.append(_("Place: %(place)s") % {"place": meeting.place})
    if present:
        lines.append(
            _("Present (%(n)s): %(names)s") % {"n": len(present), "names": "、".join(present)}
        )
    for number, motion in enumerate(motions, start=1):
        lines.append("")
        lines.append(_("Motion %(n)s: %(action)s") % {"n": number, "action": motion.action})
        if motion.pk in speakers:
            lines.append(_("Spoke: %(names)s") % {"names": "、".join(speakers[motion.pk])})
        if motion.status == MotionStatus.VOTED:
            outcome = (
                pgettext("motion", "passed") if motion.passed else pgettext("motion", "not passed")
            )
            lines.append(
                _("Vote: %(f)s for, %(a)s against, %(x)s abstaining; %(outcome)s.")
                % {
                    "f": motion.votes_for,
                    "a": motion.votes_against,
                    "x": motion.abstentions,
                    "outcome": outcome,
                }
            )
        elif motion.status == MotionStatus.WITHDRAWN:
            lines.append(_("Withdrawn."))
        else:
            lines.append(_("Not voted on."))
    return "\n".join(lines)


@dataclass(frozen=True)
class PollResult:
    counts: list[tuple[str, int]]  # per option, in the poll's order
    respondents: int
    chart: SafeString


def poll_charts(polls: Sequence[Poll]) -> dict[int, PollResult]:
    """The results of the closed polls among `polls`, with a bar chart each; nothing for polls
    still open (their results are not shown before closing). Two queries for any number of
    polls; the options are expected prefetched."""
    now = timezone.now()
    closed = [poll for poll in polls if poll.closes_at <= now]
    if not closed:
        return {}
    ids = [poll.pk for poll in closed]
    per_option = dict(
        PollAnswer.objects.filter(poll_id__in=ids)
        .values_list("option_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    per_poll = dict(
        PollAnswer.objects.filter(poll_id__in=ids)
        .values_list("poll_id")
        .annotate(n=Count("resident", distinct=True))
        .order_by()
    )
    results: dict[int, PollResult] = {}
    for poll in closed:
        options: list[PollOption] = list(poll.options.all())
        counts = [(option.text, int(per_option.get(option.pk, 0))) for option in options]
        chart = stacked_bars(
            [text for text, _n in counts],
            [Series(label=_("Answers"), values=[n for _text, n in counts])],
            title=poll.question,
        )
        results[poll.pk] = PollResult(
            counts=counts, respondents=int(per_poll.get(poll.pk, 0)), chart=chart
        )
    return results
