"""The daily digest for staff: what is new, urgent or stuck in the communities they accompany."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db.models import Count, Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from peiban.core.access import communities_for_user
from peiban.core.models import Membership, Role
from peiban.needs.models import OPEN_STAGES, Need, Urgency

STUCK_AFTER = timedelta(days=14)


@dataclass
class Digest:
    user: User
    new: list[Need] = field(default_factory=list)
    urgent: list[Need] = field(default_factory=list)
    stuck: list[Need] = field(default_factory=list)
    open_count: int = 0

    @property
    def empty(self) -> bool:
        return not (self.new or self.urgent or self.stuck)


def digest_for(user: User, *, now: datetime) -> Digest:
    """One staff member's digest; a few queries whatever the number of needs."""
    needs = Need.objects.filter(community__in=communities_for_user(user), stage__in=OPEN_STAGES)
    needs = needs.select_related("community").annotate(last_step=Max("actions__taken_at"))
    digest = Digest(user=user, open_count=needs.count())
    digest.new = list(needs.filter(raised_at__gte=now - timedelta(days=1))[:20])
    digest.urgent = list(needs.filter(urgency__in=[Urgency.HIGH, Urgency.DANGER])[:20])
    quiet = Q(last_step__lt=now - STUCK_AFTER) | Q(
        last_step__isnull=True, raised_at__lt=now - STUCK_AFTER
    )
    digest.stuck = list(needs.filter(quiet).order_by("raised_at")[:20])
    return digest


def digest_text(digest: Digest) -> str:
    lines = [
        _("Open needs in your communities: %(n)s.") % {"n": digest.open_count},
    ]
    for heading, needs in (
        (_("Raised in the last day"), digest.new),
        (_("Urgent"), digest.urgent),
        (_("No step for two weeks"), digest.stuck),
    ):
        if needs:
            lines.append("")
            lines.append(heading)
            lines += [f"- {n.community.name}: {n.title}" for n in needs]
    return "\n".join(lines)


def digests_send(*, now: datetime | None = None) -> dict[str, int]:
    """Send each staff member and org admin their digest by e-mail; skip empty ones."""
    now = now or timezone.now()
    staff_ids = (
        Membership.objects.filter(role__in=[Role.STAFF, Role.ORG_ADMIN])
        .values("user_id")
        .annotate(n=Count("pk"))
        .values_list("user_id", flat=True)
    )
    sent = skipped = 0
    for user in User.objects.filter(pk__in=staff_ids, is_active=True).exclude(email=""):
        digest = digest_for(user, now=now)
        if digest.empty:
            skipped += 1
            continue
        with translation.override("zh-hans"):
            subject = _("Peiban: needs to follow today")
            body = digest_text(digest)
        send_mail(subject, body, None, [user.email])
        sent += 1
    return {"sent": sent, "skipped": skipped}
