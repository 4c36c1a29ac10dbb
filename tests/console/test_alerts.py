"""Alerts arrive live in the console over the API's server-sent event stream, without a reload, and customs
resolve them from the page."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.api.conftest import ROLES


def test_an_alert_appears_live_and_customs_resolve_it_from_the_page(console, api):
    op = api.shipper.confirmed("POST", "/v1/shipments", api.registration())
    (registered,) = [e for e in op["result"]["events"] if e["event"] == "ShipmentRegistered"]
    sid = registered["args"]["shipmentId"]
    api.synced(op["blockNumber"])
    page, _ = console.signed_in(ROLES["shekou_customs"], "/alerts")
    expect(page.get_by_text("● Live: following the alert stream")).to_be_visible()
    page.evaluate("window.__loadedOnce = true")  # gone if the page reloaded

    alert_id = api.chain.activity.watch(bytes.fromhex(sid[2:]), resolve=False)

    feed = page.get_by_test_id("live-feed")
    expect(feed).to_contain_text(f"New IoT alert #{alert_id} on shipment {sid[:10]}…", timeout=30_000)
    row = page.get_by_test_id("alerts-table").get_by_role("row").filter(has_text=f"#{alert_id}")
    expect(row).to_contain_text("Temperature -12.00 °C: broke the temperature rule")
    expect(row).to_contain_text("Open")
    assert page.evaluate("window.__loadedOnce") is True

    row.get_by_label("Reason").fill("reefer restarted, cargo inspected")
    row.get_by_role("button", name="Resolve").click()
    expect(feed).to_contain_text(f"IoT alert #{alert_id} resolved", timeout=60_000)
    expect(page.get_by_test_id("alerts-table")).not_to_contain_text(f"#{alert_id}")  # no longer open
    resolved = api.auditor.client.get(f"/v1/alerts/{alert_id}").json()
    assert (resolved["state"], resolved["resolvedBy"]) == ("RESOLVED", api.shekou_customs.address)
    assert resolved["reason"] == "reefer restarted, cargo inspected"


def test_a_party_sees_its_shipments_alerts_live_and_a_member_who_is_no_party_does_not(console, api):
    party, _ = console.signed_in(ROLES["consignee"], "/alerts")
    outsider, _ = console.signed_in(ROLES["financier"], "/alerts")
    for page in (party, outsider):
        expect(page.get_by_text("● Live: following the alert stream")).to_be_visible()
    op = api.shipper.confirmed("POST", "/v1/shipments", api.registration())
    (registered,) = [e for e in op["result"]["events"] if e["event"] == "ShipmentRegistered"]
    alert_id = api.chain.activity.watch(bytes.fromhex(registered["args"]["shipmentId"][2:]), resolve=False)
    expect(party.get_by_test_id("live-feed")).to_contain_text(f"New IoT alert #{alert_id}", timeout=30_000)
    expect(party.get_by_test_id("alerts-table")).to_contain_text(f"#{alert_id}")
    expect(outsider.get_by_test_id("live-feed")).to_contain_text("Nothing since you opened this page.")
    outsider.reload()  # even the list the financier loads now does not show it
    expect(outsider.get_by_test_id("alerts-table")).to_contain_text("No open alert.")
