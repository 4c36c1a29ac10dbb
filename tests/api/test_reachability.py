"""Every state-changing function of every deployed contract is reachable through the API.

The test enumerates the manifest ABIs. For each write function it sends the route meant to reach it, signed in
the wallet (so nothing needs a custodial key and nothing is sent), and reads the operation the API created: its
contract and function must be the ones of the ABI. The chain may refuse the call (the caller lacks the role): the
operation still records what the route asked for. A function with no route fails the test unless it is listed
below as a deliberate exception, with the reason.
"""

from __future__ import annotations

import time

import pytest
from eth_account import Account
from portlink.domain.customs import Decision, DecisionInput, decision_typed_data, sign_typed_data

ZERO32 = "0x" + "00" * 32
SOME32 = "0x" + "ab" * 32
SOME_ADDRESS = "0x" + "12" * 20

#: Functions no route reaches, on purpose.
EXCEPTIONS = {
    # The registry's only writer is the governance contract: a change to the consortium is a proposal
    # (POST /v1/proposals) that the port authorities vote through, and the governance contract carries it out.
    ("ConsortiumRegistry", "addMember"): "through governance proposals",
    ("ConsortiumRegistry", "addPort"): "through governance proposals",
    ("ConsortiumRegistry", "grantMemberRole"): "through governance proposals",
    ("ConsortiumRegistry", "revokeMemberRole"): "through governance proposals",
    ("ConsortiumRegistry", "suspendMember"): "through governance proposals",
    ("ConsortiumRegistry", "reinstateMember"): "through governance proposals",
    ("ConsortiumRegistry", "setParameter"): "through governance proposals",
    # Telemetry is anchored and breaches posted by POST /v1/telemetry, from readings it checked itself: a raw
    # anchor of an arbitrary root, or a breach the service never evaluated, is not something a system should send.
    ("IoTMonitor", "anchorBatch"): "POST /v1/telemetry anchors each batch",
    ("IoTMonitor", "reportBreach"): "POST /v1/telemetry posts each breach",
}


def _routes(api) -> dict[tuple[str, str], tuple[str, str, object]]:
    """(contract, function) -> (method, path, body) of the route meant to reach it."""
    return {key: (method, path, body(api) if callable(body) else body) for key, (method, path, body) in ROUTES.items()}


