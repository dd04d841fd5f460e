"""The indicator pages: figures for everyone with aggregates, drill-downs for staff only, a fixed
number of queries, and nothing personal for government viewers."""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from peiban.core.demo import DemoWorld
from peiban.indicators.reports import FORMATS
from peiban.places.models import Community, Dwelling, Resident
from tests.conftest import World
from tests.factories import CommunityFactory
from tests.indicators.data import populate

PERIOD = {"from": "2025-03-01", "to": "2026-06-30"}


@pytest.fixture
def populated(world: World) -> World:
    populate(world.community, seed=5)
    return world


def test_staff_see_figures_with_links_to_the_records_behind_them(
    populated: World, login: Any, django_assert_max_num_queries: Any
) -> None:
    client: Client = login(populated.staff)
    url = reverse("indicators:community", kwargs={"community": populated.community.slug})
    with django_assert_max_num_queries(30):
        response = client.get(url, PERIOD)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-indicator="activities_held"' in page
    assert "data-drill" in page
    assert "data-not-measured" in page  # survey coverage, network, self-organisations
    records = re.findall(r'href="(/c/heping/indicators/records/[^"]+)"', page)
    assert records
    for link in set(records):
        with django_assert_max_num_queries(12):
            assert client.get(link.replace("&amp;", "&")).status_code == 200


def test_the_drill_down_lists_exactly_the_records_counted(populated: World, login: Any) -> None:
    from datetime import date

    from peiban.indicators.figures import indicators_for
    from peiban.needs.dashboard_views import Period

    period = Period(date(2025, 3, 1), date(2026, 6, 30))
    indicators = indicators_for([populated.community.pk], since=period.since, until=period.until)
    client: Client = login(populated.staff)
    for what, key in (("activities", "activities_held"), ("attendance", "person_times")):
        url = reverse(
            "indicators:records", kwargs={"community": populated.community.slug, "what": what}
        )
        page = client.get(url, PERIOD).content.decode()
        table = page.split(f'data-records="{what}"')[1]
        assert table.count("<tr>") - 1 == indicators.value(key)


def test_government_viewers_get_no_drill_downs(populated: World, login: Any) -> None:
    client: Client = login(populated.viewer)
    url = reverse("indicators:community", kwargs={"community": populated.community.slug})
    page = client.get(url, PERIOD).content.decode()
    assert "data-drill" not in page
    assert "/records/" not in page


def test_government_viewers_see_no_personal_data_anywhere(demo: DemoWorld, login: Any) -> None:
    """Every page and file a viewer may open, searched for every resident's name, phone and
    room number of the compound."""
    from django.test import Client as FreshClient

    from peiban.core.models import Role

    viewer = demo.users[Role.GOVERNMENT_VIEWER]
    client = FreshClient()
    client.force_login(viewer)
    slug = demo.community.slug
    end = timezone.localdate()
    period = {"from": (end - timedelta(days=365)).isoformat(), "to": end.isoformat()}
    texts: list[str] = []
    for name in ("indicators:community", "indicators:progress", "indicators:report"):
        response = client.get(reverse(name, kwargs={"community": slug}), period)
        assert response.status_code == 200
        texts.append(response.content.decode())
    for fmt in FORMATS:
        response = client.get(
            reverse("indicators:report", kwargs={"community": slug}),
            {**period, "format": fmt, "version": "full"},  # asks for the full one: refused
        )
        assert response.status_code == 200
        texts.append(_file_text(fmt, response.content))
    for denied in ("indicators:records", "indicators:time-log"):
        kwargs = {"community": slug, **({"what": "attendance"} if "records" in denied else {})}
        assert client.get(reverse(denied, kwargs=kwargs)).status_code == 404
    everything = "\n".join(texts)
    residents = list(Resident.objects.filter(community=demo.community))
    assert len(residents) > 50
    names = {r.name for r in residents if len(r.name) >= 2}
    leaked = [n for n in names if n in everything]
    assert leaked == []
    phones = {r.phone for r in residents if r.phone}
    assert phones
    assert not [p for p in phones if p in everything]
    rooms = {
        f"{d.building.label}-{d.unit}-{d.room}"
        for d in Dwelling.objects.filter(community=demo.community).select_related("building")
    }
    assert not [room for room in rooms if room in everything]


def _file_text(fmt: str, body: bytes) -> str:
    if fmt == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body))
        return " ".join(
            str(v) for s in book.worksheets for row in s.iter_rows(values_only=True) for v in row
        )
    if fmt == "docx":
        from docx import Document

        document = Document(io.BytesIO(body))
        parts = [p.text for p in document.paragraphs]
        parts += [c.text for t in document.tables for r in t.rows for c in r.cells]
        return " ".join(parts)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "r.pdf"
        path.write_bytes(body)
        return subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, check=True, text=True
        ).stdout


def test_the_organisation_page_costs_the_same_queries_for_many_communities(
    world: World, login: Any, django_assert_max_num_queries: Any
) -> None:
    populate(world.community, seed=7, residents=10, activities=4)
    client: Client = login(world.admin)
    url = reverse("indicators:organisation", kwargs={"org": world.organisation.slug})
    with django_assert_max_num_queries(57) as few:  # 56 + the leaders' groups
        assert client.get(url, PERIOD).status_code == 200
    for i in range(12):
        community = CommunityFactory(organisation=world.organisation, slug=f"c{i}", name=f"小区{i}")
        populate(community, seed=100 + i, residents=6, activities=3)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url, PERIOD)
    page = response.content.decode()
    assert (
        page.count("data-community=")
        == Community.objects.filter(organisation=world.organisation).count()
    )
    assert 'data-section="outputs"' in page


def test_the_report_page_offers_the_full_version_to_staff_only(world: World, login: Any) -> None:
    url = reverse("indicators:report", kwargs={"community": world.community.slug})
    assert "report-version" in login(world.staff).get(url).content.decode()
    assert "report-version" not in login(world.viewer).get(url).content.decode()


def test_a_report_download_is_audited(world: World, login: Any) -> None:
    from peiban.core.models import AuditEntry

    url = reverse("indicators:report", kwargs={"community": world.community.slug})
    response = login(world.staff).get(url, {**PERIOD, "format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEntry.objects.filter(action="export", detail__report="xlsx").exists()


def test_the_api_gives_the_same_figures_as_the_pages(
    populated: World, django_assert_max_num_queries: Any
) -> None:
    from datetime import date

    from peiban.core.tokens import token_create
    from peiban.indicators.figures import indicators_for
    from peiban.needs.dashboard_views import Period

    _token, raw = token_create(user=populated.viewer, name="api")
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    url = f"/api/v1/communities/{populated.community.slug}/indicators"
    with django_assert_max_num_queries(26):
        response = client.get(url, {"start": "2025-03-01", "end": "2026-06-30"}, **auth)
    assert response.status_code == 200
    got = {item["key"]: item for item in response.json()["indicators"]}
    period = Period(date(2025, 3, 1), date(2026, 6, 30))
    expected = indicators_for([populated.community.pk], since=period.since, until=period.until)
    for row in expected.rows():
        assert got[row.key]["measured"] == row.measured
        if row.value is not None and row.ratings is None:
            assert Decimal(str(got[row.key]["value"])) == row.value
    assert got["network_density"]["value"] is None  # no snapshot: not measured, never zero
    bad = client.get(url, {"start": "2026-01-01", "end": "2025-01-01"}, **auth)
    assert bad.status_code == 422
    progress = client.get(f"/api/v1/communities/{populated.community.slug}/progress", **auth)
    assert progress.json()["phase"] == "entry"
