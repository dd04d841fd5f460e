"""Writes to surveys: importing a form (a new version when its form id is known), opening a wave,
saving a response (draft or submitted) from the web form or an import, and recording visits.

Every function takes keyword arguments only, runs in one transaction and leaves an audit entry;
refusals are a SurveyError whose message is for people.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from peiban.core.audit import audit_record
from peiban.core.models import AuditAction
from peiban.places.models import Community, Dwelling, Household
from peiban.surveys.answers import check_answers, iter_questions
from peiban.surveys.models import (
    Answer,
    AnswerLink,
    Form,
    FormVersion,
    Recommendation,
    Response,
    ResponseSource,
    ResponseStatus,
    Visit,
    VisitOutcome,
    Wave,
)
from peiban.surveys.xlsform import ParsedForm

__all__ = [
    "FormImported",
    "SurveyError",
    "answer_rows",
    "form_import",
    "link_close",
    "link_open",
    "recommendation_add",
    "response_save",
    "visit_record",
    "wave_open",
]

Actor = User | AnonymousUser | None


class SurveyError(ValueError):
    """A change the surveys area refuses; the message is for people."""


@dataclass(frozen=True)
class FormImported:
    form: Form
    version: FormVersion
    created: bool


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


@transaction.atomic
def form_import(
    *,
    community: Community,
    parsed: ParsedForm,
    filename: str = "",
    actor: Actor = None,
    sensitive: bool | None = None,
) -> FormImported:
    """Store a parsed XLSForm: a new form, or a new version of the form with the same form id."""
    definition = parsed.definition
    id_string = definition["id_string"] or slugify(definition["title"]) or "form"
    form = Form.objects.select_for_update().filter(community=community, id_string=id_string).first()
    created = form is None
    if form is None:
        base = slugify(id_string)[:70] or "form"
        slug, n = base, 1
        while Form.objects.filter(community=community, slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        form = Form.objects.create(
            organisation_id=community.organisation_id,
            community=community,
            title=definition["title"][:200],
            slug=slug,
            id_string=id_string[:100],
            sensitive=bool(sensitive),
        )
        Wave.objects.create(form=form, number=1, name=_("Wave 1"))
    else:
        form.title = definition["title"][:200]
        if sensitive is not None:
            form.sensitive = sensitive
        form.save(update_fields=["title", "sensitive"])
    last = form.versions.order_by("-number").values_list("number", flat=True).first() or 0
    version = FormVersion.objects.create(
        form=form,
        number=last + 1,
        version=definition.get("version", "")[:100],
        definition=definition,
        filename=filename[:200],
        created_by=_user(actor),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.CHANGE,
        subject=form,
        organisation=community.organisation,
        detail={"version": version.number, "questions": parsed.question_count},
    )
    return FormImported(form=form, version=version, created=created)


@transaction.atomic
def wave_open(*, form: Form, name: str = "", actor: Actor = None) -> Wave:
    """A new wave of the form (the same questionnaire run again)."""
    last = form.waves.order_by("-number").values_list("number", flat=True).first() or 0
    wave = Wave.objects.create(
        form=form,
        number=last + 1,
        name=(name.strip() or _("Wave %(number)s") % {"number": last + 1})[:100],
        starts_on=timezone.localdate(),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject=wave,
        organisation=form.organisation,
        detail={"form": form.pk},
    )
    return wave


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def question_types(definition: dict[str, Any]) -> dict[str, str]:
    """Each question's type by name (names are unique across a form)."""
    return {node["name"]: node["type"] for node in iter_questions(definition["questions"])}