sid = SOME32
#: (contract, function) -> (method, path, body, or a function of the running API giving the body).
ROUTES: dict[tuple[str, str], tuple[str, str, object]] = {
    ("ConsortiumGovernance", "proposeMember"): (
        "POST",
        "/v1/proposals",
        {"kind": "ADD_MEMBER", "account": SOME_ADDRESS, "name": "Newcomer Ltd", "orgId": "HK-1"},
    ),
    ("ConsortiumGovernance", "proposePort"): (
        "POST",
        "/v1/proposals",
        {
            "kind": "ADD_PORT",
            "port": "HKHKG",
            "name": "Hong Kong",
            "account": SOME_ADDRESS,
            "authorityName": "Marine Department",
            "orgId": "HK-MD",
        },
    ),
    ("ConsortiumGovernance", "proposeRoleGrant"): (
        "POST",
        "/v1/proposals",
        {"kind": "GRANT_ROLE", "account": SOME_ADDRESS, "role": "CARRIER"},
    ),
    ("ConsortiumGovernance", "proposeRoleRevoke"): (
        "POST",
        "/v1/proposals",
        {"kind": "REVOKE_ROLE", "account": SOME_ADDRESS, "role": "CUSTOMS", "port": "CNSHK"},
    ),
    ("ConsortiumGovernance", "proposeSuspension"): (
        "POST",
        "/v1/proposals",
        {"kind": "SUSPEND_MEMBER", "account": SOME_ADDRESS, "reason": "licence withdrawn"},
    ),
    ("ConsortiumGovernance", "proposeReinstatement"): (
        "POST",
        "/v1/proposals",
        {"kind": "REINSTATE_MEMBER", "account": SOME_ADDRESS},
    ),
    ("ConsortiumGovernance", "proposeParameter"): (
        "POST",
        "/v1/proposals",
        {"kind": "SET_PARAMETER", "key": "portlink.governance.proposalLifetime", "value": 86400},
    ),
    ("ConsortiumGovernance", "vote"): ("POST", "/v1/proposals/1/votes", {"support": True}),
    ("ConsortiumGovernance", "cancel"): ("POST", "/v1/proposals/1/cancellation", None),
    ("ShipmentRegistry", "register"): ("POST", "/v1/shipments", lambda api: api.registration()),
    ("ShipmentRegistry", "gateIn"): (
        "POST",
        f"/v1/shipments/{sid}/milestones",
        {"milestone": "GTIN", "containerIndex": 0, "observedGrossKg": 20000, "seals": ["SL1"]},
    ),
    ("ShipmentRegistry", "load"): (
        "POST",
        f"/v1/shipments/{sid}/milestones",
        {"milestone": "LOAD", "containerIndex": 0},
    ),
    ("ShipmentRegistry", "depart"): ("POST", f"/v1/shipments/{sid}/milestones", {"milestone": "DEPA"}),
    ("ShipmentRegistry", "arrive"): ("POST", f"/v1/shipments/{sid}/milestones", {"milestone": "ARRI"}),
    ("ShipmentRegistry", "discharge"): (
        "POST",
        f"/v1/shipments/{sid}/milestones",
        {"milestone": "DISC", "containerIndex": 0},
    ),
    ("ShipmentRegistry", "gateOut"): (
        "POST",
        f"/v1/shipments/{sid}/milestones",
        {"milestone": "GTOT", "containerIndex": 0},
    ),
    ("ShipmentRegistry", "clearDiscrepancy"): (
        "POST",
        f"/v1/shipments/{sid}/discrepancy-clearances",
        {"containerIndex": 0, "reason": "re-weighed"},
    ),
    ("ShipmentRegistry", "anchorDocument"): (
        "POST",
        f"/v1/shipments/{sid}/documents",
        {"docType": "PACKING_LIST", "digest": SOME32},
    ),
    ("IoTMonitor", "registerDevice"): (
        "POST",
        "/v1/devices",
        {"deviceId": SOME32, "signer": SOME_ADDRESS, "kind": "TEMPERATURE"},
    ),
    ("IoTMonitor", "revokeDevice"): ("POST", f"/v1/devices/{SOME32}/revocation", None),
    ("IoTMonitor", "bindDevice"): (
        "POST",
        f"/v1/devices/{SOME32}/binding",
        {"shipmentId": sid, "containerIndex": 0},
    ),
    ("IoTMonitor", "authoriseGateway"): (
        "POST",
        f"/v1/shipments/{sid}/monitoring/gateways",
        {"gateway": SOME_ADDRESS},
    ),
    ("IoTMonitor", "setRules"): (
        "PUT",
        f"/v1/shipments/{sid}/monitoring/rules",
        {"enabled": ["TEMPERATURE"], "minTemperature": -2000, "maxTemperature": -1500},
    ),
    ("IoTMonitor", "resolveAlert"): ("POST", "/v1/alerts/1/resolution", {"reason": "seal checked"}),
    ("CustomsClearance", "setBroker"): ("POST", "/v1/brokers", {"broker": SOME_ADDRESS}),
    ("CustomsClearance", "file"): (
        "POST",
        "/v1/declarations",
        {"shipmentId": sid, "digest": SOME32, "hsCodes": ["850440"], "customsValue": 100, "currency": "CNY"},
    ),
    ("CustomsClearance", "amend"): (
        "POST",
        f"/v1/declarations/{sid}/amendments",
        {"digest": SOME32, "hsCodes": ["850440"], "customsValue": 100, "currency": "CNY"},
    ),
    ("CustomsClearance", "decide"): (
        "POST",
        f"/v1/declarations/{sid}/decisions",
        {"version": 1, "port": "CNSHK", "decision": "APPROVE"},
    ),
    ("CustomsClearance", "decideBySig"): (
        "POST",
        f"/v1/declarations/{sid}/decisions",
        lambda api: _signed_decision(api, sid),
    ),
    ("CustomsClearance", "invalidateNonce"): ("POST", "/v1/decision-nonces/invalidations", {}),
    ("CustomsClearance", "placeHold"): (
        "POST",
        f"/v1/declarations/{sid}/holds",
        {"port": "CNSHK", "reasonCode": "X-RAY"},
    ),
    ("CustomsClearance", "releaseHold"): ("DELETE", f"/v1/declarations/{sid}/holds/CNSHK", None),
    ("CustomsClearance", "clear"): ("POST", f"/v1/declarations/{sid}/clearance", None),
    ("SettlementToken", "mint"): (
        "POST",
        "/v1/settlement/mints",
        {"to": SOME_ADDRESS, "amount": 100, "paymentRef": "HSBC-0001"},
    ),
    ("SettlementToken", "redeem"): ("POST", "/v1/settlement/redemptions", {"amount": 100, "paymentRef": "HSBC-2"}),
    ("SettlementToken", "transfer"): ("POST", "/v1/settlement/transfers", {"to": SOME_ADDRESS, "amount": 1}),
    ("SettlementToken", "approve"): ("POST", "/v1/settlement/approvals", {"spender": SOME_ADDRESS, "amount": 1}),
    ("SettlementToken", "transferFrom"): (
        "POST",
        "/v1/settlement/delegated-transfers",
        {"owner": SOME_ADDRESS, "to": SOME_ADDRESS, "amount": 1},
    ),
    ("TradeFinanceEscrow", "request"): ("POST", "/v1/financings", {"shipmentId": sid, "product": "ECOMMERCE"}),
    ("TradeFinanceEscrow", "offer"): (
        "POST",
        "/v1/financings/1/offers",
        {
            "amount": 100_000,
            "feeBps": 100,
            "condition": "EXPORT_APPROVED",
            "fundBy": "2030-01-01T00:00:00Z",
            "releaseBy": "2030-02-01T00:00:00Z",
            "maturity": "2030-03-01T00:00:00Z",
        },
    ),
    ("TradeFinanceEscrow", "accept"): ("POST", "/v1/financings/1/acceptance", None),
    ("TradeFinanceEscrow", "cancel"): ("POST", "/v1/financings/1/cancellation", None),
    ("TradeFinanceEscrow", "expire"): ("POST", "/v1/financings/1/expiry", None),
    ("TradeFinanceEscrow", "fund"): ("POST", "/v1/financings/1/funding", None),
    ("TradeFinanceEscrow", "release"): ("POST", "/v1/financings/1/release", None),
    ("TradeFinanceEscrow", "refund"): ("POST", "/v1/financings/1/refund", None),
    ("TradeFinanceEscrow", "repay"): ("POST", "/v1/financings/1/repayments", {"amount": 1}),
    ("TradeFinanceEscrow", "recordRebatePaid"): (
        "POST",
        "/v1/financings/1/rebate-payments",
        {"paymentRef": "SAT-2026-0001"},
    ),
    ("TradeFinanceEscrow", "markDefaulted"): ("POST", "/v1/financings/1/default", None),
    ("TradeFinanceEscrow", "withdraw"): ("POST", "/v1/settlement-withdrawals", {}),
    ("TradeFinanceEscrow", "pause"): ("POST", "/v1/escrow/pause", {"paused": True}),
    ("TradeFinanceEscrow", "unpause"): ("POST", "/v1/escrow/pause", {"paused": False}),
    ("TransportCallRegistry", "recordCall"): (
        "POST",
        "/v1/transport-calls",
        {"vesselIMONumber": "9321483", "port": "CNSHK", "exportVoyageNumber": "2103S"},
    ),
    ("TransportCallRegistry", "assignShipment"): (
        "POST",
        f"/v1/transport-calls/{SOME32}/shipments",
        {"shipmentId": sid},
    ),
    ("TransportCallRegistry", "recordBooking"): (
        "POST",
        f"/v1/shipments/{sid}/booking",
        {"carrierBookingReference": "ABC709951"},
    ),
}


