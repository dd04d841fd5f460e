"""Pages of surveys: forms (upload, list), results with charts, household visits and the web form,
response imports and exports.

Each view asks its access helper first, then calls one service or selector, then renders.
"""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peiban.activities.selectors import resident_for_user
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
from peiban.surveys.links import (
    attempt_record,
    client_address,
    dwelling_id_for_code,
    household_code,
    qr_svg,
    rate_limited,
)
from peiban.surveys.models import (
    AnswerLink,
    Form,
    LinkAttemptKind,
    Response,
    ResponseSource,
    ResponseStatus,
    Visit,
    VisitOutcome,
    Wave,
)
from peiban.surveys.report import survey_report_docx
from peiban.surveys.selectors import (
    Period,
    coverage_by_building,
    cross_tab,
    forms_for_community,
    latest_version,
    link_for_token,
    open_link_for,
    recommendations_for,
    survey_summary,
    word_frequencies,
)
from peiban.surveys.services import (
    SurveyError,
    form_import,
    link_close,
    link_open,
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


def _period(request: HttpRequest) -> tuple[Period, str]:
    """The days asked for (`from`, `to`: ISO dates, either may be left out), or no limit and
    a message saying what was wrong."""
    try:
        period = Period.parse(request.GET.get("from", ""), request.GET.get("to", ""))
    except ValueError as error:
        return Period(), str(error)
    return period, ""


def _filters_query(picked: list[Wave], period: Period) -> str:
    """The query string that repeats the results page's filters (for the report's link)."""
    pairs: list[tuple[str, str]] = [("wave", str(w.number)) for w in picked]
    if period.start:
        pairs.append(("from", period.start.isoformat()))
    if period.end:
        pairs.append(("to", period.end.isoformat()))
    return urlencode(pairs)


@login_required
def results(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, form = get_form_for_user(request.user, community, pk, need=Can.AGGREGATES)
    definition = latest_version(form).definition
    language = language_for(definition, get_language() or "")
    waves, picked = _waves(request, form)
    period, period_error = _period(request)
    columns = [
        (wave, survey_summary(form, waves=[wave], period=period, definition=definition))
        for wave in picked
    ]
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
            word_frequencies(form, question=n["name"], waves=picked, period=period),
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
        table = cross_tab(form, question=question, by=by, waves=picked, period=period)
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
            "coverage": coverage_by_building(picked[-1], period=period) if picked else [],
            "period": period,
            "period_error": period_error,
            "filters": _filters_query(picked, period),
            "link": open_link_for(form) if access.can(Can.RECORDS) else None,
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
    period, _error = _period(request)
    definition = latest_version(form).definition
    data = survey_report_docx(
        form,
        waves=picked,
        language=language_for(definition, get_language() or ""),
        period=period,
    )
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORT,
        subject=form,
        organisation=access.community.organisation,
        detail={
            "format": "docx",
            "report": True,
            "waves": [w.number for w in picked],
            **({"period": [str(period.start or ""), str(period.end or "")]} if period else {}),
        },
    )
    reply = HttpResponse(
        data,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    reply["Content-Disposition"] = f'attachment; filename="{form.slug}-report.docx"'
    return reply


# --- Residents answer through a link and QR code ------------------------------------------------


def _answer_url(request: HttpRequest, link: AnswerLink, code: str = "") -> str:
    url = request.build_absolute_uri(reverse("surveys:answer", kwargs={"token": link.token}))
    return f"{url}?{urlencode({'home': code})}" if code else url


@login_required
def link(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    """The form's answer link: its QR code to print or share, and opening or closing it."""
    access, form = get_form_for_user(request.user, community, pk, need=Can.RECORDS)
    found = open_link_for(form)
    url = _answer_url(request, found) if found is not None else ""
    return render(
        request,
        "surveys/link.html",
        {
            "community": access.community,
            "form": form,
            "link": found,
            "url": url,
            "qr": qr_svg(url) if url else "",
            "can_edit": access.can(Can.EDIT),
            "buildings": access.community.buildings.values_list("label", flat=True),
        },
    )


@login_required
@require_POST
def link_open_view(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    _access, form = get_form_for_user(request.user, community, pk, need=Can.EDIT)
    try:
        link_open(
            form=form,
            households_only=request.POST.get("anyone") != "1",
            actor=request.user,
        )
    except SurveyError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The form is open to residents through its link."))
    return redirect("surveys:link", community=community, pk=pk)


@login_required
@require_POST
def link_close_view(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    _access, form = get_form_for_user(request.user, community, pk, need=Can.EDIT)
    found = open_link_for(form)
    if found is not None:
        link_close(link=found, actor=request.user)
    messages.success(request, _("The link is closed; it and its household codes no longer work."))
    return redirect("surveys:link", community=community, pk=pk)


@login_required
def codes(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    """Household code slips for one building, to print and leave at each door."""
    access, form = get_form_for_user(request.user, community, pk, need=Can.RECORDS)
    found = open_link_for(form)
    if found is None or not found.households_only:
        raise Http404
    building = request.GET.get("building", "")
    slips = []
    for dwelling in Dwelling.objects.filter(
        community=access.community, building__label=building
    ).select_related("building"):
        code = household_code(found, dwelling.pk)
        slips.append(
            {
                "dwelling": dwelling,
                "code": code,
                "qr": qr_svg(_answer_url(request, found, code)),
            }
        )
    return render(
        request,
        "surveys/codes.html",
        {
            "community": access.community,
            "form": form,
            "link": found,
            "url": _answer_url(request, found),
            "building": building,
            "buildings": access.community.buildings.values_list("label", flat=True),
            "slips": slips,
        },
    )


def _session_key(link: AnswerLink) -> str:
    return f"surveys.link.{link.pk}"


def _identified(request: HttpRequest, link: AnswerLink) -> Dwelling | None:
    """The dwelling this browser answers for: the household code given earlier in the session,
    else the household of the signed-in resident."""
    community_id = link.wave.form.community_id
    remembered = request.session.get(_session_key(link))
    if isinstance(remembered, int):
        found = (
            Dwelling.objects.select_related("building")
            .filter(pk=remembered, community_id=community_id)
            .first()
        )
        if found is not None:
            return found
    resident = resident_for_user(request.user, link.wave.form.community)
    if resident is not None and resident.household_id is not None:
        return (
            Dwelling.objects.select_related("building")
            .filter(households__pk=resident.household_id, community_id=community_id)
            .first()
        )
    return None


def _code_given(request: HttpRequest, link: AnswerLink, code: str) -> tuple[Dwelling | None, str]:
    """The dwelling a typed or scanned household code names, remembered for the session; or an
    error for people. Wrong codes count against the address's attempts."""
    address = client_address(request)
    if rate_limited(link, LinkAttemptKind.BAD_CODE, address):
        return None, _("Too many wrong codes were tried from here. Wait 15 minutes and try again.")
    number = dwelling_id_for_code(link, code)
    found = (
        Dwelling.objects.select_related("building")
        .filter(pk=number, community_id=link.wave.form.community_id)
        .first()
        if number is not None
        else None
    )
    if found is None:
        attempt_record(link, LinkAttemptKind.BAD_CODE, address)
        return None, _("This household code is not valid. Check the code on your slip.")
    request.session[_session_key(link)] = found.pk
    return found, ""


def _answered(wave: Wave, dwelling: Dwelling) -> bool:
    return Response.objects.filter(
        wave=wave, dwelling=dwelling, status=ResponseStatus.SUBMITTED
    ).exists()


def answer(request: HttpRequest, token: str) -> HttpResponse:
    """The public page where residents answer a form opened through a link (no account needed):
    identify the household, fill in the same server-rendered form, submit once."""
    found = link_for_token(token)
    if found is None or found.wave.form.sensitive:
        raise Http404
    form, wave = found.wave.form, found.wave
    context: dict[str, Any] = {"form": form, "wave": wave, "link": found, "error": ""}
    if found.closed_at is not None:
        return render(request, "surveys/answer.html", {**context, "state": "closed"}, status=410)
    action = request.POST.get("action", "check") if request.method == "POST" else ""
    dwelling = _identified(request, found)
    code = request.POST.get("code", "") if action == "identify" else request.GET.get("home", "")
    if code.strip():
        given, error = _code_given(request, found, code)
        if given is not None:  # remembered in the session; drop the code from the address
            return redirect("surveys:answer", token=token)
        context["error"] = error
    done_key = f"{_session_key(found)}.done"
    if request.session.get(done_key):
        return render(request, "surveys/answer.html", {**context, "state": "thanks"})
    if found.households_only and dwelling is None:
        status = 400 if context["error"] else 200
        return render(
            request, "surveys/answer.html", {**context, "state": "identify"}, status=status
        )
    if dwelling is not None and _answered(wave, dwelling):
        return render(
            request,
            "surveys/answer.html",
            {**context, "state": "answered", "dwelling": dwelling},
            status=409 if action == "submit" else 200,
        )
    definition = latest_version(form).definition
    language = language_for(definition, get_language() or "")
    show_errors = False
    raw: dict[str, Any] = {}
    if request.method == "POST":
        add_to = action.removeprefix("add:") if action.startswith("add:") else ""
        raw = answers_from_post(definition, request.POST, add_to=add_to)
        if action == "submit":
            address = client_address(request)
            if rate_limited(found, LinkAttemptKind.SUBMIT, address):
                context["error"] = _(
                    "Too many responses were sent from here. Wait an hour and try again."
                )
                show_errors = True
            else:
                try:
                    response_save(
                        form=form,
                        wave=wave,
                        answers=raw,
                        dwelling=dwelling,
                        household=dwelling.households.order_by("pk").first() if dwelling else None,
                        actor=request.user,
                        language=language,
                        source=ResponseSource.LINK,
                    )
                except SurveyError as error:
                    if dwelling is not None and _answered(wave, dwelling):
                        return render(
                            request,
                            "surveys/answer.html",
                            {**context, "state": "answered", "dwelling": dwelling},
                            status=409,
                        )
                    context["error"] = str(error)
                    show_errors = True
                else:
                    attempt_record(found, LinkAttemptKind.SUBMIT, address)
                    request.session[done_key] = True
                    return redirect("surveys:answer", token=token)
    checked = check_answers(definition, raw, language=language)
    context.update(
        {
            "state": "form",
            "dwelling": dwelling,
            "fields": fields_for(
                definition, raw, checked, language=language, show_errors=show_errors
            ),
            "problems": len(checked.problems) if show_errors else 0,
        }
    )
    if request.htmx and action != "submit":  # type: ignore[attr-defined]
        return render(request, "surveys/answer.html#questions", context)
    return render(request, "surveys/answer.html", context, status=400 if show_errors else 200)
