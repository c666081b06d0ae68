"""``/docs``: the API reference, Swagger UI over ``/openapi.json``.

Swagger UI ships inside the package (``static/vendor/swagger-ui/``, from the
swagger-ui-dist npm package), so the page works offline and loads nothing from a CDN; its
start-up script is a file too (``static/docs.js``), so the page needs no inline script.
The reference is public, like the routes it describes; using them needs a key or a
session.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from devfunnel.web.pages import templates

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(request, "docs.html", {"title": request.app.title})
