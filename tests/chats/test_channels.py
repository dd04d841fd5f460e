"""Group channels: a community's 骨干群, 楼栋群 … recorded, changed and closed by staff."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from peiban.chats.demo import demo_load
from peiban.chats.models import Channel, ChannelKind
from peiban.chats.selectors import community_channels
from peiban.chats.services import (
    ChannelFields,
    ChatError,
    channel_close,
    channel_record,
    channel_update,
)
from peiban.core.demo import DemoWorld
from peiban.core.models import AuditEntry
from peiban.places.models import Building
from tests.conftest import World


def record(world: World, name: str = "和平里骨干群", **fields: Any) -> Channel:
    return channel_record(
        community=world.community,
        fields=ChannelFields(name=name, kind=fields.pop("kind", "leaders"), **fields),
        actor=world.staff,
    )


def url(world: World, name: str, **kwargs: Any) -> str:
    return reverse(f"chats:{name}", kwargs={"community": world.community.slug, **kwargs})


def test_recording_a_group_keeps_what_it_is_for_and_is_audited(world: World) -> None:
    building = Building.objects.create(community=world.community, label="3")
    channel = record(
        world,
        "  3栋邻里群 ",
        kind="building",
        platform="wecom",
        building=building,
        members=86,
        started_on=date(2026, 2, 1),
        keeper="3栋楼长",
    )
    assert (channel.name, channel.kind, channel.platform) == ("3栋邻里群", "building", "wecom")
    assert (channel.building, channel.members, channel.keeper) == (building, 86, "3栋楼长")
    assert channel.recorded_by == world.staff
    assert channel.closed_on is None
    entry = AuditEntry.objects.get(subject_type="chats.channel", subject_id=str(channel.pk))
    assert entry.action == "create"
    assert entry.organisation == world.organisation
    assert entry.detail["members"] == 86


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "  "}, "name"),
        ({"kind": "secret"}, "kind"),
        ({"platform": "telegram"}, "platform"),
        ({"members": -1}, "negative"),
        ({"started_on": timezone.localdate() + timedelta(days=1)}, "future"),
        ({"keeper": "王姐 138 0013 8000"}, "phone number"),
        ({"keeper": "https://weixin.qq.com/g/AbC"}, "join link"),
        ({"name": "骨干群 weixin.qq.com/g/AbC"}, "join link"),
    ],
)
def test_a_group_is_refused_with_a_reason(
    world: World, fields: dict[str, Any], message: str
) -> None:
    values: dict[str, Any] = {"name": "骨干群", "kind": "leaders", **fields}
    with pytest.raises(ChatError, match=message):
        channel_record(community=world.community, fields=ChannelFields(**values), actor=None)
    assert not Channel.objects.exists()


def test_a_building_of_another_community_is_refused(world: World) -> None:
    far = Building.objects.create(community=world.foreign_community, label="9")
    with pytest.raises(ChatError, match="not in this community"):
        record(world, kind="building", building=far)


def test_a_keeper_may_be_named_with_a_building_number(world: World) -> None:
    assert record(world, keeper="12栋3单元楼长").keeper == "12栋3单元楼长"


def test_updating_changes_the_fields_and_is_audited(world: World) -> None:
    channel = record(world)
    changed = channel_update(
        channel=channel,
        fields=ChannelFields(name="和平里骨干群（新）", kind="leaders", members=20),
        actor=world.staff,
    )
    assert changed.name == "和平里骨干群（新）"
    assert Channel.objects.get(pk=channel.pk).members == 20
    assert AuditEntry.objects.filter(subject_id=str(channel.pk), action="change").count() == 1


def test_closing_dates_the_group_once_and_stops_changes(world: World) -> None:
    channel = record(world, started_on=date(2026, 1, 10))
    with pytest.raises(ChatError, match="before it started"):
        channel_close(channel=channel, actor=world.staff, closed_on=date(2026, 1, 9))
    with pytest.raises(ChatError, match="future"):
        channel_close(
            channel=channel, actor=world.staff, closed_on=timezone.localdate() + timedelta(days=1)
        )
    closed = channel_close(channel=channel, actor=world.staff)
    assert closed.closed_on == timezone.localdate()
    with pytest.raises(ChatError, match="already closed"):
        channel_close(channel=closed, actor=world.staff)
    with pytest.raises(ChatError, match="closed"):
        channel_update(channel=closed, fields=ChannelFields(name="x", kind="leaders"), actor=None)
    assert AuditEntry.objects.filter(subject_id=str(channel.pk), reason="closed").count() == 1


def test_the_list_puts_open_groups_first_and_the_leaders_group_first(world: World) -> None:
    building = record(world, "1栋邻里群", kind="building")
    old = record(world, "旧骨干群")
    channel_close(channel=old, actor=None)
    leaders = record(world, "新骨干群")
    other = channel_record(
        community=world.other_community,
        fields=ChannelFields(name="安乐苑骨干群", kind="leaders"),
        actor=None,
    )
    listed = list(community_channels(world.community))
    assert listed == [leaders, building, old]
    assert other not in listed


def test_staff_record_a_group_on_the_page(world: World, login: Any) -> None:
    client = login(world.staff)
    intake = client.get(url(world, "intake")).content.decode()
    assert url(world, "channels") in intake
    response = client.post(
        url(world, "channel-add"),
        {"name": "和平里骨干群", "kind": "leaders", "platform": "wechat", "members": "12"},
    )
    assert response.status_code == 302
    channel = Channel.objects.get()
    assert (channel.name, channel.members, channel.recorded_by) == ("和平里骨干群", 12, world.staff)
    page = client.get(url(world, "channels")).content.decode()
    assert f'data-channel="{channel.pk}"' in page
    assert 'data-open-channels="1"' in page


def test_a_phone_number_on_the_page_is_refused_and_nothing_is_kept(
    world: World, login: Any
) -> None:
    response = login(world.staff).post(
        url(world, "channel-add"),
        {"name": "骨干群", "kind": "leaders", "platform": "wechat", "keeper": "13800138000"},
    )
    assert response.status_code == 200
    assert "data-channel-form" in response.content.decode()
    assert not Channel.objects.exists()


def test_staff_edit_and_close_a_group_on_the_page(world: World, login: Any) -> None:
    channel = record(world)
    client = login(world.staff)
    edit = url(world, "channel-edit", pk=channel.pk)
    assert "data-channel-close" in client.get(edit).content.decode()
    data = {"name": "骨干群", "kind": "leaders", "platform": "qq", "members": "9"}
    assert client.post(edit, data).status_code == 302
    assert Channel.objects.get(pk=channel.pk).platform == "qq"
    response = client.post(url(world, "channel-close", pk=channel.pk), {"closed_on": ""})
    assert response.status_code == 302
    assert Channel.objects.get(pk=channel.pk).closed_on == timezone.localdate()
    assert client.get(edit).status_code == 404  # a closed group is not edited any more
    assert 'data-open-channels="0"' in client.get(url(world, "channels")).content.decode()


def test_leaders_see_the_list_with_keepers_masked_and_no_actions(world: World, login: Any) -> None:
    record(world, keeper="王建国")
    page = login(world.leader).get(url(world, "channels")).content.decode()
    assert "和平里骨干群" in page
    assert "王**" in page
    assert "王建国" not in page
    assert "data-channel-edit" not in page
    assert "data-channel-add" not in page
    staff_page = login(world.staff).get(url(world, "channels")).content.decode()
    assert "王建国" in staff_page


def test_viewers_residents_and_other_communities_get_404(world: World, login: Any) -> None:
    channel = record(world)
    for user in (world.viewer, world.resident, world.other_staff, world.outsider):
        assert login(user).get(url(world, "channels")).status_code == 404
    foreign = channel_record(
        community=world.foreign_community,
        fields=ChannelFields(name="远方骨干群", kind="leaders"),
        actor=None,
    )
    client = login(world.staff)
    assert client.get(url(world, "channel-edit", pk=foreign.pk)).status_code == 404
    assert client.post(url(world, "channel-close", pk=foreign.pk)).status_code == 404
    assert Channel.objects.get(pk=foreign.pk).closed_on is None
    assert login(world.leader).get(url(world, "channel-edit", pk=channel.pk)).status_code == 404


def test_the_list_costs_a_fixed_number_of_queries(
    world: World, login: Any, django_assert_max_num_queries: Any
) -> None:
    client = login(world.staff)
    for i in range(3):
        building = Building.objects.create(community=world.community, label=str(i + 1))
        record(world, f"{i + 1}栋邻里群", kind="building", building=building)
    with django_assert_max_num_queries(12) as few:
        client.get(url(world, "channels"))
    for i in range(3, 20):
        building = Building.objects.create(community=world.community, label=str(i + 1))
        record(world, f"{i + 1}栋邻里群", kind="building", building=building, keeper="楼长")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url(world, "channels"))
    assert response.content.decode().count("data-channel=") == 20


def test_the_demo_records_a_leaders_group_and_building_groups_once(world: World) -> None:
    for label in ("1", "2"):
        Building.objects.create(community=world.community, label=label)
    demo = DemoWorld(organisation=world.organisation, community=world.community)
    said: list[str] = []
    demo_load(world=demo, progress=said.append)
    channels = list(community_channels(world.community))
    assert [c.kind for c in channels] == [ChannelKind.LEADERS, "building", "building"]
    year_ago = timezone.localdate() - timedelta(days=365)
    for channel in channels:
        assert channel.started_on is not None
        assert channel.started_on < year_ago + timedelta(days=120)  # the first months
        assert channel.recorded_at.date() <= channel.started_on + timedelta(days=1)
    demo_load(world=demo, progress=said.append)
    assert Channel.objects.filter(community=world.community).count() == 3
