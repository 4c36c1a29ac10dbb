"""Shipments in the console: a terminal records a gate-in as a transaction its own wallet sends, followed until
final; declared against observed weight and seals are drawn; an auditor checks dropped documents (an anchored
one and a tampered copy) against the chain, verifies the shipment's trail against the node (and catches a
tampered index), and exports it."""

from __future__ import annotations

import csv
import json

from eth_utils.crypto import keccak
from playwright.sync_api import expect
from portlink.store import schema
from sqlalchemy import delete, select, update

from tests.api.conftest import ROLES

BILL = b"BILL OF LADING APU-TEST\nShipper: Foshan Appliance Exports\nConsignee: Kowloon Trading\n2 x 40' HC\n"


def registered(api, containers: int = 1) -> tuple[str, dict]:
    body = api.registration(containers=containers)
    op = api.shipper.confirmed("POST", "/v1/shipments", body)
    (event,) = [e for e in op["result"]["events"] if e["event"] == "ShipmentRegistered"]
    api.synced(op["blockNumber"])
    return event["args"]["shipmentId"], body


def test_a_terminal_records_a_gate_in_sent_by_its_wallet_and_sees_the_discrepancy(console, api):
    sid, body = registered(api)
    seal = body["containers"][0]["seals"][0]
    page, wallet = console.signed_in(ROLES["shekou_terminal"], f"/shipments/{sid}")
    before = api.shekou_terminal.client.get("/v1/operations").json()
    form = page.get_by_role("form", name="Record a milestone")
    form.get_by_label("Milestone").select_option("GTIN")
    form.get_by_label("Weighbridge gross weight (kg)").fill("26000")
    form.get_by_label("Seals observed (comma-separated)").fill(f"{seal}, SL99999999")

    wallet.chain_id = 5  # a wrong chain is caught before anything is prepared or signed
    form.get_by_role("button", name="Record a milestone").click()
    expect(form.get_by_role("alert")).to_contain_text("Your wallet is on chain 5, but PortLink runs on chain 31337")
    assert api.shekou_terminal.client.get("/v1/operations").json() == before
    assert "eth_sendTransaction" not in wallet.calls

    wallet.chain_id = 31337
    wallet.refuse.add("eth_sendTransaction")  # refused in the wallet: prepared, never signed, nothing on chain
    form.get_by_role("button", name="Record a milestone").click()
    expect(form.get_by_role("alert")).to_contain_text("You refused the request in your wallet")
    (unsent,) = api.shekou_terminal.client.get("/v1/operations").json()[: len(before) + 1][:1]
    assert (unsent["status"], unsent["txHash"], unsent["signing"]) == ("Initialized", None, "wallet")
    assert api.auditor.client.get(f"/v1/shipments/{sid}").json()["milestones"] == []

    wallet.refuse.clear()
    form.get_by_role("button", name="Record a milestone").click()
    expect(page.get_by_role("status").filter(has_text="Indexed: the pages show it")).to_be_visible(timeout=60_000)
    (sent,) = wallet.sent
    done = [o for o in api.shekou_terminal.client.get("/v1/operations").json() if o["txHash"] == sent]
    assert [(o["status"], o["kind"], o["signing"]) for o in done] == [("Succeeded", "milestones.GTIN", "wallet")]
    timeline = page.get_by_role("list", name="DCSA milestones")
    expect(timeline.get_by_role("listitem").filter(has_text="Gate in")).to_contain_text("CNSHK")
    containers = page.get_by_role("table", name="Containers, declared against observed")
    expect(containers).to_contain_text("26,000 kg (+30.0 %)")
    expect(containers).to_contain_text(f"{seal} ✓ seen at gate-in")
    expect(containers).to_contain_text("SL99999999 ✕ observed, not declared")
    expect(page.get_by_role("table", name="Gate-in discrepancies")).to_contain_text("Weight")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Held")


def test_an_auditor_checks_a_dropped_document_and_a_tampered_copy_against_the_chain(console, api):
    sid, _ = registered(api)
    digest = "0x" + keccak(BILL).hex()
    op = api.shipper.confirmed(
        "POST", f"/v1/shipments/{sid}/documents", {"docType": "BILL_OF_LADING", "digest": digest}
    )
    api.synced(op["blockNumber"])
    page, _ = console.signed_in(ROLES["auditor"], f"/shipments/{sid}")
    documents = page.get_by_role("region", name="Documents")
    expect(documents.get_by_role("table", name="Anchored documents")).to_contain_text("Bill of lading")

    documents.get_by_test_id("document-file").set_input_files(
        files=[{"name": "bill-of-lading.txt", "mimeType": "text/plain", "buffer": BILL}]
    )
    verdict = page.get_by_test_id("document-verdict")
    expect(verdict).to_contain_text("✓ Authentic.")
    expect(verdict).to_contain_text("bill of lading version 1 of this shipment")
    expect(verdict).to_contain_text("the latest version")
    expect(verdict.locator(f'[title="{digest}"]')).to_be_visible()

    tampered = BILL.replace(b"2 x 40'", b"3 x 40'")
    documents.get_by_test_id("document-file").set_input_files(
        files=[{"name": "bill-of-lading-edited.txt", "mimeType": "text/plain", "buffer": tampered}]
    )
    expect(verdict).to_contain_text("✕ Not anchored on chain.")
    expect(verdict.locator(f'[title="0x{keccak(tampered).hex()}"]')).to_be_visible()
    expect(verdict.get_by_role("button", name="Anchor on chain")).to_have_count(0)  # the auditor is no party

    # A drop (drag and drop, not the file chooser) takes the same path.
    page.evaluate(
        """([text]) => {
            const data = new DataTransfer();
            data.items.add(new File([text], "dropped.txt", { type: "text/plain" }));
            const drop = new DragEvent("drop", { dataTransfer: data, bubbles: true });
            document.querySelector(".dropzone").dispatchEvent(drop);
        }""",
        [BILL.decode()],
    )
    expect(verdict).to_contain_text("dropped.txt")
    expect(verdict).to_contain_text("✓ Authentic.")


