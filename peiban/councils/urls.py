from django.urls import path

from peiban.councils import notice_views, views

app_name = "councils"

P = "c/<slug:community>/councils/"

urlpatterns = [
    path(P, views.home, name="home"),
    path(f"{P}new/", views.body_new, name="body-new"),
    path(f"{P}<int:body>/meetings/new/", views.meeting_new, name="meeting-new"),
    path(f"{P}<int:body>/members/", views.members, name="members"),
    path(f"{P}meetings/<int:pk>/", views.meeting, name="meeting"),
    path(f"{P}meetings/<int:pk>/presence/", views.presence, name="presence"),
    path(f"{P}meetings/<int:pk>/motions/", views.motion_new, name="motion-new"),
    path(f"{P}meetings/<int:pk>/notice/", views.meeting_notice, name="meeting-notice"),
    path(f"{P}meetings/<int:pk>/close/", views.meeting_end, name="meeting-close"),
    path(f"{P}motions/<int:pk>/", views.chair, name="chair"),
    path(f"{P}motions/<int:pk>/debate/", views.debate, name="debate"),
    path(f"{P}motions/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path(f"{P}motions/<int:pk>/hands/", views.hand, name="hand"),
    path(f"{P}motions/<int:pk>/turns/<int:turn>/call/", views.call, name="call"),
    path(f"{P}motions/<int:pk>/turns/<int:turn>/end/", views.finish, name="finish"),
    path(f"{P}motions/<int:pk>/vote/", views.vote, name="vote"),
    path(f"{P}motions/<int:pk>/decide/", views.decide, name="decide"),
    path("c/<slug:community>/decisions/", views.board, name="board"),
    path("c/<slug:community>/decisions/<int:pk>/progress/", views.progress, name="progress"),
    path("c/<slug:community>/decisions/<int:pk>/check/", views.check, name="check"),
    path(f"{P}assemblies/new/", views.assembly_new, name="assembly-new"),
    path(f"{P}assemblies/<int:pk>/", views.assembly, name="assembly"),
    path(f"{P}assemblies/<int:pk>/open/", views.assembly_start, name="assembly-open"),
    path(f"{P}assemblies/<int:pk>/paper/", views.assembly_paper, name="assembly-paper"),
    path(f"{P}assemblies/<int:pk>/import/", views.assembly_import, name="assembly-import"),
    path(f"{P}assemblies/<int:pk>/close/", views.assembly_end, name="assembly-close"),
    path(f"{P}assemblies/<int:pk>/decide/", views.assembly_decide, name="assembly-decide"),
    path(f"{P}consents/", views.consents, name="consents"),
    path(f"{P}consents/<int:pk>/", views.consent, name="consent"),
    path(f"{P}consents/<int:pk>/<int:item>/", views.consent_answer, name="consent-answer"),
    path(f"{P}consents/<int:pk>/close/", views.consent_close, name="consent-close"),
    path(f"{P}polls/", views.polls, name="polls"),
    path(f"{P}polls/<int:pk>/answer/", views.poll_vote, name="poll-answer"),
    path(f"{P}proposals/", views.proposals, name="proposals"),
    path(f"{P}proposals/<int:pk>/support/", views.proposal_back, name="proposal-support"),
    path(f"{P}proposals/<int:pk>/motion/", views.proposal_motion, name="proposal-motion"),
    path(f"{P}assemblies/<int:pk>/codes/", notice_views.code_notices, name="code-notices"),
    path(f"{P}requisitions/", notice_views.requisitions, name="requisitions"),
    path(f"{P}requisitions/<int:pk>/", notice_views.requisition, name="requisition"),
    path("vote/<int:pk>/", views.ballot, name="ballot"),
]
