"""The organisation set-up pages: only the organisation's admins reach them; everyone else gets 404."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from peiban.core.models import AuditAction, AuditEntry, Membership, Role
from peiban.places.models import Community, Partner, PartnerKind
from tests.conftest import PERSONAS, World
from tests.factories import CommunityFactory, UserFactory, member

pytestmark = pytest.mark.django_db


def url(name: str, world: World, **kwargs: Any) -> str:
    return reverse(f"org:{name}", kwargs={"org": world.organisation.slug, **kwargs})


@pytest.fixture
def admin(login: Callable[[Any], Client], world: World) -> Client:
    """The organisation's admin, reading English (the source strings)."""
    client = login(world.admin)
    client.cookies["peiban_language"] = "en"
    return client


def membership_of(world: World, user: Any) -> Membership:
    return Membership.objects.get(organisation=world.organisation, user=user)


def pages(world: World) -> list[tuple[str, str]]:
    staff = membership_of(world, world.staff).pk
    return [
        ("get", url("home", world)),
        ("get", url("community-new", world)),
        ("post", url("community-new", world)),
        ("get", url("partner-new", world, community=world.community.slug)),
        ("post", url("partner-new", world, community=world.community.slug)),
        ("get", url("member-new", world)),
        ("post", url("member-new", world)),
        ("get", url("member-edit", world, pk=staff)),
        ("post", url("member-edit", world, pk=staff)),
        ("post", url("member-remove", world, pk=staff)),
    ]


# --- Who may open the pages -----------------------------------------------------------------------


def test_it_shows_the_admin_the_organisation(admin: Client, world: World) -> None:
    Partner.objects.create(
        community=world.community, kind=PartnerKind.STREET_OFFICE, name="和平街道办事处"
    )
    response = admin.get(url("home", world))
    html = response.content.decode()
    assert response.status_code == 200
    assert world.organisation.name in html
    assert 'data-community="heping"' in html
    assert 'data-community="anle"' in html
    assert "远方小区" not in html
    assert "和平街道办事处" in html
    assert "Street office" in html
    for persona in ("admin", "staff", "other_staff", "leader", "resident", "viewer"):
        assert f'data-member="{persona}"' in html
    assert 'data-member="outsider"' not in html
    assert "Government viewer" in html
    assert "All communities" in html


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "admin"])
def test_it_answers_404_to_everyone_but_the_admin(
    persona: str, login: Callable[[Any], Client], world: World
) -> None:
    client = login(world.persona(persona))
    for method, path in pages(world):
        assert getattr(client, method)(path).status_code == 404, f"{persona} {method} {path}"
    assert Membership.objects.filter(organisation=world.organisation).count() == 6
    assert (
        not Community.objects.filter(organisation=world.organisation)
        .exclude(pk__in=[world.community.pk, world.other_community.pk])
        .exists()
    )


def test_it_sends_anonymous_visitors_to_sign_in(client: Client, world: World) -> None:
    for method, path in pages(world):
        response = getattr(client, method)(path)
        assert response.status_code == 302, f"{method} {path}"
        assert response["Location"].startswith(reverse("login"))


def test_it_keeps_the_outsider_out_even_though_they_admin_another_organisation(
    login: Callable[[Any], Client], world: World
) -> None:
    client = login(world.outsider)
    assert client.get(reverse("org:home", args=[world.other_organisation.slug])).status_code == 200
    assert client.get(url("home", world)).status_code == 404
    assert client.get(url("member-new", world)).status_code == 404


def test_it_keeps_the_admin_out_of_another_organisation(admin: Client, world: World) -> None:
    other = world.other_organisation.slug
    outsider = Membership.objects.get(user=world.outsider)
    assert admin.get(reverse("org:home", args=[other])).status_code == 404
    assert admin.get(reverse("org:member-edit", args=[other, outsider.pk])).status_code == 404
    # Nor through this organisation's address with the other organisation's records.
    assert admin.get(url("member-edit", world, pk=outsider.pk)).status_code == 404
    assert admin.post(url("member-remove", world, pk=outsider.pk)).status_code == 404
    far = world.foreign_community.slug
    assert admin.get(url("partner-new", world, community=far)).status_code == 404
    assert Membership.objects.filter(pk=outsider.pk).exists()


