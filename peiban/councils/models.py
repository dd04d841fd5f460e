"""Councils, meetings, motions, votes and owners' assemblies (Civil Code Art. 278 and 279)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from peiban.places.models import Community, Dwelling, Resident


class BodyKind(models.TextChoices):
    RESIDENT_COUNCIL = "resident_council", _("Resident council (居民议事会)")
    SELF_ORGANISATION = "self_organisation", _("Self-organisation meeting")
    OWNERS_ASSEMBLY = "owners_assembly", _("Owners' assembly (业主大会)")
    OWNERS_COMMITTEE = "owners_committee", _("Owners' committee (业委会)")


class Majority(models.TextChoices):
    SIMPLE = "simple", _("More for than against")
    TWO_THIRDS = "two_thirds", _("Two thirds of those voting for or against")
    THREE_QUARTERS = "three_quarters", _("Three quarters of those voting for or against")


class Body(models.Model):
    """A deliberating body of a community: a council, a meeting of a group, an assembly."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="bodies", verbose_name=_("community")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=BodyKind.choices)
    name = models.CharField(_("name"), max_length=100)
    quorum_percent = models.PositiveSmallIntegerField(
        _("quorum (% of members present)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    majority = models.CharField(
        _("majority"), max_length=16, choices=Majority.choices, default=Majority.SIMPLE
    )
    turn_seconds = models.PositiveSmallIntegerField(
        _("seconds per speaking turn"),
        default=120,
        validators=[MinValueValidator(15), MaxValueValidator(1800)],
    )
    turns_cap = models.PositiveSmallIntegerField(
        _("turns per person per motion"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("council or assembly")
        verbose_name_plural = _("councils and assemblies")
        ordering: ClassVar = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class MemberRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    MEMBER = "member", _("Member")
    SECRETARY = "secretary", _("Secretary")


class BodyMember(models.Model):
    """An elected member of a body for a term."""

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="members")
    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="council_seats", verbose_name=_("resident")
    )
    role = models.CharField(
        _("role"), max_length=12, choices=MemberRole.choices, default=MemberRole.MEMBER
    )
    term_start = models.DateField(_("term starts"))
    term_end = models.DateField(_("term ends"), null=True, blank=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering: ClassVar = ["body", "role", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["body", "resident", "term_start"], name="councils_member_term_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident} ({self.body})"


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    OPEN = "open", _("In progress")
    CLOSED = "closed", _("Closed")


class Meeting(models.Model):
    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="meetings")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="meetings")
    title = models.CharField(_("title"), max_length=120)
    starts_at = models.DateTimeField(_("starts"))
    place = models.CharField(_("place"), max_length=100, blank=True)
    agenda = models.TextField(_("agenda"), max_length=5000, blank=True)
    notice_given_at = models.DateTimeField(_("notice given"), null=True, blank=True)
    minutes = models.TextField(_("minutes"), max_length=20000, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering: ClassVar = ["-starts_at", "-id"]
        indexes: ClassVar = [models.Index(fields=["community", "starts_at"])]

    def __str__(self) -> str:
        return self.title


class Presence(models.Model):
    """Someone present at a meeting (for the quorum and the record)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="presences")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["meeting", "resident"], name="councils_presence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} @ {self.meeting_id}"


class MotionStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    DEBATE = "debate", _("Under debate")
    VOTED = "voted", _("Voted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Motion(models.Model):
    """A concrete, actionable proposal (动议): no motion, no discussion."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="motions")
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="motions")
    action = models.CharField(
        _("what is to be done"),
        max_length=300,
        help_text=_("A concrete action: who does what, by when."),
    )
    proposer = models.ForeignKey(
        Resident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    position = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=MotionStatus.choices, default=MotionStatus.PROPOSED
    )
    votes_for = models.PositiveIntegerField(_("for"), null=True, blank=True)
    votes_against = models.PositiveIntegerField(_("against"), null=True, blank=True)
    abstentions = models.PositiveIntegerField(_("abstain"), null=True, blank=True)
    present = models.PositiveIntegerField(_("present"), null=True, blank=True)
    quorum_met = models.BooleanField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)
    voted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("motion")
        verbose_name_plural = _("motions")
        ordering: ClassVar = ["meeting", "position", "id"]

    def __str__(self) -> str:
        return self.action


class TurnStatus(models.TextChoices):
    WAITING = "waiting", _("Hand raised")
    SPEAKING = "speaking", _("Speaking")
    DONE = "done", _("Spoke")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class SpeakingTurn(models.Model):
    """A raised hand on a motion, and then the turn it became: the record of who spoke."""

    motion = models.ForeignKey(Motion, on_delete=models.CASCADE, related_name="turns")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="+")
    side = models.CharField(
        _("side"),
        max_length=8,
        choices=[
            ("for", pgettext_lazy("vote", "For")),
            ("against", pgettext_lazy("vote", "Against")),
        ],
    )
    status = models.CharField(max_length=10, choices=TurnStatus.choices, default=TurnStatus.WAITING)
    raised_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["raised_at", "id"]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.side} ({self.status})"


