"""The KPIs on the overview: customs, auditors and port authorities see the chain's record measured (lead times,
time per stage, holds per 100 declarations, TEU) with the same figures as `GET /v1/kpis`; other members do not."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.api.conftest import ROLES


def test_an_auditor_sees_the_kpis_of_the_record_a_shipper_does_not(console, api):
    kpis = api.auditor.client.get("/v1/kpis").json()
    page, _ = console.signed_in(ROLES["auditor"])
    section = page.get_by_role("region", name="Performance, from the chain's record")
    expect(section).to_be_visible()
    expect(section).to_contain_text(f"({kpis['customs']['clearanceLeadTime']['count']} cleared)")
    expect(section).to_contain_text(f"({kpis['endToEnd']['count']} journeys)")
    teu = section.locator(".figure").filter(has_text="TEU moved")
    expect(teu.locator(".figure-value")).to_have_text(f"{kpis['volume']['teuGatedOut']:g}")
    section.get_by_text("Figures").click()
    rows = section.locator("details table tbody tr")
    expect(rows).to_have_count(len(kpis["stages"]))
    chart = "Time per stage, hours (p50 and p90): chart; the figures are in the table below"
    expect(section.get_by_role("img", name=chart)).to_be_visible()

    shipper, _ = console.signed_in(ROLES["shipper"])
    expect(shipper.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    expect(shipper.get_by_role("region", name="Performance, from the chain's record")).to_have_count(0)