def test_it_removes_members_by_post_only(admin: Client, world: World) -> None:
    staff = membership_of(world, world.staff)
    assert admin.get(url("member-remove", world, pk=staff.pk)).status_code == 405
    assert Membership.objects.filter(pk=staff.pk).exists()


# --- Communities and partners ---------------------------------------------------------------------


def test_it_creates_a_community_and_audits_it(admin: Client, world: World) -> None:
    data = {"name": "幸福家园", "slug": "xingfu", "city": "成都", "grid_code": "WG-07"}
    response = admin.post(url("community-new", world), data, follow=True)
    community = Community.objects.get(slug="xingfu")
    assert community.organisation == world.organisation
    assert (community.city, community.grid_code) == ("成都", "WG-07")
    assert response.redirect_chain == [(url("home", world), 302)]
    html = response.content.decode()
    assert "The community “幸福家园” was created." in html
    assert 'data-community="xingfu"' in html
    entry = AuditEntry.objects.get(subject_type="places.community", subject_id=str(community.pk))
    assert entry.action == AuditAction.CREATE
    assert entry.actor == world.admin
    assert entry.organisation == world.organisation


def test_it_makes_a_short_name_when_none_is_given(admin: Client, world: World) -> None:
    response = admin.post(url("community-new", world), {"name": "Harmony Gardens"})
    assert response.status_code == 302
    assert Community.objects.get(name="Harmony Gardens").slug == "harmony-gardens"


def test_it_refuses_a_short_name_that_is_taken(admin: Client, world: World) -> None:
    response = admin.post(url("community-new", world), {"name": "另一个", "slug": "far"})
    assert response.status_code == 200
    assert "The short name “far” is taken." in response.content.decode()
    assert not Community.objects.filter(name="另一个").exists()


def test_it_adds_a_partner_to_a_community_and_audits_it(admin: Client, world: World) -> None:
    data = {"kind": PartnerKind.PROPERTY_COMPANY, "name": "安居物业", "contact": "王经理"}
    path = url("partner-new", world, community=world.other_community.slug)
    response = admin.post(path, data)
    assert response.status_code == 302
    partner = Partner.objects.get(name="安居物业")
    assert partner.community == world.other_community
    assert partner.contact == "王经理"
    entry = AuditEntry.objects.get(subject_type="places.partner", subject_id=str(partner.pk))
    assert entry.action == AuditAction.CREATE
    assert entry.organisation == world.organisation
    html = admin.get(url("home", world)).content.decode()
    assert "安居物业" in html


def test_it_refuses_a_partner_kind_that_does_not_exist(admin: Client, world: World) -> None:
    path = url("partner-new", world, community=world.community.slug)
    response = admin.post(path, {"kind": "mafia", "name": "某某"})
    assert response.status_code == 200
    assert not Partner.objects.exists()


# --- Adding members -------------------------------------------------------------------------------


def new_member(world: World, **changes: Any) -> dict[str, Any]:
    return {
        "username": "xiaowang",
        "last_name": "王",
        "first_name": "小明",
        "email": "xiaowang@example.org",
        "role": Role.STAFF,
        "communities": [world.community.pk],
    } | changes


def test_it_adds_a_new_person_and_shows_their_password_link_once(
    admin: Client, world: World
) -> None:
    response = admin.post(url("member-new", world), new_member(world))
    assert response.status_code == 302
    assert response["Location"] == url("home", world)
    user = User.objects.get(username="xiaowang")
    assert (user.last_name, user.first_name, user.email) == ("王", "小明", "xiaowang@example.org")
    assert not user.has_usable_password()
    membership = membership_of(world, user)
    assert membership.role == Role.STAFF
    assert list(membership.communities.all()) == [world.community]
    entry = AuditEntry.objects.get(subject_type="core.membership", subject_id=str(membership.pk))
    assert entry.action == AuditAction.CREATE
    assert entry.organisation == world.organisation
    assert entry.detail["new_account"] is True

    page = admin.get(url("home", world))
    html = page.content.decode()
    assert "data-reset-link" in html
    assert "An account was made for 王小明, who is now a member." in html
    assert page["Cache-Control"] == "no-store"
    link = html.split('<code class="token">')[1].split("</code>")[0]
    assert link.startswith("http://testserver/accounts/reset/")
    uidb64, token = link.removeprefix("http://testserver/accounts/reset/").strip("/").split("/")
    assert force_str(urlsafe_base64_decode(uidb64)) == str(user.pk)
    assert default_token_generator.check_token(user, token)
    assert "data-reset-link" not in admin.get(url("home", world)).content.decode()

    # The link lets the new member choose a password, then sign in.
    stranger = Client()
    choose = stranger.get(link, follow=True)
    assert choose.status_code == 200
    assert choose.context["validlink"] is True
    password = "a-new-long-password-42"
    done = stranger.post(
        choose.redirect_chain[-1][0], {"new_password1": password, "new_password2": password}
    )
    assert done.status_code == 302
    assert Client().login(username="xiaowang", password=password)


