"""Console fixtures: the API of tests/api (Anvil with the pilot, indexer, tracker, uvicorn) serving the built
console, Debian's Chromium driven by Playwright, and an EIP-1193 wallet injected into the page that signs for
real with a pilot member's key: personal_sign (Sign-In with Ethereum), eth_signTypedData_v4 (customs decisions)
and eth_sendTransaction (signed here and sent to Anvil). Everything else the page asks the wallet goes to the
node. A test can make the wallet refuse a method (code 4001, as a person clicking "Reject" would) or claim to be
on another chain.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright
from web3 import Web3
from web3.logs import DISCARD

from tests.api.conftest import Api, api_chain, private_key, running_api  # noqa: F401 (fixtures)
from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
BUILD = ROOT / "backend" / "portlink" / "console" / "index.html"
#: A member admitted with no role at all (Anvil's account 15), and an account that is no member (16).
NO_ROLE_INDEX, OUTSIDER_INDEX = 15, 16

PROVIDER_JS = """
(() => {
  const listeners = {};
  const provider = {
    isPortLinkTestWallet: true,
    async request({ method, params }) {
      const reply = JSON.parse(await window.__portlinkWallet(method, JSON.stringify(params ?? [])));
      if (reply.error) {
        const error = new Error(reply.error.message);
        error.code = reply.error.code;
        throw error;
      }
      return reply.result;
    },
    on(event, listener) { (listeners[event] ??= []).push(listener); },
    removeListener(event, listener) {
      listeners[event] = (listeners[event] ?? []).filter((l) => l !== listener);
    },
  };
  window.ethereum = provider;
  const info = { uuid: "7d4c6f3e-2f43-4d3c-9a39-1c1c7ad0f001", name: "PortLink test wallet",
                 icon: "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'/>", rdns: "org.portlink.test" };
  const announce = () => window.dispatchEvent(
    new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
  window.addEventListener("eip6963:requestProvider", announce);
  announce();
})();
"""


class TestWallet:
    """An EIP-1193 wallet holding one key, answering the page through a Playwright binding."""

    __test__ = False

    def __init__(self, key: bytes, w3: Web3) -> None:
        self.account = Account.from_key(key)
        self.w3 = w3
        self.chain_id = int(w3.eth.chain_id)
        self.refuse: set[str] = set()
        self.calls: list[str] = []
        self.sent: list[str] = []

    @property
    def address(self) -> str:
        return self.account.address

    def handle(self, _source: Any, method: str, params_json: str) -> str:
        self.calls.append(method)
        params = json.loads(params_json)
        if method in self.refuse:
            return json.dumps({"error": {"code": 4001, "message": "User rejected the request."}})
        try:
            return json.dumps({"result": self._answer(method, params)})
        except Exception as exc:  # the page sees a provider error, as with a real wallet
            return json.dumps({"error": {"code": -32603, "message": str(exc)}})

    def _answer(self, method: str, params: list[Any]) -> Any:
        if method in ("eth_requestAccounts", "eth_accounts"):
            return [self.address]
        if method == "eth_chainId":
            return hex(self.chain_id)
        if method == "wallet_switchEthereumChain":
            self.chain_id = int(params[0]["chainId"], 16)
            return None
        if method == "personal_sign":
            data, address = params
            assert address.lower() == self.address.lower(), f"asked to sign for {address}"
            return "0x" + bytes(self.account.sign_message(encode_defunct(hexstr=data)).signature).hex()
        if method == "eth_signTypedData_v4":
            address, document = params
            assert address.lower() == self.address.lower(), f"asked to sign for {address}"
            typed = json.loads(document)
            return "0x" + bytes(self.account.sign_message(encode_typed_data(full_message=typed)).signature).hex()
        if method == "eth_sendTransaction":
            (tx,) = params
            assert tx["from"].lower() == self.address.lower()
            signed = self.account.sign_transaction(
                {
                    "type": 2,
                    "chainId": int(self.w3.eth.chain_id),
                    "to": Web3.to_checksum_address(tx["to"]),
                    "data": tx["data"],
                    "value": int(tx.get("value", "0x0"), 16),
                    "gas": int(tx["gas"], 16),
                    "maxFeePerGas": int(tx["maxFeePerGas"], 16),
                    "maxPriorityFeePerGas": int(tx["maxPriorityFeePerGas"], 16),
                    "nonce": self.w3.eth.get_transaction_count(self.address, "pending"),
                }
            )
            tx_hash = "0x" + bytes(self.w3.eth.send_raw_transaction(signed.raw_transaction)).hex()
            self.sent.append(tx_hash)
            return tx_hash
        reply = self.w3.provider.make_request(method, params)  # type: ignore[arg-type]
        if "error" in reply:
            raise RuntimeError(reply["error"].get("message", "node error"))
        return reply["result"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `make chromium` (apt-get install -y chromium chromium-driver)")
    if not BUILD.exists():
        pytest.fail("the console is not built: `make build`")
    with sync_playwright() as p:
        yield _launch(p)


def _launch(p: Playwright) -> Browser:
    return p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


@pytest.fixture(scope="module")
def api(api_chain, tmp_path_factory) -> Iterator[Api]:  # noqa: F811 (the API of tests/api, one per module)
    with running_api(api_chain, tmp_path_factory.mktemp("console")) as running:
        yield running


class Console:
    """Opens pages of the running console, each in a fresh browser context with its own wallet."""

    def __init__(self, api: Api, browser: Browser) -> None:
        self.api, self.browser = api, browser
        self.contexts: list[BrowserContext] = []

    def open(self, index: int, *, width: int = 1280, height: int = 900) -> tuple[Page, TestWallet]:
        """A page (not yet navigated) whose injected wallet holds Anvil account ``index``'s key."""
        context = self.browser.new_context(viewport={"width": width, "height": height}, base_url=self.api.base_url)
        self.contexts.append(context)
        wallet = TestWallet(private_key(index), self.api.chain.w3)
        context.expose_binding("__portlinkWallet", wallet.handle)
        context.add_init_script(PROVIDER_JS)
        page = context.new_page()
        page.set_default_timeout(30_000)
        return page, wallet

    def signed_in(self, index: int, path: str = "/", **viewport: int) -> tuple[Page, TestWallet]:
        """A page signed in with Sign-In with Ethereum as Anvil account ``index``, then at ``path``."""
        page, wallet = self.open(index, **viewport)
        page.goto("/")
        page.get_by_role("button", name="Sign in with Ethereum").click()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        if path != "/":
            page.goto(path)
        return page, wallet

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def console(api, browser) -> Iterator[Console]:
    opened = Console(api, browser)
    try:
        yield opened
    finally:
        opened.close()


def wait_for(predicate, timeout: float = 30.0, what: str = "the condition") -> Any:
    """Poll ``predicate`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def no_role_member(api) -> str:
    """Anvil account 15, admitted by vote of both port authorities with no role at all."""
    account = Account.from_key(private_key(NO_ROLE_INDEX)).address
    if api.runtime.consortium.member(account) is None:
        a = api.chain.activity
        receipt = a.send(
            a.governance.functions.proposeMember(account, "Harbour Observer", "ORG-OBSERVER", bytes(32), bytes(5)),
            a.who.shekou_authority,
        )
        (created,) = a.governance.events.ProposalCreated().process_receipt(receipt, errors=DISCARD)
        a.send(a.governance.functions.vote(created["args"]["proposalId"], True), a.who.shunde_authority)
        api.synced()
    return account
