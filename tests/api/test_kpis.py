"""`GET /v1/kpis` over HTTP on Anvil: a generated journey set (the pilot replay, seeded, through the API) and every
KPI recomputed here independently from the node's own logs, block times and receipts (web3.py decoding, NumPy
percentiles), never from the index or its projections; and the refusals of bad input."""

from __future__ import annotations

import itertools
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from portlink.pilot.replay import Api as PilotApi
from portlink.pilot.replay import Chain as PilotChain
from portlink.pilot.replay import Replay, plan_journeys
from portlink.pilot.scenario import load_scenario
from web3 import Web3

from tests.api.conftest import Api, private_key
from tests.conftest import ROOT

SCENARIO = ROOT / "deployments" / "pilot-scenario.yaml"
STATES = ["REGISTERED", "GATED_IN", "LOADED", "DEPARTED", "ARRIVED", "DISCHARGED", "GATED_OUT"]


@pytest.fixture(scope="module")
def replayed(api: Api):
    """14 TEU of the pilot scenario replayed through this module's API; returns (period start, end)."""
    tokens = {name: p.client.headers["Authorization"][len("Bearer ") :] for name, p in api.participants.items()}
    keys = {name: p.key for name, p in api.participants.items()}
    chain = PilotChain(api.chain.rpc_url, api.chain.manifest, api.runtime.contracts.abis, keys)
    scenario = load_scenario(SCENARIO)
    plans = plan_journeys(scenario, 14, seed=11)
    client = PilotApi(api.base_url, tokens)
    try:
        result = Replay(scenario, client, chain, plans, seed=11).run()
    finally:
        client.close()
    api.synced(result.last_block)
    assert {"inspection", "rejection", "breach", "ecommerce", "tax_rebate"} <= {
        kind
        for p in plans
        for kind in ("inspection", "rejection", "breach", "ecommerce", "tax_rebate")
        if getattr(p, kind)
    }
    return result.started_at, result.finished_at + 1


# ---------------------------------------------------------------------------------------------------- the recomputation


def chain_log(api: Api) -> list[dict[str, Any]]:
    """Every log of the manifest contracts, decoded by web3.py from the node, with its block time."""
    w3 = api.chain.w3
    contracts = {
        Web3.to_checksum_address(c.address): w3.eth.contract(address=c.address, abi=api.runtime.contracts.abis[name])
        for name, c in api.chain.manifest.contracts.items()
    }
    logs = w3.eth.get_logs({"fromBlock": 0, "toBlock": "latest", "address": list(contracts)})
    times: dict[int, int] = {}
    decoded = []
    for log in logs:
        contract = contracts[Web3.to_checksum_address(log["address"])]
        for event in contract.events:
            try:
                entry = event.process_log(log)
            except Exception:
                continue
            break
        else:
            continue
        block = log["blockNumber"]
        if block not in times:
            times[block] = w3.eth.get_block(block)["timestamp"]
        decoded.append(
            {
                "event": entry["event"],
                "args": dict(entry["args"]),
                "t": times[block],
                "tx": "0x" + log["transactionHash"].hex(),
            }
        )
    return decoded


