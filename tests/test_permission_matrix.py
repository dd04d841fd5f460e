"""Every page and every API operation, for every persona: allowed, or a 404 (401/login if anonymous).

The rules below are the product's access policy. A new URL or API operation without a rule fails
this test, so nothing ships without a decision about who may use it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from peiban.core.models import Membership
from peiban.core.tokens import token_create
from tests.conftest import PERSONAS, Registry, World

ALL = set(PERSONAS)
RECORDS = {"admin", "staff", "leader"}
EDIT = {"admin", "staff"}
AGGREGATES = {"admin", "staff", "leader", "viewer"}
PARTICIPATE = {"admin", "staff", "leader", "resident"}

# Pages open to anyone (sign-in and password reset) and framework routes tested elsewhere.
PUBLIC = {
    "login",
    "logout",
    "password_change",
    "password_change_done",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "set_language",
    "healthz",
    "councils:ballot",  # owners vote with the code on their paper, without an account
    "surveys:answer",  # residents answer an opened form by its unguessable link (test_self_answer)
}
SKIPPED_NAMESPACES = {"admin", "api"}

Kwargs = Callable[[World, Registry], dict[str, Any]]


def community(w: World, r: Registry) -> dict[str, Any]:
    return {"community": w.community.slug}


def building(w: World, r: Registry) -> dict[str, Any]:
    return {"community": w.community.slug, "pk": r.building.pk}


def dwelling(w: World, r: Registry) -> dict[str, Any]:
    return {"community": w.community.slug, "pk": r.dwelling.pk}


def resident(w: World, r: Registry) -> dict[str, Any]:
    return {"community": w.community.slug, "pk": r.resident.pk}


def nothing(w: World, r: Registry) -> dict[str, Any]:
    return {}


ORG_ADMIN = {"admin"}


def private_need(w: World, r: Registry) -> Any:
    """A private need raised by the registry's resident (who has no account)."""
    from peiban.needs.services import categories_ensure, need_raise

    category = categories_ensure(w.organisation)[0]
    return need_raise(
        community=w.community,
        title="楼道堆物",
        category=category,
        channel="visit",
        raised_by=r.resident,
        recorded_by=w.staff,
    )


def upcoming_activity(w: World, r: Registry) -> dict[str, Any]:
    from tests.activities.test_registration import make_activity

    return {"community": w.community.slug, "pk": make_activity(w).pk}


def activity_photo(w: World, r: Registry) -> dict[str, Any]:
    from datetime import timedelta

    from django.utils import timezone

    from peiban.activities.services import photo_add
    from tests.activities.test_closing import png_upload
    from tests.activities.test_registration import make_activity

    started = make_activity(w, starts_at=timezone.now() - timedelta(hours=1))
    photo = photo_add(activity=started, upload=png_upload(), people_agreed=True, actor=w.staff)
    return {"community": w.community.slug, "pk": started.pk, "photo": photo.pk}


def volunteer_on_duty(w: World, r: Registry) -> dict[str, Any]:
    from datetime import timedelta

    from django.utils import timezone

    from peiban.activities.services import attendance_check_in
    from tests.activities.test_registration import make_activity

    now = timezone.now()
    running = make_activity(w, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1))
    attendance, _created = attendance_check_in(
        activity=running,
        resident=r.resident,
        actor=w.staff,
        volunteer=True,
        at=now - timedelta(minutes=50),
    )
    return {"community": w.community.slug, "pk": running.pk, "attendance": attendance.pk}


def scan(w: World, r: Registry) -> dict[str, Any]:
    from peiban.activities.signin import token_for
    from tests.activities.test_registration import make_activity

    token = token_for(make_activity(w), "register")
    return {"community": w.community.slug, "purpose": "register", "token": token}


def reward(w: World) -> int:
    from peiban.ledger.models import Reward

    return Reward.objects.create(
        community=w.community, name="毛巾", kind="goods", cost=1, stock=5
    ).pk


def need(w: World, r: Registry) -> dict[str, Any]:
    return {"community": w.community.slug, "pk": private_need(w, r).pk}


def survey_form(w: World, r: Registry) -> dict[str, Any]:
    from peiban.surveys.questionnaires import needs_xlsform
    from peiban.surveys.services import form_import
    from peiban.surveys.xlsform import read_xlsform

    form = form_import(community=w.community, parsed=read_xlsform(needs_xlsform())).form
    return {"community": w.community.slug, "pk": form.pk}


def staged_survey_import(w: World, r: Registry) -> dict[str, Any]:
    """A responses file the staff persona uploaded for the import preview."""
    from peiban.surveys.importing import stage_files
    from peiban.surveys.models import Form
    from tests.surveys import files
    from tests.surveys.test_import_responses import sample

    kwargs = survey_form(w, r)
    form = Form.objects.get(pk=kwargs["pk"])
    data = files.plain(sample(2))
    token = stage_files(form=form, user=w.staff, files=[("plain.csv", data)], fmt="auto")
    return {**kwargs, "token": token}


UPLOADER = {"staff"}  # a file staged for an import: only the person who uploaded it


def survey_dwelling(w: World, r: Registry) -> dict[str, Any]:
    return {**survey_form(w, r), "dwelling": r.dwelling.pk}


def survey_link(w: World, r: Registry) -> dict[str, Any]:
    """A survey form opened to residents through its link."""
    from peiban.surveys.models import Form
    from peiban.surveys.services import link_open

    kwargs = survey_form(w, r)
    link_open(form=Form.objects.get(pk=kwargs["pk"]))
    return kwargs


def attachment(w: World, r: Registry) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from peiban.needs.services import attachment_add

    found = private_need(w, r)
    upload = SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 32)
    kept = attachment_add(need=found, upload=upload, actor=w.staff)
    return {"community": w.community.slug, "pk": found.pk, "attachment": kept.pk}


