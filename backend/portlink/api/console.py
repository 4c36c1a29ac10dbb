"""The browser console, served on the API's own origin: ``/`` and every page path answer the built
``index.html``; ``/assets/*`` the hashed scripts, styles and fonts vite wrote at ``make build`` (nothing comes from
a CDN). Assets are immutable (their names carry their hash) and sent gzip-compressed when the browser accepts it;
pages carry a strict Content-Security-Policy (the console's own origin only).

The build lands in ``backend/portlink/console/`` (``console/vite.config.ts``); without it, pages answer 503 with
a line saying how to build it, and the API works as before.
"""

from __future__ import annotations

import gzip
import mimetypes
import threading
from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from portlink.errors import NotFoundError

BUILD = Path(__file__).resolve().parents[1] / "console"
#: Paths that are never console pages (the API, its documents, the assets).
RESERVED = ("v1/", "v2/", "docs", "openapi.json", "assets/")
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
NOT_BUILT = """<!doctype html><html lang="en"><meta charset="utf-8"><title>PortLink console not built</title>
<p>The PortLink console is not built. Run <code>make build</code> in the clone, then reload this page.
The API is up: <a href="/docs">/docs</a>.</p></html>"""


class Console:
    """The built console's files, read once and kept in memory with their gzip form."""

    def __init__(self, build: Path = BUILD) -> None:
        self.build = build
        self._cache: dict[str, tuple[bytes, bytes]] = {}
        self._lock = threading.Lock()

    def asset(self, name: str) -> tuple[bytes, bytes]:
        """``(raw, gzipped)`` of ``assets/<name>``; :class:`NotFoundError` if there is no such file."""
        with self._lock:
            if name not in self._cache:
                folder = (self.build / "assets").resolve()
                path = (folder / name).resolve()
                if path.parent != folder or not path.is_file():
                    raise NotFoundError(f"no console asset {name}")
                raw = path.read_bytes()
                self._cache[name] = (raw, gzip.compress(raw, 9, mtime=0))
            return self._cache[name]

    def index(self) -> bytes | None:
        """The built ``index.html``, or ``None`` before ``make build``."""
        path = self.build / "index.html"
        return path.read_bytes() if path.is_file() else None


def install(app: FastAPI, console: Console | None = None) -> None:
    """Serve the console on ``app`` (after every API route, so that it never shadows one)."""
    files = console or Console()
    router = APIRouter(include_in_schema=False)

    @router.get("/assets/{name}")
    def asset(name: str, request: Request) -> Response:
        raw, packed = files.asset(name)
        media = mimetypes.guess_type(name)[0] or "application/octet-stream"
        headers = {"Cache-Control": "public, max-age=31536000, immutable", "Vary": "Accept-Encoding"}
        if "gzip" in request.headers.get("accept-encoding", "") and len(packed) < len(raw):
            return Response(packed, media_type=media, headers={**headers, "Content-Encoding": "gzip"})
        return Response(raw, media_type=media, headers=headers)

    @router.api_route("/{page:path}", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
    def page(page: str, request: Request) -> Response:
        if page.startswith(RESERVED) or request.method not in ("GET", "HEAD"):
            raise NotFoundError(f"no route {request.method} /{page}")
        html = files.index()
        if html is None:
            return HTMLResponse(NOT_BUILT, status_code=503)
        return HTMLResponse(html, headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"})

    app.include_router(router)


mimetypes.add_type("font/woff2", ".woff2")
mimetypes.add_type("text/javascript", ".js")
