"""Customs officers in the console: the inbox lists what waits for their port, the review shows both customs'
slots, and the EIP-712 decision is signed in the officer's own wallet and relayed. Both approvals clear the
goods; a signature refused in the wallet, or a declaration amended since the review, changes nothing."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.api.conftest import ROLES


def filed(api, *, gate_in: bool = True) -> tuple[str, str]:
    """A shipment gated in as declared with its declaration filed: (shipment id, B/L)."""
    body = api.registration()
    op = api.shipper.confirmed("POST", "/v1/shipments", body)
    (registered,) = [e for e in op["result"]["events"] if e["event"] == "ShipmentRegistered"]
    sid = registered["args"]["shipmentId"]
    if gate_in:
        for index, box in enumerate(body["containers"]):
            gate = {"milestone": "GTIN", "containerIndex": index, "observedGrossKg": 20_000, "seals": box["seals"]}
            api.shekou_terminal.confirmed("POST", f"/v1/shipments/{sid}/milestones", gate)
    declaration = {
        "shipmentId": sid,
        "digest": "0x" + "5a" * 32,
        "hsCodes": ["8504.40", "940360"],
        "customsValue": 12_500_000,
        "currency": "CNY",
    }
    op = api.shipper.confirmed("POST", "/v1/declarations", declaration)
    api.synced(op["blockNumber"])
    return sid, body["transportDocumentReference"]


def decide_in_console(page) -> None:
    page.get_by_role("button", name="Sign in wallet and submit").click()
    expect(page.get_by_role("status").filter(has_text="Indexed: the pages show it")).to_be_visible(timeout=60_000)


def test_both_officers_approve_in_their_wallets_and_the_goods_are_cleared(console, api):
    sid, bl = filed(api)
    page, wallet = console.signed_in(ROLES["shekou_customs"], "/inbox")
    row = page.get_by_role("row").filter(has_text=bl)
    expect(row).to_contain_text("850440, 940360")
    expect(row).to_contain_text("125,000.00 CNY")
    row.get_by_role("link", name=f"Review {bl}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Declaration for {bl}")
    expect(page.get_by_text("0x" + "5a" * 32)).to_be_visible()  # the digest, in full
    slots = page.get_by_role("table", name="Decisions of both customs on version 1")
    expect(slots.get_by_role("row").filter(has_text="CNSHK")).to_contain_text("waiting")
    expect(slots.get_by_role("row").filter(has_text="CNSUD")).to_contain_text("waiting")
    decide_in_console(page)
    expect(slots.get_by_role("row").filter(has_text="CNSHK")).to_contain_text("Approve")
    assert wallet.calls.count("eth_signTypedData_v4") == 1
    assert "eth_sendTransaction" not in wallet.calls  # relayed: the officer paid no gas
    declaration = api.auditor.client.get(f"/v1/declarations/{sid}").json()
    assert [(d["port"], d["officer"], d["decision"]) for d in declaration["decisions"]] == [
        ("CNSHK", wallet.address, "APPROVE")
    ]
    assert declaration["state"] == "FILED"

    page, wallet = console.signed_in(ROLES["shunde_customs"], "/inbox")
    page.get_by_role("row").filter(has_text=bl).get_by_role("link", name=f"Review {bl}").click()
    decide_in_console(page)
    expect(page.get_by_text("✓ Cleared: both customs approved version 1")).to_be_visible()
    assert api.auditor.client.get(f"/v1/declarations/{sid}").json()["state"] == "CLEARED"
    page.goto("/inbox")
    expect(page.get_by_role("table")).not_to_contain_text(bl)


def test_a_signature_refused_in_the_wallet_leaves_nothing_half_done(console, api):
    sid, _ = filed(api)
    page, wallet = console.signed_in(ROLES["shekou_customs"], f"/declarations/{sid}")
    operations = api.shekou_customs.client.get("/v1/operations").json()
    relayed = api.runtime.operations.list(api.runtime.operations.relayer or "")
    wallet.refuse.add("eth_signTypedData_v4")
    page.get_by_role("button", name="Sign in wallet and submit").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Refused in your wallet")
    expect(alert).to_contain_text("nothing was signed or sent")
    expect(page.get_by_role("listitem").filter(has_text="Sign the decision in your wallet")).to_contain_text("failed")
    assert api.shekou_customs.client.get("/v1/operations").json() == operations
    assert api.runtime.operations.list(api.runtime.operations.relayer or "") == relayed
    assert api.auditor.client.get(f"/v1/declarations/{sid}").json()["decisions"] == []
    wallet.refuse.clear()  # the officer changes their mind: the same page still works
    decide_in_console(page)
    assert len(api.auditor.client.get(f"/v1/declarations/{sid}").json()["decisions"]) == 1


def test_a_declaration_amended_since_the_review_is_not_signed(console, api):
    sid, _ = filed(api)
    page, wallet = console.signed_in(ROLES["shunde_customs"], f"/declarations/{sid}")
    expect(page.get_by_text("Your decision as customs of CNSUD on version 1")).to_be_visible()
    amendment = {"digest": "0x" + "6b" * 32, "hsCodes": ["850440"], "customsValue": 12_600_000, "currency": "CNY"}
    op = api.shipper.confirmed("POST", f"/v1/declarations/{sid}/amendments", amendment)
    api.synced(op["blockNumber"])
    page.get_by_role("button", name="Sign in wallet and submit").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "The declaration is now at version 2, not version 1 that you reviewed: review it again. Nothing was signed."
    )
    assert "eth_signTypedData_v4" not in wallet.calls
    assert api.auditor.client.get(f"/v1/declarations/{sid}").json()["decisions"] == []


def test_a_rejection_needs_a_reason_and_is_recorded_with_it(console, api):
    sid, _ = filed(api)
    page, _ = console.signed_in(ROLES["shekou_customs"], f"/declarations/{sid}")
    page.get_by_label("Reject (a reason is required)").check()
    page.get_by_role("button", name="Sign in wallet and submit").click()
    reason = page.get_by_role("form", name="Decision of customs of CNSHK").get_by_label("Reason code")
    assert reason.evaluate("e => e.validity.valueMissing")  # the browser refuses the empty reason
    reason.fill("docs_missing")
    decide_in_console(page)
    declaration = api.auditor.client.get(f"/v1/declarations/{sid}").json()
    assert declaration["state"] == "REJECTED"
    expect(page.get_by_role("table", name="Decisions of both customs on version 1")).to_contain_text("DOCS_MISSING")