def q(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    return float(np.percentile(values, 50)), float(np.percentile(values, 90))


def expected(api: Api, start: int, end: int) -> dict[str, Any]:
    """The KPIs of [start, end), computed from the node's logs alone."""
    log = [e for e in chain_log(api) if e["t"] < end]
    inside = lambda t: t is not None and start <= t < end  # noqa: E731
    hexid = lambda b: "0x" + bytes(b).hex()  # noqa: E731
    registered, count, state_at = {}, {}, defaultdict(dict)
    filed, cleared, fin, alerts, tx_of = {}, {}, {}, {}, defaultdict(set)
    counts = defaultdict(int)
    for e in log:
        a, name = e["args"], e["event"]
        sid = (
            hexid(a["shipmentId"]) if "shipmentId" in a else hexid(a["declarationId"]) if "declarationId" in a else None
        )
        if name == "ShipmentRegistered":
            registered[sid], count[sid] = e["t"], a["containerCount"]
        elif name == "ShipmentStateChanged":
            state_at[sid].setdefault(STATES[a["state"] - 1], e["t"])
        elif name == "DeclarationFiled":
            filed.setdefault(sid, e["t"])
            counts["amendments"] += a["version"] > 1 and inside(e["t"])
        elif name == "DeclarationCleared":
            cleared[sid] = e["t"]
        elif name == "DecisionRecorded" and inside(e["t"]):
            counts[{1: "approvals", 2: "rejections", 3: "inspections"}[a["decision"]]] += 1
        elif name in ("HoldPlaced", "ShipmentHeld") and inside(e["t"]):
            counts[name] += 1
        elif name == "AlertRaised":
            alerts[a["alertId"]] = [e["t"], None]
        elif name == "AlertResolved":
            alerts[a["alertId"]][1] = e["t"]
        elif name == "FinancingRequested":
            fin[a["financingId"]] = {"sid": sid, "product": a["product"], "requested": e["t"]}
        elif name == "FinancingFunded":
            fin[a["financingId"]].update(funded=e["t"], amount=a["funded"])
        elif name == "FinancingStateChanged" and a["state"] == 6:
            fin[a["financingId"]]["repaid"] = e["t"]
        if "financingId" in a and a["financingId"] in fin:
            sid = fin[a["financingId"]]["sid"]
        if sid in registered:
            tx_of[sid].add(e["tx"])
    w3 = api.chain.w3
    gas = {
        sid: sum(w3.eth.get_transaction_receipt(tx)["gasUsed"] for tx in txs)
        for sid, txs in tx_of.items()
        if inside(state_at[sid].get("GATED_OUT"))
    }
    stages = []
    for begin, finish in itertools.pairwise(STATES):
        samples = [
            states[finish] - (registered[sid] if begin == "REGISTERED" else states[begin])
            for sid, states in state_at.items()
            if inside(states.get(finish))
        ]
        stages.append((f"{begin}->{finish}", len(samples), *q(samples)))
    done = [sid for sid, states in state_at.items() if inside(states.get("GATED_OUT"))]
    declarations = sum(1 for t in filed.values() if inside(t))
    funded = [f for f in fin.values() if inside(f.get("funded"))]
    return {
        "stages": stages,
        "end_to_end": q([state_at[sid]["GATED_OUT"] - registered[sid] for sid in done]),
        "clearance": q([cleared[sid] - filed[sid] for sid in cleared if inside(cleared[sid])]),
        "declarations": declarations,
        "cleared": sum(1 for t in cleared.values() if inside(t)),
        "counts": counts,
        "alerts": (sum(inside(r) for r, _ in alerts.values()), sum(inside(s) for _, s in alerts.values())),
        "resolve": q([s - r for r, s in alerts.values() if inside(s)]),
        "funded": len(funded),
        "volume": sum(f["amount"] for f in funded),
        "requested_to_funded": q([f["funded"] - f["requested"] for f in funded]),
        "funded_to_repaid": q([f["repaid"] - f["funded"] for f in fin.values() if inside(f.get("repaid"))]),
        "repaid_by_product": {
            p: sum(1 for f in fin.values() if f["product"] == p and inside(f.get("repaid"))) for p in (1, 2)
        },
        "containers": sum(count[sid] for sid in done),
        "gas": q(list(gas.values())),
        "gas_total": sum(gas.values()),
    }


def close(got: float | None, want: float | None) -> bool:
    return got == want if want is None else got is not None and abs(got - want) < 1e-6


def test_every_kpi_equals_its_recomputation_from_the_node_logs(api, replayed):
    start, end = replayed
    response = api.auditor.client.get("/v1/kpis", params={"from": start, "to": end})
    assert response.status_code == 200, response.text
    kpis = response.json()
    want = expected(api, start, end)

    assert [(s["stage"], s["seconds"]["count"], s["seconds"]["p50"], s["seconds"]["p90"]) for s in kpis["stages"]] == [
        pytest.approx(s) for s in want["stages"]
    ]
    assert all(s["seconds"]["count"] > 0 for s in kpis["stages"])
    assert close(kpis["endToEnd"]["p50"], want["end_to_end"][0])
    assert close(kpis["endToEnd"]["p90"], want["end_to_end"][1])
    customs = kpis["customs"]
    lead = customs["clearanceLeadTime"]
    assert (close(lead["p50"], want["clearance"][0]), close(lead["p90"], want["clearance"][1])) == (True, True)
    assert (customs["declarationsFiled"], customs["declarationsCleared"]) == (want["declarations"], want["cleared"])
    counts = want["counts"]
    assert (customs["holds"], customs["inspections"], customs["rejections"], customs["amendments"]) == (
        counts["HoldPlaced"],
        counts["inspections"],
        counts["rejections"],
        counts["amendments"],
    )
    assert customs["discrepancyHolds"] == counts["ShipmentHeld"]
    assert customs["holds"] >= 1
    assert customs["inspections"] >= 1
    assert customs["rejections"] >= 1
    assert customs["inspectionsPer100"] == pytest.approx(100 * counts["inspections"] / want["declarations"])
    assert customs["rejectionsPer100"] == pytest.approx(100 * counts["rejections"] / want["declarations"])
    assert customs["holdsPer100"] == pytest.approx(100 * counts["HoldPlaced"] / want["declarations"])

    alerts = kpis["alerts"]
    assert (alerts["raised"], alerts["resolved"]) == want["alerts"]
    assert alerts["raised"] >= 1
    assert alerts["openAtEnd"] == 0
    assert close(alerts["timeToResolve"]["p50"], want["resolve"][0])

    total = next(f for f in kpis["financing"] if f["product"] == "ALL")
    assert total["funded"] == want["funded"] >= 2
    assert sum(int(v["amount"]) for v in total["volume"]) == want["volume"]
    assert close(total["requestedToFunded"]["p50"], want["requested_to_funded"][0])
    assert close(total["fundedToRepaid"]["p90"], want["funded_to_repaid"][1])
    by_product = {f["product"]: f["repaid"] for f in kpis["financing"]}
    assert (by_product["ECOMMERCE"], by_product["TAX_REBATE"]) == (
        want["repaid_by_product"][1],
        want["repaid_by_product"][2],
    )
    assert by_product["TAX_REBATE"] >= 1  # settled by the tax authority's rebate-payment record

    volume = kpis["volume"]
    assert volume["containersGatedOut"] == want["containers"] == 7
    assert volume["teuGatedOut"] == 14
    assert volume["teuPerContainer"] == 2
    gas = kpis["gas"]
    assert gas["receiptsMissing"] == 0
    assert close(gas["perJourney"]["p50"], want["gas"][0])
    assert close(gas["perJourney"]["p90"], want["gas"][1])
    assert gas["total"] == want["gas_total"]


def test_a_later_period_is_empty_and_a_port_narrows(api, replayed):
    start, end = replayed
    later = api.auditor.client.get("/v1/kpis", params={"from": end + 10**6, "to": end + 2 * 10**6}).json()
    assert later["volume"]["shipmentsGatedOut"] == 0
    assert later["endToEnd"] == {
        "count": 0,
        "p50": None,
        "p90": None,
        "mean": None,
        "min": None,
        "max": None,
    }
    assert later["customs"]["holdsPer100"] is None
    both = api.auditor.client.get("/v1/kpis", params={"from": start, "to": end}).json()
    shunde = api.auditor.client.get("/v1/kpis", params={"from": start, "to": end, "port": "CNSUD"}).json()
    assert shunde["port"] == "CNSUD"
    assert shunde["volume"]["shipmentsGatedOut"] == both["volume"]["shipmentsGatedOut"]  # every journey touches Shunde


def test_bad_periods_and_ports_are_problems(api, replayed):
    start, end = replayed
    auditor = api.auditor.client
    cases = [
        ({"from": end, "to": start}, "query.from", "starts"),
        ({"from": start, "to": start}, "query.to", "empty"),
        ({"from": start, "to": end, "port": "CNXXX"}, "query.port", "not a consortium port"),
        ({"from": start, "to": end, "port": "shekou"}, "query.port", ""),
        ({"from": "yesterday"}, "query.from", ""),
    ]
    for params, field, words in cases:
        response = auditor.get("/v1/kpis", params=params)
        assert response.status_code == 422, (params, response.text)
        problem = response.json()
        assert response.headers["content-type"].startswith("application/problem+json")
        assert [e["field"] for e in problem["errors"]] == [field], problem
        assert words in problem["detail"] or words in str(problem["errors"]), problem
    assert "did you mean CNSHK or CNSUD" in auditor.get("/v1/kpis", params={"port": "CNXXX"}).json()["detail"]
    forbidden = api.shipper.client.get("/v1/kpis")
    assert forbidden.status_code == 403
    assert forbidden.json()["type"] == "/problems/forbidden"
    assert api.shekou_customs.client.get("/v1/kpis").status_code == 200


def test_the_tax_authority_reads_rebate_advances_and_no_other_financing(api, replayed):
    listed = api.tax_authority.client.get("/v1/financings").json()
    assert listed["total"] >= 1
    assert {f["product"] for f in listed["data"]} == {"TAX_REBATE"}
    rebate = listed["data"][0]
    assert rebate["state"] == "REPAID"
    assert rebate["rebateRecordedBy"] == api.tax_authority.address
    assert api.tax_authority.client.get(f"/v1/financings/{rebate['financingId']}").status_code == 200
    ecommerce = api.auditor.client.get("/v1/financings", params={"state": "REPAID"}).json()["data"]
    other = next(f for f in ecommerce if f["product"] == "ECOMMERCE")
    assert api.tax_authority.client.get(f"/v1/financings/{other['financingId']}").status_code == 403


def test_recording_a_rebate_twice_or_by_another_member_is_refused(api, replayed):
    rebate = api.tax_authority.client.get("/v1/financings").json()["data"][0]
    body = {"paymentRef": "0x" + "ab" * 32}
    again = api.tax_authority.write(
        "POST", f"/v1/financings/{rebate['financingId']}/rebate-payments", body, confirm="true"
    )
    assert again.status_code == 409, again.text
    assert again.json()["type"] == "/problems/unexpected-state"
    bad = api.tax_authority.write(
        "POST", f"/v1/financings/{rebate['financingId']}/rebate-payments", {"paymentRef": "0x12"}
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "body.paymentRef"


def test_private_key_helper_matches_the_pilot_stack():
    from portlink.pilot.stack import ROLES, dev_key

    assert all(dev_key(index) == private_key(index) for index in ROLES.values())
    assert Path(SCENARIO).exists()
