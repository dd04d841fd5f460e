"""Surveys through the API: forms and their questions, results (the same figures as
`survey-summary --json`), responses (masked and logged), submitting a response from a visit,
and recommendations.

Access is the pages' (peiban/surveys/access.py): government viewers read results of forms that
are not sensitive; staff and resident leaders list and submit responses, leaders with free-text
answers masked; a sensitive form is staff's only; anything else answers 404.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from peiban.api.errors import ApiError
from peiban.core.access import Need as Can
from peiban.core.access import get_community_access
from peiban.core.audit import audit_record
from peiban.core.models import AuditAction
from peiban.places.models import Dwelling
from peiban.surveys.access import get_form_for_user
from peiban.surveys.answers import iter_questions, label_in
from peiban.surveys.models import Form, Recommendation, Response, ResponseStatus, Wave
from peiban.surveys.selectors import Period, forms_for_community, latest_version, survey_summary
from peiban.surveys.services import SurveyError, response_save
from peiban.surveys.webform import language_for

router = Router(tags=["surveys"])

MASK = "***"
MASKED_TYPES = frozenset({"text"})  # free text may name people; leaders see it masked
MAX_PAGE = 500


class FormOut(Schema):
    id: int
    slug: str
    title: str
    sensitive: bool
    responses: int
    waves: list[int]


class ChoiceOut(Schema):
    name: str
    label: str


class QuestionOut(Schema):
    name: str
    type: str
    label: str
    hint: str
    required: bool
    relevant: str
    choices: list[ChoiceOut]
    repeat: str


class FormDetailOut(FormOut):
    version: int
    languages: list[str]
    questions: list[QuestionOut]


class SummaryOut(Schema):
    form: int
    slug: str
    title: str
    responses: int
    waves: list[int] | None
    period: dict[str, str | None]
    questions: dict[str, dict[str, Any]]


class SummaryQuery(Schema):
    wave: list[int] = Field(default_factory=list)
    start: date | None = Field(None, alias="from")
    end: date | None = Field(None, alias="to")


class ResponseOut(Schema):
    id: int
    wave: int
    dwelling: str | None
    building: str | None
    status: str
    source: str
    submitted_at: datetime | None
    answers: dict[str, Any]


class ResponsePageOut(Schema):
    count: int
    masked: bool
    items: list[ResponseOut]


class ResponseIn(Schema):
    answers: dict[str, Any]
    dwelling: int | None = None
    wave: int | None = None
    draft: bool = False
    consent: bool = False


class ResponseSavedOut(Schema):
    id: int
    status: str
    wave: int
    dwelling: int | None


class RecommendationOut(Schema):
    id: int
    priority: int
    title: str
    body: str
    questions: list[str]


def _waves_of(form: Form, numbers: list[int]) -> list[Wave] | None:
    if not numbers:
        return None
    waves = [w for w in form.waves.all() if w.number in set(numbers)]
    if not waves:
        raise ApiError(422, "unknown_wave", _("The form has no such wave."))
    return waves


@router.get("/communities/{ref}/surveys", response=list[FormOut], summary="Survey forms")
def form_list(request: HttpRequest, ref: str) -> list[dict[str, object]]:
    access = get_community_access(request.user, ref, need=Can.AGGREGATES)
    forms = forms_for_community(access.community, sensitive=access.can(Can.EDIT)).prefetch_related(
        "waves"
    )
    return [
        {
            "id": f.pk,
            "slug": f.slug,
            "title": f.title,
            "sensitive": f.sensitive,
            "responses": f.submitted,  # type: ignore[attr-defined]
            "waves": [w.number for w in f.waves.all()],
        }
        for f in forms
    ]


@router.get(
    "/communities/{ref}/surveys/{pk}",
    response=FormDetailOut,
    summary="A form and its questions (labels in the caller's language)",
)
def form_detail(request: HttpRequest, ref: str, pk: int) -> dict[str, object]:
    _access, form = get_form_for_user(request.user, ref, pk, need=Can.AGGREGATES)
    version = latest_version(form)
    definition = version.definition
    language = language_for(definition, get_language() or "")
    questions = []
    for node, repeat in _questions_with_repeat(definition["questions"]):
        choices = definition["choices"].get(node.get("list_name", ""), [])
        questions.append(
            {
                "name": node["name"],
                "type": node["type"],
                "label": label_in(node.get("label"), language, node["name"]),
                "hint": label_in(node.get("hint"), language),
                "required": node.get("required") is True,
                "relevant": str(node.get("relevant") or ""),
                "choices": [
                    {"name": c["name"], "label": label_in(c.get("label"), language, c["name"])}
                    for c in choices
                ],
                "repeat": repeat,
            }
        )
    submitted = Response.objects.filter(form=form, status=ResponseStatus.SUBMITTED).count()
    return {
        "id": form.pk,
        "slug": form.slug,
        "title": form.title,
        "sensitive": form.sensitive,
        "responses": submitted,
        "waves": [w.number for w in form.waves.all()],
        "version": version.number,
        "languages": list(definition.get("languages", [])),
        "questions": questions,
    }


def _questions_with_repeat(
    nodes: list[dict[str, Any]], repeat: str = ""
) -> list[tuple[dict[str, Any], str]]:
    out: list[tuple[dict[str, Any], str]] = []
    for node in nodes:
        if node["type"] == "group":
            out += _questions_with_repeat(node["children"], repeat)
        elif node["type"] == "repeat":
            out += _questions_with_repeat(node["children"], node["name"])
        else:
            out.append((node, repeat))
    return out


@router.get(
    "/communities/{ref}/surveys/{pk}/summary",
    response=SummaryOut,
    summary="Results: counts and shares, numeric summaries (as survey-summary --json); "
    "filters wave= (repeatable), from=, to= (days submitted, both included)",
)
def form_summary(
    request: HttpRequest, ref: str, pk: int, filters: Query[SummaryQuery]
) -> dict[str, Any]:
    _access, form = get_form_for_user(request.user, ref, pk, need=Can.AGGREGATES)
    if filters.start and filters.end and filters.start > filters.end:
        raise ApiError(422, "invalid_period", _("The first day comes after the last day."))
    return survey_summary(
        form,
        waves=_waves_of(form, filters.wave),
        period=Period(filters.start, filters.end),
    )


def _answers_for(answers: dict[str, Any], types: dict[str, str], masked: bool) -> dict[str, Any]:
    if not masked:
        return answers
    out: dict[str, Any] = {}
    for name, value in answers.items():
        if isinstance(value, list):
            out[name] = [
                _answers_for(inner, types, masked) if isinstance(inner, dict) else inner
                for inner in value
            ]
        elif types.get(name) in MASKED_TYPES and value not in ("", None):
            out[name] = MASK
        else:
            out[name] = value
    return out


@router.get(
    "/communities/{ref}/surveys/{pk}/responses",
    response=ResponsePageOut,
    summary="Submitted responses, oldest first (free text masked for leaders); logged as an export",
)
def response_list(
    request: HttpRequest, ref: str, pk: int, limit: int = 100, offset: int = 0, wave: int = 0
) -> dict[str, object]:
    access, form = get_form_for_user(request.user, ref, pk, need=Can.RECORDS)
    limit = max(1, min(limit, MAX_PAGE))
    offset = max(0, offset)
    masked = not access.can(Can.UNMASK)
    responses = Response.objects.filter(form=form, status=ResponseStatus.SUBMITTED)
    if wave:
        responses = responses.filter(wave__number=wave)
    count = responses.count()
    page = list(
        responses.select_related("dwelling__building", "wave").order_by("pk")[
            offset : offset + limit
        ]
    )
    types = {
        n["name"]: n["type"] for n in iter_questions(latest_version(form).definition["questions"])
    }
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORT,
        subject=form,
        organisation=access.community.organisation,
        detail={
            "format": "api",
            "responses": len(page),
            "offset": offset,
            "masked": masked,
        },
    )
    return {
        "count": count,
        "masked": masked,
        "items": [
            {
                "id": r.pk,
                "wave": r.wave.number,
                "dwelling": r.dwelling.label if r.dwelling else None,
                "building": r.dwelling.building.label if r.dwelling else None,
                "status": r.status,
                "source": r.source,
                "submitted_at": r.submitted_at,
                "answers": _answers_for(r.answers, types, masked),
            }
            for r in page
        ],
    }


@router.post(
    "/communities/{ref}/surveys/{pk}/responses",
    response=ResponseSavedOut,
    summary="Submit (or save as a draft) a household's answers from a visit",
)
def response_submit(request: HttpRequest, ref: str, pk: int, body: ResponseIn) -> dict[str, object]:
    access, form = get_form_for_user(request.user, ref, pk, need=Can.RECORDS)
    waves = form.waves.order_by("-number")
    wave = waves.filter(number=body.wave).first() if body.wave else waves.first()
    if wave is None:
        raise ApiError(422, "unknown_wave", _("The form has no such wave."))
    dwelling = None
    if body.dwelling is not None:
        dwelling = Dwelling.objects.filter(pk=body.dwelling, community=access.community).first()
        if dwelling is None:
            raise Http404
    definition = latest_version(form).definition
    try:
        saved = response_save(
            form=form,
            wave=wave,
            answers=body.answers,
            dwelling=dwelling,
            household=dwelling.households.order_by("pk").first() if dwelling else None,
            draft=body.draft,
            consent=body.consent,
            actor=request.user,
            language=language_for(definition, get_language() or ""),
        )
    except SurveyError as error:
        raise ApiError(422, "refused", str(error)) from None
    return {
        "id": saved.pk,
        "status": saved.status,
        "wave": wave.number,
        "dwelling": dwelling.pk if dwelling else None,
    }


@router.get(
    "/communities/{ref}/surveys/{pk}/recommendations",
    response=list[RecommendationOut],
    summary="Recommendations drawn from the results, first priority first",
)
def recommendation_list(request: HttpRequest, ref: str, pk: int) -> list[dict[str, object]]:
    _access, form = get_form_for_user(request.user, ref, pk, need=Can.AGGREGATES)
    return [
        {
            "id": r.pk,
            "priority": r.priority,
            "title": r.title,
            "body": r.body,
            "questions": r.questions,
        }
        for r in Recommendation.objects.filter(form=form)
    ]