def letter(w: World, r: Registry) -> dict[str, Any]:
    from peiban.needs.services import letter_draft

    found = private_need(w, r)
    drafted = letter_draft(
        need=found, title="劝导函", body="亲爱的邻居", signature="居民", actor=w.staff
    )
    return {"community": w.community.slug, "pk": found.pk, "letter": drafted.pk}


def organisation(w: World, r: Registry) -> dict[str, Any]:
    return {"org": w.organisation.slug}


def chat_proposal(w: World, r: Registry) -> dict[str, Any]:
    from peiban.chats.models import Proposal
    from peiban.chats.parsing import parse_chat
    from peiban.chats.services import chat_intake

    chat = "2026-05-03 08:12 张阿姨: 3栋的电梯又坏了，老人下不了楼"
    chat_intake(community=w.community, messages=parse_chat(chat), actor=w.staff)
    found = Proposal.objects.filter(community=w.community).first()
    assert found is not None
    return {"community": w.community.slug, "pk": found.pk}


def chat_channel(w: World, r: Registry) -> dict[str, Any]:
    from peiban.chats.services import ChannelFields, channel_record

    found = channel_record(
        community=w.community, fields=ChannelFields(name="骨干群", kind="leaders"), actor=w.staff
    )
    return {"community": w.community.slug, "pk": found.pk}


def org_community(w: World, r: Registry) -> dict[str, Any]:
    return {"org": w.organisation.slug, "community": w.community.slug}


def org_member(w: World, r: Registry) -> dict[str, Any]:
    membership = Membership.objects.get(organisation=w.organisation, user=w.viewer)
    return {"org": w.organisation.slug, "pk": membership.pk}


def indicator_project(w: World, r: Registry) -> dict[str, Any]:
    from datetime import date

    from peiban.indicators.services import project_create

    made = project_create(
        organisation=w.organisation,
        name="街道购买服务",
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
        communities=[w.community],
        targets={"activities_held": 24},
        actor=w.admin,
    )
    return {"org": w.organisation.slug, "pk": made.pk}


def indicator_project_here(w: World, r: Registry) -> dict[str, Any]:
    """The project of indicator_project, on the page of the community it covers."""
    return {"community": w.community.slug, "pk": indicator_project(w, r)["pk"]}


def self_organisation(w: World, r: Registry) -> Any:
    """A group led by the leader persona's resident, with the resident persona as a member."""
    from datetime import date

    from peiban.groups.services import group_create, member_add
    from peiban.places.models import Resident

    made = group_create(
        community=w.community,
        name="广场舞队",
        kind="interest",
        founded_on=date(2025, 1, 1),
        actor=w.staff,
    )
    leader = Resident.objects.create(community=w.community, name="彭女士", user=w.leader)
    member = Resident.objects.create(community=w.community, name="赵大爷", user=w.resident)
    member_add(group=made, resident=leader, role="leader", actor=w.staff)
    member_add(group=made, resident=member, actor=w.staff)
    return made


def group(w: World, r: Registry) -> dict[str, Any]:
    return {"community": w.community.slug, "pk": self_organisation(w, r).pk}


def micro_project(w: World, r: Registry) -> dict[str, Any]:
    from peiban.groups.services import project_propose

    made = project_propose(
        community=w.community,
        title="楼道微改造",
        goal="邻里角",
        funding_source="ngo",
        group=self_organisation(w, r),
        actor=w.staff,
    )
    return {"community": w.community.slug, "pk": made.pk}


def missing_in_group(key: str) -> Kwargs:
    return lambda w, r: {**group(w, r), key: 999999}


def missing_in_project(key: str) -> Kwargs:
    return lambda w, r: {**micro_project(w, r), key: 999999}


COMMUNITY = {"admin", "staff", "leader", "resident", "viewer"}


def council_motion(w: World, r: Registry) -> Any:
    """A motion put at a resident council's meeting."""
    from django.utils import timezone

    from peiban.councils.services import body_create, meeting_schedule, motion_propose

    body = body_create(community=w.community, kind="resident_council", name="议事会", actor=w.staff)
    meeting = meeting_schedule(body=body, title="议事会", starts_at=timezone.now(), actor=w.staff)
    return motion_propose(meeting=meeting, action="清理楼道堆物", actor=w.staff)


def owners_vote(w: World, *, opened: bool) -> Any:
    """An owners' vote being prepared, or (`opened`) open with the registry as electorate."""
    from datetime import timedelta

    from django.utils import timezone

    from peiban.councils.services import assembly_create, assembly_open

    now = timezone.now()
    made = assembly_create(
        community=w.community,
        title="更换物业",
        matter=4,
        question="是否更换物业？",
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=1),
        actor=w.staff,
    )
    if opened:
        assembly_open(assembly=made, actor=w.staff)
    return made


def motion(w: World, r: Registry) -> dict[str, Any]:
    return {"community": w.community.slug, "pk": council_motion(w, r).pk}


def meeting(w: World, r: Registry) -> dict[str, Any]:
    return {"community": w.community.slug, "pk": council_motion(w, r).meeting_id}


def council_body(w: World, r: Registry) -> dict[str, Any]:
    return {"community": w.community.slug, "body": council_motion(w, r).meeting.body_id}


def draft_vote(w: World, r: Registry) -> dict[str, Any]:
    return {"community": w.community.slug, "pk": owners_vote(w, opened=False).pk}


def consent_case(w: World, r: Registry) -> dict[str, Any]:
    from peiban.councils.services import consent_case_open
    from peiban.places.models import Dwelling

    neighbour = Dwelling.objects.create(
        community=w.community, building=r.building, unit="2", room="201", floor=2
    )
    made = consent_case_open(
        dwelling=r.dwelling, purpose="理发店", affected=[neighbour], actor=w.staff
    )
    return {"community": w.community.slug, "pk": made.pk}


