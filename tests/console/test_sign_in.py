"""Sign-In with Ethereum in a real browser: the wallet signs the EIP-4361 message, the API sets an HttpOnly,
SameSite=Strict session cookie bound to the member, and what the console shows follows the member's roles; a
wallet on the wrong chain signs nothing; an expired session asks to sign in again and changes nothing."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from portlink.store.schema import sessions
from sqlalchemy import update

from tests.api.conftest import ROLES
from tests.console.conftest import NO_ROLE_INDEX, OUTSIDER_INDEX


def nav_links(page) -> list[str]:
    return page.get_by_role("navigation", name="Pages").get_by_role("link").all_inner_texts()


def test_sign_in_sets_an_httponly_samesite_session_bound_to_the_member(console, api):
    page, wallet = console.signed_in(ROLES["shipper"])
    assert wallet.calls.count("personal_sign") == 1
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "portlink_session"]
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Strict", "/")
    assert page.evaluate("document.cookie") == ""  # scripts cannot read it
    session = page.request.get("/v1/session").json()
    assert session["member"] == wallet.address == api.shipper.address
    assert [r["role"] for r in session["roles"]] == ["SHIPPER"]
    # The session acts through the same access rules as the member's API key: the same shipments list.
    by_session = page.request.get("/v1/shipments", params={"limit": 500}).json()
    by_key = api.shipper.client.get("/v1/shipments", params={"limit": 500}).json()
    assert by_session == by_key
    expect(page.get_by_text("Foshan Appliance Exports (pilot shipper)", exact=True)).to_be_visible()
    assert nav_links(page) == ["Overview", "Shipments", "Alerts", "Financings", "Consortium"]
    expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name="Sign in with Ethereum")).to_be_visible()
    assert page.request.get("/v1/session").status == 401


def test_a_wallet_on_another_chain_signs_nothing_until_it_switches(console, api):
    page, wallet = console.open(ROLES["auditor"])
    wallet.chain_id = 1
    page.goto("/")
    page.get_by_role("button", name="Sign in with Ethereum").click()
    expect(page.get_by_role("alert")).to_contain_text("Your wallet is on chain 1, but PortLink runs on chain 31337")
    assert "personal_sign" not in wallet.calls
    assert page.request.get("/v1/session").status == 401
    page.get_by_role("button", name="Switch the wallet to chain 31337").click()
    page.get_by_role("button", name="Sign in with Ethereum").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert nav_links(page) == ["Overview", "Shipments", "Alerts", "Financings", "Consortium", "Audit"]


def test_a_refused_sign_in_signature_opens_no_session(console):
    page, wallet = console.open(ROLES["carrier"])
    wallet.refuse.add("personal_sign")
    page.goto("/")
    page.get_by_role("button", name="Sign in with Ethereum").click()
    expect(page.get_by_role("alert")).to_contain_text("You refused the request in your wallet")
    assert page.request.get("/v1/session").status == 401


def test_an_account_that_is_no_member_is_told_so(console):
    page, _ = console.open(OUTSIDER_INDEX)
    page.goto("/")
    page.get_by_role("button", name="Sign in with Ethereum").click()
    expect(page.get_by_role("alert")).to_contain_text("is not an active member")
    assert page.request.get("/v1/session").status == 401


def test_an_expired_session_asks_to_sign_in_again_and_changes_nothing(console, api):
    page, _ = console.signed_in(ROLES["shekou_terminal"], "/shipments")
    expect(page.get_by_role("heading", name="Shipments", level=1)).to_be_visible()
    page.wait_for_load_state("networkidle")  # the page's own reads are done before the session expires
    with api.runtime.engine.begin() as conn:
        conn.execute(update(sessions).where(sessions.c.member == api.shekou_terminal.address).values(expires_at=1.0))
    operations = api.shekou_terminal.client.get("/v1/operations").json()
    page.get_by_role("link", name="Overview", exact=True).click()
    expect(page.get_by_role("button", name="Sign in with Ethereum")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Your session expired")).to_contain_text(
        re.compile(r"expired at 1970-01-01T00:00:01Z: sign in again")
    )
    assert api.shekou_terminal.client.get("/v1/operations").json() == operations


def test_a_member_without_a_role_sees_only_what_it_may(console, api, no_role_member):
    shipment = api.shipper.confirmed("POST", "/v1/shipments", api.registration())
    (registered,) = [e for e in shipment["result"]["events"] if e["event"] == "ShipmentRegistered"]
    sid = registered["args"]["shipmentId"]
    api.synced(shipment["blockNumber"])
    page, _ = console.signed_in(NO_ROLE_INDEX)
    expect(page.get_by_text("no role", exact=True)).to_be_visible()
    assert nav_links(page) == ["Overview", "Shipments", "Consortium"]
    expect(page.locator(".figure").first).to_contain_text("0shipments in flight")
    page.get_by_role("link", name="Shipments", exact=True).click()
    expect(page.get_by_text("No shipment matches")).to_be_visible()
    page.goto(f"/shipments/{sid}")
    expect(page.get_by_role("alert")).to_contain_text("You may not see this shipment")
    expect(page.get_by_role("alert")).to_contain_text("is not a party of shipment")
    page.goto("/inbox")
    expect(page.get_by_text("The inbox is for customs officers")).to_be_visible()
    page.goto(f"/audit/{sid}")
    expect(page.get_by_role("alert")).to_contain_text("is not a party of shipment")
    page.goto("/consortium")  # members and ports are visible to every member
    expect(page.get_by_role("cell", name="Shekou", exact=True)).to_be_visible()
