"""Pages of the volunteer ledger: a resident's own hours, points and certificates; the staff's
verification, crediting, certificates, points rules and rewards.

Each view asks its access helper first, then calls one service, then renders or redirects. The
services refuse with a whole sentence translated into the active language; `refusal` picks what
people are shown.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from peiban.activities.models import Attendance
from peiban.core.access import Need as Can
from peiban.core.access import get_community_access, signed_in
from peiban.core.audit import audit_record
from peiban.core.models import AuditAction
from peiban.ledger.certificates import _pdf_for, certificate_download, certificate_issue
from peiban.ledger.forms import CertificateForm, RedeemForm, RewardForm, RuleForm
from peiban.ledger.models import (
    Certificate,
    EntryKind,
    HourEntry,
    HourStatus,
    PointsEntry,
    PointsKind,
    Reward,
)
from peiban.ledger.selectors import (
    hours_balance,
    ledger_for,
    points_balance,
    points_rule_current,
)
from peiban.ledger.services import (
    AlreadyCredited,
    InsufficientPoints,
    LedgerError,
    OutOfStock,
    hours_credit_from_attendance,
    hours_verify,
    points_credit_for_hours,
    points_rule_publish,
    reward_redeem,
)
from peiban.places.models import Community, Resident

LIST_LIMIT = 100


def refusal(error: LedgerError) -> str:
    """A translated message for a refusal of the ledger services.

    A resident redeeming is told plainly about the balance or the stock; any other refusal is the
    service's own sentence, already translated."""
    if isinstance(error, InsufficientPoints):
        return _("Not enough points for this reward: your balance does not cover it.")
    if isinstance(error, OutOfStock):
        return _("Not enough of this reward is left in stock.")
    if isinstance(error, AlreadyCredited):
        return _("This has already been credited; nothing was changed.")
    return str(error)


def own_resident(user: User, community: Community) -> Resident | None:
    """The resident record of the signed-in user in this community, if their account is linked."""
    return Resident.objects.filter(
        user=user, community=community, anonymised_at__isnull=True
    ).first()


# --- A resident's own volunteering ---------------------------------------------------------------


@login_required
def mine(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.PARTICIPATE)
    resident = own_resident(signed_in(request), access.community)
    context: dict[str, object] = {"community": access.community, "resident": resident}
    if resident is not None:
        context.update(
            {
                "hours": hours_balance(resident),
                "hour_entries": list(
                    HourEntry.objects.filter(resident=resident, status=HourStatus.VERIFIED)
                    .select_related("activity")
                    .order_by("created_at", "id")
                ),
                "points": points_balance(resident),
                "points_entries": list(ledger_for(resident)),
                "certificates": list(Certificate.objects.filter(resident=resident)),
                "rewards": list(Reward.objects.filter(community=access.community, active=True)),
                "redeem_form": RedeemForm(),
            }
        )
    return render(request, "ledger/mine.html", context)


@login_required
@require_POST
def redeem(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.PARTICIPATE)
    user = signed_in(request)
    reward = Reward.objects.filter(community=access.community, pk=pk, active=True).first()
    if reward is None:
        raise Http404
    back = redirect("ledger:mine", community=access.community.slug)
    resident = own_resident(user, access.community)
    if resident is None:
        messages.error(
            request,
            _(
                "Your account is not linked to a resident of this community yet; "
                "ask the staff to link it before you redeem points."
            ),
        )
        return back
    form = RedeemForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how many you want, from 1 to 99."))
        return back
    try:
        reward_redeem(
            resident=resident, reward=reward, quantity=form.cleaned_data["quantity"], actor=user
        )
    except LedgerError as error:
        messages.error(request, refusal(error))
    else:
        messages.success(request, _("Redeemed: %(reward)s.") % {"reward": reward.name})
    return back


