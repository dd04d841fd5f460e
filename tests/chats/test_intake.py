from __future__ import annotations

import json
from datetime import date, timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peiban.chats.demo_chat import demo_chat_text
from peiban.chats.models import (
    ChatBatch,
    ChatMessage,
    ClassifierModel,
    Proposal,
    ProposalStatus,
    TrainingExample,
)
from peiban.chats.parsing import parse_chat
from peiban.chats.selectors import emerging_issues
from peiban.chats.services import (
    ChatError,
    Edit,
    chat_intake,
    chats_purge,
    classifier_for,
    proposal_confirm,
    proposal_dismiss,
)
from peiban.core.models import AuditEntry
from peiban.needs.models import Channel, Need
from peiban.needs.services import categories_ensure, need_raise
from peiban.places.models import Building
from tests.conftest import Registry, World

CHAT = (
    "2026-05-03 08:12:45 张阿姨\n3栋的电梯又坏了，我妈八十多了住十一楼，怎么下楼\n\n"
    "2026-05-03 08:14:00 老李\n我家也是，爬了十层\n\n"
    "2026-05-03 08:30:00 王姐\n大家早上好\n\n"
    "2026-05-03 09:00:00 小陈\n楼上半夜还在装修，吵死了\n\n"
    "2026-05-03 09:10:00 刘叔\n谢谢王阿姨送的包子\n"
)


def intake(world: World, text: str = CHAT) -> ChatBatch:
    return chat_intake(community=world.community, messages=parse_chat(text), actor=world.staff)


def test_pasted_chat_proposes_needs_grouped_with_building_and_keeps_no_chatter(
    world: World, registry: Registry
) -> None:
    batch = intake(world)
    proposals = list(Proposal.objects.filter(batch=batch).order_by("first_at"))
    assert batch.messages_read == 5
    assert [p.category.name for p in proposals] == ["物业服务", "邻里关系"]
    lift = proposals[0]
    assert lift.building == registry.building  # 3栋 is in the registry
    assert lift.people == 2  # "我家也是" joined the first message
    assert lift.urgency == "high"  # 又坏
    kept = set(ChatMessage.objects.values_list("text", flat=True))
    assert "大家早上好" not in kept
    assert "谢谢王阿姨送的包子" not in kept
    assert AuditEntry.objects.filter(subject_type="chats.chatbatch").count() == 1


def test_confirming_makes_a_group_chat_need_with_its_messages(
    world: World, registry: Registry
) -> None:
    intake(world)
    proposal = Proposal.objects.order_by("first_at").first()
    assert proposal is not None
    need = proposal_confirm(
        proposal=proposal,
        actor=world.staff,
        edit=Edit(
            title="3栋电梯坏了",
            category=proposal.category,
            building=proposal.building,
            urgency="high",
        ),
    )
    assert need.channel == Channel.GROUP_CHAT
    assert need.building == registry.building
    assert need.source_type == "chats.proposal"
    assert ChatMessage.objects.filter(need=need).count() == 2
    assert TrainingExample.objects.filter(is_need=True).count() == 2
    with pytest.raises(ChatError):
        proposal_dismiss(proposal=proposal, actor=world.staff)


def test_dismissing_deletes_the_messages_and_keeps_only_a_bag_of_words(world: World) -> None:
    intake(world)
    proposal = Proposal.objects.order_by("first_at").last()
    assert proposal is not None
    proposal_dismiss(proposal=proposal, actor=world.staff, expected_version=proposal.version)
    assert not ChatMessage.objects.filter(proposal=proposal).exists()
    example = TrainingExample.objects.get()
    assert example.text == ""
    assert not example.is_need
    assert example.features


def test_a_stale_version_is_refused(world: World) -> None:
    intake(world)
    proposal = Proposal.objects.first()
    assert proposal is not None
    with pytest.raises(ChatError, match="Someone else"):
        proposal_dismiss(proposal=proposal, actor=world.staff, expected_version=99)


def test_unreviewed_proposals_are_purged_after_the_window_confirmed_ones_stay(
    world: World, settings: Any
) -> None:
    settings.CHAT_RETENTION_HOURS = 1
    intake(world)
    first = Proposal.objects.order_by("first_at").first()
    assert first is not None
    proposal_confirm(
        proposal=first,
        actor=world.staff,
        edit=Edit(title="电梯", category=first.category, building=None, urgency="normal"),
    )
    assert chats_purge() == {}
    counts = chats_purge(now=timezone.now() + timedelta(hours=2))
    assert counts == {world.organisation.slug: 1}
    assert Proposal.objects.filter(status=ProposalStatus.PENDING).count() == 0
    assert ChatMessage.objects.count() == 2  # the confirmed need's messages
    assert AuditEntry.objects.filter(action="delete", subject_type="chats.chatbatch").exists()


