"""Issue 6's figures: door check-ins per second through a real multi-process HTTP server, and
points-balance lookups among ten million ledger rows.

The check-in run starts gunicorn (2 worker processes) on 127.0.0.1 against the benchmark's own
database file, and a load generator of 16 threads in this process sends 1,000 residents' QR
check-ins to one activity through the API. Only loopback is touched; the loop is bounded.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from bench.generate import generate
from bench.runner import Figure, benchmark, measure, print_figures
from peiban.activities.models import Attendance
from peiban.activities.services import activity_create
from peiban.activities.signin import token_for
from peiban.core.models import ApiToken, Membership, Role
from peiban.core.tokens import TOKEN_PREFIX, _digest
from peiban.ledger.models import PointsEntry, Redemption, Reward
from peiban.ledger.selectors import points_balance
from peiban.places.models import Building, Dwelling, Household, Resident

RESIDENTS = 1_000
THREADS = 16
# PEIBAN_BENCH_LEDGER_ROWS=0 measures the check-ins alone.
LEDGER_ROWS = int(os.environ.get("PEIBAN_BENCH_LEDGER_ROWS", "10000000"))
LEDGER_RESIDENTS = 100_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _residents_with_tokens(world) -> list[tuple[Resident, str]]:  # type: ignore[no-untyped-def]
    community = world.communities[0]
    organisation = world.organisation
    building = Building.objects.create(community=community, label="88")
    dwellings = Dwelling.objects.bulk_create(
        Dwelling(community=community, building=building, unit="1", room=str(100 + i))
        for i in range(RESIDENTS)
    )
    households = Household.objects.bulk_create(
        Household(community=community, dwelling=d) for d in dwellings
    )
    users = User.objects.bulk_create(User(username=f"door-{i}") for i in range(RESIDENTS))
    residents = Resident.objects.bulk_create(
        Resident(community=community, household=h, name=f"居民{i}", user=u)
        for i, (h, u) in enumerate(zip(households, users, strict=True))
    )
    memberships = Membership.objects.bulk_create(
        Membership(user=u, organisation=organisation, role=Role.RESIDENT) for u in users
    )
    through = Membership.communities.through
    through.objects.bulk_create(
        through(membership_id=m.pk, community_id=community.pk) for m in memberships
    )
    raws = [f"{TOKEN_PREFIX}bench{i:06d}secretsecretsecret" for i in range(RESIDENTS)]
    ApiToken.objects.bulk_create(
        ApiToken(user=u, name="bench", prefix=r[:10], digest=_digest(r))
        for u, r in zip(users, raws, strict=True)
    )
    return list(zip(residents, raws, strict=True))


def _server(port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PEIBAN_ALLOWED_HOSTS": "127.0.0.1", "PEIBAN_TASKS_IMMEDIATE": "on"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "peiban.wsgi:application",
            "--workers",
            "2",
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("gunicorn did not start")


def _load(port: int, path: str, jobs: list[tuple[str, str]]) -> tuple[list[float], int]:
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    queue = list(jobs)

    def worker() -> None:
        nonlocal failures
        client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                if not queue:
                    break
                raw, token = queue.pop()
            body = json.dumps({"token": token})
            started = time.perf_counter()
            client.request(
                "POST",
                path,
                body=body,
                headers={"Authorization": f"Bearer {raw}", "Content-Type": "application/json"},
            )
            response = client.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if response.status != 200:
                    failures += 1
        client.close()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return latencies, failures


@benchmark("activities")
def activities() -> None:
    figures: list[Figure] = []
    world = generate(slug="bench-act", communities=1, staff_per_community=1)
    community = world.communities[0]
    staff = world.staff[0]
    now = timezone.now()
    activity = activity_create(
        community=community,
        title="重阳节主题活动",
        kind="themed",
        starts_at=now,
        ends_at=now + timedelta(hours=3),
        organiser_kind="staff",
        organiser_staff=staff,
        actor=staff,
    )
    pairs = _residents_with_tokens(world)
    checkin = token_for(activity, "checkin")
    path = f"/api/v1/communities/{community.slug}/activities/{activity.pk}/check-in"
    connection.close()  # let the server processes open the database themselves
    port = _free_port()
    server = _server(port)
    try:
        started = time.perf_counter()
        latencies, failures = _load(port, path, [(raw, checkin) for _r, raw in pairs])
        seconds = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    figures.append(
        Figure(
            f"{RESIDENTS} QR check-ins, gunicorn 2×4, {THREADS} clients",
            seconds,
            0.0,
            0,
            {
                "req/s": round(len(latencies) / seconds, 1),
                "p50 ms": round(p50, 1),
                "p99 ms": round(p99, 1),
                "failed": failures,
                "attendance rows": Attendance.objects.filter(activity=activity).count(),
            },
        )
    )
    print_figures("activities: check-in through HTTP", figures)

    if LEDGER_ROWS:
        _ledger_lookup(world)


def _ledger_lookup(world) -> None:  # type: ignore[no-untyped-def]
    """Fill PointsEntry with ten million redemption rows over 100,000 residents (raw SQL for
    volume; the services are bypassed), then time balance lookups."""
    figures: list[Figure] = []
    community = world.communities[0]
    staff = world.staff[0]
    with measure("create 100,000 residents", figures):
        residents = Resident.objects.bulk_create(
            (Resident(community=community, name=f"账{i}") for i in range(LEDGER_RESIDENTS)),
            batch_size=5000,
        )
    reward = Reward.objects.create(community=community, name="毛巾", kind="goods", cost=Decimal(1))
    redemption = Redemption.objects.create(
        community=community,
        resident=residents[0],
        reward=reward,
        quantity=1,
        points=Decimal(1),
        created_by=staff,
    )
    table = PointsEntry._meta.db_table
    first, last = residents[0].pk, residents[-1].pk
    if last - first + 1 != LEDGER_RESIDENTS:
        raise RuntimeError("The benchmark's residents did not get consecutive ids.")
    stamp = timezone.now()
    # The rows are generated inside the database (INSERT … SELECT over a number sequence), one
    # million at a time: each resident gets every 100,000th row, scattered over the table.
    if connection.vendor == "postgresql":
        numbers = "SELECT n FROM generate_series(%s, %s) AS n"
    else:
        numbers = (
            "WITH RECURSIVE seq(n) AS (SELECT %s UNION ALL SELECT n + 1 FROM seq WHERE n < %s) "
            "SELECT n FROM seq"
        )
    sql = (
        f"INSERT INTO {table} (community_id, resident_id, amount, kind, redemption_id, reason, "  # noqa: S608
        f"created_at, created_by_id) SELECT %s, %s + (CAST(n AS BIGINT) * 7919) %% {LEDGER_RESIDENTS}, "
        "-1.00, "
        f"'redemption', %s, '', %s, %s FROM ({numbers}) AS numbers"
    )
    chunk = 1_000_000
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for low in range(0, LEDGER_ROWS, chunk):
            high = min(low + chunk, LEDGER_ROWS) - 1
            cursor.execute(sql, [community.pk, first, redemption.pk, stamp, staff.pk, low, high])
            print(f"  … {high + 1:,} rows", file=sys.stderr, flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    filled = time.perf_counter() - started
    figures.append(
        Figure(
            f"insert {LEDGER_ROWS:,} ledger rows (SQL)",
            filled,
            0.0,
            0,
            {"rows/s": round(LEDGER_ROWS / filled)},
        )
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
        counted = cursor.fetchone()[0]
    figures.append(Figure("rows in the ledger table", 0.0, 0.0, 1, {"rows": f"{counted:,}"}))
    points_balance(residents[1])  # warm
    for n, resident in enumerate(residents[1:4], start=1):
        with measure(f"points_balance, resident {n} (~100 rows of 10M)", figures) as notes:
            notes["balance"] = points_balance(resident)
    print_figures(f"ledger: balance lookups among {LEDGER_ROWS:,} rows", figures)
    _ = settings  # the database in use is printed by the runner