@login_required
def certificate(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    """The certificate's PDF, for its volunteer or for staff; 404 for anyone else."""
    access = get_community_access(request.user, community, need=Can.PARTICIPATE)
    user = signed_in(request)
    found = (
        Certificate.objects.select_related("organisation", "community", "resident")
        .filter(community=access.community, pk=pk)
        .first()
    )
    if found is None:
        raise Http404
    if access.can(Can.EDIT):
        pdf = certificate_download(certificate=found, actor=user)
    elif found.resident.user_id is not None and found.resident.user_id == user.pk:
        # The service lets only staff download; the volunteer may fetch their own, audited alike.
        pdf = _pdf_for(found)
        audit_record(
            actor=user,
            action=AuditAction.EXPORT,
            subject=found,
            organisation=found.organisation,
            detail={"number": found.number, "by": "volunteer"},
        )
    else:
        raise Http404
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{found.number}.pdf"'
    return response


# --- Staff: hours, points, certificates ----------------------------------------------------------


def _hours_context(community: Community) -> dict[str, object]:
    credits = HourEntry.objects.filter(kind=EntryKind.CREDIT, reversed_by__isnull=True)
    credited = HourEntry.objects.filter(
        kind=EntryKind.CREDIT, resident=OuterRef("resident"), activity=OuterRef("activity")
    )
    pointed = PointsEntry.objects.filter(hour_entry=OuterRef("pk"), kind=PointsKind.CREDIT)
    return {
        "pending": list(
            credits.filter(community=community, status=HourStatus.PENDING)
            .select_related("resident", "activity")
            .order_by("created_at", "id")[:LIST_LIMIT]
        ),
        "attendances": list(
            Attendance.objects.filter(
                activity__community=community, volunteer=True, checked_out_at__isnull=False
            )
            .filter(~Exists(credited))
            .select_related("resident", "activity")
            .order_by("-checked_in_at", "-id")[:LIST_LIMIT]
        ),
        "unpointed": list(
            credits.filter(community=community, status=HourStatus.VERIFIED)
            .filter(~Exists(pointed))
            .select_related("resident", "activity")
            .order_by("created_at", "id")[:LIST_LIMIT]
        ),
        "volunteers": list(
            Resident.objects.filter(community=community, anonymised_at__isnull=True)
            .filter(
                Exists(
                    HourEntry.objects.filter(
                        resident=OuterRef("pk"),
                        kind=EntryKind.CREDIT,
                        status=HourStatus.VERIFIED,
                    )
                )
            )
            .order_by("name", "id")[:LIST_LIMIT]
        ),
        "rule": points_rule_current(community),
        "certificate_form": CertificateForm(),
    }


@login_required
def hours(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.EDIT)
    return render(
        request,
        "ledger/hours.html",
        {"community": access.community, **_hours_context(access.community)},
    )


def _to_hours(community: Community) -> HttpResponse:
    return redirect("ledger:hours", community=community.slug)


@login_required
@require_POST
def verify(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.EDIT)
    entry = HourEntry.objects.filter(community=access.community, pk=pk).first()
    if entry is None:
        raise Http404
    try:
        hours_verify(entry=entry, actor=signed_in(request))
    except LedgerError as error:
        messages.error(request, refusal(error))
    else:
        messages.success(
            request, _("%(name)s's hours are verified.") % {"name": entry.resident.name}
        )
    return _to_hours(access.community)


@login_required
@require_POST
def credit(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.EDIT)
    attendance = (
        Attendance.objects.select_related("activity__community", "resident__community")
        .filter(activity__community=access.community, pk=pk)
        .first()
    )
    if attendance is None:
        raise Http404
    try:
        entry = hours_credit_from_attendance(attendance=attendance, actor=signed_in(request))
    except LedgerError as error:
        messages.error(request, refusal(error))
    else:
        messages.success(
            request,
            _("%(hours)s hours credited to %(name)s, waiting for verification.")
            % {"hours": entry.hours, "name": attendance.resident.name},
        )
    return _to_hours(access.community)


@login_required
@require_POST
def points(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.EDIT)
    entry = HourEntry.objects.filter(community=access.community, pk=pk).first()
    if entry is None:
        raise Http404
    try:
        given = points_credit_for_hours(entry=entry, actor=signed_in(request))
    except LedgerError as error:
        messages.error(request, refusal(error))
    else:
        messages.success(
            request,
            _("%(points)s points credited to %(name)s.")
            % {"points": given.amount, "name": entry.resident.name},
        )
    return _to_hours(access.community)


@login_required
@require_POST
def issue(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.EDIT)
    resident = Resident.objects.filter(community=access.community, pk=pk).first()
    if resident is None:
        raise Http404
    form = CertificateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Name the responsible person and the handler."))
        return _to_hours(access.community)
    try:
        issued = certificate_issue(
            resident=resident,
            actor=signed_in(request),
            responsible_person=form.cleaned_data["responsible_person"],
            handler=form.cleaned_data["handler"],
        )
    except LedgerError as error:
        messages.error(request, refusal(error))
    else:
        messages.success(
            request,
            _("Certificate %(number)s issued to %(name)s.")
            % {"number": issued.number, "name": resident.name},
        )
    return _to_hours(access.community)


# --- Staff: points rules and rewards -------------------------------------------------------------


@login_required
def rules(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.EDIT)
    form = RuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rule = points_rule_publish(
                community=access.community,
                hours_to_points=data["hours_to_points"],
                weights={},
                cap=data["cap"],
                text=data["text"],
                approved_by=data["approved_by"],
                actor=signed_in(request),
            )
        except LedgerError as error:
            form.add_error(None, refusal(error))
        else:
            messages.success(
                request,
                _("Version %(version)s of the rules is published.") % {"version": rule.version},
            )
            return redirect("ledger:rules", community=access.community.slug)
    return render(
        request,
        "ledger/rules.html",
        {
            "community": access.community,
            "rule": points_rule_current(access.community),
            "form": form,
        },
    )


@login_required
def rewards(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Can.EDIT)
    form = RewardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        reward = Reward.objects.create(
            community=access.community,
            name=data["name"],
            kind=data["kind"],
            cost=data["cost"],
            stock=data["stock"],
        )
        audit_record(
            actor=signed_in(request),
            action=AuditAction.CREATE,
            subject=reward,
            organisation=access.community.organisation,
            detail={"cost": str(reward.cost), "stock": reward.stock},
        )
        messages.success(request, _("The reward was added."))
        return redirect("ledger:rewards", community=access.community.slug)
    return render(
        request,
        "ledger/rewards.html",
        {
            "community": access.community,
            "rewards": list(Reward.objects.filter(community=access.community)[:LIST_LIMIT]),
            "form": form,
        },
    )
