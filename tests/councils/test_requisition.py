"""Requisitioning an interim owners' assembly: owners holding 20% or more of the area who are 20%
or more of the owners (业主大会和业主委员会指导规则 Art. 22), counted exactly."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from peiban.core.models import AuditEntry
from peiban.councils.models import Requisition
from peiban.councils.selectors import requisition_tally
from peiban.councils.services import CouncilError, requisition_create, requisition_sign
from peiban.councils.tally import (
    Holding,
    TallyError,
    electorate_build,
    requisition_count,
    voter_key,
)
from peiban.places.models import Building, Dwelling
from tests.councils.conftest import Compound


def homes(*areas: str, buyers: tuple[str, ...] = ()) -> list[Holding]:
    return [
        Holding(dwelling=f"d{n}", area=Decimal(area), buyer=buyers[n] if n < len(buyers) else "")
        for n, area in enumerate(areas)
    ]


# --- The arithmetic, pure -------------------------------------------------------------------------


def test_exactly_twenty_percent_of_the_area_and_of_the_owners_is_enough() -> None:
    # Ten owners, 1000 m²: two owners with exactly 200 m² together.
    electorate = electorate_build(homes("120", "80", *["100"] * 8))
    count = requisition_count(electorate=electorate, signers=["dwelling:d0", "dwelling:d1"])
    assert count.signed_area == Decimal("200")
    assert count.signed_heads == 2
    assert count.area_reached
    assert count.heads_reached
    assert count.reached


def test_a_hundredth_of_a_square_metre_short_is_not_enough() -> None:
    electorate = electorate_build(homes("119.99", "80", "100.01", *["100"] * 7))
    count = requisition_count(electorate=electorate, signers=["dwelling:d0", "dwelling:d1"])
    assert count.signed_area == Decimal("199.99")
    assert count.heads_reached
    assert not count.area_reached
    assert not count.reached


def test_enough_area_from_too_few_owners_is_not_enough() -> None:
    # One owner of 300 m² among ten owners: 30% of the area, 10% of the owners.
    electorate = electorate_build(homes("300", *["100"] * 7, "0.5", "0.5"))
    count = requisition_count(electorate=electorate, signers=["dwelling:d0"])
    assert count.area_reached
    assert not count.heads_reached
    assert not count.reached


def test_a_buyer_of_several_dwellings_is_one_owner_with_all_their_area() -> None:
    electorate = electorate_build(homes("100", "100", "100", "100", "100", buyers=("b", "b")))
    count = requisition_count(electorate=electorate, signers=["buyer:b"])
    assert count.total_heads == 4
    assert count.signed_area == Decimal("200")
    assert count.signed_heads == 1
    assert count.reached  # 40% of the area, 25% of the owners


def test_a_signer_outside_the_electorate_is_refused() -> None:
    electorate = electorate_build(homes("100"))
    with pytest.raises(TallyError, match="not from an owner of this electorate"):
        requisition_count(electorate=electorate, signers=["dwelling:nowhere"])


holding_lists = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=50_000),  # area in hundredths of m²
        st.sampled_from(["", "", "", "a", "b", "c"]),  # a buyer of several dwellings
        st.booleans(),  # developer-held
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=400, deadline=None)
@given(holding_lists, st.data())
def test_it_agrees_with_a_count_in_whole_hundredths(
    rows: list[tuple[int, str, bool]], data: st.DataObject
) -> None:
    holdings = [
        Holding(
            dwelling=f"d{n}",
            area=Decimal(centi).scaleb(-2),
            buyer=buyer,
            developer_held=developer,
        )
        for n, (centi, buyer, developer) in enumerate(rows)
    ]
    electorate = electorate_build(holdings)
    keys = sorted({voter_key(h) for h in holdings})
    signers = data.draw(st.lists(st.sampled_from(keys), unique=True))
    count = requisition_count(electorate=electorate, signers=signers)
    # The reference: whole hundredths of m², owners as sets of keys, 20% as "five times ≥ all".
    area_of: dict[str, int] = {}
    for (centi, _buyer, _developer), holding in zip(rows, holdings, strict=True):
        area_of[voter_key(holding)] = area_of.get(voter_key(holding), 0) + centi
    total = sum(area_of.values())
    signed = sum(area_of[key] for key in signers)
    assert count.signed_area == Decimal(signed).scaleb(-2)
    assert count.total_heads == len(area_of)
    assert count.area_reached == (5 * signed >= total)
    assert count.heads_reached == (5 * len(signers) >= len(area_of))


# --- The service and the registry -----------------------------------------------------------------


@pytest.mark.django_db
def test_signatures_from_the_registry_reach_twenty_percent(world: Any, compound: Compound) -> None:
    # 500.75 m² and four owners (张伟, 李娜 with two homes, 王芳, the developer's unsold homes).
    requisition = requisition_create(
        community=world.community, purpose="讨论更换物业公司", actor=world.staff
    )
    requisition_sign(
        requisition=requisition,
        dwelling=compound.dwellings["302"],
        signed_by="王芳",
        actor=world.staff,
    )
    state = requisition_tally(requisition)
    assert state.count is not None
    assert state.count.total_area == Decimal("500.75")
    assert state.count.signed_area == Decimal("60")
    assert not state.count.reached  # 60 m² < 100.15 m²
    requisition_sign(
        requisition=requisition,
        dwelling=compound.dwellings["201"],
        signed_by="李娜",
        actor=world.staff,
    )
    state = requisition_tally(requisition)
    assert state.count is not None
    assert state.count.signed_area == Decimal("210.25")  # 60 + 李娜's 80 + 70.25
    assert state.count.signed_heads == 2
    assert state.count.reached
    requisition.refresh_from_db()
    assert requisition.reached_at is not None
    entry = AuditEntry.objects.filter(reason="requisition signed").first()  # newest first
    assert entry is not None
    assert entry.detail == {"reached": True}


@pytest.mark.django_db
def test_an_owner_signs_once_whichever_home_they_sign_for(world: Any, compound: Compound) -> None:
    requisition = requisition_create(community=world.community, purpose="临时会议", actor=None)
    requisition_sign(
        requisition=requisition, dwelling=compound.dwellings["102"], signed_by="李娜", actor=None
    )
    with pytest.raises(CouncilError, match="already signed, for 1栋1单元102室"):
        requisition_sign(
            requisition=requisition,
            dwelling=compound.dwellings["201"],
            signed_by="李娜",
            actor=None,
        )


@pytest.mark.django_db
def test_it_cannot_count_while_a_dwelling_has_no_area(world: Any, compound: Compound) -> None:
    building = Building.objects.get(community=world.community, label="1")
    Dwelling.objects.create(community=world.community, building=building, unit="1", room="401")
    requisition = requisition_create(community=world.community, purpose="临时会议", actor=None)
    state = requisition_tally(requisition)
    assert state.count is None
    assert state.missing == 1
    assert state.missing_example == "1栋1单元401室"


@pytest.mark.django_db
def test_the_count_takes_a_bounded_number_of_queries(
    world: Any, compound: Compound, django_assert_max_num_queries: Any
) -> None:
    requisition = requisition_create(community=world.community, purpose="临时会议", actor=None)
    for room in ("101", "302", "202"):
        requisition_sign(
            requisition=requisition, dwelling=compound.dwellings[room], signed_by="x", actor=None
        )
    requisition = Requisition.objects.select_related("community").get(pk=requisition.pk)
    with django_assert_max_num_queries(3):
        requisition_tally(requisition)


# --- The pages --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_start_a_requisition_and_record_signatures_on_the_page(
    world: Any, compound: Compound, login: Any
) -> None:
    client: Client = login(world.staff)
    listing = reverse("councils:requisitions", args=[world.community.slug])
    assert client.get(listing).status_code == 200
    made = client.post(listing, {"purpose": "讨论更换物业公司"})
    assert made.status_code == 302
    requisition = Requisition.objects.get()
    detail = reverse("councils:requisition", args=[world.community.slug, requisition.pk])
    signed = client.post(detail, {"home": "1-1-101", "signed_by": "张伟"}, follow=True)
    assert signed.status_code == 200
    page = signed.content.decode()
    assert 'data-reached="no"' in page
    assert "90.50" in page
    client.post(detail, {"home": "1-1-102", "signed_by": "李娜"})
    page = client.get(detail).content.decode()
    assert 'data-reached="yes"' in page
    wrong = client.post(detail, {"home": "9-9-909", "signed_by": "某人"})
    assert "This is not a dwelling of this community." in wrong.content.decode()
    again = client.post(detail, {"home": "1-1-201", "signed_by": "李娜"})
    assert "already signed" in again.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["leader", "resident", "viewer", "other_staff", "outsider"])
def test_only_staff_reach_requisitions(world: Any, compound: Compound, persona: str) -> None:
    requisition = requisition_create(community=world.community, purpose="临时会议", actor=None)
    client = Client()
    client.force_login(world.persona(persona))
    detail = reverse("councils:requisition", args=[world.community.slug, requisition.pk])
    assert client.get(detail).status_code == 404
    listing = reverse("councils:requisitions", args=[world.community.slug])
    assert client.get(listing).status_code == 404
