"""The REST API at /api/v1/. Each app contributes a router from its own api.py."""

from __future__ import annotations

from ninja import NinjaAPI

from peiban.activities.api import router as activities_router
from peiban.api.auth import API_AUTH
from peiban.api.errors import install_error_handlers
from peiban.core.api import router as core_router
from peiban.councils.api import router as councils_router
from peiban.indicators.api import router as indicators_router
from peiban.ledger.api import router as ledger_router
from peiban.needs.api import router as needs_router
from peiban.places.api import router as places_router
from peiban.surveys.api import router as surveys_router

api = NinjaAPI(
    title="Peiban API",
    version="1",
    description=(
        "The API of Peiban (陪伴), for resident mini-programs and integrations. "
        "Authenticate with `Authorization: Bearer <token>`; create tokens on your account page "
        "or with `peiban create-token USER`. Errors are JSON: `{code, message}`."
    ),
    auth=API_AUTH,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)
api.add_router("/", core_router)
api.add_router("/", places_router)
api.add_router("/", needs_router)
api.add_router("/", activities_router)
api.add_router("/", ledger_router)
api.add_router("/", councils_router)
api.add_router("/", indicators_router)
api.add_router("/", surveys_router)
