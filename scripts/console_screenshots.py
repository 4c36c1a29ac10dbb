"""`make screenshots`: the console's main pages as PNGs in docs/console/, from a real run.

Starts a dev Anvil with the pilot deployed, the API serving the built console (as the console tests do), fills
the chain with journeys of every kind (cleared, held and released, weighed off, financed to every outcome, an IoT
alert open), files declarations that wait for customs, and photographs each page in Debian's Chromium, signed in
with the injected test wallet as the member who would open it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eth_utils.crypto import keccak  # noqa: E402
from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402
from portlink.chain.artifacts import load_artifacts  # noqa: E402
from portlink.deployment.seed import load_seed  # noqa: E402

from tests.api.conftest import ROLES, Api, running_api  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.console.conftest import PROVIDER_JS, TestWallet, private_key  # noqa: E402
from tests.indexer.conftest import Chain  # noqa: E402

OUT = ROOT / "docs" / "console"
BILL = b"BILL OF LADING\nShipper: Foshan Appliance Exports\nConsignee: Kowloon Trading\n"


def seed(api: Api) -> dict[str, str]:
    """Journeys of every kind, and declarations waiting for customs; the shipment ids the pages show."""
    a = api.chain.activity
    a.mixed(6)
    journey = a.journey(2, discrepancy=True)
    fid = a.finance(journey, "repaid")
    a.watch(journey, resolve=False)
    waiting = []
    for n in range(4):
        body = api.registration(containers=1 + n % 2)
        op = api.shipper.confirmed("POST", "/v1/shipments", body)
        sid = next(e for e in op["result"]["events"] if e["event"] == "ShipmentRegistered")["args"]["shipmentId"]
        for index, box in enumerate(body["containers"]):
            last = index == len(body["containers"]) - 1  # a held shipment takes no further gate-in
            kg = 23_400 if n == 1 and last else 20_000
            gate = {"milestone": "GTIN", "containerIndex": index, "observedGrossKg": kg, "seals": box["seals"]}
            api.shekou_terminal.confirmed("POST", f"/v1/shipments/{sid}/milestones", gate)
        if n == 0:
            digest = "0x" + keccak(BILL).hex()
            document = {"docType": "BILL_OF_LADING", "digest": digest}
            api.shipper.confirmed("POST", f"/v1/shipments/{sid}/documents", document)
        declaration = {
            "shipmentId": sid,
            "digest": "0x" + keccak(text=f"declaration {sid}").hex(),
            "hsCodes": ["8418.50", "8504.40"][: 1 + n % 2],
            "customsValue": 1_250_000_00 + n * 3_100_00,
            "currency": "CNY",
        }
        api.shipper.confirmed("POST", "/v1/declarations", declaration)
        waiting.append(sid)
    inspection = {"version": 1, "port": "CNSHK", "decision": "REQUEST_INSPECTION"}
    api.shekou_customs.confirmed("POST", f"/v1/declarations/{waiting[2]}/decisions", inspection)
    api.synced()
    return {"journey": "0x" + journey.hex(), "financing": str(fid), "waiting": waiting[0], "weighed": waiting[1]}


def signed_in(browser, api: Api, index: int, width: int = 1280, height: int = 900) -> Page:
    context = browser.new_context(viewport={"width": width, "height": height}, base_url=api.base_url)
    wallet = TestWallet(private_key(index), api.chain.w3)
    context.expose_binding("__portlinkWallet", wallet.handle)
    context.add_init_script(PROVIDER_JS)
    page = context.new_page()
    page.goto("/")
    page.get_by_role("button", name="Sign in with Ethereum").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return page


def shot(page: Page, path: str, name: str, *, ready: str | None = None) -> None:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    if ready:
        expect(page.get_by_text(ready).first).to_be_visible()
    page.wait_for_timeout(300)  # charts draw after their chunk loads
    page.screenshot(path=OUT / f"{name}.png", full_page=True)
    print(f"docs/console/{name}.png")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    artifacts = load_artifacts(ROOT / ".build" / "__local__.json")
    pilot = load_seed(ROOT / "deployments" / "pilot.yaml")
    with tempfile.TemporaryDirectory() as folder:
        chain = Chain(Path(folder) / "chain", artifacts, pilot)
        try:
            with running_api(chain, Path(folder) / "api") as api:
                ids = seed(api)
                with sync_playwright() as p:
                    browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                    page = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=api.base_url)
                    first = page.new_page()
                    first.add_init_script(PROVIDER_JS)
                    shot(first, "/", "sign-in", ready="Sign in with Ethereum")
                    auditor = signed_in(browser, api, ROLES["auditor"])
                    shot(auditor, "/", "overview", ready="shipments in flight")
                    shot(auditor, "/shipments", "shipments", ready="Transport document")
                    auditor.goto(f"/shipments/{ids['waiting']}")
                    auditor.get_by_test_id("document-file").set_input_files(
                        files=[{"name": "bill-of-lading.pdf", "mimeType": "application/pdf", "buffer": BILL}]
                    )
                    expect(auditor.get_by_test_id("document-verdict")).to_contain_text("Authentic")
                    auditor.screenshot(path=OUT / "shipment-document-check.png", full_page=True)
                    print("docs/console/shipment-document-check.png")
                    shot(auditor, f"/shipments/{ids['journey']}", "shipment", ready="Containers: declared and observed")
                    shot(auditor, f"/financings/{ids['financing']}", "financing", ready="Amounts (HKD)")
                    shot(auditor, "/consortium", "consortium", ready="Members and roles")
                    auditor.goto(f"/audit/{ids['journey']}")
                    auditor.get_by_role("button", name="Verify against the chain").click()
                    expect(auditor.get_by_test_id("verification")).to_contain_text("Verified")
                    auditor.screenshot(path=OUT / "audit.png", full_page=True)
                    print("docs/console/audit.png")
                    customs = signed_in(browser, api, ROLES["shekou_customs"])
                    shot(customs, "/inbox", "inbox", ready="waiting for customs of CNSHK")
                    shot(customs, f"/declarations/{ids['weighed']}?port=CNSHK", "declaration", ready="Both customs")
                    shot(customs, "/alerts?state=ALL", "alerts", ready="Live: following the alert stream")
                    customs.goto("/")  # close the alert stream before the server stops
                    terminal = signed_in(browser, api, ROLES["shekou_terminal"], width=820, height=1180)
                    shot(terminal, f"/shipments/{ids['weighed']}", "tablet-shipment", ready="Record a milestone")
                    browser.close()
        finally:
            chain.stop()


if __name__ == "__main__":
    main()
