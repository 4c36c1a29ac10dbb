"""The console's routes over plain HTTP: Sign-In with Ethereum (every check of the message, single-use nonces,
sessions shared by API processes on one database, sign-out), the session acting exactly as an API key of its
member (and refused across origins), a wallet-sent transaction followed by hash, the overview and the
declaration inbox filtered as the lists are, and trails and documents checked against the chain."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils.crypto import keccak
from portlink.domain.siwe import parse_message
from portlink.services.sessions import SessionService
from web3 import Web3

from tests.api.conftest import Api, Participant, private_key

STATEMENT = "Sign in to the PortLink console."


def siwe(
    challenge: dict,
    address: str,
    *,
    domain: str | None = None,
    uri: str | None = None,
    chain_id: int | None = None,
    expires: datetime | None = None,
    issued: datetime | None = None,
) -> str:
    """An EIP-4361 message as viem's createSiweMessage writes it."""
    domain = domain or challenge["domain"]
    now = issued or datetime.now(UTC)
    expiry = expires or now + timedelta(hours=1)
    return (
        f"{domain} wants you to sign in with your Ethereum account:\n{address}\n\n{STATEMENT}\n\n"
        f"URI: {uri or 'http://' + domain}\nVersion: 1\nChain ID: {chain_id or challenge['chainId']}\n"
        f"Nonce: {challenge['nonce']}\nIssued At: {now.isoformat(timespec='milliseconds').replace('+00:00', 'Z')}\n"
        f"Expiration Time: {expiry.isoformat(timespec='milliseconds').replace('+00:00', 'Z')}"
    )


def sign(message: str, key: bytes) -> str:
    return "0x" + bytes(Account.sign_message(encode_defunct(text=message), key).signature).hex()


def browser(api: Api) -> httpx.Client:
    return httpx.Client(base_url=api.base_url, timeout=60)


def signed_in(api: Api, who: Participant) -> httpx.Client:
    client = browser(api)
    challenge = client.post("/v1/session/nonce").json()
    message = siwe(challenge, who.address)
    response = client.post("/v1/session", json={"message": message, "signature": sign(message, who.key)})
    assert response.status_code == 200, response.text
    return client


def test_the_message_viem_writes_parses_field_by_field():
    text = (
        "127.0.0.1:8000 wants you to sign in with your Ethereum account:\n"
        "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f\n\nSign in to the PortLink console.\n\n"
        "URI: http://127.0.0.1:8000\nVersion: 1\nChain ID: 31337\nNonce: 0123456789abcdef\n"
        "Issued At: 2026-12-03T10:00:00.000Z\nExpiration Time: 2026-12-03T18:00:00.000Z\n"
        "Resources:\n- https://portlink.example/terms"
    )
    m = parse_message(text)
    assert (m.domain, m.address, m.chain_id, m.nonce) == (
        "127.0.0.1:8000",
        "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f",
        31337,
        "0123456789abcdef",
    )
    assert (m.statement, m.uri, m.resources) == (
        STATEMENT,
        "http://127.0.0.1:8000",
        ("https://portlink.example/terms",),
    )
    assert m.expiration_time == datetime(2026, 12, 3, 18, tzinfo=UTC)
    without_statement = text.replace("Sign in to the PortLink console.\n", "")  # viem: three line feeds
    assert parse_message(without_statement).statement is None


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (lambda t: t.replace(" wants you", " wishes you"), "not a Sign-In with Ethereum message"),
        (
            lambda t: t.replace(
                "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f", "0x23618e81e3f5cdf7f54c3d65f7fbc0abf5b21e8f"
            ),
            "not an EIP-55 checksummed address",
        ),
        (lambda t: t.replace("Version: 1", "Version: 2"), "the version must be 1"),
        (lambda t: t.replace("Nonce: 0123456789abcdef", "Nonce: short"), "at least 8 letters and digits"),
        (lambda t: t.replace("Chain ID: 31337", "Chain ID: one"), "the chain id 'one' is not a number"),
        (lambda t: t.replace("2026-12-03T10:00:00.000Z", "2026-12-03 10:00"), "no time zone offset"),
        (lambda t: t + "\nExtra: line", "unexpected line 'Extra: line'"),
    ],
    ids=["preamble", "checksum", "version", "nonce", "chain", "time", "extra"],
)
def test_a_malformed_message_is_refused_naming_the_line(change, error):
    text = (
        "127.0.0.1:8000 wants you to sign in with your Ethereum account:\n"
        "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f\n\n\nURI: http://127.0.0.1:8000\nVersion: 1\nChain ID: 31337\n"
        "Nonce: 0123456789abcdef\nIssued At: 2026-12-03T10:00:00.000Z"
    )
    parse_message(text)
    with pytest.raises(ValueError, match=error):
        parse_message(change(text))