def poll(w: World, r: Registry) -> dict[str, Any]:
    from datetime import timedelta

    from django.utils import timezone

    from peiban.councils.services import poll_create

    made = poll_create(
        community=w.community,
        question="几点关门？",
        options=["20:00", "21:00"],
        closes_at=timezone.now() + timedelta(days=1),
        actor=w.staff,
    )
    return {"community": w.community.slug, "pk": made.pk}


def proposal(w: World, r: Registry) -> dict[str, Any]:
    from peiban.councils.services import proposal_create

    body = council_motion(w, r).meeting.body
    made = proposal_create(body=body, action="设快递存放点", actor=w.staff)
    return {"community": w.community.slug, "pk": made.pk}


def requisition(w: World, r: Registry) -> dict[str, Any]:
    from peiban.councils.services import requisition_create

    made = requisition_create(community=w.community, purpose="临时会议", actor=w.staff)
    return {"community": w.community.slug, "pk": made.pk}


# url name: (method, kwargs, POST data, personas allowed)
PAGES: dict[str, tuple[str, Kwargs, Any, set[str]]] = {
    "core:dashboard": ("get", nothing, {}, ALL),
    "core:tokens": ("get", nothing, {}, ALL),
    "places:community": ("get", community, {}, AGGREGATES),
    "places:search": ("get", community, {}, RECORDS),
    "places:roster-upload": ("get", community, {}, EDIT),
    "places:building": ("get", building, {}, RECORDS),
    "places:dwelling": ("get", dwelling, {}, RECORDS),
    "places:resident": ("get", resident, {}, RECORDS),
    "places:resident-unmask": ("post", resident, {"reason": "matrix"}, EDIT),
    "places:residents-export": ("get", community, {}, EDIT),
    "places:resident-edit": ("get", resident, {}, EDIT),
    "needs:notifications": ("get", nothing, {}, ALL),
    "needs:list": ("get", community, {}, PARTICIPATE),
    "needs:new": ("get", community, {}, PARTICIPATE),
    "needs:board": ("get", community, {}, PARTICIPATE),
    "needs:dashboard": ("get", community, {}, AGGREGATES),
    "needs:org-dashboard": ("get", organisation, {}, ORG_ADMIN),
    "needs:categories": ("get", organisation, {}, ORG_ADMIN),
    "needs:detail": ("get", need, {}, EDIT),
    "needs:move": ("post", need, {"to_stage": "accompanied", "version": 1}, EDIT),
    "needs:reopen": ("post", need, {"note": "x", "version": 1}, EDIT),
    "needs:action": ("post", need, {"kind": "talk", "by": "resident", "description": "x"}, EDIT),
    "needs:lead": ("post", need, {"version": 1, "staff_reason": "住院"}, EDIT),
    "needs:companion": ("post", need, {}, EDIT),
    "needs:attachment": ("post", need, {}, EDIT),
    "needs:attachment-file": ("get", attachment, {}, EDIT),
    "needs:letter-new": ("get", need, {}, EDIT),
    "needs:letter-file": ("get", lambda w, r: {**letter(w, r), "fmt": "docx"}, {}, EDIT),
    "needs:letter-posted": ("post", letter, {"where": "公告栏"}, EDIT),
    "needs:recognition": ("post", need, {}, EDIT),
    "needs:help": ("post", need, {"message": "我会修"}, EDIT),
    "chats:intake": ("get", community, {}, EDIT),
    "chats:demo-text": ("get", community, {}, EDIT),
    "chats:proposals": ("get", community, {}, RECORDS),
    "chats:confirm": ("post", chat_proposal, {}, EDIT),
    "chats:dismiss": ("post", chat_proposal, {}, EDIT),
    "chats:model": ("get", community, {}, EDIT),
    "chats:train": ("post", community, {}, EDIT),
    "chats:alerts": ("get", community, {}, AGGREGATES),
    "chats:need-messages": ("get", need, {}, EDIT),  # a private need: leaders may not see it
    "chats:channels": ("get", community, {}, RECORDS),  # keepers' names masked for leaders
    "chats:channel-add": ("get", community, {}, EDIT),
    "chats:channel-edit": ("get", chat_channel, {}, EDIT),
    "chats:channel-close": ("post", chat_channel, {}, EDIT),
    "activities:list": ("get", community, {}, PARTICIPATE),
    "activities:new": ("get", community, {}, RECORDS),
    "activities:detail": ("get", upcoming_activity, {}, PARTICIPATE),
    "activities:register": ("post", upcoming_activity, {}, PARTICIPATE),
    "activities:cancel": ("post", upcoming_activity, {}, PARTICIPATE),
    "activities:door": ("get", upcoming_activity, {}, RECORDS),
    "activities:check-in": (
        "post",
        upcoming_activity,
        lambda w, r: {"resident": str(r.resident.pk)},
        RECORDS,
    ),
    "activities:newcomer": ("post", upcoming_activity, {}, RECORDS),
    "activities:qr": ("get", upcoming_activity, {}, RECORDS),
    "activities:feedback": ("post", upcoming_activity, {"rating": "5"}, PARTICIPATE),
    "activities:scan": ("get", scan, {}, PARTICIPATE),
    "activities:summary": ("get", upcoming_activity, {}, RECORDS),
    "activities:check-out": ("post", volunteer_on_duty, {}, RECORDS),
    "places:resident-account": ("post", resident, {}, EDIT),
    "activities:participation": ("get", community, {}, AGGREGATES),
    "activities:resident-participation": ("get", resident, {}, RECORDS),
    "activities:photo-new": ("post", upcoming_activity, {}, RECORDS),
    "activities:photo": ("get", activity_photo, {}, PARTICIPATE),
    # Deleting removes the row, so later personas would see a 404: who may: tests/activities.
    "activities:photo-delete": (
        "post",
        lambda w, r: {**activity_photo(w, r), "photo": 999999},
        {},
        set(),
    ),
    "ledger:mine": ("get", community, {}, PARTICIPATE),
    "ledger:redeem": (
        "post",
        lambda w, r: {"community": w.community.slug, "pk": reward(w)},
        {},
        PARTICIPATE,
    ),
    "ledger:hours": ("get", community, {}, EDIT),
    "ledger:rules": ("get", community, {}, EDIT),
    "ledger:rewards": ("get", community, {}, EDIT),
    # These four act on a record made earlier (an hour entry, an attendance, a certificate); here
    # a missing one must be a 404 for everybody. Who may act on a real one: tests/ledger/test_pages.py.
    "ledger:verify": (
        "post",
        lambda w, r: {"community": w.community.slug, "pk": 999999},
        {},
        set(),
    ),
    "ledger:credit": (
        "post",
        lambda w, r: {"community": w.community.slug, "pk": 999999},
        {},
        set(),
    ),
    "ledger:points": (
        "post",
        lambda w, r: {"community": w.community.slug, "pk": 999999},
        {},
        set(),
    ),
    "ledger:issue": ("post", resident, {}, EDIT),
    "ledger:certificate": (
        "get",
        lambda w, r: {"community": w.community.slug, "pk": 999999},
        {},
        set(),
    ),
    "network:overview": ("get", community, {}, AGGREGATES),
    "network:graph": ("get", community, {}, RECORDS),
    "network:picture": ("get", community, {}, RECORDS),
    "network:refresh": ("post", community, {}, EDIT),
    "network:ties": ("get", community, {}, RECORDS),
    "network:tie-new": ("get", community, {}, EDIT),
    "groups:list": ("get", community, {}, PARTICIPATE),
    "groups:overview": ("get", community, {}, AGGREGATES),
    "groups:new": ("get", community, {}, EDIT),
    "groups:detail": ("get", group, {}, PARTICIPATE),
    "groups:members": ("get", group, {}, PARTICIPATE),
    # Acting on a missing row is a 404 for everybody; who may act on a real one: tests/groups.
    "groups:member-leave": ("post", missing_in_group("member"), {}, set()),
    "groups:member-role": ("post", missing_in_group("member"), {}, set()),
    "groups:meetings": ("get", group, {}, PARTICIPATE),
    "groups:fund": ("get", group, {}, PARTICIPATE),
    "groups:fund-reverse": ("post", missing_in_group("entry"), {}, set()),
    "groups:plan": ("get", group, {}, PARTICIPATE),
    "groups:coaching": ("post", group, {}, EDIT),
    "groups:training": ("post", group, {}, EDIT),
    "groups:milestone": ("post", group, {}, EDIT),
    "groups:milestone-reached": ("post", missing_in_group("milestone"), {}, set()),
    "groups:kind": ("post", group, {}, EDIT),
    "groups:rules": ("get", group, {}, PARTICIPATE),
    "groups:stage": ("get", group, {}, PARTICIPATE),
    "groups:assessments": ("get", group, {}, RECORDS),
    "groups:fund-settings": ("get", community, {}, EDIT),
    "groups:projects": ("get", community, {}, PARTICIPATE),
    "groups:project-new": ("get", community, {}, PARTICIPATE),
    "groups:project": ("get", micro_project, {}, PARTICIPATE),
    "groups:project-line": ("post", micro_project, {}, RECORDS),
    "groups:project-expense": ("post", micro_project, {}, RECORDS),
    "groups:project-expense-reverse": ("post", missing_in_project("expense"), {}, set()),
    "groups:receipt": ("get", missing_in_project("expense"), {}, set()),
    "groups:project-log": ("post", micro_project, {}, RECORDS),
    "groups:project-complete": ("post", micro_project, {}, RECORDS),
    "groups:project-decide": ("post", micro_project, {}, EDIT),
    "groups:project-evaluate": ("post", micro_project, {}, PARTICIPATE),
    "indicators:community": ("get", community, {}, AGGREGATES),
    "indicators:records": ("get", lambda w, r: {**community(w, r), "what": "activities"}, {}, EDIT),
    "indicators:progress": ("get", community, {}, AGGREGATES),
    "indicators:report": ("get", community, {}, AGGREGATES),
    "indicators:time-log": ("get", community, {}, EDIT),
    "indicators:organisation": ("get", organisation, {}, ORG_ADMIN),
    "indicators:thresholds": ("get", organisation, {}, ORG_ADMIN),
    "indicators:projects": ("get", organisation, {}, ORG_ADMIN),
    "indicators:project-new": ("get", organisation, {}, ORG_ADMIN),
    "indicators:project": ("get", indicator_project, {}, ORG_ADMIN),
    "indicators:project-link": ("post", indicator_project, {}, ORG_ADMIN),
    "indicators:project-unlink": ("post", indicator_project, {}, ORG_ADMIN),
    "indicators:project-coverage": ("get", indicator_project_here, {}, EDIT),
    "indicators:project-cover": ("post", indicator_project_here, {}, EDIT),
    "indicators:project-uncover": ("post", indicator_project_here, {}, EDIT),
    "org:home": ("get", organisation, {}, ORG_ADMIN),
    "org:audit": ("get", organisation, {}, ORG_ADMIN),
    "org:community-new": ("get", organisation, {}, ORG_ADMIN),
    "org:partner-new": ("get", org_community, {}, ORG_ADMIN),
    "org:member-new": ("get", organisation, {}, ORG_ADMIN),
    "org:member-edit": ("get", org_member, {}, ORG_ADMIN),
    "org:member-remove": ("post", org_member, {}, ORG_ADMIN),
    "places:rights": ("get", resident, {}, EDIT),
    "places:consent-add": ("post", resident, {"purpose": "registry", "version": "1"}, EDIT),
    "places:resident-data": ("get", lambda w, r: {**resident(w, r), "fmt": "json"}, {}, EDIT),
    "places:resident-erase": (
        "post",
        lambda w, r: {**resident(w, r), "how": "anonymise"},
        {"reason": "x"},
        EDIT,
    ),
    "councils:home": ("get", community, {}, COMMUNITY),
    "councils:body-new": ("get", community, {}, EDIT),
    "councils:meeting-new": ("get", council_body, {}, RECORDS),
    "councils:meeting": ("get", meeting, {}, PARTICIPATE),
    "councils:presence": ("post", meeting, {}, RECORDS),
    "councils:motion-new": ("post", meeting, {"action": "修好北门的路灯"}, RECORDS),
    "councils:chair": ("get", motion, {}, RECORDS),
    "councils:debate": ("post", motion, {}, RECORDS),
    "councils:hand": (
        "post",
        motion,
        lambda w, r: {"resident": str(r.resident.pk), "side": "for"},
        RECORDS,
    ),
    # A missing turn or decision is a 404 for everybody; who may act: tests/councils.
    "councils:call": ("post", lambda w, r: {**motion(w, r), "turn": 999999}, {}, set()),
    "councils:finish": ("post", lambda w, r: {**motion(w, r), "turn": 999999}, {}, set()),
    "councils:vote": ("post", motion, {}, RECORDS),
    "councils:decide": ("post", motion, {}, RECORDS),
    "councils:board": ("get", community, {}, COMMUNITY),
    "councils:progress": (
        "post",
        lambda w, r: {"community": w.community.slug, "pk": 999999},
        {},
        set(),
    ),
    "councils:check": (
        "post",
        lambda w, r: {"community": w.community.slug, "pk": 999999},
        {},
        set(),
    ),
    "councils:assembly-new": ("get", community, {}, EDIT),
    "councils:assembly": ("get", draft_vote, {}, EDIT),
    "councils:assembly-open": ("post", draft_vote, {}, EDIT),
    "councils:assembly-paper": ("post", draft_vote, {}, set()),
    "councils:assembly-import": ("post", draft_vote, {}, EDIT),
    "councils:assembly-close": ("post", draft_vote, {}, EDIT),
    "councils:consents": ("get", community, {}, EDIT),
    "councils:consent": ("get", consent_case, {}, EDIT),
    "councils:consent-answer": (
        "post",
        lambda w, r: {**consent_case(w, r), "item": 999999},
        {},
        set(),
    ),
    "councils:consent-close": ("post", consent_case, {}, EDIT),
    "councils:polls": ("get", community, {}, COMMUNITY),
    "councils:poll-answer": ("post", poll, {}, PARTICIPATE),
    "councils:proposals": ("get", community, {}, PARTICIPATE),
    "councils:proposal-support": ("post", proposal, {}, PARTICIPATE),
    "councils:code-notices": ("get", draft_vote, {}, EDIT),
    "councils:requisitions": ("get", community, {}, EDIT),
    "councils:requisition": ("get", requisition, {}, EDIT),
    "councils:proposal-motion": ("get", proposal, {}, RECORDS),
    "councils:members": ("get", council_body, {}, RECORDS),
    "councils:meeting-notice": ("get", meeting, {}, RECORDS),
    "councils:meeting-close": ("get", meeting, {}, RECORDS),
    "councils:withdraw": ("post", motion, {}, RECORDS),
    "councils:assembly-decide": ("get", draft_vote, {}, EDIT),
    "surveys:list": ("get", community, {}, AGGREGATES),
    "surveys:upload": ("post", community, {}, EDIT),
    "surveys:results": ("get", survey_form, {}, AGGREGATES),
    "surveys:visits": ("get", survey_form, {"building": "3"}, RECORDS),
    "surveys:visit": ("post", survey_dwelling, {"outcome": "not_home"}, RECORDS),
    "surveys:fill": ("get", survey_dwelling, {}, RECORDS),
    "surveys:import": ("get", survey_form, {}, EDIT),
    "surveys:import-upload": ("get", survey_form, {}, EDIT),
    "surveys:import-preview": ("get", staged_survey_import, {}, UPLOADER),
    "surveys:import-confirm": ("post", staged_survey_import, {}, UPLOADER),
    "surveys:import-cancel": ("post", staged_survey_import, {}, UPLOADER),
    "surveys:export": ("get", lambda w, r: {**survey_form(w, r), "fmt": "csv"}, {}, EDIT),
    "surveys:recommend": ("post", survey_form, {"title": "增加停车位"}, EDIT),
    "surveys:report": ("get", survey_form, {}, AGGREGATES),
    "surveys:link": ("get", survey_link, {}, RECORDS),
    "surveys:link-open": ("post", survey_form, {}, EDIT),
    "surveys:link-close": ("post", survey_link, {}, EDIT),
    "surveys:codes": ("get", survey_link, {"building": "3"}, RECORDS),
}

