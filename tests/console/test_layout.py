"""The console's pages with real data, at 1280 px and on a tablet (820 x 1180): nothing runs off the side,
every control is labelled, the keyboard reaches the pages, and no page asks for anything outside its origin."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.api.conftest import ROLES

UNLABELLED = """() => [...document.querySelectorAll("input, select, textarea, button")]
  .filter((el) => el.type !== "hidden")
  .filter((el) => {
    const text = (el.labels && [...el.labels].map((l) => l.textContent).join(" ")) || "";
    const name = el.getAttribute("aria-label") || el.getAttribute("aria-labelledby") || el.title || text.trim()
      || (el.tagName === "BUTTON" ? el.textContent.trim() : "");
    return !name;
  })
  .map((el) => el.outerHTML.slice(0, 120))"""


@pytest.fixture(scope="module")
def journey(api) -> str:
    """A shipment with everything a page can show: two containers (one weighed off and cleared), a document, a
    cleared declaration, a repaid financing and an open IoT alert."""
    a = api.chain.activity
    sid = a.journey(2, discrepancy=True, hold=True)
    a.finance(sid, "repaid")
    a.watch(sid, resolve=False)
    api.synced()
    return "0x" + sid.hex()


@pytest.mark.parametrize(("width", "height"), [(1280, 900), (820, 1180)], ids=["desktop", "tablet"])
def test_every_page_fits_and_labels_its_controls(console, api, journey, width, height):
    outside: list[str] = []
    pages = {
        ROLES["auditor"]: [
            "/",
            "/shipments",
            f"/shipments/{journey}",
            "/alerts?state=ALL",
            "/financings",
            "/consortium",
            f"/audit/{journey}",
        ],
        ROLES["shekou_customs"]: ["/inbox", f"/declarations/{journey}"],
        ROLES["financier"]: ["/financings"],
    }
    for index, paths in pages.items():
        page, _ = console.signed_in(index, width=width, height=height)
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((api.base_url, "data:")) else None)
        for path in paths:
            page.goto(path)
            page.wait_for_load_state("networkidle")
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            assert not page.get_by_role("alert").count(), f"{path}: {page.get_by_role('alert').all_inner_texts()}"
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} is {overflow} px wider than the {width} px window"
            assert page.evaluate(UNLABELLED) == [], f"{path} has controls without a label"
    assert outside == []


def test_the_keyboard_reaches_the_skip_link_the_pages_and_the_main_content(console):
    page, _ = console.signed_in(ROLES["auditor"])
    page.reload()
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.reload()
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    reached = []
    for _ in range(12):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.textContent.trim()"))
    assert {"Overview", "Shipments", "Alerts", "Financings", "Consortium", "Audit"} <= set(reached)
    page.get_by_role("link", name="Shipments", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Shipments", level=1)).to_be_focused()