def test_it_adds_an_existing_account_and_keeps_its_details(admin: Client, world: World) -> None:
    data = new_member(
        world, username="outsider", last_name="假", first_name="名", email="x@example.org"
    )
    response = admin.post(url("member-new", world), data, follow=True)
    html = response.content.decode()
    assert "already had an account and is now a member." in html
    assert "data-reset-link" not in html
    world.outsider.refresh_from_db()
    assert world.outsider.email == "outsider@example.org"
    assert world.outsider.has_usable_password()
    assert membership_of(world, world.outsider).role == Role.STAFF
    assert Membership.objects.filter(user=world.outsider).count() == 2
    assert User.objects.filter(username="outsider").count() == 1


def test_it_finds_an_existing_account_whatever_the_case(admin: Client, world: World) -> None:
    response = admin.post(url("member-new", world), new_member(world, username="Outsider"))
    assert response.status_code == 302
    assert membership_of(world, world.outsider).role == Role.STAFF
    assert not User.objects.filter(username="Outsider").exists()


def test_it_refuses_someone_who_is_already_a_member(admin: Client, world: World) -> None:
    response = admin.post(url("member-new", world), new_member(world, username="staff"))
    assert response.status_code == 200
    assert "staff is already a member of this organisation." in response.content.decode()
    assert membership_of(world, world.staff).role == Role.STAFF
    assert not AuditEntry.objects.filter(subject_type="core.membership").exists()


def test_it_needs_a_community_unless_the_role_is_admin(admin: Client, world: World) -> None:
    response = admin.post(url("member-new", world), new_member(world, communities=[]))
    assert response.status_code == 200
    assert "Choose at least one community" in response.content.decode()
    assert not User.objects.filter(username="xiaowang").exists()
    data = new_member(world, role=Role.ORG_ADMIN, communities=[])
    assert admin.post(url("member-new", world), data).status_code == 302
    assert membership_of(world, User.objects.get(username="xiaowang")).role == Role.ORG_ADMIN


def test_it_offers_only_this_organisations_communities(admin: Client, world: World) -> None:
    html = admin.get(url("member-new", world)).content.decode()
    assert "和平里小区" in html
    assert "远方小区" not in html
    data = new_member(world, communities=[world.foreign_community.pk])
    response = admin.post(url("member-new", world), data)
    assert response.status_code == 200
    assert not User.objects.filter(username="xiaowang").exists()


# --- Changing and removing members ----------------------------------------------------------------


def test_it_changes_a_role_and_communities_and_audits_it(admin: Client, world: World) -> None:
    staff = membership_of(world, world.staff)
    data = {"role": Role.RESIDENT_LEADER, "communities": [world.other_community.pk]}
    response = admin.post(url("member-edit", world, pk=staff.pk), data)
    assert response.status_code == 302
    assert response["Location"] == url("home", world)
    staff.refresh_from_db()
    assert staff.role == Role.RESIDENT_LEADER
    assert list(staff.communities.all()) == [world.other_community]
    entry = AuditEntry.objects.get(action=AuditAction.CHANGE, subject_id=str(staff.pk))
    assert entry.organisation == world.organisation
    assert entry.detail["role"] == [Role.STAFF, Role.RESIDENT_LEADER]
    assert entry.detail["communities"] == [["heping"], ["anle"]]


def test_it_shows_the_current_role_and_communities(admin: Client, world: World) -> None:
    staff = membership_of(world, world.staff)
    response = admin.get(url("member-edit", world, pk=staff.pk))
    form = response.context["form"]
    assert form["role"].value() == Role.STAFF
    assert [int(pk) for pk in form["communities"].value()] == [world.community.pk]


