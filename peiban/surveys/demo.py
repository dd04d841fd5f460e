"""The demo's door-to-door needs survey: Peiban's bilingual questionnaire answered by about 2,990
households of 梧桐里小区 (as in the article's two weeks of visits), plus the small Party-member
form (sensitive, no responses).

Answers are drawn from one seeded generator with plausible leanings (parking and property service
rate worst, elderly care is the most wanted service) and saved through the real import path, each
response tied to its dwelling; the dwellings not answered get a visit outcome (not home or
refused). Idempotent: a compound whose survey exists is left alone.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import User
from django.utils import timezone

from peiban.core.models import Role
from peiban.places.models import Dwelling
from peiban.surveys.answers import check_answers
from peiban.surveys.importing import ImportedRow, ResponsesReading, responses_import
from peiban.surveys.models import Form, Visit, VisitOutcome
from peiban.surveys.questionnaires import needs_xlsform, party_xlsform
from peiban.surveys.services import form_import, recommendation_add
from peiban.surveys.xlsform import read_xlsform

if TYPE_CHECKING:
    from peiban.core.demo import DemoWorld

DEMO_SEED = 20240315
FULL_SIZE = 2990
ANSWER_RATE = 0.9  # share of dwellings that answered; the others were not home or refused
# The visits took two weeks, near the start of the demo's year (the understanding phase).
VISITS_BEGAN_DAYS_AGO = 340
VISIT_DAYS = 14
# The article's NGO turned its results into 8 recommendations: (title, reasoning, questions).
RECOMMENDATIONS: tuple[tuple[str, str, list[str]], ...] = (
    (
        "与物业共同制定停车秩序方案",
        "停车满意度在五项中最低，近六成住户给出 1–2 分；先开停车议事会，收集方案。",
        ["sat_parking"],
    ),
    (
        "建立物业服务月度沟通会",
        "物业服务满意度偏低，意见集中在电梯维修和楼道照明。",
        ["sat_property", "comments"],
    ),
    (
        "开设长者日间照料与上门探访",
        "有老人的家庭超过四成，长者照料是最需要的服务。",
        ["has_elderly", "elderly_count", "needs"],
    ),
    (
        "组织亲子与儿童课后活动",
        "四分之一的家庭希望有儿童照看或亲子活动。",
        ["has_children", "needs"],
    ),
    (
        "成立楼栋志愿者队伍",
        "约六成住户愿意或可能参加志愿服务，并填写了维修、教学、医疗等技能。",
        ["volunteer", "skills"],
    ),
    (
        "组织楼道环境共治行动",
        "环境卫生满意度中等，居民意见常提到楼道杂物和照明。",
        ["sat_environment", "comments"],
    ),
    (
        "举办邻里节，增进邻里往来",
        "邻里关系尚好，但归属感平均不到 7 分，仍有提升空间。",
        ["sat_neighbours", "belonging"],
    ),
    (
        "对未应答住户再次走访",
        "约一成住户未在家或拒访，需要换时间上门，并优先走访独居老人。",
        [],
    ),
)

# Satisfaction leanings (weights for 5..1) per topic.
LEANINGS = {
    "security": (30, 40, 20, 7, 3),
    "property": (8, 22, 35, 25, 10),
    "environment": (15, 35, 30, 15, 5),
    "parking": (5, 12, 28, 32, 23),
    "neighbours": (25, 40, 25, 7, 3),
}
NEEDS = (
    ("elderly_care", 0.45),
    ("childcare", 0.25),
    ("activities", 0.35),
    ("health", 0.3),
    ("repairs", 0.2),
)
COMMENTS = ("", "", "", "楼道灯经常坏", "希望增加停车位", "希望多办亲子活动", "电梯维修太慢")


def demo_answers(rng: random.Random) -> dict[str, Any]:
    """One household's plausible answers to the needs questionnaire."""
    size = rng.choices(range(1, 7), weights=(12, 30, 28, 18, 8, 4))[0]
    elderly = rng.random() < 0.42
    children = size > 2 and rng.random() < 0.45
    needs = [
        name
        for name, p in NEEDS
        if rng.random() < p * (1.5 if elderly and name == "elderly_care" else 1)
    ]
    needs = needs[:3]
    volunteer = rng.choices(("yes", "maybe", "no"), weights=(22, 38, 40))[0]
    answers: dict[str, Any] = {
        "household_size": str(size),
        "has_elderly": "yes" if elderly else "no",
        "has_children": "yes" if children else "no",
        "tenure": rng.choices(("owner", "tenant"), weights=(78, 22))[0],
        "needs": " ".join(needs),
        "volunteer": volunteer,
        "belonging": str(max(1, min(10, round(rng.gauss(6.8, 1.8))))),
        "comments": rng.choice(COMMENTS),
    }
    if elderly:
        answers["elderly_count"] = str(rng.randint(1, min(size, 3)))
    for topic, weights in LEANINGS.items():
        answers[f"sat_{topic}"] = str(rng.choices((5, 4, 3, 2, 1), weights=weights)[0])
    if volunteer != "no":
        skills = [s for s in ("repair", "teaching", "medical", "art") if rng.random() < 0.25]
        if skills:
            answers["skills"] = " ".join(skills)
    return answers


