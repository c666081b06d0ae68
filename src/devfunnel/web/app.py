"""The FastAPI application: routers, static assets, error mapping, background worker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

from devfunnel import __version__
from devfunnel.admin.api_keys import KeyVerifier
from devfunnel.config import Settings
from devfunnel.store import Store
from devfunnel.web import nul, openapi, problems
from devfunnel.web.pages.site import page_routers
from devfunnel.web.routes import (
    accounts,
    alerts,
    handoffs,
    health,
    identity,
    intake,
    journey,
    leads,
    opportunities,
    people,
    qualification,
    routing,
    summary,
    views,
    webhooks,
)
from devfunnel.web.routes import audit as audit_api
from devfunnel.web.routes import keys as keys_api
from devfunnel.web.routes import me as me_api
from devfunnel.web.routes import users as users_api
from devfunnel.web.security_headers import SecurityHeaders
from devfunnel.web.session import WebSessions

STATIC = Path(__file__).resolve().parent / "static"


def create_app(settings: Settings, store: Store, *, run_worker: bool | None = None) -> FastAPI:
    """The app over an open store; ``run_worker`` defaults to ``server.run_worker``."""
    worker_wanted = settings.server.run_worker if run_worker is None else run_worker

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[None]:
        worker = None
        if worker_wanted:
            from devfunnel.worker.inprocess import InProcessWorker

            worker = InProcessWorker(store, settings)
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            writer = getattr(application.state, "intake_writer", None)
            if writer is not None:
                writer.close()

    app = FastAPI(
        title="devfunnel",
        version=__version__,
        lifespan=lifespan,
        description="Developer signals and sales, joined account by account.",
        docs_url=None,
        redoc_url=None,
        # Every route, before its own checks: PostgreSQL cannot store NUL in text.
        dependencies=[Depends(nul.refuse_nul)],
    )
    app.state.settings = settings
    app.state.store = store
    app.state.key_verifier = KeyVerifier(store)
    app.state.sessions = WebSessions(store, settings)
    problems.install(app)
    openapi.install(app)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(health.router)
    app.include_router(summary.router)
    app.include_router(intake.router)
    app.include_router(webhooks.router)
    app.include_router(identity.router)  # before people: /people/search, /people/{id}
    app.include_router(people.router)
    app.include_router(journey.router)
    app.include_router(views.router)
    app.include_router(accounts.router)
    app.include_router(alerts.router)
    for router in (me_api.router, users_api.router, keys_api.router, audit_api.router):
        app.include_router(router)
    for router in page_routers():
        app.include_router(router)
    app.include_router(leads.router)
    app.include_router(routing.router)
    app.include_router(opportunities.router)
    app.include_router(handoffs.router)
    app.include_router(qualification.router)
    return app