# Pages whose object belongs to one user: only the owner reaches it.
OWNED = {"core:token-revoke", "places:consent-withdraw"}

# "METHOD /path" of the OpenAPI document: personas allowed.
API: dict[str, set[str]] = {
    "GET /api/v1/me": ALL,
    "GET /api/v1/communities": ALL,
    "GET /api/v1/communities/{ref}": {"admin", "staff", "leader", "resident", "viewer"},
    "GET /api/v1/communities/{ref}/summary": AGGREGATES,
    "GET /api/v1/communities/{ref}/indicators": AGGREGATES,
    "GET /api/v1/communities/{ref}/progress": AGGREGATES,
    "GET /api/v1/communities/{ref}/buildings": AGGREGATES,
    "GET /api/v1/communities/{ref}/buildings/{pk}/dwellings": RECORDS,
    "GET /api/v1/communities/{ref}/dwellings/{pk}": RECORDS,
    "GET /api/v1/communities/{ref}/residents": RECORDS,
    "GET /api/v1/communities/{ref}/residents/{pk}": RECORDS,
    "POST /api/v1/communities/{ref}/residents/{pk}/unmask": EDIT,
    "POST /api/v1/communities/{ref}/roster": EDIT,
    "PATCH /api/v1/communities/{ref}/residents/{pk}": EDIT,
    "GET /api/v1/communities/{ref}/residents/{pk}/consents": EDIT,
    "POST /api/v1/communities/{ref}/residents/{pk}/consents": EDIT,
    "POST /api/v1/communities/{ref}/residents/{pk}/consents/{consent}/withdraw": EDIT,
    "GET /api/v1/communities/{ref}/residents/{pk}/data": EDIT,
    "POST /api/v1/communities/{ref}/residents/{pk}/anonymise": EDIT,
    "POST /api/v1/communities/{ref}/residents/{pk}/delete": EDIT,
    "GET /api/v1/communities/{ref}/need-categories": PARTICIPATE,
    "GET /api/v1/communities/{ref}/needs": PARTICIPATE,
    "POST /api/v1/communities/{ref}/needs": PARTICIPATE,
    "GET /api/v1/communities/{ref}/needs/{pk}": EDIT,
    "GET /api/v1/communities/{ref}/needs/{pk}/actions": EDIT,
    "POST /api/v1/communities/{ref}/needs/{pk}/actions": EDIT,
    "POST /api/v1/communities/{ref}/needs/{pk}/move": EDIT,
    "POST /api/v1/communities/{ref}/needs/{pk}/help": EDIT,
    "GET /api/v1/communities/{ref}/activities": PARTICIPATE,
    "GET /api/v1/communities/{ref}/activities/{pk}": PARTICIPATE,
    "POST /api/v1/communities/{ref}/activities/{pk}/signup": PARTICIPATE,
    "POST /api/v1/communities/{ref}/activities/{pk}/check-in": PARTICIPATE,
    "GET /api/v1/communities/{ref}/me/volunteering": PARTICIPATE,
    "GET /api/v1/communities/{ref}/me/activities": PARTICIPATE,
    "POST /api/v1/communities/{ref}/rewards/{pk}/redeem": PARTICIPATE,
    "GET /api/v1/notifications": ALL,
    "POST /api/v1/notifications/read": ALL,
    "GET /api/v1/communities/{ref}/assemblies": COMMUNITY,
    "GET /api/v1/communities/{ref}/assemblies/{pk}": EDIT,
    "GET /api/v1/communities/{ref}/assemblies/{pk}/tally": EDIT,
    "POST /api/v1/assemblies/{pk}/ballots": ALL,
    "POST /api/v1/communities/{ref}/assemblies/{pk}/paper-ballots": EDIT,
    "POST /api/v1/communities/{ref}/assemblies/{pk}/close": EDIT,
    "GET /api/v1/communities/{ref}/decisions": COMMUNITY,
    "POST /api/v1/communities/{ref}/motions/{pk}/vote": RECORDS,
    "GET /api/v1/communities/{ref}/bodies": COMMUNITY,
    "GET /api/v1/communities/{ref}/meetings": PARTICIPATE,
    "GET /api/v1/communities/{ref}/meetings/{pk}": PARTICIPATE,
    "POST /api/v1/communities/{ref}/bodies/{pk}/meetings": RECORDS,
    "POST /api/v1/communities/{ref}/meetings/{pk}/notice": RECORDS,
    "POST /api/v1/communities/{ref}/meetings/{pk}/attendance": RECORDS,
    "POST /api/v1/communities/{ref}/meetings/{pk}/close": RECORDS,
    "POST /api/v1/communities/{ref}/meetings/{pk}/motions": RECORDS,
    "POST /api/v1/communities/{ref}/motions/{pk}/debate": RECORDS,
    "GET /api/v1/communities/{ref}/motions/{pk}/floor": RECORDS,
    "POST /api/v1/communities/{ref}/motions/{pk}/hands": RECORDS,
    "POST /api/v1/communities/{ref}/motions/{pk}/next": RECORDS,
    "POST /api/v1/communities/{ref}/motions/{pk}/turns/{turn}/end": RECORDS,
    "POST /api/v1/communities/{ref}/decisions/{pk}/progress": RECORDS,
    "POST /api/v1/communities/{ref}/decisions/{pk}/checks": PARTICIPATE,
    "GET /api/v1/communities/{ref}/polls": COMMUNITY,
    "GET /api/v1/communities/{ref}/polls/{pk}": COMMUNITY,
    "POST /api/v1/communities/{ref}/polls": EDIT,
    "POST /api/v1/communities/{ref}/polls/{pk}/answers": PARTICIPATE,
    "GET /api/v1/communities/{ref}/proposals": PARTICIPATE,
    "POST /api/v1/communities/{ref}/proposals": EDIT,
    "POST /api/v1/communities/{ref}/proposals/{pk}/support": PARTICIPATE,
    "POST /api/v1/communities/{ref}/proposals/{pk}/motion": RECORDS,
    "GET /api/v1/communities/{ref}/consent-cases": EDIT,
    "POST /api/v1/communities/{ref}/consent-cases": EDIT,
    "GET /api/v1/communities/{ref}/consent-cases/{pk}": EDIT,
    "POST /api/v1/communities/{ref}/consent-cases/{pk}/consents/{item}": EDIT,
    "POST /api/v1/communities/{ref}/consent-cases/{pk}/close": EDIT,
    "GET /api/v1/communities/{ref}/requisitions": EDIT,
    "POST /api/v1/communities/{ref}/requisitions": EDIT,
    "GET /api/v1/communities/{ref}/requisitions/{pk}": EDIT,
    "POST /api/v1/communities/{ref}/requisitions/{pk}/signatures": EDIT,
    "GET /api/v1/communities/{ref}/surveys": AGGREGATES,
    "GET /api/v1/communities/{ref}/surveys/{pk}": AGGREGATES,
    "GET /api/v1/communities/{ref}/surveys/{pk}/summary": AGGREGATES,
    "GET /api/v1/communities/{ref}/surveys/{pk}/responses": RECORDS,
    "POST /api/v1/communities/{ref}/surveys/{pk}/responses": RECORDS,
    "GET /api/v1/communities/{ref}/surveys/{pk}/recommendations": AGGREGATES,
}