def _signed_decision(api, sid: str) -> dict[str, object]:
    """A decision the caller (the auditor) signed as its own officer: it recovers, so the API relays it, and the
    chain refuses it (the auditor is no customs officer)."""
    officer = Account.from_key(api.auditor.key).address
    decision = DecisionInput(
        declaration_id=bytes.fromhex(sid[2:]),
        version=1,
        declaration_digest=bytes.fromhex(SOME32[2:]),
        port="CNSHK",
        decision=Decision.APPROVE,
        reason_code=bytes(32),
        officer=officer,
        nonce=0,
        deadline=int(time.time()) + 3600,
    )
    signature = sign_typed_data(
        api.auditor.key, decision_typed_data(api.runtime.views.eip712_domain("CustomsClearance"), decision)
    )
    return {
        "version": 1,
        "port": "CNSHK",
        "decision": "APPROVE",
        "signature": "0x" + signature.hex(),
        "officer": officer,
        "nonce": 0,
        "deadline": decision.deadline,
        "digest": SOME32,
    }


def _write_functions(api) -> set[tuple[str, str]]:
    return {
        (contract, item["name"])
        for contract, abi in api.runtime.contracts.abis.items()
        for item in abi
        if item.get("type") == "function" and item.get("stateMutability") in ("nonpayable", "payable")
    }


def test_every_write_function_has_a_route_or_a_stated_exception(api):
    routes = _routes(api)
    missing = _write_functions(api) - set(routes) - set(EXCEPTIONS)
    assert not missing, f"contract functions no route reaches: {sorted(missing)}"
    stale = (set(routes) | set(EXCEPTIONS)) - _write_functions(api)
    assert not stale, f"listed functions the ABIs no longer have: {sorted(stale)}"


@pytest.mark.parametrize(("contract", "function"), sorted(ROUTES), ids=[f"{c}.{f}" for c, f in sorted(ROUTES)])
def test_the_route_reaches_its_contract_function(api, contract, function):
    method, path, body = _routes(api)[(contract, function)]
    who = api.auditor  # holds no write role: every call is the chain's to refuse, none is sent
    response = who.write(method, path, body, signing="wallet")
    assert response.status_code in (202, 403, 404, 409, 422), f"{method} {path}: {response.text}"
    answer = response.json()
    op_id = answer.get("id") or answer.get("operation")
    assert op_id, f"{method} {path} created no operation: {answer}"
    op = who.client.get(f"/v1/operations/{op_id}").json()
    assert (op["contract"], op["function"]) == (contract, function), f"{method} {path}"