def answer_values(
    answers: dict[str, Any], types: dict[str, str], instance: int = 0
) -> Iterator[tuple[str, int, str, float | None, str]]:
    """(question, instance, choice, number, text) for each value of a response's answers."""
    for name, value in answers.items():
        if isinstance(value, list):
            for number, inner in enumerate(value, start=1):
                if isinstance(inner, dict):
                    yield from answer_values(inner, types, number)
            continue
        kind = types.get(name, "text")
        text = str(value)
        if text == "":
            continue
        if kind == "select_multiple":
            for choice in text.split():
                yield name, instance, choice[:100], None, ""
        elif kind == "select_one":
            yield name, instance, text[:100], None, ""
        elif kind in ("integer", "decimal"):
            yield name, instance, "", _number(text), ""
        elif kind == "calculate":
            value = _number(text)
            yield name, instance, "", value, text if value is None else ""
        else:
            yield name, instance, "", None, text


def answer_rows(response: Response, definition: dict[str, Any]) -> list[Answer]:
    """The Answer rows of a response (unsaved)."""
    return [
        Answer(
            response=response,
            form_id=response.form_id,
            wave_id=response.wave_id,
            question=question[:100],
            instance=instance,
            choice=choice,
            number=number,
            text=text,
        )
        for question, instance, choice, number, text in answer_values(
            response.answers, question_types(definition)
        )
    ]


ANSWER_COLUMNS = (
    "response_id",
    "form_id",
    "wave_id",
    "question",
    "instance",
    "choice",
    "number",
    "text",
)


def answers_insert(responses: Iterable[Response], definition: dict[str, Any]) -> int:
    """Insert the Answer rows of saved responses with one executemany per batch (the ORM's
    per-row model instances cost more than the insert itself at survey sizes); returns the
    number of rows."""
    types = question_types(definition)
    table = connection.ops.quote_name(Answer._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in ANSWER_COLUMNS)
    sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"  # noqa: S608
    rows = [
        (
            response.pk,
            response.form_id,
            response.wave_id,
            question[:100],
            instance,
            choice,
            number,
            text,
        )
        for response in responses
        for question, instance, choice, number, text in answer_values(response.answers, types)
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    return len(rows)


@transaction.atomic
def response_save(
    *,
    form: Form,
    wave: Wave,
    answers: dict[str, Any],
    actor: Actor = None,
    dwelling: Dwelling | None = None,
    household: Household | None = None,
    draft: bool = False,
    consent: bool = False,
    language: str = "",
    source: str = ResponseSource.WEB,
) -> Response:
    """Save the web form's answers for a dwelling (resuming its draft) or a new response.

    A submitted response must pass the check; a draft keeps what was valid so far. A sensitive
    form needs consent. `source` is WEB when staff fill it, LINK when residents answer.
    """
    if wave.form_id != form.pk:
        raise SurveyError(_("This wave belongs to another form."))
    if dwelling is not None and dwelling.community_id != form.community_id:
        raise SurveyError(_("This dwelling is not in the form's community."))
    if form.sensitive and not consent and not draft:
        raise SurveyError(_("This form is sensitive: record the household's consent first."))
    version = form.versions.order_by("-number").first()
    if version is None:
        raise SurveyError(_("This form has no questions yet."))
    checked = check_answers(version.definition, answers, language=language)
    if checked.problems and not draft:
        raise SurveyError(
            _("%(count)s answer(s) need attention before the response can be submitted.")
            % {"count": len(checked.problems)}
        )
    response = None
    if dwelling is not None:
        response = Response.objects.select_for_update().filter(wave=wave, dwelling=dwelling).first()
        if response is not None and response.status == ResponseStatus.SUBMITTED:
            raise SurveyError(_("This household has already answered in this wave."))
    created = response is None
    if response is None:
        response = Response(form=form, wave=wave, dwelling=dwelling, created_by=_user(actor))
    response.version = version
    response.household = household
    response.answers = checked.answers
    response.status = ResponseStatus.DRAFT if draft else ResponseStatus.SUBMITTED
    response.source = source
    response.consent = consent
    response.submitted_at = None if draft else timezone.now()
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError:
        raise SurveyError(_("This household has already answered in this wave.")) from None
    Answer.objects.filter(response=response).delete()
    if not draft:
        Answer.objects.bulk_create(answer_rows(response, version.definition))
        if dwelling is not None:
            Visit.objects.update_or_create(
                wave=wave,
                dwelling=dwelling,
                defaults={"outcome": VisitOutcome.DONE, "visited_at": timezone.now()},
            )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.CHANGE,
        subject=response,
        organisation=form.organisation,
        detail={"status": response.status},
    )
    return response


