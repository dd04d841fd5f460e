"""The loop raise → accompany → deliberate → decide → act → resolve → verify → close, and its rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peiban.core.privacy import consent_record
from peiban.needs.models import Stage, StageChange
from peiban.needs.services import (
    TRANSITIONS,
    ConflictError,
    NeedError,
    action_add,
    attachment_add,
    categories_ensure,
    need_move,
    need_raise,
    need_reopen,
    need_set_lead,
    recognition_give,
)
from tests.conftest import Registry, World

pytestmark = pytest.mark.django_db

PATH = [Stage.ACCOMPANIED, Stage.DELIBERATING, Stage.DECIDED, Stage.ACTING, Stage.RESOLVED]


def raise_need(world: World, registry: Registry, category, **kwargs):  # type: ignore[no-untyped-def]
    return need_raise(
        community=world.community,
        title="5栋清晨鸡鸣扰民",
        category=category,
        channel="group_chat",
        raised_by=registry.resident,
        recorded_by=world.staff,
        building=registry.building,
        **kwargs,
    )


def test_it_gives_the_lead_to_the_resident_who_raised_it(world, registry, category) -> None:
    need = raise_need(world, registry, category)
    assert need.lead == registry.resident
    assert need.stage == Stage.RAISED
    assert list(need.stage_changes.values_list("to_stage", flat=True)) == ["raised"]


def test_it_walks_the_whole_loop_and_keeps_every_stage_change(world, registry, category) -> None:
    need = raise_need(world, registry, category)
    for stage in PATH:
        need_move(need=need, to_stage=stage, actor=world.staff)
    need_move(need=need, to_stage=Stage.VERIFIED, actor=world.staff, by_resident=registry.resident)
    need_move(need=need, to_stage=Stage.CLOSED, actor=world.staff)
    stages = list(StageChange.objects.filter(need=need).values_list("to_stage", flat=True))
    assert stages == ["raised", *PATH, "verified", "closed"]
    assert need.version == 8


@pytest.mark.parametrize("target", [Stage.DECIDED, Stage.ACTING, Stage.RESOLVED, Stage.CLOSED])
def test_it_refuses_to_skip_steps(world, registry, category, target) -> None:
    need = raise_need(world, registry, category)
    with pytest.raises(NeedError, match="cannot go straight"):
        need_move(need=need, to_stage=target, actor=world.staff)
    need.refresh_from_db()
    assert need.stage == Stage.RAISED


def test_only_residents_verify_a_resolution(world, registry, category) -> None:
    need = raise_need(world, registry, category)
    for stage in PATH:
        need_move(need=need, to_stage=stage, actor=world.staff)
    with pytest.raises(NeedError, match="Only residents"):
        need_move(need=need, to_stage=Stage.VERIFIED, actor=world.staff)
    registry.resident.user = world.resident
    registry.resident.save()
    need_move(need=need, to_stage=Stage.VERIFIED, actor=world.resident)
    assert need.stage_changes.last().by_resident == registry.resident


def test_it_needs_a_lead_before_accompanying(world, registry, category) -> None:
    need = need_raise(
        community=world.community, title="路灯坏了", category=category, channel="phone"
    )
    with pytest.raises(NeedError, match="who leads"):
        need_move(need=need, to_stage=Stage.ACCOMPANIED, actor=world.staff)


def test_staff_lead_only_with_a_reason(world, registry, category) -> None:
    need = raise_need(world, registry, category)
    with pytest.raises(NeedError, match="reason"):
        need_set_lead(need=need, actor=world.staff, staff=world.staff)
    need_set_lead(need=need, actor=world.staff, staff=world.staff, reason="居民住院")
    assert (need.lead, need.lead_staff, need.lead_staff_reason) == (None, world.staff, "居民住院")


def test_it_refuses_a_lost_update_from_a_stale_page(world, registry, category) -> None:
    need = raise_need(world, registry, category)
    seen = need.version
    need_move(need=need, to_stage=Stage.ACCOMPANIED, actor=world.staff, expected_version=seen)
    with pytest.raises(ConflictError):
        need_move(
            need=need,
            to_stage=Stage.DECLINED,
            actor=world.admin,
            note="重复",
            expected_version=seen,
        )
    need.refresh_from_db()
    assert need.stage == Stage.ACCOMPANIED


def test_declining_and_referring_need_a_reason(world, registry, category) -> None:
    need = raise_need(world, registry, category)
    with pytest.raises(NeedError, match="why"):
        need_move(need=need, to_stage=Stage.DECLINED, actor=world.staff)
    need_move(need=need, to_stage=Stage.REFERRED, actor=world.staff, note="物业公司")
    assert need.referred_to == "物业公司"


def test_it_reopens_a_closed_need_and_counts_it(world, registry, category) -> None:
    need = raise_need(world, registry, category)
    need_move(need=need, to_stage=Stage.DECLINED, actor=world.staff, note="不属于小区事务")
    need_reopen(need=need, actor=world.staff, note="又发生了")
    assert (need.stage, need.reopened_count) == (Stage.ACCOMPANIED, 1)
    assert need.stage_changes.last().reopening


def test_it_records_who_took_each_step(world, registry, category) -> None:
    need = raise_need(world, registry, category)
    resident_step = action_add(
        need=need,
        kind="talk",
        description="一起找鸡的主人",
        by_resident=registry.resident,
        recorded_by=world.staff,
    )
    staff_step = action_add(
        need=need,
        kind="visit",
        description="陪同上门",
        by_staff=world.staff,
        recorded_by=world.staff,
    )
    assert resident_step.by_resident_side
    assert not staff_step.by_resident_side
    with pytest.raises(NeedError, match="who took"):
        action_add(need=need, kind="talk", description="x", recorded_by=world.staff)
    with pytest.raises(NeedError, match="before the need"):
        action_add(
            need=need,
            kind="talk",
            description="x",
            by_staff=world.staff,
            recorded_by=world.staff,
            taken_at=need.raised_at - timedelta(days=1),
        )


@pytest.mark.parametrize(
    ("text", "message"), [("", "cannot be empty"), ("长" * 121, "121 characters")]
)
def test_it_refuses_empty_or_enormous_titles(world, registry, category, text, message) -> None:
    with pytest.raises(NeedError, match=message):
        need_raise(community=world.community, title=text, category=category, channel="visit")


def test_it_refuses_a_category_of_another_organisation(world, registry) -> None:
    foreign = categories_ensure(world.other_organisation)[0]
    with pytest.raises(NeedError, match="another organisation"):
        need_raise(community=world.community, title="x", category=foreign, channel="visit")


def test_it_accepts_photos_and_refuses_other_files(world, registry, category) -> None:
    need = raise_need(world, registry, category)
    png = SimpleUploadedFile("鸡.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    assert attachment_add(need=need, upload=png, actor=world.staff).content_type == "image/png"
    disguised = SimpleUploadedFile("photo.png", b"MZ\x90\x00 an executable")
    with pytest.raises(NeedError, match="only"):
        attachment_add(need=need, upload=disguised, actor=world.staff)
    huge = SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * (10 * 2**20))
    with pytest.raises(NeedError, match="10 MB"):
        attachment_add(need=need, upload=huge, actor=world.staff)


def test_it_names_a_resident_in_public_only_with_consent(world, registry, category) -> None:
    need = raise_need(world, registry, category)
    with pytest.raises(NeedError, match="not agreed"):
        recognition_give(
            community=world.community,
            resident=registry.resident,
            kind="giving_ground",
            message="为了邻里和睦把鸡送回老家",
            actor=world.staff,
            need=need,
            public=True,
        )
    consent_record(
        resident=registry.resident, purpose="recognition", version="1", actor=world.staff
    )
    thanks = recognition_give(
        community=world.community,
        resident=registry.resident,
        kind="giving_ground",
        message="为了邻里和睦把鸡送回老家",
        actor=world.staff,
        need=need,
        public=True,
    )
    assert thanks.public


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from([s.value for s in Stage]), min_size=1, max_size=12))
def test_random_walks_only_follow_allowed_edges(world, registry, category, targets) -> None:
    need = raise_need(world, registry, category)
    for target in targets:
        allowed = target in TRANSITIONS[need.stage]
        before = need.stage
        try:
            need_move(
                need=need,
                to_stage=target,
                actor=world.staff,
                by_resident=registry.resident,
                note="理由",
                at=timezone.now(),
            )
        except NeedError:
            assert not allowed or need.stage == before
        else:
            assert allowed
    stages = list(need.stage_changes.values_list("from_stage", "to_stage"))
    for from_stage, to_stage in stages[1:]:
        assert to_stage in TRANSITIONS[from_stage]
