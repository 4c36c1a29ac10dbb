"""The FastAPI application: ``create_app(settings)``; ``portlink serve`` runs it with uvicorn."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from portlink import __version__
from portlink.api import console, problems
from portlink.api.deps import RuntimeDep
from portlink.api.routes import (
    alerts,
    audit,
    consortium,
    declarations,
    devices,
    documents,
    events,
    financings,
    operations,
    overview,
    session,
    shipments,
    telemetry,
    verification,
)
from portlink.services.runtime import Runtime
from portlink.settings import Settings

DESCRIPTION = """\
PortLink's port-system API. Authenticate with an API key (`Authorization: Bearer plk_...`), issued by
`portlink keys create --member ADDRESS`. Every write is an **operation** (`202 Accepted`, then
`GET /v1/operations/{id}`; `?confirm=true` waits) and needs an `Idempotency-Key` header. Every error is an
RFC 9457 problem (`application/problem+json`); refused transactions carry the contract's custom error as a
stable problem type (e.g. `/problems/shipment-already-financed`)."""


class Health(BaseModel):
    """Liveness and the index's position."""

    status: str
    version: str
    index: dict[str, Any]


def create_app(settings: Settings | None = None, *, runtime: Runtime | None = None, start: bool = True) -> FastAPI:
    """The API over ``runtime`` (built from ``settings`` if not given); ``start`` runs the operation tracker (and
    the indexer, with ``api_run_indexer``) for the app's lifetime."""
    settings = settings or (runtime.settings if runtime else Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = runtime or Runtime(settings)
        app.state.runtime = rt
        if start:
            rt.start()
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
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
        responses=problems.responses(),
    )
    problems.install(app)
    app.add_middleware(problems.BodyLimit, limit=settings.api_max_body_bytes)
    for router in (
        consortium.members,
        consortium.ports,
        shipments.router,
        documents.router,
        declarations.router,
        financings.router,
        financings.approvals,
        financings.withdrawals,
        operations.router,
        audit.audit,
        alerts.alerts,
        devices.router,
        events.router,
        telemetry.router,
        session.router,
        overview.overview,
        overview.declarations,
        verification.documents,
        verification.audit,
    ):
        app.include_router(router)

    @app.get("/v1/health", response_model=Health, tags=["health"], responses=problems.responses(503))
    def health(rt: RuntimeDep) -> Health:
        """Whether the API is up, and how far the index is."""
        return Health(status="ok", version=__version__, index=rt.queries.head())

    console.install(app)  # last: its page route answers every path no API route does
    return app
