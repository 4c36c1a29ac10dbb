"""The officer's inbox in the console, highest risk first: each row draws its risk score as a bar with the reasons
that raised it, the review shows every reason and the advice; the officer can switch to oldest first. A trader's
console never shows a score."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect

from tests.api.conftest import ROLES
from tests.api.test_risk import declared
from tests.console.conftest import wait_for


def scored(api, did: str) -> dict:
    def read():
        found = api.shekou_customs.client.get(f"/v1/declarations/{did}/risk")
        return found.json() if found.status_code == 200 and found.json()["evidenceBlock"] > 0 else None

    return wait_for(read, what=f"a risk score of {did}")


def test_the_inbox_puts_the_riskiest_first_with_its_reasons(console, api, tmp_path: Path):
    clean = declared(api)
    suspicious = declared(api, observed_kg=27_000, seal="XX00000009")
    quiet, loud = scored(api, clean), scored(api, suspicious)
    assert loud["score"] > quiet["score"]
    bl = {
        did: api.auditor.client.get(f"/v1/shipments/{did}").json()["transportDocumentReference"]
        for did in (clean, suspicious)
    }

    page, _ = console.signed_in(ROLES["shekou_customs"], "/inbox")
    expect(page.get_by_role("link", name="Highest risk first")).to_have_attribute("aria-current", "page")
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows.nth(1)).to_contain_text(bl[suspicious])  # row 0 is the header
    top = rows.filter(has_text=bl[suspicious])
    percent = round(loud["score"] * 100)
    meter = top.get_by_role("meter")
    expect(meter).to_have_attribute("aria-valuenow", str(percent))
    expect(meter).to_have_attribute("aria-label", f"Risk {percent} %, {loud['band']}")
    expect(top).to_contain_text(f"{percent} % {loud['band']}")
    expect(top).to_contain_text("a seal at gate-in is not the seal declared")
    expect(top).to_contain_text("gross weight at gate-in differs from the declared weight by 35 %")
    quiet_row = rows.filter(has_text=bl[clean])
    expect(quiet_row.get_by_role("meter")).to_have_attribute("aria-valuenow", str(round(quiet["score"] * 100)))
    shot = Path(os.environ.get("PORTLINK_SCREENSHOT_DIR", tmp_path)) / "inbox-risk.png"
    page.screenshot(path=str(shot), full_page=True)

    top.get_by_role("link", name=f"Review {bl[suspicious]}").click()
    risk = page.get_by_role("region", name="Risk (advice only)")
    expect(risk.get_by_role("meter")).to_have_attribute("aria-valuenow", str(percent))
    expect(risk).to_contain_text(f"Advice: {loud['advice']}. The decision is yours.")
    for reason in loud["reasons"]:
        expect(risk).to_contain_text(reason["text"])
    expect(risk).to_contain_text("Model 0: the untrained prior")
    page.screenshot(path=str(shot.with_name("review-risk.png")), full_page=True)

    page.goto("/inbox")
    page.get_by_role("link", name="Oldest first").click()
    expect(page.get_by_role("link", name="Oldest first")).to_have_attribute("aria-current", "page")
    expect(rows.nth(1)).to_contain_text(bl[clean])  # filed first


def test_a_trader_never_sees_a_risk_score(console, api):
    did = declared(api, observed_kg=27_000, seal="XX00000010")
    scored(api, did)
    page, _ = console.signed_in(ROLES["shipper"], f"/declarations/{did}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("meter")).to_have_count(0)
    expect(page.get_by_text("a seal at gate-in is not the seal declared")).to_have_count(0)
