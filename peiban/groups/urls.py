from django.urls import path

from peiban.groups import views

app_name = "groups"

P = "c/<slug:community>/groups/"
G = f"{P}<int:pk>/"
M = "c/<slug:community>/micro-projects/"
J = f"{M}<int:pk>/"

urlpatterns = [
    path(P, views.group_list, name="list"),
    path(f"{P}overview/", views.overview, name="overview"),
    path(f"{P}new/", views.group_new, name="new"),
    path(G, views.group_detail, name="detail"),
    path(f"{G}members/", views.members, name="members"),
    path(f"{G}members/<int:member>/leave/", views.member_leave_view, name="member-leave"),
    path(f"{G}members/<int:member>/role/", views.member_role, name="member-role"),
    path(f"{G}meetings/", views.meetings, name="meetings"),
    path(f"{G}fund/", views.fund, name="fund"),
    path(f"{G}fund/<int:entry>/reverse/", views.fund_reverse_view, name="fund-reverse"),
    path(f"{G}plan/", views.plan, name="plan"),
    path(f"{G}coaching/", views.coaching, name="coaching"),
    path(f"{G}trainings/", views.training, name="training"),
    path(f"{G}milestones/", views.milestone, name="milestone"),
    path(
        f"{G}milestones/<int:milestone>/reached/", views.milestone_reached, name="milestone-reached"
    ),
    path(f"{G}kind/", views.kind, name="kind"),
    path(f"{G}rules/", views.rules, name="rules"),
    path(f"{G}stage/", views.stage, name="stage"),
    path(f"{G}assessments/", views.assessments, name="assessments"),
    path(f"{P}fund/", views.fund_settings, name="fund-settings"),
    path(M, views.projects, name="projects"),
    path(f"{M}new/", views.project_new, name="project-new"),
    path(J, views.project_detail, name="project"),
    path(f"{J}lines/", views.project_line, name="project-line"),
    path(f"{J}expenses/", views.project_expense, name="project-expense"),
    path(
        f"{J}expenses/<int:expense>/reverse/",
        views.project_expense_reverse,
        name="project-expense-reverse",
    ),
    path(f"{J}expenses/<int:expense>/receipt/", views.receipt, name="receipt"),
    path(f"{J}log/", views.project_log, name="project-log"),
    path(f"{J}complete/", views.project_complete, name="project-complete"),
    path(f"{J}decide/", views.project_decide, name="project-decide"),
    path(f"{J}evaluate/", views.project_evaluate, name="project-evaluate"),
]