@transaction.atomic
def visit_record(*, wave: Wave, dwelling: Dwelling, outcome: str, actor: Actor = None) -> Visit:
    """Record the outcome of a knock on a dwelling's door in a wave."""
    if outcome not in VisitOutcome.values:
        raise SurveyError(_("Choose one of the visit outcomes."))
    if dwelling.community_id != wave.form.community_id:
        raise SurveyError(_("This dwelling is not in the form's community."))
    visit, _created = Visit.objects.select_for_update().get_or_create(wave=wave, dwelling=dwelling)
    visit.outcome = outcome
    visit.attempts += 1
    visit.visited_at = timezone.now()
    visit.visited_by = _user(actor)
    visit.save()
    audit_record(
        actor=actor,
        action=AuditAction.CHANGE,
        subject=visit,
        organisation=wave.form.organisation,
        detail={"outcome": outcome},
    )
    return visit


@transaction.atomic
def recommendation_add(
    *,
    form: Form,
    title: str,
    body: str = "",
    priority: int = 1,
    questions: list[str] | None = None,
    actor: Actor = None,
) -> Recommendation:
    """A recommendation linked to the questions whose results support it."""
    title = title.strip()
    if not title:
        raise SurveyError(_("Give the recommendation a title."))
    if len(title) > 200:
        raise SurveyError(_("The title is longer than 200 characters."))
    if not 1 <= priority <= 99:
        raise SurveyError(_("The priority is a number from 1 (first) to 99."))
    definition = form.versions.order_by("-number").values_list("definition", flat=True).first()
    known = {n["name"] for n in iter_questions(definition["questions"])} if definition else set()
    linked = list(dict.fromkeys(questions or []))
    unknown = [name for name in linked if name not in known]
    if unknown:
        raise SurveyError(_("The form has no question %(names)s.") % {"names": ", ".join(unknown)})
    recommendation = Recommendation.objects.create(
        form=form,
        title=title,
        body=body.strip(),
        priority=priority,
        questions=linked,
        created_by=_user(actor),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject=recommendation,
        organisation=form.organisation,
    )
    return recommendation


@transaction.atomic
def link_open(*, form: Form, households_only: bool = True, actor: Actor = None) -> AnswerLink:
    """Open the form's latest wave to residents through a link (the open one if there is one).

    A sensitive form is never opened this way: its answers need staff and recorded consent."""
    if form.sensitive:
        raise SurveyError(
            _("A sensitive form is not opened to residents through a link; staff ask it.")
        )
    wave = Wave.objects.select_for_update().filter(form=form).order_by("-number").first()
    if wave is None:
        raise SurveyError(_("This form has no wave to open."))
    link = AnswerLink.objects.filter(wave=wave, closed_at__isnull=True).first()
    if link is not None:
        return link
    link = AnswerLink.objects.create(
        wave=wave,
        token=secrets.token_urlsafe(24),
        households_only=households_only,
        opened_by=_user(actor),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        subject=link,
        organisation=form.organisation,
        detail={"form": form.pk, "wave": wave.number, "households_only": households_only},
    )
    return link


@transaction.atomic
def link_close(*, link: AnswerLink, actor: Actor = None) -> AnswerLink:
    """Close a link: its page and its household codes stop accepting answers."""
    locked = AnswerLink.objects.select_for_update().select_related("wave__form").get(pk=link.pk)
    if locked.closed_at is None:
        locked.closed_at = timezone.now()
        locked.save(update_fields=["closed_at"])
        audit_record(
            actor=actor,
            action=AuditAction.CHANGE,
            subject=locked,
            organisation=locked.wave.form.organisation,
            detail={"closed": True},
        )
    return locked