def named_patterns(patterns: list[Any] | None = None, prefix: str = "") -> Iterator[str]:
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in SKIPPED_NAMESPACES:
                continue
            space = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from named_patterns(entry.url_patterns, space)
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + entry.name


def test_every_page_has_a_rule() -> None:
    missing = sorted(set(named_patterns()) - PAGES.keys() - PUBLIC - OWNED)
    assert missing == [], f"URL patterns without an access rule: {missing}"


def test_every_api_operation_has_a_rule(client: Client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    operations = {
        f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item
    }
    assert sorted(operations - API.keys()) == []
    assert sorted(API.keys() - operations) == []


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PAGES))
def test_pages_follow_the_rules(name: str, world: World, registry: Registry) -> None:
    from django.urls import reverse

    method, kwargs, data, allowed = PAGES[name]
    url = reverse(name, kwargs=kwargs(world, registry))
    if callable(data):
        data = data(world, registry)
    anonymous = getattr(Client(), method)(url, data)
    assert anonymous.status_code == 302, f"anonymous {method} {url}"
    assert "/accounts/login/" in anonymous["Location"]
    for persona in PERSONAS:
        client = Client()
        client.force_login(world.persona(persona))
        status = getattr(client, method)(url, data).status_code
        expected = "allowed" if persona in allowed else "404"
        got = "allowed" if status in (200, 302, 400) else str(status)
        assert got == expected, f"{persona} {method} {url}: {status}"