def test_an_auditor_verifies_a_trail_against_the_chain_catches_a_tampered_index_and_exports_it(console, api, tmp_path):
    sid, _ = registered(api)
    op = api.shipper.confirmed(
        "POST", f"/v1/shipments/{sid}/documents", {"docType": "PACKING_LIST", "digest": "0x" + "7c" * 32}
    )
    api.synced(op["blockNumber"])
    trail = api.auditor.client.get(f"/v1/audit/shipments/{sid}").json()
    names = [t["event"] for t in trail]
    assert {"ShipmentRegistered", "ContainerRegistered", "DocumentAnchored"} <= set(names)
    page, _ = console.signed_in(ROLES["auditor"], "/audit")
    page.get_by_label("Shipment id or transport document (B/L)").fill(sid)
    page.get_by_role("button", name="Open the trail").click()
    expect(page.get_by_role("heading", name=f"{len(trail)} events on chain")).to_be_visible()
    page.get_by_role("button", name="Verify against the chain").click()
    verification = page.get_by_test_id("verification")
    expect(verification).to_contain_text(f"✓ Verified. All {len(trail)} indexed events match the chain's logs")

    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    path = tmp_path / "trail.csv"
    download.value.save_as(path)
    rows = list(csv.DictReader(path.open()))
    assert [r["event"] for r in rows] == names
    assert json.loads(rows[0]["args"])["shipmentId"] == sid
    with page.expect_download() as download:
        page.get_by_role("button", name="Export JSON").click()
    exported = json.loads(download.value.path().read_text())
    assert (exported["shipmentId"], exported["verification"]["verified"]) == (sid, True)
    assert [e["transactionHash"] for e in exported["events"]] == [r["transactionHash"] for r in rows]

    # Someone edits the index behind the API's back: one event's arguments, and another event deleted.
    e = schema.events
    with api.runtime.engine.begin() as conn:
        rows_db = conn.execute(
            select(e.c.block_hash, e.c.log_index, e.c.event, e.c.args)
            .where(e.c.event.in_(["DocumentAnchored", "ContainerRegistered"]))
            .order_by(e.c.block_number.desc())
        ).all()
        anchored = next(r for r in rows_db if r.event == "DocumentAnchored" and r.args["shipmentId"] == sid)
        added = next(r for r in rows_db if r.event == "ContainerRegistered" and r.args["shipmentId"] == sid)
        conn.execute(
            update(e)
            .where(e.c.block_hash == anchored.block_hash, e.c.log_index == anchored.log_index)
            .values(args={**anchored.args, "digest": "0x" + "00" * 32})
        )
        conn.execute(delete(e).where(e.c.block_hash == added.block_hash, e.c.log_index == added.log_index))
    page.reload()
    expect(page.get_by_role("heading", name=f"{len(trail) - 1} events on chain")).to_be_visible()
    page.get_by_role("button", name="Verify against the chain").click()
    expect(verification).to_contain_text("✕ 2 differences from the chain.")
    expect(verification).to_contain_text("ContainerRegistered: missing from index")
    expect(verification).to_contain_text("DocumentAnchored: changed — arguments differ from the chain (digest: chain")


def test_a_custodial_member_acts_through_the_console_without_wallet_prompts(console, api):
    sid, body = registered(api)
    page, wallet = console.signed_in(ROLES["shekou_terminal"], f"/shipments/{sid}")
    page.get_by_label("Sign with").select_option("custodial")
    form = page.get_by_role("form", name="Record a milestone")
    form.get_by_label("Weighbridge gross weight (kg)").fill("20000")
    form.get_by_label("Seals observed (comma-separated)").fill(body["containers"][0]["seals"][0])
    form.get_by_role("button", name="Record a milestone").click()
    expect(page.get_by_role("status").filter(has_text="Indexed: the pages show it")).to_be_visible(timeout=60_000)
    assert "eth_sendTransaction" not in wallet.calls
    (latest, *_) = api.shekou_terminal.client.get("/v1/operations").json()
    assert (latest["kind"], latest["signing"], latest["status"]) == ("milestones.GTIN", "custodial", "Succeeded")
    expect(page.get_by_role("list", name="DCSA milestones")).to_contain_text("CNSHK")
