"""The API's own documentation pages, offline: Swagger UI at ``/docs`` and ReDoc at ``/redoc``, their scripts and
styles served by the API from the pinned ``fastapi-offline`` package (Swagger UI 5, ReDoc 2), never from a CDN
(ReDoc's one remote picture, its maker's logo, is replaced by an empty one).
The OpenAPI document declares the API key (``Authorization: Bearer`` or ``X-API-Key``), so Swagger UI has an
Authorize button and "Try it out" sends the key."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import FastAPI, Response
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

#: Where the pages' assets are served.
ASSETS = "/docs/assets"
#: ReDoc's sidebar shows its maker's logo from their CDN, unconditionally; served here, it is an empty picture
#: instead, so that opening the reference asks no third party for anything.
REDOC_LOGO = b'"https://cdn.redoc.ly/redoc/logo-mini.svg"'
EMPTY_SVG = b"\"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E\""


@cache
def redoc_script() -> bytes:
    """The pinned ReDoc bundle, with its one remote picture replaced (see :data:`REDOC_LOGO`)."""
    script = (files("fastapi_offline") / "static" / "redoc.standalone.js").read_bytes()
    return script.replace(REDOC_LOGO, EMPTY_SVG)


def install(app: FastAPI, *, title: str) -> None:
    """Serve the assets and the two pages on ``app`` (whose ``docs_url`` and ``redoc_url`` are ``None``)."""

    @app.get(f"{ASSETS}/redoc.standalone.js", include_in_schema=False)
    def redoc_js() -> Response:  # before the mount, which would serve the file as it is
        return Response(redoc_script(), media_type="text/javascript", headers={"Cache-Control": "max-age=3600"})

    folder = files("fastapi_offline") / "static"
    app.mount(ASSETS, StaticFiles(directory=str(folder)), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title}: API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon.png",
            swagger_ui_parameters={"persistAuthorization": True, "displayRequestDuration": True},
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{title}: API reference",
            redoc_js_url=f"{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS}/favicon.png",
            with_google_fonts=False,
        )