@pytest.mark.django_db
def test_a_token_can_be_revoked_only_by_its_owner(world: World) -> None:
    from django.urls import reverse

    token, _raw = token_create(user=world.staff, name="mine")
    url = reverse("core:token-revoke", args=[token.pk])
    for persona in PERSONAS:
        client = Client()
        client.force_login(world.persona(persona))
        status = client.post(url).status_code
        assert status == (302 if persona == "staff" else 404), persona


def api_path(template: str, world: World, registry: Registry) -> str:
    path = template.replace("{ref}", world.community.slug)
    if "/assemblies/{pk}" in path:
        # Drafts are for staff only; counting, entering and closing need an open vote.
        opened = not path.endswith("/assemblies/{pk}")
        return path.replace("{pk}", str(owners_vote(world, opened=opened).pk))
    if "{turn}" in path:
        return councils_turn_path(path, world, registry)
    if "/motions/{pk}" in path:
        return path.replace("{pk}", str(council_motion(world, registry).pk))
    if "/meetings/{pk}" in path:
        return path.replace("{pk}", str(council_motion(world, registry).meeting_id))
    if "/bodies/{pk}" in path:
        return path.replace("{pk}", str(council_motion(world, registry).meeting.body_id))
    if "/decisions/{pk}" in path:
        from peiban.councils.models import Resolution

        made = Resolution.objects.create(
            community=world.community, action="修路灯", responsible="物业", due_on="2026-12-31"
        )
        return path.replace("{pk}", str(made.pk))
    if "/polls/{pk}" in path:
        return path.replace("{pk}", str(poll(world, registry)["pk"]))
    if "/proposals/{pk}" in path:
        return path.replace("{pk}", str(proposal(world, registry)["pk"]))
    if "/consent-cases/{pk}" in path:
        from peiban.councils.services import consent_case_open
        from peiban.places.models import Dwelling

        # A new neighbour each time: every persona gets a case of its own.
        rooms = Dwelling.objects.filter(building=registry.building).count()
        neighbour = Dwelling.objects.create(
            community=world.community, building=registry.building, room=f"9{rooms:02d}"
        )
        case = consent_case_open(
            dwelling=registry.dwelling, purpose="理发店", affected=[neighbour], actor=world.staff
        )
        path = path.replace("{item}", str(case.consents.get().pk))
        return path.replace("{pk}", str(case.pk))
    if "/requisitions/{pk}" in path:
        return path.replace("{pk}", str(requisition(world, registry)["pk"]))
    if "/activities/{pk}" in path:
        from tests.activities.test_registration import make_activity

        return path.replace("{pk}", str(make_activity(world).pk))
    if "/rewards/{pk}" in path:
        return path.replace("{pk}", str(reward(world)))
    if "/surveys/{pk}" in path:
        return path.replace("{pk}", str(survey_form(world, registry)["pk"]))
    if "/needs/{pk}" in path:
        return path.replace("{pk}", str(private_need(world, registry).pk))
    if "{consent}" in path:
        from peiban.core.privacy import consent_record

        consent = consent_record(
            resident=registry.resident, purpose="photos", version="1", actor=None
        )
        path = path.replace("{consent}", str(consent.pk))
    if path.endswith("/delete"):
        # Each persona gets a resident of its own to delete.
        from peiban.places.models import Resident

        doomed = Resident.objects.create(
            community=world.community, household=registry.household, name="待删"
        )
        return path.replace("{pk}", str(doomed.pk))
    if "/buildings/{pk}" in path:
        return path.replace("{pk}", str(registry.building.pk))
    if "/dwellings/{pk}" in path:
        return path.replace("{pk}", str(registry.dwelling.pk))
    return path.replace("{pk}", str(registry.resident.pk))


