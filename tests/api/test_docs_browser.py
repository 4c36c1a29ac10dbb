"""/docs (Swagger UI) and /redoc render in a real browser with the network cut off (every request that leaves the
API is refused and recorded): their assets come from the API itself. The OpenAPI document declares the API key,
so Swagger UI's Authorize button takes one and "Try it out" sends it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("Debian's chromium is missing: `make chromium` installs it")
        pytest.skip("Debian's chromium is missing: `make chromium` installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # As root (CI, containers) Chromium's sandbox cannot start; the page is our own.
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def offline(browser, api):
    """A browser page on which only requests to the API get through; the others are recorded in `page.outside`."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    outside: list[str] = []

    def route(route) -> None:
        if route.request.url.startswith(api.base_url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.outside = outside
    yield page
    context.close()


def test_the_openapi_document_declares_the_api_key(api):
    spec = httpx.get(f"{api.base_url}/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["apiKeyBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "plk_<id>_<secret>",
        "description": "`Authorization: Bearer plk_...`",
    }
    assert schemes["apiKeyHeader"]["type"] == "apiKey"
    assert (schemes["apiKeyHeader"]["in"], schemes["apiKeyHeader"]["name"]) == ("header", "X-API-Key")
    assert {"apiKeyBearer": []} in spec["paths"]["/v1/shipments"]["post"]["security"]
    assert "security" not in spec["paths"]["/v1/health"]["get"]  # open to anyone


def test_swagger_ui_renders_offline_and_authorize_then_try_it_out_sends_the_key(api, offline, tmp_path):
    page = offline
    page.goto(f"{api.base_url}/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
    assert "PortLink" in page.inner_text(".swagger-ui .info .title")
    assert page.locator(".opblock").count() > 30
    page.screenshot(path=str(tmp_path / "docs.png"))

    page.click(".btn.authorize")
    dialog = page.locator(".modal-ux")
    assert "apiKeyBearer" in dialog.inner_text()
    assert "X-API-Key" in dialog.inner_text()
    token = api.shipper.client.headers["Authorization"].removeprefix("Bearer ")
    bearer = dialog.locator(".auth-container").filter(has_text="apiKeyBearer")
    bearer.locator("input").fill(token)
    bearer.locator("button.authorize").click()
    page.screenshot(path=str(tmp_path / "authorize.png"))
    dialog.locator("button.btn-done").first.click()

    me = page.locator(".opblock").filter(has=page.locator('[data-path="/v1/members/me"]'))
    me.locator(".opblock-summary").click()
    me.locator("button.try-out__btn").click()
    me.locator("button.execute").click()
    status = me.locator(".live-responses-table tr.response .response-col_status").first
    status.wait_for(timeout=30_000)
    assert status.inner_text().strip().startswith("200")
    assert api.shipper.address in me.locator(".live-responses-table .microlight").first.inner_text()
    page.screenshot(path=str(tmp_path / "try-it-out.png"), full_page=False)
    assert page.outside == [], f"the page asked for {page.outside}"


def test_redoc_renders_offline(api, offline, tmp_path):
    page = offline
    page.goto(f"{api.base_url}/redoc")
    page.wait_for_selector("h1:has-text('PortLink')", timeout=30_000)
    assert page.get_by_text("/v1/shipments", exact=False).count() > 0
    page.screenshot(path=str(tmp_path / "redoc.png"))
    assert page.outside == [], f"the page asked for {page.outside}"