def test_it_removes_a_member_and_audits_it(admin: Client, world: World) -> None:
    viewer = membership_of(world, world.viewer)
    response = admin.post(url("member-remove", world, pk=viewer.pk), follow=True)
    assert response.redirect_chain == [(url("home", world), 302)]
    assert "was removed from the organisation." in response.content.decode()
    assert not Membership.objects.filter(pk=viewer.pk).exists()
    assert User.objects.filter(pk=world.viewer.pk).exists()
    entry = AuditEntry.objects.get(action=AuditAction.DELETE, subject_id=str(viewer.pk))
    assert entry.subject_type == "core.membership"
    assert entry.organisation == world.organisation
    assert entry.detail["user"] == "viewer"


def test_it_keeps_the_last_admin_from_demoting_themself(admin: Client, world: World) -> None:
    own = membership_of(world, world.admin)
    data = {"role": Role.STAFF, "communities": [world.community.pk]}
    response = admin.post(url("member-edit", world, pk=own.pk), data)
    assert response.status_code == 200
    assert "The organisation needs at least one admin." in response.content.decode()
    own.refresh_from_db()
    assert own.role == Role.ORG_ADMIN
    assert not AuditEntry.objects.filter(action=AuditAction.CHANGE).exists()


def test_it_keeps_the_last_admin_from_removing_themself(admin: Client, world: World) -> None:
    own = membership_of(world, world.admin)
    response = admin.post(url("member-remove", world, pk=own.pk), follow=True)
    assert response.redirect_chain == [(url("member-edit", world, pk=own.pk), 302)]
    assert "The organisation needs at least one admin." in response.content.decode()
    assert Membership.objects.filter(pk=own.pk).exists()
    assert not AuditEntry.objects.filter(action=AuditAction.DELETE).exists()


def test_it_lets_an_admin_step_down_when_another_admin_remains(admin: Client, world: World) -> None:
    second = UserFactory(username="second")
    member(second, world.organisation, Role.ORG_ADMIN)
    own = membership_of(world, world.admin)
    data = {"role": Role.STAFF, "communities": [world.community.pk]}
    response = admin.post(url("member-edit", world, pk=own.pk), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("core:dashboard")
    assert admin.get(url("home", world)).status_code == 404
    assert Client().get(url("home", world)).status_code == 302


def test_it_lets_an_admin_leave_when_another_admin_remains(admin: Client, world: World) -> None:
    member(UserFactory(username="second"), world.organisation, Role.ORG_ADMIN)
    own = membership_of(world, world.admin)
    response = admin.post(url("member-remove", world, pk=own.pk))
    assert response["Location"] == reverse("core:dashboard")
    assert not Membership.objects.filter(pk=own.pk).exists()


# --- Cost -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [10, 30])
def test_it_keeps_the_home_query_count_bounded(
    extra: int, admin: Client, world: World, django_assert_max_num_queries: Any
) -> None:
    for n in range(extra // 5):
        community = CommunityFactory(organisation=world.organisation)
        Partner.objects.create(community=community, kind=PartnerKind.OTHER, name=f"伙伴{n}")
    communities = list(Community.objects.filter(organisation=world.organisation))
    for n in range(extra):
        member(UserFactory(), world.organisation, Role.STAFF, *communities[: 1 + n % 3])
    with django_assert_max_num_queries(10):
        response = admin.get(url("home", world))
    assert response.status_code == 200
    assert response.content.decode().count("data-member=") == 6 + extra


def test_it_shows_the_audit_log_to_org_admins_with_a_filter(
    login, world, django_assert_max_num_queries
) -> None:
    from peiban.core.audit import audit_record
    from peiban.core.models import AuditAction

    for n in range(60):
        audit_record(
            actor=world.staff,
            action=AuditAction.EXPORT if n % 2 else AuditAction.UNMASK,
            subject=world.community,
            organisation=world.organisation,
            reason=f"r{n}",
        )
    audit_record(
        actor=world.outsider,
        action=AuditAction.EXPORT,
        subject=world.foreign_community,
        organisation=world.other_organisation,
        reason="elsewhere",
    )
    client = login(world.admin)
    with django_assert_max_num_queries(8):
        html = client.get(f"/org/{world.organisation.slug}/audit/?action=unmask").content.decode()
    assert html.count("<tr>") == 31  # header + 30 unmask entries
    assert "elsewhere" not in html
    assert login(world.staff).get(f"/org/{world.organisation.slug}/audit/").status_code == 404