def councils_turn_path(path: str, world: World, registry: Registry) -> str:
    """A motion under debate with the registry's resident speaking."""
    from peiban.councils.services import hand_raise, motion_debate, turn_start

    motion = motion_debate(motion=council_motion(world, registry), actor=world.staff)
    turn = hand_raise(motion=motion, resident=registry.resident, side="for", actor=world.staff)
    turn_start(turn=turn, actor=world.staff)
    return path.replace("{pk}", str(motion.pk)).replace("{turn}", str(turn.pk))


COUNCIL_PARTS = (
    "/bodies/",
    "/meetings/",
    "/motions/",
    "/decisions/",
    "/polls",
    "/proposals",
    "/consent-cases",
    "/requisitions",
)


def councils_body(path: str) -> dict[str, Any]:
    """One body for every councils write: each operation reads its own fields; references to
    other records (a body, a meeting) are left unknown, which the operations refuse with 422."""
    from peiban.places.models import Dwelling, Resident

    slug = path.split("/")[4]
    resident = Resident.objects.filter(community__slug=slug).first()
    dwelling = Dwelling.objects.filter(community__slug=slug).first()
    return {
        "title": "议事会",
        "starts_at": "2026-12-01T10:00:00+08:00",
        "closes_at": "2026-12-31T10:00:00+08:00",
        "minutes": "",
        "residents": [],
        "action": "清理楼道堆物",
        "resident": resident.pk if resident else 0,
        "side": "for",
        "text": "进展",
        "done": False,
        "confirmed": True,
        "question": "几点关门？",
        "options": [],
        "body": 0,
        "meeting": 0,
        "dwelling": dwelling.pk if dwelling else 0,
        "affected": [],
        "purpose": "理发店",
        "answer": "consent",
        "signed_by": "张伟",
        "votes_for": 1,
        "votes_against": 0,
        "abstentions": 0,
    }


