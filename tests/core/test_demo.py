"""`peiban demo`: idempotent, one user per role, logins that work, --reset, --json."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

from peiban.core.models import Membership, Organisation
from peiban.places.models import Community

pytestmark = pytest.mark.django_db(transaction=True)


def demo(*args: str) -> dict[str, object]:
    out = StringIO()
    call_command("demo", "--no-serve", "--json", *args, stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def test_it_prints_the_demo_logins_as_json() -> None:
    result = demo()
    assert result["organisation"] == "demo"
    assert result["community"] == "wutongli"
    assert result["url"] == "http://127.0.0.1:8000/"
    users = result["users"]
    assert isinstance(users, list)
    assert {u["role"] for u in users} == {
        "org_admin",
        "staff",
        "resident_leader",
        "resident",
        "government_viewer",
    }
    for user in users:
        assert authenticate(username=user["username"], password=user["password"]) is not None


def test_it_can_run_twice_without_duplicating_anything() -> None:
    demo()
    demo()
    assert Organisation.objects.filter(slug="demo").count() == 1
    assert Community.objects.filter(slug="wutongli").count() == 1
    assert Membership.objects.filter(organisation__slug="demo").count() == 5


def test_it_starts_over_with_reset() -> None:
    demo()
    Community.objects.create(organisation=Organisation.objects.get(slug="demo"), name="x", slug="x")
    demo("--reset")
    assert not Community.objects.filter(slug="x").exists()
    assert get_user_model().objects.filter(username__startswith="demo-").count() == 5


def test_it_prints_a_table_for_people() -> None:
    out = StringIO()
    call_command("demo", "--no-serve", stdout=out, stderr=StringIO())
    text = out.getvalue()
    assert "demo-staff" in text
    assert "peiban-demo-staff" in text
