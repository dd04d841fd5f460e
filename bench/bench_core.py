"""The foundation's figures: data generation rate and page cost as the organisation grows."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.test import Client

from bench.generate import generate
from bench.runner import Figure, benchmark, measure, print_figures
from peiban.core.models import Membership, Role
from peiban.core.tokens import token_create


@benchmark("core")
def core() -> None:
    figures: list[Figure] = []
    for scale, communities in (("1x", 20), ("10x", 200)):
        with measure(f"generate {communities} communities", figures) as notes:
            world = generate(slug=f"bench-{scale}", communities=communities)
        notes["communities/s"] = (
            round(communities / figures[-1].seconds) if figures[-1].seconds else "-"
        )

        admin = get_user_model().objects.create(username=f"bench-admin-{scale}")
        Membership.objects.create(user=admin, organisation=world.organisation, role=Role.ORG_ADMIN)
        client = Client()
        client.force_login(admin)
        client.get("/")  # warm caches and templates
        with measure(f"dashboard, org admin, {communities} communities", figures) as notes:
            response = client.get("/")
        notes["status"] = response.status_code

        _token, raw = token_create(user=admin, name="bench")
        api = Client(headers={"Authorization": f"Bearer {raw}"})
        with measure(f"API communities, {communities} communities", figures) as notes:
            response = api.get("/api/v1/communities")
        notes["items"] = len(response.json())
    print_figures(
        "core: scale 1x (20 communities) and 10x (200)",
        figures,
        baseline="dashboard, org admin, 20 communities",
    )
