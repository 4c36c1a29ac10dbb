"""The FastAPI application: ``create_app(settings)``; ``portlink serve`` runs it with uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from portlink import __version__
from portlink.api import bodies, console, dcsa, docs, problems
from portlink.api.deps import RuntimeDep
from portlink.api.models import ChainEventPublic, Public
from portlink.api.routes import (
    alert_subscriptions,
    alerts,
    audit,
    bills,
    consortium,
    declarations,
    devices,
    documents,
    event_subscriptions,
    events,
    financings,
    kpis,
    operations,
    overview,
    risk,
    session,
    shipments,
    telemetry,
    tokens,
    transport_calls,
    verification,
)
from portlink.services.runtime import Runtime
from portlink.services.subscriptions import ALERTS_TOPIC, DCSA_TOPIC
from portlink.services.webhooks import RISK_ALERTS, Renderers
from portlink.settings import Settings

DESCRIPTION = """\
PortLink's port-system API. Authenticate with an API key (`Authorization: Bearer plk_...` or `X-API-Key`; the
**Authorize** button here), issued by `portlink keys create --member ADDRESS` (on `make run`'s dev chain, one per
pilot member is in `.portlink/local/dev-api-keys.env`). Every write is an **operation** (`202 Accepted`, then
`GET /v1/operations/{id}`; `?confirm=true` waits) and needs an `Idempotency-Key` header. Every error is an
RFC 9457 problem (`application/problem+json`); refused transactions carry the contract's custom error as a
stable problem type (e.g. `/problems/shipment-already-financed`)."""


class IndexHeadPublic(Public):
    """How far the index is: the last block indexed and the last final block (null before the first range)."""

    checkpoint_block: int | None
    final_block: int | None
    chain_id: int | None


class Health(Public):
    """Liveness and the index's position."""

    status: str
    version: str
    index: IndexHeadPublic


def _chain_events_json(entries: Sequence[Any]) -> list[Any]:
    return [ChainEventPublic.model_validate(e).model_dump(mode="json", by_alias=True) for e in entries]


#: How each notification topic's events are written in a callback: as this API answers them.
RENDERERS: Renderers = {
    DCSA_TOPIC: events.events_json,
    ALERTS_TOPIC: _chain_events_json,
    RISK_ALERTS: lambda found: [alerts.risk_alert_json(a) for a in found],  # as the alert stream sends them
}


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None, start: bool = True) -> FastAPI:
    """The API over ``runtime`` (built from ``settings`` if not given); ``start`` runs the operation tracker (and
    the indexer, with ``api_run_indexer``) for the app's lifetime."""
    settings = settings or (runtime.settings if runtime else Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = runtime or Runtime(settings)
        app.state.runtime = rt
        if start:
            rt.start(renderers=RENDERERS)
        try:
            yield
        finally:
            if start:
                rt.stop()

    app = FastAPI(
        title="PortLink",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,  # served offline by portlink.api.docs
        redoc_url=None,
        lifespan=lifespan,
        responses=problems.responses(),
    )
    problems.install(app)
    docs.install(app, title="PortLink")
    bodies.install(app)  # added before the body limit, so the limit wraps it: it reads only bodies the limit let in
    app.add_middleware(problems.BodyLimit, limit=settings.api_max_body_bytes)
    app.add_middleware(dcsa.VersionHeader)
    for router in (
        consortium.members,
        consortium.ports,
        consortium.proposals,
        shipments.router,
        devices.monitoring,
        documents.router,
        declarations.router,
        declarations.brokers,
        declarations.nonces,
        financings.router,
        financings.approvals,
        financings.withdrawals,
        financings.escrow,
        bills.router,
        tokens.router,
        operations.router,
        audit.audit,
        alerts.alerts,
        devices.router,
        events.router,
        event_subscriptions.router,
        alert_subscriptions.router,
        transport_calls.router,
        transport_calls.bookings,
        telemetry.router,
        kpis.router,
        session.router,
        overview.overview,
        overview.declarations,
        risk.declarations,
        risk.router,
        verification.documents,
        verification.audit,
    ):
        app.include_router(router)

    build = app.openapi

    def openapi() -> dict[str, Any]:
        return dcsa.as_published(build())

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/v1/health", response_model=Health, tags=["health"], responses=problems.responses(503))
    def health(rt: RuntimeDep) -> Health:
        """Whether the API is up, and how far the index is."""
        return Health(status="ok", version=__version__, index=IndexHeadPublic.model_validate(rt.index.head()))

    console.install(app)  # last: its page route answers every path no API route does
    return app
