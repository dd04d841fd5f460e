"""Pages of surveys: forms (upload, list), results with charts, household visits and the web form,
response imports and exports.

Each view asks its access helper first, then calls one service or selector, then renders.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peiban.core.access import Need as Can
from peiban.core.access import get_community_access
from peiban.core.audit import audit_record
from peiban.core.charts import Series, stacked_bars
from peiban.core.exports import csv_safe, workbook_bytes
from peiban.core.models import AuditAction
from peiban.places.models import Dwelling
from peiban.surveys.access import get_form_for_user
from peiban.surveys.answers import check_answers, iter_questions, label_in
from peiban.surveys.importing import (
    ResponsesFileError,
    ResponsesRejected,
    read_responses,
    responses_import,
)
from peiban.surveys.models import Form, Response, ResponseStatus, Visit, VisitOutcome, Wave
from peiban.surveys.report import survey_report_docx
from peiban.surveys.selectors import (
    coverage_by_building,
    cross_tab,
    forms_for_community,
    latest_version,
    recommendations_for,
    survey_summary,
    word_frequencies,
)
from peiban.surveys.services import (
    SurveyError,
    form_import,
    recommendation_add,
    response_save,
    visit_record,
)
from peiban.surveys.webform import answers_from_post, fields_for, language_for
from peiban.surveys.xlsform import FormFileError, read_xlsform

MAX_UPLOAD = 20 * 2**20
TEXT_TYPES = ("text",)


def _upload(request: HttpRequest) -> tuple[bytes, str] | None:
    upload = request.FILES.get("file")
    if upload is None or upload.size is None or upload.size > MAX_UPLOAD:
        return None
    return upload.read(), upload.name or "upload"


@login_required
def form_list(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.AGGREGATES)
    forms = forms_for_community(access.community, sensitive=access.can(Can.EDIT))
    return render(
        request,
        "surveys/list.html",
        {
            "community": access.community,
            "forms": forms,
            "can_edit": access.can(Can.EDIT),
            "error": "",
        },
    )


@login_required
@require_POST
def form_upload(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.EDIT)
    uploaded = _upload(request)
    error = ""
    if uploaded is None:
        error = _("Choose an XLSForm file (.xlsx) of at most 20 MB.")
    else:
        data, name = uploaded
        try:
            parsed = read_xlsform(data, filename=name)
        except FormFileError as problem:
            error = str(problem)
        else:
            imported = form_import(
                community=access.community,
                parsed=parsed,
                filename=name,
                actor=request.user,
                sensitive=bool(request.POST.get("sensitive")) or None,
            )
            messages.success(
                request,
                _("The form “%(title)s” was imported with %(n)s questions.")
                % {"title": imported.form.title, "n": parsed.question_count},
            )
            return redirect("surveys:results", community=community, pk=imported.form.pk)
    forms = forms_for_community(access.community)
    return render(
        request,
        "surveys/list.html",
        {"community": access.community, "forms": forms, "can_edit": True, "error": error},
        status=400,
    )


def _waves(request: HttpRequest, form: Form) -> tuple[list[Wave], list[Wave]]:
    waves = list(form.waves.all())
    chosen = {w for w in request.GET.getlist("wave") if w.isdigit()}
    picked = [w for w in waves if str(w.number) in chosen] or waves
    return waves, picked


@login_required
def results(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, form = get_form_for_user(request.user, community, pk, need=Can.AGGREGATES)
    definition = latest_version(form).definition
    language = language_for(definition, get_language() or "")
    waves, picked = _waves(request, form)
    columns = [(wave, survey_summary(form, waves=[wave])) for wave in picked]
    charts: list[dict[str, Any]] = []
    for node in iter_questions(definition["questions"]):
        if node["type"] not in ("select_one", "select_multiple", "integer", "decimal"):
            continue
        title = label_in(node.get("label"), language, node["name"])
        entry: dict[str, Any] = {"name": node["name"], "title": title, "type": node["type"]}
        if node["type"] in ("select_one", "select_multiple"):
            choices = definition["choices"].get(node.get("list_name", ""), [])
            labels = [label_in(c.get("label"), language, c["name"]) for c in choices]
            series = [
                Series(
                    label=wave.name,
                    values=[
                        summary["questions"][node["name"]]["counts"][c["name"]] for c in choices
                    ],
                )
                for wave, summary in columns
            ]
            entry["chart"] = stacked_bars(labels, series, title=title)
            entry["rows"] = [
                (
                    label,
                    [
                        (
                            summary["questions"][node["name"]]["counts"][c["name"]],
                            round(100 * summary["questions"][node["name"]]["shares"][c["name"]]),
                        )
                        for _wave, summary in columns
                    ],
                )
                for c, label in zip(choices, labels, strict=True)
            ]
        else:
            entry["numbers"] = [summary["questions"][node["name"]] for _wave, summary in columns]
        charts.append(entry)
    texts = [
        (
            label_in(n.get("label"), language, n["name"]),
            word_frequencies(form, question=n["name"], waves=picked),
        )
        for n in iter_questions(definition["questions"], into_repeats=False)
        if n["type"] == "text" and not n["name"].endswith("_other")
    ]
    choice_questions = [
        (n["name"], label_in(n.get("label"), language, n["name"]))
        for n in iter_questions(definition["questions"], into_repeats=False)
        if n["type"] in ("select_one", "select_multiple")
    ]
    cross: dict[str, Any] | None = None
    question = request.GET.get("q", "")
    by = request.GET.get("by", "")
    names = {name for name, _label in choice_questions}
    if question in names and (by in ("building", "unit") or by in names):
        table = cross_tab(form, question=question, by=by, waves=picked)
        columns_seen = sorted({c for row in table.values() for c in row})
        cross = {
            "question": question,
            "by": by,
            "choices": columns_seen,
            "rows": [(key, [table[key].get(c, 0) for c in columns_seen]) for key in sorted(table)],
        }
    return render(
        request,
        "surveys/results.html",
        {
            "community": access.community,
            "form": form,
            "waves": waves,
            "picked": picked,
            "columns": columns,
            "charts": charts,
            "choice_questions": choice_questions,
            "cross": cross,
            "coverage": coverage_by_building(picked[-1]) if picked else [],
            "can_edit": access.can(Can.EDIT),
            "can_visit": access.can(Can.RECORDS),
            "recommendations": recommendations_for(form, definition, language),
            "texts": [(label, words) for label, words in texts if words],
        },
    )


def _wave(form: Form, request: HttpRequest) -> Wave:
    number = request.GET.get("wave") or request.POST.get("wave") or ""
    waves = form.waves.order_by("-number")
    wave = waves.filter(number=int(number)).first() if number.isdigit() else waves.first()
    if wave is None:
        raise Http404
    return wave


@login_required
def visits(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, form = get_form_for_user(request.user, community, pk, need=Can.RECORDS)
    wave = _wave(form, request)
    outcomes = dict(Visit.objects.filter(wave=wave).values_list("dwelling_id", "outcome"))
    statuses = dict(
        Response.objects.filter(wave=wave, dwelling__isnull=False).values_list(
            "dwelling_id", "status"
        )
    )
    building = request.GET.get("building", "")
    buildings = list(
        access.community.buildings.annotate(n=Count("dwellings")).values_list("label", "n")
    )
    grid: list[tuple[str, list[dict[str, Any]]]] = []
    if building:
        units: dict[str, list[dict[str, Any]]] = {}
        for dwelling in Dwelling.objects.filter(
            community=access.community, building__label=building
        ).order_by("unit", "floor", "room"):
            status = statuses.get(dwelling.pk)
            outcome = (
                VisitOutcome.DONE
                if status == ResponseStatus.SUBMITTED
                else outcomes.get(dwelling.pk, VisitOutcome.TO_VISIT)
            )
            units.setdefault(dwelling.unit, []).append(
                {
                    "dwelling": dwelling,
                    "outcome": outcome,
                    "label": VisitOutcome(outcome).label,
                    "draft": status == ResponseStatus.DRAFT,
                }
            )
        grid = sorted(units.items())
    return render(
        request,
        "surveys/visits.html",
        {
            "community": access.community,
            "form": form,
            "wave": wave,
            "buildings": buildings,
            "building": building,
            "grid": grid,
            "outcomes": [
                (value, label)
                for value, label in VisitOutcome.choices
                if value not in (VisitOutcome.DONE, VisitOutcome.TO_VISIT)
            ],
        },
    )


def _dwelling(community_id: int, pk: int) -> Dwelling:
    dwelling = (
        Dwelling.objects.select_related("building").filter(pk=pk, community_id=community_id).first()
    )
    if dwelling is None:
        raise Http404
    return dwelling


@login_required
@require_POST
def visit(request: HttpRequest, community: str, pk: int, dwelling: int) -> HttpResponse:
    access, form = get_form_for_user(request.user, community, pk, need=Can.RECORDS)
    wave = _wave(form, request)
    home = _dwelling(access.community.pk, dwelling)
    try:
        visit_record(
            wave=wave, dwelling=home, outcome=request.POST.get("outcome", ""), actor=request.user
        )
    except SurveyError as error:
        messages.error(request, str(error))
    url = redirect("surveys:visits", community=community, pk=pk)
    url["Location"] += f"?building={home.building.label}&wave={wave.number}"
    return url


@login_required
def fill(request: HttpRequest, community: str, pk: int, dwelling: int) -> HttpResponse:
    access, form = get_form_for_user(request.user, community, pk, need=Can.RECORDS)
    wave = _wave(form, request)
    home = _dwelling(access.community.pk, dwelling)
    definition = latest_version(form).definition
    language = language_for(definition, get_language() or "")
    existing = Response.objects.filter(wave=wave, dwelling=home).first()
    if existing is not None and existing.status == ResponseStatus.SUBMITTED:
        messages.info(request, _("This household has already answered in this wave."))
        return redirect("surveys:results", community=community, pk=pk)
    show_errors = False
    if request.method == "POST":
        action = request.POST.get("action", "check")
        add_to = action.removeprefix("add:") if action.startswith("add:") else ""
        raw = answers_from_post(definition, request.POST, add_to=add_to)
        consent = bool(request.POST.get("consent"))
        if action in ("draft", "submit"):
            try:
                response_save(
                    form=form,
                    wave=wave,
                    answers=raw,
                    dwelling=home,
                    household=home.households.order_by("pk").first(),
                    draft=action == "draft",
                    consent=consent,
                    actor=request.user,
                    language=language,
                )
            except SurveyError as error:
                messages.error(request, str(error))
                show_errors = True
            else:
                if action == "draft":
                    messages.success(request, _("The draft was saved; you can resume it later."))
                else:
                    messages.success(request, _("The response was saved. Thank you."))
                target = redirect("surveys:visits", community=community, pk=pk)
                target["Location"] += f"?building={home.building.label}&wave={wave.number}"
                return target
    else:
        raw = dict(existing.answers) if existing is not None else {}
        consent = existing.consent if existing is not None else False
    checked = check_answers(definition, raw, language=language)
    fields = fields_for(definition, raw, checked, language=language, show_errors=show_errors)
    context = {
        "community": access.community,
        "form": form,
        "wave": wave,
        "dwelling": home,
        "fields": fields,
        "consent": consent,
        "problems": len(checked.problems) if show_errors else 0,
    }
    if request.htmx and request.method == "POST":  # type: ignore[attr-defined]
        return render(request, "surveys/fill.html#questions", context)
    return render(request, "surveys/fill.html", context)


@login_required
def import_responses(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, form = get_form_for_user(request.user, community, pk, need=Can.EDIT)
    context: dict[str, Any] = {"community": access.community, "form": form, "result": None}
    if request.method == "POST":
        uploaded = _upload(request)
        if uploaded is None:
            context["error"] = _("Choose a CSV or Excel file of at most 20 MB.")
            return render(request, "surveys/import.html", context, status=400)
        data, name = uploaded
        fmt = request.POST.get("format", "auto")
        try:
            reading = read_responses(
                data, filename=name, definition=latest_version(form).definition, fmt=fmt
            )
            result = responses_import(
                form=form,
                reading=reading,
                partial=bool(request.POST.get("partial")),
                actor=request.user,
            )
        except ResponsesFileError as error:
            context["error"] = str(error)
            return render(request, "surveys/import.html", context, status=400)
        except ResponsesRejected as error:
            context["error"] = str(error)
            context["result"] = error.result.as_dict()
            return render(request, "surveys/import.html", context, status=400)
        context["result"] = result.as_dict()
    return render(request, "surveys/import.html", context)


@login_required
def export(request: HttpRequest, community: str, pk: int, fmt: str) -> HttpResponse:
    """Responses in a KoboToolbox-like layout; free text (possibly personal) is masked, logged."""
    access, form = get_form_for_user(request.user, community, pk, need=Can.EDIT)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    definition = latest_version(form).definition
    questions = [
        n
        for n in iter_questions(definition["questions"], into_repeats=False)
        if n["type"] not in ("note",)
    ]
    header = [q["name"] for q in questions] + ["_dwelling", "_wave", "_uuid", "_submission_time"]
    responses = (
        Response.objects.filter(form=form, status=ResponseStatus.SUBMITTED)
        .select_related("dwelling__building", "wave")
        .order_by("pk")
    )

    def rows() -> Any:
        for response in responses.iterator(chunk_size=2000):
            cells: list[object] = []
            for q in questions:
                value = response.answers.get(q["name"], "")
                cells.append("***" if q["type"] in TEXT_TYPES and value else value)
            cells += [
                response.dwelling.label if response.dwelling else "",
                response.wave.number,
                response.submission_id,
                response.submitted_at,
            ]
            yield cells

    audit_record(
        actor=request.user,
        action=AuditAction.EXPORT,
        subject=form,
        organisation=access.community.organisation,
        detail={"format": fmt, "responses": responses.count()},
    )
    filename = f"{form.slug}.{fmt}"
    if fmt == "xlsx":
        data = workbook_bytes([(form.slug, header, rows())])
        reply = HttpResponse(
            data,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL)
        writer.writerow(header)
        for cells in rows():
            writer.writerow([csv_safe("" if c is None else str(c)) for c in cells])
        reply = HttpResponse(out.getvalue().encode("utf-8-sig"), content_type="text/csv")
    reply["Content-Disposition"] = f'attachment; filename="{filename}"'
    return reply


@login_required
@require_POST
def recommend(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    _access, form = get_form_for_user(request.user, community, pk, need=Can.EDIT)
    try:
        priority = int(request.POST.get("priority") or 1)
    except ValueError:
        priority = 0
    try:
        recommendation_add(
            form=form,
            title=request.POST.get("title", ""),
            body=request.POST.get("body", ""),
            priority=priority,
            questions=request.POST.getlist("questions"),
            actor=request.user,
        )
    except SurveyError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The recommendation was added."))
    return redirect("surveys:results", community=community, pk=pk)


@login_required
def report(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    """The survey report (docx): aggregates and recommendations only."""
    access, form = get_form_for_user(request.user, community, pk, need=Can.AGGREGATES)
    _waves_all, picked = _waves(request, form)
    definition = latest_version(form).definition
    data = survey_report_docx(
        form, waves=picked, language=language_for(definition, get_language() or "")
    )
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORT,
        subject=form,
        organisation=access.community.organisation,
        detail={"format": "docx", "report": True},
    )
    reply = HttpResponse(
        data,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    reply["Content-Disposition"] = f'attachment; filename="{form.slug}-report.docx"'
    return reply