class ResolutionStatus(models.TextChoices):
    OPEN = "open", _("To do")
    IN_PROGRESS = "in_progress", _("In progress")
    REPORTED_DONE = "reported_done", _("Reported done")
    VERIFIED = "verified", _("Checked by residents")


class Resolution(models.Model):
    """A decision to act, followed until residents have checked it was done."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="resolutions")
    motion = models.OneToOneField(
        Motion, on_delete=models.SET_NULL, null=True, blank=True, related_name="resolution"
    )
    assembly = models.OneToOneField(
        "Assembly", on_delete=models.SET_NULL, null=True, blank=True, related_name="resolution"
    )
    action = models.CharField(_("what is to be done"), max_length=300)
    responsible = models.CharField(_("who does it"), max_length=100)
    due_on = models.DateField(_("by when"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ResolutionStatus.choices,
        default=ResolutionStatus.OPEN,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering: ClassVar = ["due_on", "id"]
        indexes: ClassVar = [models.Index(fields=["community", "status"])]

    def __str__(self) -> str:
        return self.action


class ResolutionUpdate(models.Model):
    resolution = models.ForeignKey(Resolution, on_delete=models.CASCADE, related_name="updates")
    text = models.CharField(_("progress"), max_length=1000)
    done = models.BooleanField(_("this finishes it"), default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text


class ResolutionCheck(models.Model):
    """A resident saying they saw the decision carried out (or not)."""

    resolution = models.ForeignKey(Resolution, on_delete=models.CASCADE, related_name="checks")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="+")
    confirmed = models.BooleanField(_("it was done"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["resolution", "resident"], name="councils_check_once_per_resident"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resolution_id}: {self.confirmed}"


# --- Owners' assemblies (Art. 278) ---------------------------------------------------------------


class AssemblyStatus(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    OPEN = "open", _("Voting open")
    CLOSED = "closed", _("Closed and counted")


class Assembly(models.Model):
    """One matter put to the owners (a vote of an owners' assembly or a written consultation)."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="assemblies")
    body = models.ForeignKey(
        Body, on_delete=models.SET_NULL, null=True, blank=True, related_name="assemblies"
    )
    title = models.CharField(_("title"), max_length=120)
    matter = models.PositiveSmallIntegerField(
        _("matter (Civil Code Art. 278)"),
        validators=[MinValueValidator(1), MaxValueValidator(9)],
    )
    question = models.TextField(_("the question put to the owners"), max_length=2000)
    notice_given_at = models.DateTimeField(_("notice given"), null=True, blank=True)
    opens_at = models.DateTimeField(_("voting opens"))
    closes_at = models.DateTimeField(_("voting closes"))
    secret = models.BooleanField(
        _("secret ballot"),
        default=False,
        help_text=_("The list of who voted is kept apart from the ballots."),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=AssemblyStatus.choices, default=AssemblyStatus.DRAFT
    )
    # The electorate, frozen when voting opens.
    total_area_centi = models.BigIntegerField(null=True, blank=True)
    total_heads = models.PositiveIntegerField(null=True, blank=True)
    # The count, kept when voting closes.
    result = models.JSONField(default=dict, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("owners' vote")
        verbose_name_plural = _("owners' votes")
        ordering: ClassVar = ["-opens_at", "-id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=models.Q(matter__gte=1, matter__lte=9), name="councils_matter_1_to_9"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def total_area(self) -> Decimal | None:
        if self.total_area_centi is None:
            return None
        return Decimal(self.total_area_centi).scaleb(-2)


class Voter(models.Model):
    """One head of the electorate: an owner (or the developer) with the area of their dwellings."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="voters")
    key = models.CharField(max_length=80)
    area_centi = models.BigIntegerField()
    label = models.CharField(max_length=300)  # the dwellings, for the staff's paper entry

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["assembly", "key"], name="councils_voter_key_unique")
        ]

    def __str__(self) -> str:
        return self.label or self.key

    @property
    def area(self) -> Decimal:
        return Decimal(self.area_centi).scaleb(-2)


class VotingCode(models.Model):
    """A one-time code delivered on paper to one dwelling; only its keyed hash is kept."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="codes")
    voter = models.ForeignKey(Voter, on_delete=models.CASCADE, related_name="codes")
    dwelling = models.ForeignKey(Dwelling, on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["assembly", "dwelling"], name="councils_code_per_dwelling"
            )
        ]

    def __str__(self) -> str:
        return f"code for dwelling {self.dwelling_id}"


class Channel(models.TextChoices):
    ONLINE = "online", _("Online with a paper code")
    PAPER = "paper", _("Paper ballot entered by staff")
    IMPORT = "import", _("Imported ballot sheet")


class BallotReceipt(models.Model):
    """That an owner voted, and how: one per owner (the database refuses a second)."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="receipts")
    voter = models.ForeignKey(Voter, on_delete=models.CASCADE, related_name="receipts")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    cast_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["assembly", "voter"], name="councils_one_ballot_each")
        ]

    def __str__(self) -> str:
        return f"{self.voter_id} voted ({self.channel})"


class Ballot(models.Model):
    """An opinion with the area and the head it carries. In a secret vote it names nobody:
    its id is random and it has no voter, so it cannot be joined to the receipts."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="ballots")
    voter = models.OneToOneField(
        Voter, on_delete=models.CASCADE, null=True, blank=True, related_name="ballot"
    )
    opinion = models.CharField(
        max_length=8,
        choices=[
            ("yes", pgettext_lazy("vote", "For")),
            ("no", pgettext_lazy("vote", "Against")),
            ("abstain", pgettext_lazy("vote", "Abstain")),
        ],
    )
    area_centi = models.BigIntegerField()

    class Meta:
        indexes: ClassVar = [models.Index(fields=["assembly", "opinion"])]

    def __str__(self) -> str:
        return f"ballot {self.pk}"


# --- Homes turned into businesses (Art. 279) -----------------------------------------------------


class ConsentAnswer(models.TextChoices):
    PENDING = "pending", _("Not yet asked or not answered")
    CONSENT = "consent", _("Consents")
    REFUSE = "refuse", _("Refuses")


class ConsentCase(models.Model):
    """A request to turn a home into a business (住改商): every affected owner must consent."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="consent_cases")
    dwelling = models.ForeignKey(Dwelling, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(_("the business planned"), max_length=200)
    closed_at = models.DateTimeField(null=True, blank=True)
    granted = models.BooleanField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("home-to-business consent case")
        verbose_name_plural = _("home-to-business consent cases")
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.purpose


class Consent(models.Model):
    case = models.ForeignKey(ConsentCase, on_delete=models.CASCADE, related_name="consents")
    dwelling = models.ForeignKey(Dwelling, on_delete=models.CASCADE, related_name="+")
    answer = models.CharField(
        max_length=8, choices=ConsentAnswer.choices, default=ConsentAnswer.PENDING
    )
    signed_by = models.CharField(_("signed by"), max_length=50, blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["dwelling__building__sort_key", "dwelling__unit", "dwelling__room"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["case", "dwelling"], name="councils_consent_once")
        ]

    def __str__(self) -> str:
        return f"{self.dwelling_id}: {self.answer}"


# --- Proposals and polls -------------------------------------------------------------------------


class Proposal(models.Model):
    """A residents' proposal, often from a need; enough support puts it on a council's agenda."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="proposals")
    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="proposals")
    action = models.CharField(_("what is proposed"), max_length=300)
    need = models.ForeignKey(
        "needs.Need", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    proposer = models.ForeignKey(
        Resident, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    support_needed = models.PositiveSmallIntegerField(_("supporters needed"), default=10)
    on_agenda_at = models.DateTimeField(null=True, blank=True)
    motion = models.OneToOneField(
        Motion, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposal"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.action


class Support(models.Model):
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["proposal", "resident"], name="councils_support_once")
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} supports {self.proposal_id}"


class Poll(models.Model):
    """A non-binding poll (意见征集): results are shown only after it closes."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="polls")
    question = models.CharField(_("question"), max_length=200)
    multiple = models.BooleanField(_("several answers allowed"), default=False)
    closes_at = models.DateTimeField(_("closes"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-closes_at", "-id"]

    def __str__(self) -> str:
        return self.question


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options")
    text = models.CharField(_("option"), max_length=100)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering: ClassVar = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class PollAnswer(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="answers")
    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="answers")
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["poll", "option", "resident"], name="councils_poll_answer_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident_id}: {self.option_id}"


# --- Forged-code guessing and the 20% requisition -----------------------------------------------


class CodeAttempt(models.Model):
    """A wrong one-time code tried on a vote, kept for the rate limit on guessing."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="+")
    address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes: ClassVar = [
            models.Index(fields=["assembly", "created_at"]),
            models.Index(fields=["assembly", "address", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"wrong code on {self.assembly_id}"


class Requisition(models.Model):
    """Owners asking for an interim owners' assembly (业主大会临时会议): granted when those who
    signed hold 20% or more of the area and are 20% or more of the owners."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="requisitions")
    purpose = models.CharField(_("what the meeting is asked for"), max_length=300)
    reached_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("requisition of an interim owners' assembly")
        verbose_name_plural = _("requisitions of an interim owners' assembly")
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.purpose


class RequisitionSignature(models.Model):
    """An owner's signature, given for one of their dwellings (it counts all their dwellings)."""

    requisition = models.ForeignKey(
        Requisition, on_delete=models.CASCADE, related_name="signatures"
    )
    dwelling = models.ForeignKey(Dwelling, on_delete=models.CASCADE, related_name="+")
    signed_by = models.CharField(_("signed by"), max_length=50)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["recorded_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["requisition", "dwelling"], name="councils_requisition_sign_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dwelling_id} signed {self.requisition_id}"
