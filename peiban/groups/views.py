"""Pages of self-organisations and micro-projects, made for a group leader's phone.

Each view asks its access helper first (404 outside scope), then calls one service or selector,
then renders or redirects. A refused write shows its message above the form, whose input is kept.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from peiban.core.access import Need, get_community_access, signed_in
from peiban.core.masking import generalise_dwelling, mask_name
from peiban.core.models import Membership, Role
from peiban.core.uploads import private_file_response
from peiban.groups import forms as f
from peiban.groups.charts import score_lines
from peiban.groups.models import (
    AssessmentKind,
    GroupMember,
    MemberRole,
    Milestone,
    ProjectStatus,
    SelfOrganisation,
)
from peiban.groups.selectors import (
    GroupAccess,
    ProjectAccess,
    assessment_mean,
    assessment_series,
    community_fund_figures,
    community_overview,
    fund_balance,
    fund_entries,
    get_group_for_user,
    get_project_for_user,
    group_figures,
    groups_for_community,
    groups_of_resident,
    members_of,
    next_meeting,
    project_expenses,
    project_lines,
    project_rating,
    projects_for_community,
    projects_of_group,
    resident_for_user,
    stage_history,
)
from peiban.groups.services import (
    DIMENSIONS,
    GroupError,
    PlanConflict,
    assessment_record,
    budget_line_add,
    coaching_record,
    evaluation_give,
    expense_record,
    expense_reverse,
    fund_policy_for,
    fund_policy_set,
    fund_record,
    fund_reverse,
    fund_year_set,
    group_change_kind,
    group_create,
    log_write,
    meeting_record,
    member_add,
    member_change_role,
    member_leave,
    microproject_approve,
    microproject_complete,
    microproject_reject,
    milestone_add,
    milestone_reach,
    plan_update,
    project_propose,
    rules_adopt,
    stage_move,
    training_record,
)
from peiban.groups.stages import stage_check
from peiban.places.selectors import resident_search

DIMENSION_LABELS = {
    "leadership": gettext_lazy("Leadership"),
    "planning": gettext_lazy("Planning"),
    "finances": gettext_lazy("Finances"),
    "engagement": gettext_lazy("Members' engagement"),
    "resources": gettext_lazy("Outside resources"),
    "rules": gettext_lazy("Rules"),
    "organising": gettext_lazy("Organising"),
    "communication": gettext_lazy("Communication"),
    "deliberation": gettext_lazy("Deliberation"),
    "learning": gettext_lazy("Learning"),
    "public_spirit": gettext_lazy("Public spirit"),
}


def _group(found: GroupAccess, name: str = "groups:detail") -> HttpResponse:
    return redirect(name, community=found.group.community.slug, pk=found.group.pk)


def _project(found: ProjectAccess) -> HttpResponse:
    return redirect("groups:project", community=found.project.community.slug, pk=found.project.pk)


def _base(found: GroupAccess) -> dict[str, Any]:
    return {"community": found.access.community, "group": found.group, "found": found}


# --- Groups --------------------------------------------------------------------------------------


@login_required
def group_list(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Need.PARTICIPATE)
    resident = resident_for_user(request.user, access.community)
    return render(
        request,
        "groups/list.html",
        {
            "community": access.community,
            "groups": list(groups_for_community(access.community)),
            "mine": groups_of_resident(resident),
            "is_staff": access.can(Need.EDIT),
        },
    )


@login_required
def overview(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Need.AGGREGATES)
    year = timezone.localdate().year
    return render(
        request,
        "groups/overview.html",
        {
            "community": access.community,
            "overview": community_overview(access.community),
            "can_participate": access.can(Need.PARTICIPATE),
            "fund": community_fund_figures(access.community, year),
        },
    )


@login_required
def group_new(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Need.EDIT)
    form = f.GroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = group_create(
                community=access.community, actor=signed_in(request), **form.cleaned_data
            )
        except GroupError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The self-organisation was recorded."))
            return redirect("groups:detail", community=access.community.slug, pk=group.pk)
    return render(
        request,
        "groups/form.html",
        {"community": access.community, "form": form, "title": _("New self-organisation")},
    )


@login_required
def group_detail(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    found = get_group_for_user(request.user, community, pk)
    members = members_of(found.group)
    return render(
        request,
        "groups/detail.html",
        {
            **_base(found),
            "member_count": sum(1 for m in members if m.resident.lives_here),
            "leaders": [m for m in members if m.role in ("leader", "deputy")],
            "next_meeting": next_meeting(found.group),
            "balance": fund_balance(found.group),
            "projects": projects_of_group(found.group),
        },
    )


def _member_name(member: GroupMember, found: GroupAccess) -> str:
    return member.resident.name if found.can_manage else mask_name(member.resident.name)


@login_required
def members(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    found = get_group_for_user(request.user, community, pk)
    query = request.GET.get("q", "").strip()
    form = f.MemberForm(request.POST or None)
    if request.method == "POST":
        found = get_group_for_user(request.user, community, pk, manage=True)
        if form.is_valid():
            resident = found.access.community.residents.filter(
                pk=form.cleaned_data["resident"]
            ).first()
            try:
                if resident is None:
                    raise GroupError(_("The resident must be of this community."))
                member_add(
                    group=found.group,
                    resident=resident,
                    role=form.cleaned_data["role"],
                    actor=signed_in(request),
                )
            except GroupError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("%(name)s joined the group.") % {"name": resident.name})
                return _group(found, "groups:members")
    rows = [(m, _member_name(m, found)) for m in members_of(found.group)]
    found_people = (
        resident_search(found.access.community, query) if query and found.can_manage else []
    )
    # Group leaders who are not staff see the registry as resident leaders do: masked names and
    # the building only; they search for someone they know by name, room or phone digits.
    results = [
        (
            resident,
            resident.name if found.is_staff else mask_name(resident.name),
            (
                resident.household.dwelling.label
                if found.is_staff
                else generalise_dwelling(resident.household.dwelling.building.label)
            )
            if resident.household
            else "",
        )
        for resident in found_people
    ]
    return render(
        request,
        "groups/members.html",
        {
            **_base(found),
            "rows": rows,
            "query": query,
            "results": results,
            "roles": MemberRole.choices,
        },
    )


@login_required
@require_POST
def member_leave_view(request: HttpRequest, community: str, pk: int, member: int) -> HttpResponse:
    found = get_group_for_user(request.user, community, pk, manage=True)
    row = GroupMember.objects.filter(group=found.group, pk=member, left_on__isnull=True).first()
    if row is None:
        raise Http404
    try:
        member_leave(member=row, reason=request.POST.get("reason", ""), actor=signed_in(request))
    except GroupError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The member left the group; their history is kept."))
    return _group(found, "groups:members")


@login_required
@require_POST
def member_role(request: HttpRequest, community: str, pk: int, member: int) -> HttpResponse:
    found = get_group_for_user(request.user, community, pk, manage=True)
    row = GroupMember.objects.filter(group=found.group, pk=member, left_on__isnull=True).first()
    if row is None:
        raise Http404
    form = f.RoleForm(request.POST)
    try:
        if not form.is_valid():
            raise GroupError(_("Choose a role."))
        member_change_role(member=row, role=form.cleaned_data["role"], actor=signed_in(request))
    except GroupError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("The role was changed; the earlier one is kept in the history.")
        )
    return _group(found, "groups:members")


@login_required
def meetings(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    found = get_group_for_user(request.user, community, pk)
    form = f.MeetingForm(request.POST or None)
    if request.method == "POST":
        found = get_group_for_user(request.user, community, pk, manage=True)
        if form.is_valid():
            data = form.cleaned_data
            try:
                meeting_record(
                    group=found.group,
                    starts_at=timezone.make_aware(datetime.combine(data["date"], data["time"])),
                    topic=data["topic"],
                    place=data["place"],
                    attendees=data["attendees"],
                    minutes=data["minutes"],
                    staff_present=data["staff_present"],
                    actor=signed_in(request),
                )
            except GroupError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The meeting was recorded."))
                return _group(found, "groups:meetings")
    return render(
        request,
        "groups/meetings.html",
        {**_base(found), "form": form, "meetings": list(found.group.meetings.all()[:50])},
    )


@login_required
def fund(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    found = get_group_for_user(request.user, community, pk)
    form = f.FundForm(request.POST or None)
    if request.method == "POST":
        found = get_group_for_user(request.user, community, pk, manage=True)
        if form.is_valid():
            try:
                fund_record(group=found.group, actor=signed_in(request), **form.cleaned_data)
            except GroupError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The entry was recorded."))
                return _group(found, "groups:fund")
    return render(
        request,
        "groups/fund.html",
        {
            **_base(found),
            "form": form,
            "entries": fund_entries(found.group),
            "balance": fund_balance(found.group),
        },
    )


@login_required
@require_POST
def fund_reverse_view(request: HttpRequest, community: str, pk: int, entry: int) -> HttpResponse:
    found = get_group_for_user(request.user, community, pk, manage=True)
    row = found.group.fund_entries.filter(pk=entry).first()
    if row is None:
        raise Http404
    try:
        fund_reverse(entry=row, reason=request.POST.get("reason", ""), actor=signed_in(request))
    except GroupError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The entry was corrected by a reversing entry."))
    return _group(found, "groups:fund")


@login_required
def plan(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    found = get_group_for_user(request.user, community, pk)
    current = found.group.plan
    conflict = None
    form = f.PlanForm(
        request.POST or None,
        initial={
            "goals": current.goals,
            "without_staff": current.without_staff,
            "version": current.version,
        },
    )
    if request.method == "POST":
        found = get_group_for_user(request.user, community, pk, manage=True)
        if form.is_valid():
            try:
                plan_update(group=found.group, actor=signed_in(request), **form.cleaned_data)
            except PlanConflict as error:
                conflict = error.current
                form.add_error(None, str(error))
                # Keep the editor's text; the next save starts from the version now stored.
                data = request.POST.copy()
                data["version"] = str(conflict.version)
                form = f.PlanForm(data)
                form.is_valid()
                form.add_error(None, str(error))
            except GroupError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The plan was saved."))
                return _group(found, "groups:plan")
    return render(
        request,
        "groups/plan.html",
        {
            **_base(found),
            "form": form,
            "plan": current,
            "conflict": conflict,
            "coaching": list(found.group.coaching.select_related("staff")[:20]),
            "coaching_form": f.CoachingForm() if found.is_staff else None,
            "training_form": f.TrainingForm() if found.is_staff else None,
            "milestone_form": f.MilestoneForm() if found.is_staff else None,
            "trainings": list(found.group.trainings.all()[:20]),
            "milestones": list(found.group.milestones.all()),
        },
    )


@login_required
@require_POST
def coaching(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    found = get_group_for_user(request.user, community, pk, manage=True)
    if not found.is_staff:
        raise Http404
    form = f.CoachingForm(request.POST)
    if form.is_valid():
        try:
            coaching_record(group=found.group, actor=signed_in(request), **form.cleaned_data)
        except GroupError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The coaching session was recorded."))
    else:
        messages.error(request, _("Give the date, the staff time and the topic."))
    return _group(found, "groups:plan")


def _staff_post(request: HttpRequest, community: str, pk: int) -> GroupAccess:
    found = get_group_for_user(request.user, community, pk, manage=True)
    if not found.is_staff:
        raise Http404
    return found


@login_required
@require_POST
def training(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    found = _staff_post(request, community, pk)
    form = f.TrainingForm(request.POST)
    try:
        if not form.is_valid():
            raise GroupError(_("Give the date and the topic of the training."))
        training_record(group=found.group, actor=signed_in(request), **form.cleaned_data)
    except GroupError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The training was recorded."))
    return _group(found, "groups:plan")


@login_required
@require_POST
def milestone(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    found = _staff_post(request, community, pk)
    form = f.MilestoneForm(request.POST)
    try:
        if not form.is_valid():
            raise GroupError(_("Name the milestone."))
        milestone_add(group=found.group, actor=signed_in(request), **form.cleaned_data)
    except GroupError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The milestone was added."))
    return _group(found, "groups:plan")


@login_required
@require_POST
def milestone_reached(
    request: HttpRequest, community: str, pk: int, milestone: int
) -> HttpResponse:
    found = get_group_for_user(request.user, community, pk, manage=True)
    row = Milestone.objects.filter(group=found.group, pk=milestone).first()
    if row is None:
        raise Http404
    try:
        milestone_reach(milestone=row, on=timezone.localdate(), actor=signed_in(request))
    except GroupError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The milestone was reached. Well done!"))
    return _group(found, "groups:plan")


@login_required
@require_POST
def kind(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    found = _staff_post(request, community, pk)
    form = f.KindForm(request.POST)
    try:
        if not form.is_valid():
            raise GroupError(_("Choose a kind of self-organisation."))
        group_change_kind(group=found.group, actor=signed_in(request), **form.cleaned_data)
    except GroupError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The kind was changed and the move recorded."))
    return _group(found, "groups:stage")


@login_required
def rules(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    found = get_group_for_user(request.user, community, pk)
    form = f.RulesForm(request.POST or None, initial={"text": found.group.rules_text})
    if request.method == "POST":
        found = get_group_for_user(request.user, community, pk, manage=True)
        if form.is_valid():
            try:
                rules_adopt(group=found.group, actor=signed_in(request), **form.cleaned_data)
            except GroupError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The rules were recorded."))
                return _group(found, "groups:rules")
    return render(request, "groups/rules.html", {**_base(found), "form": form})


@login_required
def stage(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    found = get_group_for_user(request.user, community, pk)
    form = f.StageForm(request.POST or None)
    if request.method == "POST":
        if not found.is_staff:
            raise Http404
        if form.is_valid():
            try:
                stage_move(group=found.group, actor=signed_in(request), **form.cleaned_data)
            except GroupError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The stage was changed."))
                return _group(found, "groups:stage")
    figures = group_figures(found.group, timezone.localdate())
    return render(
        request,
        "groups/stage.html",
        {
            **_base(found),
            "form": form if found.is_staff else None,
            "results": stage_check(figures),
            "figures": figures,
            "history": stage_history(found.group),
            "kind_form": f.KindForm() if found.is_staff else None,
            "kind_changes": list(found.group.kind_changes.all()),
        },
    )


def _score(value: str) -> int:
    """A score as typed; anything that is not a whole number counts as missing (0)."""
    value = value.strip()
    return int(value) if value.isdigit() else 0


@login_required
def assessments(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    found = get_group_for_user(request.user, community, pk)
    if not (found.is_staff or found.can_manage):
        raise Http404
    form = f.AssessmentForm(request.POST or None)
    dimensions = DIMENSIONS[AssessmentKind.GROUP]
    leaders = [m.resident for m in members_of(found.group) if m.role in ("leader", "deputy")]
    if request.method == "POST":
        if not found.is_staff:
            raise Http404
        leader_id = request.POST.get("leader", "")
        leader = next((r for r in leaders if str(r.pk) == leader_id), None)
        kind = AssessmentKind.LEADER if leader_id else AssessmentKind.GROUP
        if form.is_valid():
            try:
                if leader_id and leader is None:
                    raise GroupError(_("Choose a leader of this group."))
                scores = {d: _score(request.POST.get(d, "")) for d in DIMENSIONS[kind]}
                assessment_record(
                    group=found.group,
                    kind=kind,
                    leader=leader,
                    period=form.cleaned_data["period"],
                    scores=scores,
                    actor=signed_in(request),
                )
            except GroupError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The assessment was recorded."))
                return _group(found, "groups:assessments")
    series = assessment_series(found.group)
    labels = {d: str(DIMENSION_LABELS[d]) for d in DIMENSION_LABELS}
    leader_charts = []
    for member in members_of(found.group):
        if member.role in ("leader", "deputy"):
            rows = assessment_series(found.group, AssessmentKind.LEADER, member.resident)
            if rows:
                leader_charts.append(
                    (
                        member.resident.name,
                        score_lines(rows, DIMENSIONS[AssessmentKind.LEADER], labels=labels),
                    )
                )
    return render(
        request,
        "groups/assessments.html",
        {
            **_base(found),
            "form": form if found.is_staff else None,
            "dimensions": [(d, labels[d]) for d in dimensions],
            "leader_dimensions": [(d, labels[d]) for d in DIMENSIONS[AssessmentKind.LEADER]],
            "leaders": leaders,
            "rows": [(a, assessment_mean(a)) for a in series],
            "chart": score_lines(series, dimensions, labels=labels) if series else None,
            "leader_charts": leader_charts,
        },
    )


# --- Micro-projects ------------------------------------------------------------------------------


def _group_choices(
    request: HttpRequest, access_is_staff: bool, community: Any
) -> list[tuple[Any, str]]:
    if access_is_staff:
        groups = list(SelfOrganisation.objects.filter(community=community))
    else:
        resident = resident_for_user(request.user, community)
        groups = [
            g
            for g in groups_of_resident(resident)
            if GroupMember.objects.filter(
                group=g, resident=resident, left_on__isnull=True, role__in=["leader", "deputy"]
            ).exists()
        ]
    return [("", _("Myself, as a resident"))] + [(g.pk, g.name) for g in groups]


@login_required
def projects(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Need.PARTICIPATE)
    return render(
        request,
        "groups/projects.html",
        {
            "community": access.community,
            "projects": list(projects_for_community(access.community)[:100]),
            "is_staff": access.can(Need.EDIT),
            "fund": community_fund_figures(access.community, timezone.localdate().year)
            if access.can(Need.AGGREGATES)
            else None,
        },
    )


@login_required
def project_new(request: HttpRequest, community: str) -> HttpResponse:
    access = get_community_access(request.user, community, need=Need.PARTICIPATE)
    is_staff = access.can(Need.EDIT)
    form = f.ProjectForm(
        request.POST or None, groups=_group_choices(request, is_staff, access.community)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        group = None
        if data["group"]:
            group = SelfOrganisation.objects.filter(
                community=access.community, pk=data["group"]
            ).first()
        resident = resident_for_user(request.user, access.community)
        try:
            if group is None and resident is None:
                raise GroupError(
                    _(
                        "Your account is not linked to a resident of this community yet; "
                        "ask the staff to link it, or choose a self-organisation."
                    )
                )
            project = project_propose(
                community=access.community,
                title=data["title"],
                goal=data["goal"],
                funding_source=data["funding_source"],
                group=group,
                proposer=None if group else resident,
                actor=signed_in(request),
            )
        except GroupError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The micro-project was proposed. Now add its budget."))
            return redirect("groups:project", community=access.community.slug, pk=project.pk)
    return render(
        request,
        "groups/form.html",
        {"community": access.community, "form": form, "title": _("Propose a micro-project")},
    )


@login_required
def project_detail(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    found = get_project_for_user(request.user, community, pk)
    project = found.project
    lines = project_lines(project)
    expense_form = f.ExpenseForm(lines=[(lf.line.pk, lf.line.description) for lf in lines])
    evaluated = (
        found.resident is not None and project.evaluations.filter(resident=found.resident).exists()
    )
    return render(
        request,
        "groups/project.html",
        {
            "community": found.access.community,
            "project": project,
            "found": found,
            "lines": lines,
            "budget": sum((lf.line.amount for lf in lines), start=0),
            "spent": sum((lf.spent for lf in lines), start=0),
            "expenses": project_expenses(project) if found.can_manage else [],
            "log": list(project.log.all()[:50]),
            "rating": project_rating(project),
            "line_form": f.LineForm(),
            "expense_form": expense_form,
            "log_form": f.LogForm(),
            "complete_form": f.CompleteForm(),
            "decision_form": f.DecisionForm() if found.is_staff else None,
            "evaluation_form": f.EvaluationForm()
            if project.status == ProjectStatus.COMPLETED and found.resident and not evaluated
            else None,
            "proposer": (
                project.proposer.name if found.can_manage else mask_name(project.proposer.name)
            )
            if project.proposer
            else "",
        },
    )


def _project_post(request: HttpRequest, community: str, pk: int) -> ProjectAccess:
    return get_project_for_user(request.user, community, pk, manage=True)


@login_required
@require_POST
def project_line(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    found = _project_post(request, community, pk)
    form = f.LineForm(request.POST)
    try:
        if not form.is_valid():
            raise GroupError(_("Say what the line pays for and how much."))
        budget_line_add(project=found.project, actor=signed_in(request), **form.cleaned_data)
    except GroupError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The budget line was added."))
    return _project(found)


@login_required
@require_POST
def project_expense(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    found = _project_post(request, community, pk)
    form = f.ExpenseForm(
        request.POST,
        request.FILES,
        lines=[(line.pk, line.description) for line in found.project.lines.all()],
    )
    try:
        if not form.is_valid():
            raise GroupError(
                _("Choose the budget line and give the amount, what was bought and the date.")
            )
        data = form.cleaned_data
        expense_record(
            project=found.project,
            line=found.project.lines.get(pk=data["line"]),
            amount=data["amount"],
            description=data["description"],
            paid_on=data["paid_on"],
            receipt=data["receipt"],
            actor=signed_in(request),
        )
    except GroupError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The expense was recorded."))
    return _project(found)


@login_required
@require_POST
def project_expense_reverse(
    request: HttpRequest, community: str, pk: int, expense: int
) -> HttpResponse:
    found = _project_post(request, community, pk)
    row = found.project.expenses.filter(pk=expense).first()
    if row is None:
        raise Http404
    try:
        expense_reverse(
            expense=row, reason=request.POST.get("reason", ""), actor=signed_in(request)
        )
    except GroupError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The expense was corrected by a reversing entry."))
    return _project(found)


@login_required
def receipt(request: HttpRequest, community: str, pk: int, expense: int) -> FileResponse:
    found = get_project_for_user(request.user, community, pk, manage=True)
    row = found.project.expenses.filter(pk=expense).exclude(receipt="").first()
    if row is None:
        raise Http404
    return private_file_response(row.receipt, name=row.receipt_name, content_type=row.receipt_type)


@login_required
@require_POST
def project_log(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    found = _project_post(request, community, pk)
    try:
        log_write(
            project=found.project, text=request.POST.get("text", ""), actor=signed_in(request)
        )
    except GroupError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The log entry was written."))
    return _project(found)


@login_required
@require_POST
def project_complete(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    found = _project_post(request, community, pk)
    try:
        microproject_complete(
            project=found.project, report=request.POST.get("report", ""), actor=signed_in(request)
        )
    except GroupError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The project is completed. Residents can now evaluate it."))
    return _project(found)


@login_required
@require_POST
def project_decide(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    found = _project_post(request, community, pk)
    if not found.is_staff:
        raise Http404
    form = f.DecisionForm(request.POST)
    try:
        if not form.is_valid():
            raise GroupError(_("Give the decision, who decided and when."))
        data = form.cleaned_data
        decide = microproject_approve if data["decision"] == "approve" else microproject_reject
        decide(
            project=found.project,
            approved_by=data["approved_by"],
            approval_ref=data["approval_ref"],
            decision_text=data["decision_text"],
            decided_on=data["decided_on"],
            actor=signed_in(request),
        )
    except GroupError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The decision was recorded."))
    return _project(found)


@login_required
@require_POST
def project_evaluate(request: HttpRequest, community: str, pk: int) -> HttpResponse:
    found = get_project_for_user(request.user, community, pk)
    form = f.EvaluationForm(request.POST)
    try:
        if found.resident is None:
            raise GroupError(_("Only a resident of the community can evaluate a project."))
        if not form.is_valid():
            raise GroupError(_("Choose from one to five stars."))
        evaluation_give(project=found.project, resident=found.resident, **form.cleaned_data)
    except GroupError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Thank you for your evaluation."))
    return _project(found)


@login_required
def fund_settings(request: HttpRequest, community: str) -> HttpResponse:
    """The community fund: staff record the official population; org admins set the formula."""
    access = get_community_access(request.user, community, need=Need.EDIT)
    organisation = access.community.organisation
    is_admin = Membership.objects.filter(
        user_id=signed_in(request).pk, organisation=organisation, role=Role.ORG_ADMIN
    ).exists()
    policy = fund_policy_for(organisation)
    year = timezone.localdate().year
    population_form = f.PopulationForm(
        request.POST if "population" in request.POST else None, initial={"year": year}
    )
    policy_form = f.PolicyForm(
        request.POST if "base" in request.POST else None,
        initial={
            "base": policy.base,
            "per_hundred": policy.per_hundred,
            "negative_list": "\n".join(
                f"{item['label']} | {', '.join(item['keywords'])}" for item in policy.negative_list
            ),
        },
    )
    if request.method == "POST":
        try:
            if "population" in request.POST:
                if not population_form.is_valid():
                    raise GroupError(_("Give the year and the number of residents."))
                fund_year_set(
                    community=access.community,
                    actor=signed_in(request),
                    **population_form.cleaned_data,
                )
            else:
                if not is_admin:
                    raise Http404
                if not policy_form.is_valid():
                    raise GroupError(
                        _("Give the base amount, the amount per hundred and the list.")
                    )
                data = policy_form.cleaned_data
                fund_policy_set(
                    organisation=organisation,
                    base=data["base"],
                    per_hundred=data["per_hundred"],
                    negative_list=_parse_negative_list(data["negative_list"]),
                    actor=signed_in(request),
                )
        except GroupError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The community fund settings were saved."))
            return redirect("groups:fund-settings", community=access.community.slug)
    return render(
        request,
        "groups/fund_settings.html",
        {
            "community": access.community,
            "fund": community_fund_figures(access.community, year),
            "population_form": population_form,
            "policy_form": policy_form if is_admin else None,
            "policy": policy,
        },
    )


def _parse_negative_list(text: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        label, bar, words = line.partition("|")
        if not bar:
            raise GroupError(
                _(
                    "Line %(n)s of the negative list has no vertical bar between the rule "
                    "and its words."
                )
                % {"n": number}
            )
        keywords = [w.strip() for w in words.replace("，", ",").split(",") if w.strip()]
        items.append({"label": label.strip(), "keywords": keywords})
    return items