def demo_load(*, world: DemoWorld, progress: Callable[[str], None], seed: int = DEMO_SEED) -> None:
    community = world.community
    if Form.objects.filter(community=community, id_string="peiban_needs").exists():
        progress(f"{community.name} already has its needs survey.")
        return
    found = world.users.get(Role.STAFF)
    staff = found if isinstance(found, User) else None
    needs = form_import(
        community=community,
        parsed=read_xlsform(needs_xlsform()),
        filename="peiban_needs.xlsx",
        actor=staff,
    ).form
    form_import(
        community=community,
        parsed=read_xlsform(party_xlsform()),
        filename="peiban_party.xlsx",
        actor=staff,
        sensitive=True,
    )
    dwellings = list(Dwelling.objects.filter(community=community).order_by("pk"))
    if not dwellings:
        progress(f"{community.name} has no dwellings; the survey has no responses.")
        return
    rng = random.Random(seed)  # noqa: S311 - reproducible fiction, not secrets
    answering = min(FULL_SIZE, round(len(dwellings) * ANSWER_RATE))
    rng.shuffle(dwellings)
    definition = needs.versions.get().definition
    began = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(
        days=VISITS_BEGAN_DAYS_AGO
    )
    visited: dict[int, datetime] = {}

    def visit_time() -> datetime:
        return began + timedelta(days=rng.randrange(VISIT_DAYS), minutes=rng.randrange(9 * 60))

    rows = []
    for number, dwelling in enumerate(dwellings[:answering], start=1):
        checked = check_answers(definition, demo_answers(rng))
        visited[dwelling.pk] = visit_time()
        rows.append(
            ImportedRow(
                row=number,
                answers=checked.answers,
                submission_id=f"demo-{number}",
                submitted_at=visited[dwelling.pk],
                dwelling_id=dwelling.pk,
            )
        )
    reading = ResponsesReading(format="csv", rows=rows, rejected=[])
    result = responses_import(form=needs, reading=reading, actor=staff)
    wave = needs.waves.get()
    Visit.objects.bulk_create(
        [
            Visit(
                wave=wave,
                dwelling=d,
                outcome=VisitOutcome.DONE,
                attempts=1,
                visited_at=visited[d.pk],
            )
            for d in dwellings[:answering]
        ]
        + [
            Visit(
                wave=wave,
                dwelling=d,
                outcome=rng.choices((VisitOutcome.NOT_HOME, VisitOutcome.REFUSED), weights=(3, 1))[
                    0
                ],
                attempts=rng.randint(1, 3),
                visited_at=visit_time(),
            )
            for d in dwellings[answering:]
        ],
        batch_size=1000,
    )
    for priority, (title, body, questions) in enumerate(RECOMMENDATIONS, start=1):
        recommendation_add(
            form=needs,
            title=title,
            body=body,
            priority=priority,
            questions=questions,
            actor=staff,
        )
    progress(
        f"Needs survey: {result.imported} households answered of {len(dwellings)}; "
        f"{len(RECOMMENDATIONS)} recommendations."
    )
