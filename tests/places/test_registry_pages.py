"""Registry pages: overview, building grid, dwelling, resident, search, unmask, roster upload, export."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from peiban.core.models import AuditEntry
from peiban.places.models import Building, Dwelling, Household, Resident
from peiban.places.services import resident_set_contact
from tests.conftest import Registry, World

pytestmark = pytest.mark.django_db


def fill(world: World, buildings: int, rooms: int) -> None:
    """Add `buildings` buildings with `rooms` dwellings, each with a household of two."""
    for b in range(buildings):
        building = Building.objects.create(community=world.community, label=f"{b + 10}")
        dwellings = Dwelling.objects.bulk_create(
            Dwelling(
                community=world.community,
                building=building,
                unit=str(1 + i % 2),
                room=str(100 * (1 + i // 4) + i % 4 + 1),
                floor=1 + i // 4,
            )
            for i in range(rooms)
        )
        households = Household.objects.bulk_create(
            Household(community=world.community, dwelling=d) for d in dwellings
        )
        Resident.objects.bulk_create(
            Resident(community=world.community, household=h, name=f"居民{h.pk}-{n}")
            for h in households
            for n in range(2)
        )


def queries_for(client: Client, url: str, django_assert_max_num_queries, limit: int) -> None:
    with django_assert_max_num_queries(limit):
        assert client.get(url).status_code == 200


def test_it_keeps_the_overview_query_count_flat_as_data_grows(
    login, world: World, registry: Registry, django_assert_max_num_queries
) -> None:
    client = login(world.staff)
    url = f"/c/{world.community.slug}/"
    queries_for(client, url, django_assert_max_num_queries, 12)
    fill(world, buildings=10, rooms=24)
    queries_for(client, url, django_assert_max_num_queries, 12)


def test_it_keeps_the_building_page_query_count_flat(
    login, world: World, registry: Registry, django_assert_max_num_queries
) -> None:
    client = login(world.staff)
    fill(world, buildings=1, rooms=8)
    building = Building.objects.get(label="10")
    url = f"/c/{world.community.slug}/b/{building.pk}/"
    queries_for(client, url, django_assert_max_num_queries, 10)
    Dwelling.objects.bulk_create(
        Dwelling(community=world.community, building=building, unit="3", room=str(100 + i), floor=1)
        for i in range(40)
    )
    queries_for(client, url, django_assert_max_num_queries, 10)


def test_it_shows_counts_per_building_on_the_overview(
    login, world: World, registry: Registry
) -> None:
    html = login(world.viewer).get(f"/c/{world.community.slug}/").content.decode()
    assert "1 户 · 1 个家庭 · 1 位居民" in html
    assert "张伟" not in html
    assert f"/b/{registry.building.pk}/" not in html  # aggregates only: no link to records


def test_it_draws_the_building_grid_by_floor_and_unit(
    login, world: World, registry: Registry
) -> None:
    html = (
        login(world.staff)
        .get(f"/c/{world.community.slug}/b/{registry.building.pk}/")
        .content.decode()
    )
    assert 'class="room known"' in html
    assert "301" in html
    assert "2单元" in html


@pytest.mark.parametrize("query", ["张伟", "张", "3-2-301", "3栋2单元301室", "8000"])
def test_it_finds_a_resident_by_name_room_or_phone_digits(
    login, world: World, registry: Registry, query: str
) -> None:
    html = (
        login(world.leader).get(f"/c/{world.community.slug}/search/", {"q": query}).content.decode()
    )
    assert f"/r/{registry.resident.pk}/" in html


def test_it_answers_htmx_searches_with_the_results_fragment(
    login, world: World, registry: Registry
) -> None:
    response = login(world.staff).get(
        f"/c/{world.community.slug}/search/", {"q": "张"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert "<html" not in html


def test_it_never_finds_residents_of_another_community(
    login, world: World, registry: Registry
) -> None:
    html = (
        login(world.admin)
        .get(f"/c/{world.community.slug}/search/", {"q": "远方人"})
        .content.decode()
    )
    assert f"/r/{registry.foreign_resident.pk}/" not in html
    assert "没有找到" in html


def test_it_masks_the_phone_for_a_leader_and_offers_no_unmasking(
    login, world: World, registry: Registry
) -> None:
    html = (
        login(world.leader)
        .get(f"/c/{world.community.slug}/r/{registry.resident.pk}/")
        .content.decode()
    )
    assert "138****8000" in html
    assert "13800138000" not in html
    assert "unmask" not in html


def test_it_unmasks_for_staff_with_a_reason_and_logs_it(
    login, world: World, registry: Registry
) -> None:
    client = login(world.staff)
    url = f"/c/{world.community.slug}/r/{registry.resident.pk}/unmask/"
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400
    assert not AuditEntry.objects.filter(action="unmask").exists()
    response = client.post(url, {"reason": "电话沟通漏水"})
    assert "13800138000" in response.content.decode()
    entry = AuditEntry.objects.get(action="unmask")
    assert entry.actor == world.staff
    assert entry.reason == "电话沟通漏水"
    assert entry.subject_id == str(registry.resident.pk)


def roster_file(text: str, name: str = "roster.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding))


def test_it_previews_a_roster_before_writing_and_imports_on_confirm(login, world: World) -> None:
    client = login(world.staff)
    url = f"/c/{world.community.slug}/roster/"
    csv = "楼号,单元,房号,建筑面积,业主,电话,身份\n5号楼,1,101,88.8,王芳,13912345678,业主\n5栋,1单元,102室,90,李强,,租户\n"
    response = client.post(url, {"file": roster_file(csv, encoding="gbk")})
    html = response.content.decode()
    assert "data-preview" in html
    assert "新建 2 户房屋" in html
    assert not Dwelling.objects.filter(community=world.community).exists()
    token = html.split('name="upload" value="')[1].split('"')[0]
    response = client.post(url, {"upload": token})
    assert response.status_code == 302
    assert Dwelling.objects.filter(community=world.community, building__label="5").count() == 2
    assert Resident.objects.get(name="王芳").owned_dwellings.count() == 1


def test_it_refuses_a_roster_with_bad_rows_unless_partial(login, world: World) -> None:
    client = login(world.staff)
    url = f"/c/{world.community.slug}/roster/"
    csv = "栋,房号,面积,姓名\n1,101,abc,甲\n1,102,80,乙\n"
    html = client.post(url, {"file": roster_file(csv)}).content.decode()
    assert "面积 is &#x27;abc&#x27;" in html or "面积 is 'abc'" in html
    token = html.split('name="upload" value="')[1].split('"')[0]
    refused = client.post(url, {"upload": token})
    assert refused.status_code == 400
    assert not Dwelling.objects.filter(community=world.community).exists()
    client.post(url, {"upload": token, "partial": "on"})
    assert list(
        Dwelling.objects.filter(community=world.community).values_list("room", flat=True)
    ) == ["102"]


def test_it_reports_a_damaged_workbook_on_the_upload_page(login, world: World) -> None:
    response = login(world.staff).post(
        f"/c/{world.community.slug}/roster/",
        {"file": SimpleUploadedFile("r.xlsx", b"PK\x03\x04broken")},
    )
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()


def test_it_exports_residents_masked_and_logs_the_export(
    login, world: World, registry: Registry
) -> None:
    resident_set_contact(registry.resident, phone="13800138000", id_number="")
    registry.resident.name = '=HYPERLINK("http://x")'
    registry.resident.save()
    response = login(world.staff).get(f"/c/{world.community.slug}/residents.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("栋", "单元", "房号", "姓名")
    assert rows[1][5] == "138****8000"
    assert str(rows[1][3]).startswith("'=")
    assert AuditEntry.objects.filter(action="export", subject_type="places.community").exists()


def test_it_exports_in_full_only_for_those_who_may_unmask(
    login, world: World, registry: Registry
) -> None:
    assert (
        login(world.staff).get(f"/c/{world.community.slug}/residents.xlsx?full=1").status_code
        == 200
    )
    assert AuditEntry.objects.get(action="export").detail["masked"] is False
