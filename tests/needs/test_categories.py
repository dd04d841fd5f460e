from __future__ import annotations

import pytest

from peiban.needs.models import Category
from tests.conftest import World

pytestmark = pytest.mark.django_db


def test_an_org_admin_renames_adds_and_retires_categories(login, world: World) -> None:
    client = login(world.admin)
    url = f"/org/{world.organisation.slug}/needs/categories/"
    assert "邻里关系" in client.get(url).content.decode()
    neighbours = Category.objects.get(organisation=world.organisation, name="邻里关系")
    client.post(url, {"pk": neighbours.pk, "name": "邻里和睦", "hint": "噪音、漏水"})
    neighbours.refresh_from_db()
    assert (neighbours.name, neighbours.active) == ("邻里和睦", False)
    client.post(url, {"name": "加装电梯"})
    assert Category.objects.filter(organisation=world.organisation, name="加装电梯").exists()
    response = client.post(url, {"name": "加装电梯"}, follow=True)
    assert "已经有" in response.content.decode()
    assert Category.objects.filter(organisation=world.other_organisation).count() == 0
