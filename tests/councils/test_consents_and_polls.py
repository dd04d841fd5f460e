"""Art. 279 consent cases (unanimous), non-binding polls, proposals with a support threshold."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from peiban.councils.models import BodyKind, ConsentAnswer, Poll
from peiban.councils.selectors import consent_state, poll_results, respondents
from peiban.councils.services import (
    CouncilError,
    body_create,
    consent_case_close,
    consent_case_open,
    consent_record,
    meeting_schedule,
    poll_answer,
    poll_create,
    proposal_create,
    proposal_support,
    proposal_to_motion,
)
from peiban.places.models import Resident
from tests.councils.conftest import Compound

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def case_for(world: Any, compound: Compound) -> Any:
    affected = [compound.dwellings[r] for r in ("102", "201", "202")]
    return consent_case_open(
        dwelling=compound.dwellings["101"], purpose="开理发店", affected=affected, actor=world.staff
    )


def test_every_affected_owner_must_consent(world: Any, compound: Compound) -> None:
    case = case_for(world, compound)
    for consent in case.consents.all():
        consent_record(
            consent=consent, answer=ConsentAnswer.CONSENT, signed_by="业主", actor=world.staff
        )
    assert consent_state(case) == {"pending": 0, "consent": 3, "refuse": 0}
    assert consent_case_close(case=case, actor=world.staff).granted is True


def test_one_refusal_means_no(world: Any, compound: Compound) -> None:
    case = case_for(world, compound)
    consents = list(case.consents.all())
    for consent in consents[:2]:
        consent_record(
            consent=consent, answer=ConsentAnswer.CONSENT, signed_by="业主", actor=world.staff
        )
    consent_record(
        consent=consents[2], answer=ConsentAnswer.REFUSE, signed_by="业主", actor=world.staff
    )
    assert consent_case_close(case=case, actor=world.staff).granted is False


def test_one_missing_answer_means_no(world: Any, compound: Compound) -> None:
    case = case_for(world, compound)
    consent = case.consents.first()
    consent_record(
        consent=consent, answer=ConsentAnswer.CONSENT, signed_by="业主", actor=world.staff
    )
    closed = consent_case_close(case=case, actor=world.staff)
    assert closed.granted is False
    with pytest.raises(CouncilError, match="closed"):
        consent_record(
            consent=consent, answer=ConsentAnswer.REFUSE, signed_by="业主", actor=world.staff
        )


def test_a_case_needs_other_dwellings(world: Any, compound: Compound) -> None:
    with pytest.raises(CouncilError):
        consent_case_open(
            dwelling=compound.dwellings["101"],
            purpose="开理发店",
            affected=[compound.dwellings["101"]],
            actor=world.staff,
        )


def test_poll_results_show_only_after_closing(world: Any) -> None:
    people = [Resident.objects.create(community=world.community, name=f"居民{i}") for i in range(3)]
    poll = poll_create(
        community=world.community,
        question="活动室开放到几点？",
        options=["20:00", "21:00"],
        closes_at=timezone.now() + timedelta(days=1),
        actor=world.staff,
    )
    early, late = list(poll.options.all())
    poll_answer(poll=poll, resident=people[0], options=[early], actor=world.staff)
    poll_answer(poll=poll, resident=people[1], options=[late], actor=world.staff)
    with pytest.raises(CouncilError, match="already answered"):
        poll_answer(poll=poll, resident=people[0], options=[late], actor=world.staff)
    with pytest.raises(CouncilError, match="one option"):
        poll_answer(poll=poll, resident=people[2], options=[early, late], actor=world.staff)
    assert poll_results(poll) is None
    Poll.objects.filter(pk=poll.pk).update(closes_at=timezone.now())
    poll.refresh_from_db()
    assert poll_results(poll) == [("20:00", 1), ("21:00", 1)]
    assert respondents(poll) == 2
    with pytest.raises(CouncilError, match="closed"):
        poll_answer(poll=poll, resident=people[2], options=[early], actor=world.staff)


def test_a_multiple_choice_poll_takes_several_answers(world: Any) -> None:
    person = Resident.objects.create(community=world.community, name="居民")
    poll = poll_create(
        community=world.community,
        question="想参加哪些活动？",
        options=["书法", "广场舞", "象棋"],
        multiple=True,
        closes_at=timezone.now() + timedelta(days=1),
        actor=world.staff,
    )
    poll_answer(poll=poll, resident=person, options=list(poll.options.all())[:2], actor=world.staff)
    assert poll.answers.count() == 2


def test_support_puts_a_proposal_on_the_agenda(world: Any) -> None:
    body = body_create(
        community=world.community, kind=BodyKind.RESIDENT_COUNCIL, name="议事会", actor=world.staff
    )
    people = [Resident.objects.create(community=world.community, name=f"居民{i}") for i in range(3)]
    proposal = proposal_create(
        body=body, action="在东门设快递存放点", support_needed=2, actor=world.staff
    )
    proposal_support(proposal=proposal, resident=people[0], actor=world.staff)
    proposal_support(proposal=proposal, resident=people[0], actor=world.staff)  # counted once
    assert proposal.on_agenda_at is None
    proposal_support(proposal=proposal, resident=people[1], actor=world.staff)
    assert proposal.on_agenda_at is not None
    meeting = meeting_schedule(
        body=body, title="议事会", starts_at=timezone.now(), actor=world.staff
    )
    motion = proposal_to_motion(proposal=proposal, meeting=meeting, actor=world.staff)
    assert motion.action == "在东门设快递存放点"
    with pytest.raises(CouncilError):
        proposal_to_motion(proposal=proposal, meeting=meeting, actor=world.staff)


def test_a_need_becomes_a_proposal(world: Any) -> None:
    from peiban.needs.services import categories_ensure, need_raise

    need = need_raise(
        community=world.community,
        title="快递堆在门口",
        category=categories_ensure(world.organisation)[0],
        channel="visit",
        recorded_by=world.staff,
    )
    body = body_create(
        community=world.community, kind=BodyKind.RESIDENT_COUNCIL, name="议事会", actor=world.staff
    )
    proposal = proposal_create(body=body, action="在东门设快递存放点", need=need, actor=world.staff)
    assert proposal.need_id == need.pk
    need.refresh_from_db()
    assert need.proposal_ref == str(proposal.pk)
    other = body_create(
        community=world.other_community,
        kind=BodyKind.RESIDENT_COUNCIL,
        name="别的议事会",
        actor=world.staff,
    )
    with pytest.raises(CouncilError):
        proposal_create(body=other, action="在东门设快递存放点", need=need, actor=world.staff)
