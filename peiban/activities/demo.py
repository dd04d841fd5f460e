"""A year of activities in the demo compound, written through the activities and ledger services.

The article's arc: three large themed activities (中秋, 重阳, 新春), each drawing more residents
than the one before, with returning faces and newcomers; weekly interest groups (广场舞, 书法,
编织) whose core members become regulars; a monthly volunteer service (义务理发) whose volunteers
check in and out, have their hours credited and verified, and earn points under published rules;
rewards with stock, and residents redeeming points. One interest group passes from staff to a
resident leader half-way through the year. The next themed activity is open for registration.

The demo's own accounts are linked to residents: 彭女士 (the leader account) leads the knitting
group, 赵大爷 (the resident account) dances, volunteers and has points to spend.

Everything is drawn from one seeded generator; dates are counted back from the day of loading.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, cast

from django.contrib.auth.models import AbstractUser, User
from django.utils import timezone

from peiban.activities.models import (
    Activity,
    ActivityKind,
    Attendance,
    OrganiserKind,
    Registration,
    Series,
)
from peiban.activities.services import (
    activity_create,
    activity_summarise,
    attendance_check_in,
    attendance_check_out,
    feedback_give,
    signup_register,
)
from peiban.core.models import Role
from peiban.ledger.models import Reward, RewardKind
from peiban.ledger.services import (
    hours_credit_from_attendance,
    hours_verify,
    points_credit_for_hours,
    points_rule_publish,
    reward_redeem,
)
from peiban.places.models import Community, Resident

if TYPE_CHECKING:
    from peiban.core.demo import DemoWorld

DEMO_SEED = 20240701
FULL_RESIDENTS = 5000  # residents of the 20-building compound

# (title, days ago, attendance in the full compound, place)
THEMED = (
    ("中秋邻里游园会", 300, 60, "中心广场"),
    ("重阳敬老百家宴", 230, 120, "中心广场"),
    ("新春邻里联欢会", 60, 200, "中心广场"),
)
NEXT_THEMED = ("端午包粽子大赛", 20, "中心广场")  # days ahead, open for registration
# (title, weekday, hour, core members in the full compound, place)
GROUPS = (
    ("广场舞队活动", 1, 19, 24, "中心广场"),
    ("书法班", 3, 9, 14, "活动室"),
    ("编织小组", 5, 14, 12, "活动室"),
)
SERVICE = ("义务理发", "活动室")
COMMENTS = (
    "很热闹，认识了好几个邻居。",
    "希望多办几次。",
    "志愿者很辛苦，谢谢！",
    "下次想带孙子一起来。",
    "场地有点挤，可以分两批。",
    "",
    "",
)


def _linked(community: Community, account: AbstractUser | None, resident: Resident) -> Resident:
    """Link a demo account to a resident unless the account already has one here."""
    if account is None:
        return resident
    user = cast(User, account)
    existing = Resident.objects.filter(community=community, user=user).first()
    if existing is not None:
        return existing
    resident.user = user
    resident.save(update_fields=["user"])
    return resident


class _Year:
    def __init__(self, *, world: DemoWorld, residents: list[Resident], rng: random.Random) -> None:
        self.community = world.community
        self.staff = cast(User, world.users[Role.STAFF])
        self.admin = cast(User, world.users[Role.ORG_ADMIN])
        self.residents = residents
        self.rng = rng
        self.now = timezone.now().replace(second=0, microsecond=0)
        self.scale = min(1.0, len(residents) / FULL_RESIDENTS)
        self.checked_in = 0
        self.volunteer_entries: list[Attendance] = []

    def size(self, full: int, least: int) -> int:
        return min(len(self.residents), max(least, round(full * self.scale)))

    def day(self, days_ago: int, hour: int) -> datetime:
        start = self.now - timedelta(days=days_ago)
        return start.replace(hour=hour, minute=0)

    def activity(
        self,
        *,
        title: str,
        kind: str,
        starts_at: datetime,
        hours: int,
        place: str,
        series: Series | None = None,
        organiser: Resident | None = None,
        capacity: int | None = None,
        registration: str = Registration.OPEN,
    ) -> Activity:
        return activity_create(
            community=self.community,
            title=title,
            kind=kind,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=hours),
            organiser_kind=OrganiserKind.RESIDENT if organiser else OrganiserKind.STAFF,
            organiser_staff=None if organiser else self.staff,
            organiser_resident=organiser,
            series=series,
            capacity=capacity,
            registration=registration,
            place_text=place,
            actor=self.staff,
        )

    def attend(self, activity: Activity, people: list[Resident], *, volunteers: int = 0) -> None:
        for index, resident in enumerate(people):
            volunteer = index < volunteers
            at = activity.starts_at + timedelta(minutes=self.rng.randint(-15, 20))
            attendance, _created = attendance_check_in(
                activity=activity,
                resident=resident,
                actor=self.staff,
                source="sheet",
                volunteer=volunteer,
                at=at,
            )
            self.checked_in += 1
            if volunteer:
                attendance = attendance_check_out(
                    attendance=attendance,
                    actor=self.staff,
                    at=activity.ends_at + timedelta(minutes=self.rng.choice((0, 15, 30))),
                )
                self.volunteer_entries.append(attendance)

    def feedback(self, activity: Activity, people: list[Resident], share: float) -> None:
        for resident in people:
            if self.rng.random() < share:
                feedback_give(
                    activity=activity,
                    resident=resident,
                    rating=self.rng.choices((3, 4, 5), weights=(1, 4, 6))[0],
                    comment=self.rng.choice(COMMENTS),
                )


def demo_load(*, world: DemoWorld, progress: Callable[[str], None], seed: int = DEMO_SEED) -> None:
    """Fill the demo compound's year of activities; do nothing if it already has activities."""
    community = world.community
    if Activity.objects.filter(community=community).exists():
        progress(f"{community.name} already has its activities.")
        return
    residents = [
        r
        for r in Resident.objects.filter(
            community=community, lives_here=True, anonymised_at__isnull=True
        )
        .defer("phone", "id_number", "sensitive_note")  # not needed here, and slow to decrypt
        .order_by("pk")
        if "儿童" not in r.tags
    ]
    if Role.STAFF not in world.users or len(residents) < 20:
        progress(f"{community.name} has too few residents for demo activities; skipped.")
        return
    rng = random.Random(seed)  # noqa: S311 - reproducible fiction, not secrets
    rng.shuffle(residents)
    year = _Year(world=world, residents=residents, rng=rng)
    leader = _linked(community, world.users.get(Role.RESIDENT_LEADER), residents[0])
    uncle = _linked(community, world.users.get(Role.RESIDENT), residents[1])
    residents[0], residents[1] = leader, uncle

    # Weekly interest groups: a core that comes most weeks, and others who try it once or twice.
    pool_start = 2
    for title, weekday, hour, core_full, place in GROUPS:
        core = residents[pool_start : pool_start + year.size(core_full, 4)]
        pool_start += len(core)
        if title == "广场舞队活动":
            core = [uncle, *core]
        if title == "编织小组":
            core = [leader, *core]
        series = Series.objects.create(community=community, name=title)
        for week in range(50, 0, -1):
            days_ago = week * 7 + (year.now.weekday() - weekday) % 7
            organiser = leader if title == "编织小组" and week <= 26 else None
            activity = year.activity(
                title=title,
                kind=ActivityKind.INTEREST_GROUP,
                starts_at=year.day(days_ago, hour),
                hours=2,
                place=place,
                series=series,
                organiser=organiser,
            )
            came = [r for r in core if rng.random() < 0.75]
            came += rng.sample(residents[pool_start:], k=min(rng.randint(0, 3), 10))
            year.attend(activity, came)
    progress(f"Interest groups: {len(GROUPS)} groups meeting weekly for a year.")

    # The three themed activities, each larger, with returning residents and newcomers.
    themed = Series.objects.create(community=community, name="三次主题活动")
    seen: list[Resident] = []
    for index, (title, days_ago, full, place) in enumerate(THEMED):
        size = year.size(full, 8 * (index + 1))
        returning = rng.sample(seen, k=min(len(seen), size // 2))
        fresh = [r for r in residents if r not in set(seen)][: size - len(returning)]
        people = [uncle, *[r for r in returning + fresh if r.pk != uncle.pk]][:size]
        activity = year.activity(
            title=title,
            kind=ActivityKind.THEMED,
            starts_at=year.day(days_ago, 15),
            hours=3,
            place=place,
            series=themed,
        )
        year.attend(activity, people, volunteers=max(2, size // 15))
        year.feedback(activity, people, share=0.4)
        activity_summarise(
            activity=activity,
            summary=(
                f"本次{title}共有{len(people)}位居民参加，志愿者{max(2, size // 15)}人协助签到、"
                "布置和收尾。居民自己报名表演节目，下次活动前将召开筹备会，请更多居民一起策划。"
            ),
            actor=year.staff,
        )
        seen.extend(r for r in people if r not in set(seen))
    progress(f"Three themed activities with {year.checked_in} check-ins so far.")

    # A monthly volunteer service: volunteers check in and out; their hours are credited.
    volunteers = [uncle, *residents[2:8]]
    for month in range(11, 0, -1):
        activity = year.activity(
            title=SERVICE[0],
            kind=ActivityKind.SERVICE,
            starts_at=year.day(month * 30 + 3, 9),
            hours=3,
            place=SERVICE[1],
        )
        helpers = [uncle, *rng.sample(volunteers[1:], k=3)]
        served = rng.sample(residents[40:], k=min(year.size(25, 6), len(residents) - 40))
        year.attend(activity, helpers + served, volunteers=len(helpers))

    # Points: rules approved by the residents' council, hours verified, points credited.
    points_rule_publish(
        community=community,
        hours_to_points=1,
        weights={str(ActivityKind.SERVICE): "1.5"},
        cap=500,
        text=(
            "志愿服务每1小时计1积分；为老年人提供上门或理发等服务按1.5倍计。"
            "积分可在“邻里积分小铺”兑换物品或服务，每人积分上限500分。"
        ),
        approved_by="梧桐里居民议事会 决议",
        actor=year.admin,
    )
    for attendance in year.volunteer_entries:
        entry = hours_credit_from_attendance(attendance=attendance, actor=year.staff)
        hours_verify(entry=entry, actor=year.admin)
        points_credit_for_hours(entry=entry, actor=year.staff)
    rewards = [
        Reward.objects.create(
            community=community, name="毛巾", kind=RewardKind.GOODS, cost=Decimal(5), stock=40
        ),
        Reward.objects.create(
            community=community,
            name="大米（5斤）",
            kind=RewardKind.GOODS,
            cost=Decimal(20),
            stock=10,
        ),
        Reward.objects.create(
            community=community, name="上门理发一次", kind=RewardKind.SERVICE, cost=Decimal(8)
        ),
    ]
    redeemed = 0
    for resident in volunteers[:4]:
        reward_redeem(resident=resident, reward=rewards[0], quantity=1, actor=year.staff)
        redeemed += 1
    reward_redeem(resident=uncle, reward=rewards[2], quantity=1, actor=year.staff)
    progress(
        f"Volunteer service: {len(year.volunteer_entries)} volunteer shifts credited and "
        f"verified, {redeemed + 1} redemptions."
    )

    # The next themed activity is open for registration.
    upcoming = year.activity(
        title=NEXT_THEMED[0],
        kind=ActivityKind.THEMED,
        starts_at=(year.now + timedelta(days=NEXT_THEMED[1])).replace(hour=15, minute=0),
        hours=3,
        place=NEXT_THEMED[2],
        series=themed,
        capacity=year.size(240, 20),
        registration=Registration.REQUIRED,
    )
    for resident in [uncle, *seen[: year.size(80, 5)]]:
        signup_register(activity=upcoming, resident=resident, actor=year.staff)
    progress(f"Activities: {Activity.objects.filter(community=community).count()} in the year.")