def test_a_session_acts_as_its_member_and_ends_when_signed_out(api):
    client = signed_in(api, api.shipper)
    cookie = client.cookies.get("portlink_session")
    assert "." in (cookie or "")
    me = client.get("/v1/session").json()
    assert (me["member"], me["roles"], me["chainId"]) == (
        api.shipper.address,
        [{"role": "SHIPPER", "port": None}],
        31337,
    )
    assert client.get("/v1/members/me").json()["account"] == api.shipper.address
    assert client.get("/v1/shipments").json() == api.shipper.client.get("/v1/shipments").json()
    # a write with the session: the same operation an API key would get
    response = client.post(
        "/v1/shipments",
        json=api.registration(),
        headers={"Idempotency-Key": "session-write"},
        params={"confirm": "true"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["member"] == api.shipper.address
    # another API process on the same database knows the session
    other = SessionService(api.runtime.engine, api.runtime.consortium, 31337)
    assert other.authenticate(cookie)[1].member == api.shipper.address
    assert client.delete("/v1/session").status_code == 204
    refused = httpx.get(f"{api.base_url}/v1/session", cookies={"portlink_session": cookie})
    assert (refused.status_code, refused.json()["detail"]) == (401, "you signed out of this session: sign in again")


def test_a_session_is_refused_for_a_write_from_another_origin(api):
    client = signed_in(api, api.shipper)
    response = client.post(
        "/v1/shipments",
        json=api.registration(),
        headers={"Idempotency-Key": "cross-site", "Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "a request from https://evil.example may not use the console's session"
    same = client.get("/v1/shipments", headers={"Origin": "https://evil.example"})  # reads are harmless
    assert same.status_code == 200


def test_each_check_of_the_sign_in_message_refuses_it(api):
    client = browser(api)
    shipper = api.shipper

    def attempt(expected_status: int, expected: str, key: bytes = shipper.key, **fields) -> None:
        challenge = client.post("/v1/session/nonce").json()
        message = siwe(challenge, fields.pop("address", shipper.address), **fields)
        response = client.post("/v1/session", json={"message": message, "signature": sign(message, key)})
        assert response.status_code == expected_status, response.text
        assert expected in response.json()["detail"]
        assert client.get("/v1/session").status_code == 401

    attempt(422, "the message signs in to evil.example, but this is 127.0.0.1:", domain="evil.example")
    attempt(422, "is not on 127.0.0.1", uri="https://evil.example/")
    attempt(422, "signed for chain 1, but PortLink runs on chain 31337", chain_id=1)
    past = datetime.now(UTC) - timedelta(hours=2)
    attempt(401, "the sign-in message expired at", issued=past, expires=past + timedelta(hours=1))
    attempt(422, "issued in the future", issued=datetime.now(UTC) + timedelta(hours=1))
    attempt(401, f"the signature was made by {api.carrier.address}, not by {shipper.address}", key=api.carrier.key)
    outsider = Account.from_key(private_key(16)).address
    attempt(401, f"the signing account {outsider} is not an active member", key=private_key(16), address=outsider)


def test_a_nonce_is_used_once_and_an_unknown_one_never(api):
    client = browser(api)
    challenge = client.post("/v1/session/nonce").json()
    message = siwe(challenge, api.shipper.address)
    body = {"message": message, "signature": sign(message, api.shipper.key)}
    assert client.post("/v1/session", json=body).status_code == 200
    replayed = browser(api).post("/v1/session", json=body)
    assert replayed.status_code == 401
    assert replayed.json()["detail"] == "the sign-in nonce is unknown, already used or expired: sign in again"
    invented = siwe({**challenge, "nonce": "abcdef0123456789"}, api.shipper.address)
    made_up = browser(api).post("/v1/session", json={"message": invented, "signature": sign(invented, api.shipper.key)})
    assert made_up.status_code == 401


def test_an_expired_session_is_refused(api):
    short = SessionService(api.runtime.engine, api.runtime.consortium, 31337, session_seconds=0.5)
    challenge = short.challenge("console.example")
    message = siwe({"nonce": challenge.nonce, "chainId": 31337, "domain": "console.example"}, api.auditor.address)
    token, session, caller = short.sign_in(message, sign(message, api.auditor.key), domain="console.example")
    assert caller.member == api.auditor.address
    assert session.expires_at - session.created_at == pytest.approx(0.5)
    time.sleep(0.6)
    response = httpx.get(f"{api.base_url}/v1/shipments", cookies={"portlink_session": token})
    assert response.status_code == 401
    assert "your session expired at" in response.json()["detail"]


def _wallet_op(api: Api, who: Participant) -> dict:
    response = who.write("POST", "/v1/shipments", api.registration(), signing="wallet")
    assert response.status_code == 202, response.text
    return response.json()


def _send(api: Api, who: Participant, tx: dict, **changes) -> str:
    """Send ``tx`` as a wallet's eth_sendTransaction would (its own nonce), with ``changes``; the hash."""
    w3 = api.chain.w3
    fields = {k: v for k, v in tx.items() if k != "from"}
    fields.update(changes, nonce=w3.eth.get_transaction_count(who.address, "pending"))
    signed = Account.sign_transaction(fields, who.key)
    return "0x" + bytes(w3.eth.send_raw_transaction(signed.raw_transaction)).hex()


def test_a_wallet_sent_transaction_is_followed_by_its_hash_after_checks_against_the_node(api):
    shipper = api.shipper
    op = _wallet_op(api, shipper)
    unsigned = op["unsignedTransaction"]
    path = f"/v1/operations/{op['id']}/transaction"

    unknown = shipper.client.post(path, json={"transactionHash": "0x" + "ab" * 32})
    assert unknown.status_code == 422
    assert "the node does not know transaction" in unknown.json()["detail"]
    other_data = _send(api, shipper, unsigned, data=_wallet_op(api, shipper)["calldata"])
    differs = shipper.client.post(path, json={"transactionHash": other_data})
    assert differs.status_code == 422
    assert differs.json()["detail"] == "the signed transaction differs from the operation in calldata"
    by_other = _send(api, api.carrier, unsigned)
    assert "sender" in shipper.client.post(path, json={"transactionHash": by_other}).json()["detail"]
    assert api.runtime.operations.get(op["id"])["status"] == "Initialized"  # nothing attached by the refusals

    sent = _send(api, shipper, unsigned)
    followed = shipper.client.post(path, json={"transactionHash": sent}, params={"confirm": "true"})
    assert followed.status_code == 200, followed.text
    done = followed.json()
    assert (done["status"], done["txHash"], done["signing"]) == ("Succeeded", sent, "wallet")
    assert any(e["event"] == "ShipmentRegistered" for e in done["result"]["events"])
    again = shipper.client.post(path, json={"transactionHash": sent})
    assert again.status_code == 200
    assert again.json()["txHash"] == sent
    # the same transaction cannot finish a second operation
    second = _wallet_op(api, shipper)
    claimed = shipper.client.post(f"/v1/operations/{second['id']}/transaction", json={"transactionHash": sent})
    assert claimed.status_code in (409, 422)
    # nor can another member follow this member's operation
    assert api.carrier.client.post(path, json={"transactionHash": sent}).status_code == 404


def test_the_overview_and_the_inbox_count_what_the_caller_may_see(api):
    body = api.registration()
    op = api.shipper.confirmed("POST", "/v1/shipments", body)
    sid = next(e for e in op["result"]["events"] if e["event"] == "ShipmentRegistered")["args"]["shipmentId"]
    declaration = {
        "shipmentId": sid,
        "digest": "0x" + "11" * 32,
        "hsCodes": ["850440"],
        "customsValue": 100,
        "currency": "HKD",
    }
    op = api.shipper.confirmed("POST", "/v1/declarations", declaration)
    api.synced(op["blockNumber"])
    everything = api.auditor.client.get("/v1/overview").json()
    assert everything["scope"] == "all"
    waiting = {w["port"]: w["waiting"] for w in everything["declarationsWaiting"]}
    assert waiting["CNSHK"] >= 1
    assert waiting["CNSUD"] >= 1
    assert api.financier.client.get("/v1/overview").json()["inFlight"] == 0  # a party of no shipment
    assert api.shipper.client.get("/v1/overview").json()["inFlight"] >= 1

    inbox = api.shekou_customs.client.get("/v1/declarations", params={"waitingAt": "CNSHK", "limit": 500}).json()
    row = next(d for d in inbox["data"] if d["declarationId"] == sid)
    assert (row["waitingAt"], row["version"], row["hsCodes"], row["transportDocumentReference"]) == (
        "CNSHK",
        1,
        ["850440"],
        body["transportDocumentReference"],
    )
    decision = {"version": 1, "port": "CNSHK", "decision": "APPROVE"}
    op = api.shekou_customs.confirmed("POST", f"/v1/declarations/{sid}/decisions", decision)
    api.synced(op["blockNumber"])
    inbox = api.shekou_customs.client.get("/v1/declarations", params={"waitingAt": "CNSHK", "limit": 500}).json()
    assert sid not in [d["declarationId"] for d in inbox["data"]]
    other = api.shunde_customs.client.get("/v1/declarations", params={"waitingAt": "CNSUD", "limit": 500}).json()
    assert sid in [d["declarationId"] for d in other["data"]]
    assert api.financier.client.get("/v1/declarations").json()["total"] == 0
    by_reference = api.auditor.client.get("/v1/shipments", params={"reference": body["transportDocumentReference"]})
    assert [s["shipmentId"] for s in by_reference.json()["data"]] == [sid]
    by_container = api.auditor.client.get("/v1/shipments", params={"container": body["containers"][0]["number"]})
    assert [s["shipmentId"] for s in by_container.json()["data"]] == [sid]


def test_documents_are_checked_on_chain(api):
    op = api.shipper.confirmed("POST", "/v1/shipments", api.registration())
    sid = next(e for e in op["result"]["events"] if e["event"] == "ShipmentRegistered")["args"]["shipmentId"]
    digest = "0x" + keccak(b"invoice 42").hex()
    api.shipper.confirmed("POST", f"/v1/shipments/{sid}/documents", {"docType": "COMMERCIAL_INVOICE", "digest": digest})
    found = api.financier.client.get(f"/v1/documents/{digest}/on-chain").json()
    assert (found["anchored"], found["latest"], found["shipmentId"], found["docType"]) == (
        True,
        True,
        sid,
        "COMMERCIAL_INVOICE",
    )
    assert found["anchoredBy"] == Web3.to_checksum_address(api.shipper.address)
    missing = api.financier.client.get(f"/v1/documents/0x{keccak(b'invoice 43').hex()}/on-chain").json()
    assert (missing["anchored"], missing["version"], missing["shipmentId"]) == (False, 0, None)