def test_the_demo_chat_proposes_its_needs(world: World) -> None:
    Building.objects.create(community=world.community, label="1")
    Building.objects.create(community=world.community, label="2")
    text = demo_chat_text(buildings=2, start=date(2026, 10, 1))
    batch = intake(world, text)
    proposals = list(Proposal.objects.filter(batch=batch).select_related("category"))
    names = {p.category.name for p in proposals}
    assert 10 <= len(proposals) <= 20
    assert {"物业服务", "邻里关系", "安全/治安", "停车与交通"} <= names
    assert sum(1 for p in proposals if p.building is not None) >= 8
    assert any(p.urgency == "danger" for p in proposals)


def test_cli_trains_and_classifies_from_files(world: World, tmp_path: Path) -> None:
    labelled = tmp_path / "labelled.csv"
    labelled.write_bytes(
        "text,category\n楼下的鸡天天叫,邻里关系\n电梯坏了,物业服务\n早上好,闲聊\n".encode("gbk")
    )
    out = StringIO()
    call_command("needs_train", world.organisation.slug, str(labelled), "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert result["imported"] == 3
    assert 0 < result["accuracy"] <= 1
    assert "物业服务" in result["per_category"]
    assert ClassifierModel.objects.filter(organisation=world.organisation).exists()

    texts = tmp_path / "texts.txt"
    texts.write_text("5栋电梯又坏了\n大家早上好\n", encoding="utf-8")
    out = StringIO()
    call_command("needs_classify", world.organisation.slug, str(texts), "--json", stdout=out)
    predictions = json.loads(out.getvalue())["predictions"]
    assert [p["row"] for p in predictions] == [1, 2]
    assert predictions[0]["category"] == "物业服务"
    assert predictions[0]["is_need"]
    assert not predictions[1]["is_need"]
    assert set(predictions[0]) >= {"row", "category", "confidence"}


def test_cli_refuses_an_unknown_category_naming_the_row_and_imports_nothing(
    world: World, tmp_path: Path
) -> None:
    labelled = tmp_path / "labelled.csv"
    labelled.write_text("text,category\n电梯坏了,物业服务\n鸡叫,鸡\n", encoding="utf-8")
    out = StringIO()
    with pytest.raises(CommandError) as error:
        call_command("needs_train", world.organisation.slug, str(labelled), "--json", stdout=out)
    assert error.value.returncode == 1
    result = json.loads(out.getvalue())
    assert result["rejected"] == [
        {"row": 3, "reason": "there is no category '鸡' in this organisation"}
    ]
    assert not TrainingExample.objects.exists()


def test_cli_refuses_a_file_without_a_category_column(world: World, tmp_path: Path) -> None:
    labelled = tmp_path / "labelled.csv"
    labelled.write_text("text,note\n电梯坏了,x\n", encoding="utf-8")
    with pytest.raises(CommandError, match="text, category"):
        call_command("needs_train", world.organisation.slug, str(labelled))


def test_confirmed_examples_teach_the_organisation_model(world: World) -> None:
    intake(world)
    proposal = Proposal.objects.order_by("first_at").last()
    assert proposal is not None
    other = next(c for c in categories_ensure(world.organisation) if c.name == "违建")
    proposal_confirm(
        proposal=proposal,
        actor=world.staff,
        edit=Edit(title="装修", category=other, building=None, urgency="normal"),
    )
    from peiban.chats.services import classifier_train

    stored = classifier_train(organisation=world.organisation, actor=world.staff, evaluate=False)
    assert stored.staff_examples == 1
    assert classifier_for(world.organisation).category.classes


def test_emerging_issues_flag_a_category_rising_above_its_baseline(
    world: World, registry: Registry
) -> None:
    category = categories_ensure(world.organisation)[0]
    now = timezone.now()
    for days_ago in (1, 2, 3, 4, 5):
        need_raise(
            community=world.community,
            title="门禁坏了",
            category=category,
            channel="visit",
            building=registry.building,
            raised_at=now - timedelta(days=days_ago),
        )
    need_raise(
        community=world.community,
        title="旧事",
        category=category,
        channel="visit",
        raised_at=now - timedelta(days=30),
    )
    alerts = emerging_issues(world.community, now=now)
    assert {(a.kind, a.recent) for a in alerts} == {("category", 5), ("building", 5)}
    assert emerging_issues(world.other_community, now=now) == []


def test_staff_paste_and_confirm_through_the_pages(
    world: World, registry: Registry, login: Any, django_assert_max_num_queries: Any
) -> None:
    client: Client = login(world.staff)
    Building.objects.create(community=world.community, label="1")
    demo = demo_chat_text(buildings=3, start=date(2026, 10, 1))
    url = reverse("chats:intake", args=[world.community.slug])
    assert client.post(url, {"text": demo}).status_code == 302
    response = client.post(url, {"text": CHAT})
    assert response.status_code == 302
    assert Proposal.objects.count() > 12
    with django_assert_max_num_queries(15):
        page = client.get(reverse("chats:proposals", args=[world.community.slug]))
    assert "张阿姨" in page.content.decode()
    proposal = Proposal.objects.order_by("first_at").first()
    assert proposal is not None
    prefix = f"p{proposal.pk}-"
    response = client.post(
        reverse("chats:confirm", args=[world.community.slug, proposal.pk]),
        {
            f"{prefix}title": "3栋电梯坏了",
            f"{prefix}category": proposal.category_id,
            f"{prefix}building": registry.building.pk,
            f"{prefix}urgency": "high",
            f"{prefix}version": proposal.version,
        },
    )
    assert response.status_code == 302
    need = Need.objects.get(title="3栋电梯坏了")
    page = client.get(reverse("chats:need-messages", args=[world.community.slug, need.pk]))
    assert "张阿姨" in page.content.decode()


def test_leaders_see_proposals_with_masked_names_and_cannot_confirm(
    world: World, login: Any
) -> None:
    intake(world)
    page = login(world.leader).get(reverse("chats:proposals", args=[world.community.slug]))
    body = page.content.decode()
    assert "老*" in body
    assert "老李" not in body
    assert "data-confirm" not in body


def test_bad_upload_shows_the_reason(world: World, login: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("chat.csv", "发送人,内容\n张,电梯\n".encode())
    page = login(world.staff).post(
        reverse("chats:intake", args=[world.community.slug]), {"upload": upload}
    )
    assert page.status_code == 200
    assert "missing: time" in page.content.decode()


def test_proposals_in_danger_come_first(world: World) -> None:
    from peiban.chats.selectors import pending_proposals

    chat = (
        "2026-05-03 08:00 老李: 楼上半夜还在装修，吵得睡不着\n"
        "2026-05-03 09:00 王姐: 燃气味好重，3栋2单元是不是漏气了，快叫人\n"
    )
    intake(world, chat)
    assert [p.urgency for p in pending_proposals(world.community)] == ["danger", "normal"]


def test_the_classifier_retrains_itself_after_enough_staff_decisions(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    import peiban.chats.services as services

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    original = services.RETRAIN_EVERY
    services.RETRAIN_EVERY = 2
    try:
        intake(world)
        first, second = Proposal.objects.order_by("first_at")
        proposal_dismiss(proposal=second, actor=world.staff)
        assert not ClassifierModel.objects.exists()
        with django_capture_on_commit_callbacks(execute=True):
            proposal_confirm(
                proposal=first,
                actor=world.staff,
                edit=Edit(title="电梯", category=first.category, building=None, urgency="high"),
            )
    finally:
        services.RETRAIN_EVERY = original
    stored = ClassifierModel.objects.get(organisation=world.organisation)
    assert stored.staff_examples == 3


def test_every_review_step_is_in_the_audit_log(world: World) -> None:
    intake(world)
    first, second = Proposal.objects.order_by("first_at")
    proposal_confirm(
        proposal=first,
        actor=world.staff,
        edit=Edit(title="电梯", category=first.category, building=None, urgency="high"),
    )
    proposal_dismiss(proposal=second, actor=world.staff)
    details = [
        e.detail for e in AuditEntry.objects.filter(subject_type="chats.proposal").order_by("id")
    ]
    assert details[0]["confirmed"]
    assert details[1]["dismissed"]


def test_the_daily_task_purges(world: World, settings: Any) -> None:
    from peiban.chats.tasks import chats_purge_daily

    settings.CHAT_RETENTION_HOURS = 1
    chat_intake(
        community=world.community,
        messages=parse_chat(CHAT),
        actor=world.staff,
        now=timezone.now() - timedelta(hours=2),
    )
    chats_purge_daily.enqueue()
    assert not ChatMessage.objects.exists()


def test_leaders_see_a_public_needs_chat_masked_and_not_a_private_one(
    world: World, login: Any
) -> None:
    intake(world)
    first, second = Proposal.objects.order_by("first_at")
    public = proposal_confirm(
        proposal=first,
        actor=world.staff,
        edit=Edit(title="电梯", category=first.category, building=None, urgency="high"),
    )
    Need.objects.filter(pk=public.pk).update(visibility="public")
    private = proposal_confirm(
        proposal=second,
        actor=world.staff,
        edit=Edit(title="装修", category=second.category, building=None, urgency="normal"),
    )
    client = login(world.leader)
    page = client.get(reverse("chats:need-messages", args=[world.community.slug, public.pk]))
    body = page.content.decode()
    assert "老*" in body
    assert "老李" not in body
    missing = client.get(reverse("chats:need-messages", args=[world.community.slug, private.pk]))
    assert missing.status_code == 404


def test_messages_of_a_deleted_need_are_purged(world: World) -> None:
    intake(world)
    first = Proposal.objects.order_by("first_at").first()
    assert first is not None
    need = proposal_confirm(
        proposal=first,
        actor=world.staff,
        edit=Edit(title="电梯", category=first.category, building=None, urgency="high"),
    )
    Need.objects.filter(pk=need.pk).delete()
    chats_purge()
    assert not ChatMessage.objects.filter(proposal=first).exists()