def api_call(client: Client, method: str, path: str, headers: dict[str, str]) -> int:
    if method == "GET":
        return client.get(path, headers=headers).status_code
    if method == "PATCH":
        return client.patch(
            path,
            {"reason": "matrix", "time_offered": "周末"},
            content_type="application/json",
            headers=headers,
        ).status_code
    if path.endswith("/needs"):
        from peiban.needs.services import categories_ensure
        from peiban.places.models import Community

        slug = path.split("/")[4]
        category = categories_ensure(Community.objects.get(slug=slug).organisation)[0]
        body = {"title": "路灯坏了", "category": category.pk}
        return client.post(path, body, content_type="application/json", headers=headers).status_code
    if "/activities/" in path or "/rewards/" in path:
        body = {"token": "forged", "quantity": 1}
        return client.post(path, body, content_type="application/json", headers=headers).status_code
    if "/needs/" in path:
        body = {
            "to_stage": "accompanied",
            "version": 1,
            "kind": "talk",
            "description": "x",
            "message": "我会修",
        }
        return client.post(path, body, content_type="application/json", headers=headers).status_code
    if "/surveys/" in path and path.endswith("/responses"):
        body = {"answers": {}, "draft": True}
        return client.post(path, body, content_type="application/json", headers=headers).status_code
    if "/api/v1/communities/" in path and any(part in path for part in COUNCIL_PARTS):
        body = councils_body(path)
        return client.post(path, body, content_type="application/json", headers=headers).status_code
    if path.endswith("/paper-ballots"):
        from peiban.councils.models import Voter

        voter = Voter.objects.filter(assembly_id=int(path.split("/")[6])).first()
        body = {"voter": voter.pk if voter else 0, "opinion": "yes"}
        return client.post(path, body, content_type="application/json", headers=headers).status_code
    if path.endswith("/vote"):
        body = {"votes_for": 1, "votes_against": 0, "abstentions": 0}
        return client.post(path, body, content_type="application/json", headers=headers).status_code
    if path.endswith("/notifications/read"):
        return client.post(path, headers=headers).status_code
    if path.endswith("/consents"):
        return client.post(
            path, {"purpose": "photos"}, content_type="application/json", headers=headers
        ).status_code
    if path.endswith("/roster"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile("r.csv", "栋,房号,姓名\n3,301,张伟\n".encode())
        data = {"file": upload, "dry_run": "true"}
        return client.post(path, data, headers=headers).status_code
    return client.post(
        path, {"reason": "matrix"}, content_type="application/json", headers=headers
    ).status_code


@pytest.mark.django_db
@pytest.mark.parametrize("operation", sorted(API))
def test_api_operations_follow_the_rules(operation: str, world: World, registry: Registry) -> None:
    method, template = operation.split(" ", 1)
    path = api_path(template, world, registry)
    assert api_call(Client(), method, path, {}) == 401, f"anonymous {operation}"
    for persona in PERSONAS:
        _token, raw = token_create(user=world.persona(persona), name="matrix")
        path = api_path(template, world, registry)
        status = api_call(Client(), method, path, {"Authorization": f"Bearer {raw}"})
        expected = "allowed" if persona in API[operation] else "404"
        # 422 is a refusal on the merits: the caller reached the operation.
        got = "allowed" if status in (200, 204, 422) else str(status)
        assert got == expected, f"{persona} {operation}: {status}"


@pytest.mark.django_db
def test_records_of_another_community_answer_404_even_by_id(
    world: World, registry: Registry
) -> None:
    client = Client()
    client.force_login(world.admin)
    far = registry.foreign_resident
    assert client.get(f"/c/{world.community.slug}/r/{far.pk}/").status_code == 404
    assert client.get(f"/c/{world.foreign_community.slug}/r/{far.pk}/").status_code == 404
