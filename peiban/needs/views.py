"""Pages of the needs register. Each view asks its access helper first, then one service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peiban.core.access import Need as Can
from peiban.core.access import get_community_access, signed_in
from peiban.core.members import get_organisation_for_admin
from peiban.core.typesetting import CJKFontMissing
from peiban.core.uploads import private_file_response
from peiban.needs.access import can_work_on, get_need_for_user, may_verify, needs_for_user
from peiban.needs.dashboard import drilldown_filter
from peiban.needs.forms import (
    ActionForm,
    AttachmentForm,
    CategoryForm,
    HelpForm,
    LeadForm,
    LetterForm,
    MoveForm,
    NeedForm,
    PostedForm,
    RecognitionForm,
    ReopenForm,
    StaffNeedForm,
)
from peiban.needs.letter_templates import BUILTIN_TEMPLATES, render_template_text
from peiban.needs.letters import letter_docx, letter_pdf
from peiban.needs.models import Channel, Need, Stage
from peiban.needs.selectors import (
    need_timeline,
    next_stages,
    public_board,
    resident_by_room_and_name,
    unread_notifications,
)
from peiban.needs.services import (
    REOPENABLE,
    NeedError,
    action_add,
    attachment_add,
    categories_ensure,
    category_save,
    help_offer,
    letter_draft,
    letter_posted,
    need_add_companion,
    need_move,
    need_raise,
    need_reopen,
    need_set_lead,
    notifications_read,
    recognition_give,
)
from peiban.places.addresses import AddressError, parse_address
from peiban.places.models import Building, Community, Dwelling, Resident

PAGE_SIZE = 30


def _back(need: Need) -> HttpResponse:
    return redirect("needs:detail", community=need.community.slug, pk=need.pk)


def _place(community: Community, text: str) -> tuple[Building | None, Dwelling | None]:
    """Read 5栋 or 5-1-302 into a building and, when a room is given, a dwelling."""
    text = text.strip()
    if not text:
        return None, None
    try:
        address = parse_address(text)
    except AddressError:
        label = text.rstrip("栋幢座号楼").strip()
        building = Building.objects.filter(community=community, label=label).first()
        if building is None:
            raise NeedError(
                _("There is no building or room “%(place)s” here.") % {"place": text}
            ) from None
        return building, None
    dwelling = (
        Dwelling.objects.select_related("building")
        .filter(
            community=community,
            building__label=address.building,
            unit=address.unit,
            room=address.room,
        )
        .first()
    )
    if dwelling is None:
        raise NeedError(_("There is no building or room “%(place)s” here.") % {"place": text})
    return dwelling.building, dwelling


def _resident(community: Community, text: str, *, required: bool = False) -> Resident | None:
    resident = resident_by_room_and_name(community, text)
    if resident is None and (text.strip() or required):
        raise NeedError(
            _(
                "No single resident matches “%(text)s”: "
                "write the room and the name, as 5-1-302 王芳."
            )
            % {"text": text}
        )
    return resident


@login_required
def need_list(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.PARTICIPATE)
    user = signed_in(request)
    needs = (
        needs_for_user(access, user)
        .filter(drilldown_filter(request.GET))
        .select_related("category", "building", "lead")
        .order_by("-raised_at", "-id")
    )
    page = Paginator(needs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "needs/list.html",
        {
            "community": access.community,
            "page": page,
            "can_edit": access.can(Can.EDIT),
            "filtered": bool(request.GET.dict().keys() - {"page"}),
            "query": request.GET.urlencode(),
        },
    )


@login_required
def need_new(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.PARTICIPATE)
    user = signed_in(request)
    staff = access.can(Can.EDIT)
    categories = categories_ensure(access.community.organisation)
    form_class = StaffNeedForm if staff else NeedForm
    form = form_class(
        request.POST or None,
        categories=access.community.organisation.need_categories.filter(active=True),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            building, dwelling = _place(access.community, data["place"])
            if staff:
                raiser = _resident(access.community, data["raiser"])
                channel = data["channel"]
            else:
                raiser = Resident.objects.filter(user=user, community=access.community).first()
                channel = Channel.APP
            need = need_raise(
                community=access.community,
                title=data["title"],
                description=data["description"],
                category=data["category"],
                channel=channel,
                raised_by=raiser,
                recorded_by=user,
                building=building,
                dwelling=dwelling,
                urgency=data["urgency"],
                visibility=data["visibility"],
            )
        except NeedError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The need was recorded. Thank you for raising it."))
            return _back(need)
    return render(
        request,
        "needs/new.html",
        {"community": access.community, "form": form, "categories": categories},
    )


@login_required
def need_detail(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, need = get_need_for_user(request.user, community, pk)
    user = signed_in(request)
    working = can_work_on(access, need, user)
    context: dict[str, Any] = {
        "community": access.community,
        "need": need,
        "timeline": need_timeline(need),
        "letters": list(need.letters.all()),
        "recognitions": list(need.recognitions.select_related("resident")),
        "offers": list(need.help_offers.select_related("resident")) if working else [],
        "attachments": list(need.attachments.all()),
        "working": working,
        "staff": access.can(Can.EDIT),
        "reopenable": need.stage in REOPENABLE,
    }
    if working:
        context.update(
            moves=[
                (
                    stage,
                    Stage(stage).label,
                    MoveForm(initial={"to_stage": stage, "version": need.version}),
                )
                for stage in next_stages(need)
            ],
            action_form=ActionForm(),
            lead_form=LeadForm(initial={"version": need.version}),
            attachment_form=AttachmentForm(),
            recognition_form=RecognitionForm(),
            reopen_form=ReopenForm(initial={"version": need.version}),
            templates=BUILTIN_TEMPLATES,
        )
    elif need.visibility == "public":
        context["help_form"] = HelpForm()
    context["can_verify"] = need.stage == Stage.RESOLVED and may_verify(need, user)
    return render(request, "needs/detail.html", context)


def _error(request: HttpRequest, error: NeedError) -> None:
    messages.error(request, str(error))


@login_required
@require_POST
def need_move_view(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, need = get_need_for_user(request.user, community, pk)
    user = signed_in(request)
    form = MoveForm(request.POST)
    verifying = form.data.get("to_stage") == Stage.VERIFIED
    if not (can_work_on(access, need, user) or (verifying and may_verify(need, user))):
        raise Http404
    if form.is_valid():
        try:
            need_move(
                need=need,
                to_stage=form.cleaned_data["to_stage"],
                actor=user,
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["version"],
            )
        except (NeedError, ValueError) as error:
            _error(request, NeedError(str(error)))
        else:
            messages.success(
                request, _("The need is now: %(stage)s.") % {"stage": need.get_stage_display()}
            )
    return _back(need)


@login_required
@require_POST
def need_reopen_view(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    _access, need = get_need_for_user(request.user, community, pk, write=True)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            need_reopen(
                need=need,
                actor=signed_in(request),
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["version"],
            )
        except NeedError as error:
            _error(request, error)
    else:
        messages.error(request, _("Say why the need is reopened."))
    return _back(need)


@login_required
@require_POST
def action_new(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, need = get_need_for_user(request.user, community, pk, write=True)
    user = signed_in(request)
    form = ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The step could not be recorded: check the form."))
        return _back(need)
    data = form.cleaned_data
    try:
        if data["by"] == "resident":
            resident = _resident(access.community, data["resident"]) or need.lead
            if resident is None:
                raise NeedError(_("Say which resident took this step."))
            by_resident, by_staff = resident, None
        else:
            if not access.can(Can.EDIT):
                raise NeedError(_("Only staff record steps taken by staff."))
            by_resident, by_staff = None, user
        action_add(
            need=need,
            kind=data["kind"],
            description=data["description"],
            outcome=data["outcome"],
            by_resident=by_resident,
            by_staff=by_staff,
            recorded_by=user,
        )
    except NeedError as error:
        _error(request, error)
    return _back(need)


@login_required
@require_POST
def lead_set(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, need = get_need_for_user(request.user, community, pk, write=True)
    user = signed_in(request)
    form = LeadForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["resident"].strip():
                lead = _resident(access.community, data["resident"])
                need_set_lead(need=need, actor=user, lead=lead, expected_version=data["version"])
            else:
                if not access.can(Can.EDIT):
                    raise NeedError(_("Only staff may lead a need themselves."))
                need_set_lead(
                    need=need,
                    actor=user,
                    staff=user,
                    reason=data["staff_reason"],
                    expected_version=data["version"],
                )
        except NeedError as error:
            _error(request, error)
    return _back(need)


@login_required
@require_POST
def companion_join(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, need = get_need_for_user(request.user, community, pk)
    if not access.can(Can.EDIT) and not access.can(Can.RECORDS):
        raise Http404
    user = signed_in(request)
    need_add_companion(need=need, companion=user, actor=user)
    messages.success(request, _("You now accompany this need."))
    return _back(need)


@login_required
@require_POST
def attachment_new(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    _access, need = get_need_for_user(request.user, community, pk, write=True)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment_add(need=need, upload=form.cleaned_data["file"], actor=signed_in(request))
        except NeedError as error:
            _error(request, error)
    else:
        messages.error(request, _("Choose a file to attach."))
    return _back(need)


@login_required
def attachment_file(
    request: HttpRequest, community: str, pk: int, attachment: int
) -> HttpResponseBase:
    """An attachment, to whoever may see the need it belongs to."""
    _access, need = get_need_for_user(request.user, community, pk)
    found = need.attachments.filter(pk=attachment).first()
    if found is None:
        raise Http404
    return private_file_response(found.file, name=found.name, content_type=found.content_type)


@login_required
def letter_new(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, need = get_need_for_user(request.user, community, pk, write=True)
    user = signed_in(request)
    chosen = request.GET.get("template", "")
    template = next((t for t in BUILTIN_TEMPLATES if t.key == chosen), BUILTIN_TEMPLATES[0])
    building = f"{need.building.label}栋" if need.building else ""
    signature = _("%(community)s residents and volunteers") % {"community": access.community.name}
    initial = {
        "title": template.title,
        "body": render_template_text(
            template.body,
            compound=access.community.name,
            building=building,
            date=timezone.localdate(),
            signature=signature,
        ),
        "signature": signature,
    }
    form = LetterForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            letter_draft(
                need=need,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                signature=form.cleaned_data["signature"],
                actor=user,
                drafted_with=need.lead,
            )
        except NeedError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("The letter is drafted. Print it, post it, and record where.")
            )
            return _back(need)
    return render(
        request,
        "needs/letter.html",
        {
            "community": access.community,
            "need": need,
            "form": form,
            "templates": BUILTIN_TEMPLATES,
            "chosen": template.key,
        },
    )


@login_required
def letter_file(
    request: HttpRequest, community: str, pk: int, letter: int, fmt: str
) -> HttpResponse:
    access, need = get_need_for_user(request.user, community, pk)
    found = need.letters.filter(pk=letter).first()
    if found is None or fmt not in {"pdf", "docx"}:
        raise Http404
    try:
        if fmt == "pdf":
            content = letter_pdf(found, compound_name=access.community.name)
            kind = "application/pdf"
        else:
            content = letter_docx(found, compound_name=access.community.name)
            kind = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    except CJKFontMissing as error:
        messages.error(request, str(error))
        return _back(need)
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="letter-{found.pk}.{fmt}"'
    return response


@login_required
@require_POST
def letter_posted_view(request: HttpRequest, community: str, pk: int, letter: int) -> HttpResponse:
    _access, need = get_need_for_user(request.user, community, pk, write=True)
    found = need.letters.filter(pk=letter).first()
    if found is None:
        raise Http404
    form = PostedForm(request.POST)
    if form.is_valid():
        letter_posted(letter=found, where=form.cleaned_data["where"], actor=signed_in(request))
    else:
        messages.error(request, _("Say where the letter was posted."))
    return _back(need)


@login_required
@require_POST
def recognition_new(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, need = get_need_for_user(request.user, community, pk, write=True)
    form = RecognitionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            resident = _resident(access.community, data["resident"], required=True)
            assert resident is not None
            recognition_give(
                community=access.community,
                resident=resident,
                need=need,
                kind=data["kind"],
                message=data["message"],
                public=data["public"],
                actor=signed_in(request),
            )
        except NeedError as error:
            _error(request, error)
        else:
            messages.success(request, _("Thanks recorded."))
    return _back(need)


@login_required
@require_POST
def help_new(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access, need = get_need_for_user(request.user, community, pk)
    user = signed_in(request)
    resident = Resident.objects.filter(user=user, community=access.community).first()
    form = HelpForm(request.POST)
    if resident is None:
        messages.error(request, _("Only residents with a resident record can offer help."))
    elif form.is_valid():
        try:
            help_offer(need=need, resident=resident, message=form.cleaned_data["message"])
        except NeedError as error:
            _error(request, error)
        else:
            messages.success(request, _("Thank you! The people working on this need were told."))
    return _back(need)


@login_required
def board(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.PARTICIPATE)
    return render(
        request,
        "needs/board.html",
        {"community": access.community, **public_board(access.community)},
    )


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    user = signed_in(request)
    if request.method == "POST":
        notifications_read(user=user)
        return redirect("needs:notifications")
    return render(
        request, "needs/notifications.html", {"items": list(unread_notifications(user)[:100])}
    )


@login_required
def categories(request: HttpRequest, org: str) -> HttpResponse:
    """The organisation's needs taxonomy: add, rename or retire categories (org admins)."""
    organisation = get_organisation_for_admin(request.user, org)
    user = signed_in(request)
    existing = {c.pk: c for c in categories_ensure(organisation)}
    editing = existing.get(int(request.POST.get("pk") or 0)) if request.method == "POST" else None
    form = CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            category_save(
                organisation=organisation,
                actor=user,
                category=editing,
                name=form.cleaned_data["name"],
                hint=form.cleaned_data["hint"],
                active=form.cleaned_data["active"] if editing else True,
            )
        except NeedError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The categories were saved."))
        return redirect("needs:categories", org=organisation.slug)
    rows = [(c, None) for c in sorted(existing.values(), key=lambda c: c.position)]
    return render(
        request,
        "needs/categories.html",
        {"organisation": organisation, "rows": rows, "form": CategoryForm()},
    )
