"""Which page modules the app serves. A new page module adds its router here; it adds
its navigation link itself (``nav.register``) when imported."""

from __future__ import annotations

from fastapi import APIRouter


def page_routers() -> list[APIRouter]:
    from devfunnel.web.pages import (
        account,
        accounts,
        docs,
        handoffs,
        home,
        journey,
        login,
        people,
        pipeline,
    )
    from devfunnel.web.pages.settings import routers as settings_routers

    return [
        login.router,
        home.router,
        accounts.router,
        account.router,
        journey.router,
        pipeline.router,
        handoffs.router,
        people.router,
        docs.router,
        *settings_routers(),
    ]
