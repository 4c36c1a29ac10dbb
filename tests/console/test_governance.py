"""Port authorities govern in the console: the proposals are listed with their tally and votes, and an authority
votes with its own wallet; the vote that makes the majority carries the proposal out. Other members read the list
but are offered no vote."""

from __future__ import annotations

import re

from eth_account import Account
from playwright.sync_api import expect

from tests.api.conftest import ROLES


def test_an_authority_votes_in_its_wallet_and_the_proposal_is_carried_out(console, api):
    newcomer = Account.create().address
    proposed = api.shekou_authority.confirmed(
        "POST",
        "/v1/proposals",
        {"kind": "ADD_MEMBER", "account": newcomer, "name": "Lantau Feeder Co", "orgId": "HK-LFC", "role": "CARRIER"},
    )
    (created,) = [e for e in proposed["result"]["events"] if e["event"] == "ProposalCreated"]
    pid = created["args"]["proposalId"]
    api.synced(proposed["blockNumber"])

    watcher, _ = console.signed_in(ROLES["carrier"], "/consortium")
    row = watcher.get_by_role("row").filter(has_text=f"#{pid} by")
    expect(row).to_contain_text(re.compile(r"1 for, 0 against, of \d"))
    expect(row).to_contain_text("Lantau Feeder Co")
    expect(row.get_by_role("button", name="Vote for")).to_have_count(0)  # not a port authority

    page, _ = console.signed_in(ROLES["shunde_authority"], "/consortium")
    row = page.get_by_role("row").filter(has_text=f"#{pid} by")
    expect(row).to_contain_text("Active")
    row.get_by_role("button", name="Vote for").click()
    expect(page.get_by_role("status").filter(has_text="Indexed: the pages show it")).to_be_visible(timeout=60_000)
    row = page.get_by_role("row").filter(has_text=f"#{pid} by")
    expect(row).to_contain_text("Executed")
    expect(row).to_contain_text(re.compile(r"2 for, 0 against, of \d"))
    expect(row.get_by_role("cell").last).to_have_text("for")
    assert api.auditor.client.get(f"/v1/members/{newcomer}").json()["name"] == "Lantau Feeder Co"
