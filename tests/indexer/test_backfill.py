"""Backfill: the store holds exactly the chain's logs, decoded, and the projections say what the chain says."""

from __future__ import annotations

import json

from portlink.domain import readable
from portlink.domain.finance import Condition, FinancingState, Product
from portlink.domain.iot import AlertState, DeviceKind, DeviceState, Rule
from portlink.indexer.catalog import to_json
from portlink.indexer.indexer import IndexerConfig
from portlink.store import schema
from sqlalchemy import func, select

from tests.indexer.conftest import SMALL, chain_logs, dump, fresh_dump


def _read(param, event, value):
    read = readable.reader(param, event)
    return value if read is None else read(value)


def _rows(engine, table, *where):
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(table).where(*where)).mappings()]


def test_backfill_stores_every_log_of_every_contract_decoded_as_web3_decodes_it(anvil, database):
    sids = anvil.activity.mixed(4)
    indexer = anvil.indexer(database())
    indexer.run(until_head=True)
    engine = indexer.store.engine

    expected = chain_logs(anvil)
    stored = _rows(engine, schema.raw_logs)
    assert [
        (r["block_hash"], r["log_index"]) for r in sorted(stored, key=lambda r: (r["block_number"], r["log_index"]))
    ] == [(log["blockHash"].to_0x_hex(), log["logIndex"]) for log in expected]
    by_key = {(r["block_hash"], r["log_index"]): r for r in stored}
    for log in expected:
        row = by_key[(log["blockHash"].to_0x_hex(), log["logIndex"])]
        assert row["data"] == log["data"].to_0x_hex()
        assert [row[f"topic{i}"] for i in range(len(log["topics"]))] == [t.to_0x_hex() for t in log["topics"]]
        assert row["transaction_hash"] == log["transactionHash"].to_0x_hex()
        assert row["address"] == log["address"].lower()

    # Every log decodes, and to the arguments web3.py's own decoder finds (checksummed, hex, wide ints as text),
    # read with PortLink's vocabulary (codes as text, enums by name: tests/indexer/test_readable.py).
    events = {(r["block_hash"], r["log_index"]): r for r in _rows(engine, schema.events)}
    assert len(events) == len(expected)
    contracts = {
        c.address.lower(): (
            name,
            anvil.w3.eth.contract(abi=json.loads((anvil.manifest_path.parent / c.abi).read_text())),
        )
        for name, c in anvil.manifest.contracts.items()
    }
    names = set()
    for log in expected:
        name, contract = contracts[log["address"].lower()]
        event = events[(log["blockHash"].to_0x_hex(), log["logIndex"])]
        decoded = next(d for e in contract.events for d in [_try(e, log)] if d is not None)
        assert (event["contract"], event["event"]) == (name, decoded["event"])
        abi_inputs = next(i for i in contract.abi if i.get("name") == decoded["event"] and i["type"] == "event")
        assert event["args"] == {
            p["name"]: _read(p, event["event"], to_json(p, decoded["args"][p["name"]])) for p in abi_inputs["inputs"]
        }
        names.add((name, event["event"]))
    assert {
        ("ConsortiumRegistry", "MemberAdded"),
        ("ShipmentRegistry", "DiscrepancyCleared"),
        ("CustomsClearance", "HoldReleased"),
        ("CustomsClearance", "DeclarationCleared"),
        ("ConsortiumGovernance", "VoteCast"),
        ("TradeFinanceEscrow", "FinancingDefaulted"),
        ("TradeFinanceEscrow", "RebateRecorded"),
        ("IoTMonitor", "AlertResolved"),
        ("IoTMonitor", "BatchAnchored"),
    } <= names

    # Projections: current state of each shipment and declaration, milestones, documents, decisions, holds.
    shipments = {r["shipment_id"]: r for r in _rows(engine, schema.shipments)}
    assert set(shipments) == {"0x" + s.hex() for s in sids}
    for sid in sids:
        row = shipments["0x" + sid.hex()]
        assert row["state"] == "DEPARTED"
        assert row["held"] is anvil.activity.shipments.functions.isHeld(sid).call()
        assert row["origin_port"] == "CNSHK"
        assert row["destination_port"] == "CNSUD"
    declarations = _rows(engine, schema.declarations)
    assert {d["state"] for d in declarations} == {"CLEARED"}
    assert all(d["hs_codes"] == ["854231", "940360"] and d["currency"] == "CNY" for d in declarations)
    assert all(d["customs_value"] == "125000" for d in declarations)
    decisions = _rows(engine, schema.customs_decisions)
    assert len(decisions) == 2 * len(sids)
    assert {d["decision"] for d in decisions} == {"APPROVE"}
    holds = _rows(engine, schema.customs_holds)
    assert len(holds) == 1
    assert holds[0]["active"] is False
    assert holds[0]["port"] == "CNSUD"
    discrepancies = _rows(engine, schema.discrepancies)
    assert len(discrepancies) == 1
    assert discrepancies[0]["kind"] == "WEIGHT"
    assert discrepancies[0]["cleared_by"]
    milestones = _rows(engine, schema.milestones)
    assert {m["milestone"] for m in milestones} == {"GTIN", "LOAD", "DEPA"}
    containers = _rows(engine, schema.containers)
    assert len(containers) == sum(1 + i % 3 for i in range(4))
    assert {c["last_milestone"] for c in containers} == {"LOAD"}
    assert len(_rows(engine, schema.documents)) == len(sids)
    members = {m["account"]: m for m in _rows(engine, schema.members)}
    assert members[anvil.activity.who.outsider]["name"] == "Newcomer Trading"
    roles = {(r["account"], r["role"], r["port"]) for r in _rows(engine, schema.member_roles)}
    assert (anvil.activity.who.shekou_customs, "CUSTOMS", "CNSHK") in roles
    assert (anvil.activity.who.outsider, "SHIPPER", "") in roles
    assert {p["code"] for p in _rows(engine, schema.ports)} == {"CNSHK", "CNSUD"}
    _assert_financings_as_the_escrow_holds_them(anvil.activity, engine)
    _assert_iot_as_the_monitor_holds_it(anvil.activity, engine, sids)

    # Confirmation: rows deeper than `confirmations` blocks are confirmed, the newest ones are not.
    state = indexer.store.state()
    head = anvil.w3.eth.block_number
    assert state.checkpoint_block == head
    assert state.final_block == head - SMALL.confirmations
    for row in _rows(engine, schema.events):
        assert row["confirmed"] is (row["block_number"] <= state.final_block)


ZERO = "0x" + "00" * 20


def _struct(contract, function: str, *args) -> dict:
    """A getter's struct result by field name."""
    (abi,) = [f for f in contract.abi if f.get("name") == function and f["type"] == "function"]
    names = [c["name"] for c in abi["outputs"][0]["components"]]
    return dict(zip(names, getattr(contract.functions, function)(*args).call(), strict=True))


def _assert_financings_as_the_escrow_holds_them(activity, engine):
    """Every financing row is the escrow's `getFinancing` (NULL where the chain has zero: terms not offered, not
    funded), every credit row its `withdrawable`; and the journeys' ends are all there."""
    escrow, who = activity.escrow, activity.who
    rows = {r["financing_id"]: r for r in _rows(engine, schema.financings)}
    assert sorted(rows) == list(range(1, escrow.functions.financingCount().call() + 1))
    for fid, row in rows.items():
        chain = _struct(escrow, "getFinancing", fid)
        assert {
            "state": FinancingState[row["state"]],
            "product": Product[row["product"]],
            "condition": Condition[row["condition"] or "NONE"],
            "feeBps": row["fee_bps"] or 0,
            "fundBy": row["fund_by"] or 0,
            "releaseBy": row["release_by"] or 0,
            "maturity": row["maturity"] or 0,
            "shipmentId": bytes.fromhex(row["shipment_id"][2:]),
            "exporter": row["exporter"],
            "financier": row["financier"] or ZERO,
            "token": row["token"] or ZERO,
            **{k: int(row[k] or 0) for k in ("amount", "funded", "released", "refunded", "repaid", "due")},
        } == chain, f"financing {fid}"
        assert row["requested_at"] is not None
        assert (row["funded_at"] is not None) is (chain["funded"] > 0)
        assert (row["released_at"] is not None) is (chain["released"] > 0)
    ends = {r["state"] for r in rows.values()}
    assert ends == {"CANCELLED", "REPAID", "EXPIRED", "REFUNDED", "DEFAULTED"}
    (refunded,) = [r for r in rows.values() if r["state"] == "REFUNDED"]
    assert refunded["refund_reason"] == "RELEASE_DEADLINE_PASSED"
    (rebate,) = [r for r in rows.values() if r["product"] == "TAX_REBATE"]
    assert (rebate["state"], rebate["rebate_recorded_by"]) == ("REPAID", who.tax_authority)
    assert rebate["rebate_payment_ref"].startswith("0x")
    assert int(rebate["rebate_payment_ref"], 16) != 0
    assert all(r["rebate_payment_ref"] is None for r in rows.values() if r is not rebate)
    (defaulted,) = [r for r in rows.values() if r["state"] == "DEFAULTED"]
    assert 0 < int(defaulted["repaid"]) < int(defaulted["due"])

    credits = {(r["token"], r["account"]): r for r in _rows(engine, schema.escrow_credits)}
    token = activity.token.address
    assert {account for _, account in credits} == {who.shipper, who.financier}
    for (credit_token, account), row in credits.items():
        assert credit_token == token
        assert int(row["withdrawable"]) == escrow.functions.withdrawable(token, account).call()
        assert int(row["credited"]) - int(row["withdrawn"]) == int(row["withdrawable"])
    assert int(credits[(token, who.shipper)]["withdrawable"]) > 0  # the defaulted financing's release, kept
    assert sum(int(r["withdrawable"]) for r in credits.values()) <= escrow.functions.totalOwed(token).call()


def _assert_iot_as_the_monitor_holds_it(activity, engine, sids):
    """Devices, alerts, batches, gateway authorisations and rules as the monitor's getters answer."""
    iot, who = activity.iot, activity.who
    devices = _rows(engine, schema.iot_devices)
    assert len(devices) == len(sids)
    for row in devices:
        chain = _struct(iot, "getDevice", bytes.fromhex(row["device_id"][2:]))
        assert {
            "state": DeviceState[row["state"]],
            "kind": DeviceKind[row["kind"]],
            "containerIndex": row["container_index"],
            "lastSequence": row["last_sequence"],
            "gateway": row["gateway"],
            "signer": row["signer"],
            "container": row["container"].encode(),
            "shipmentId": bytes.fromhex(row["shipment_id"][2:]),
        } == chain
    assert {d["state"] for d in devices} == {"ACTIVE", "REVOKED"}

    alerts = {r["alert_id"]: r for r in _rows(engine, schema.iot_alerts)}
    assert sorted(alerts) == list(range(1, iot.functions.alertCount().call() + 1))
    for alert_id, row in alerts.items():
        chain = _struct(iot, "getAlert", alert_id)
        assert {
            "state": AlertState[row["state"]],
            "kind": DeviceKind[row["kind"]],
            "rule": Rule[row["rule"]],
            "value": row["value"],
            "readingTimestamp": row["reading_timestamp"],
            "raisedAt": row["raised_at"],
            "shipmentId": bytes.fromhex(row["shipment_id"][2:]),
            "deviceId": bytes.fromhex(row["device_id"][2:]),
            "resolvedBy": row["resolved_by"] or ZERO,
        } == chain
        assert (row["kind"], row["rule"], row["value"], row["sequence"]) == ("TEMPERATURE", "TEMPERATURE", -1200, 4)
    resolved = [a for a in alerts.values() if a["state"] == "RESOLVED"]
    assert resolved
    assert all(a["reason"] and a["resolved_by"] == who.shekou_customs for a in resolved)
    assert any(a["state"] == "OPEN" and a["reason"] is None for a in alerts.values())
    for sid in sids:
        assert iot.functions.openAlerts(sid).call() == sum(
            a["state"] == "OPEN" for a in alerts.values() if a["shipment_id"] == "0x" + sid.hex()
        )

    batches = {r["batch_id"]: r for r in _rows(engine, schema.iot_batches)}
    assert sorted(batches) == list(range(1, iot.functions.batchCount().call() + 1))
    for batch_id, row in batches.items():
        chain = _struct(iot, "getBatch", batch_id)
        assert chain == {
            "root": bytes.fromhex(row["root"][2:]),
            "count": row["count"],
            "anchoredAt": row["block_timestamp"],
            "gateway": row["gateway"],
        }

    authorisations = _rows(engine, schema.iot_gateway_authorisations)
    assert {(a["authorised"], a["set_by"]) for a in authorisations} == {(True, who.shipper), (False, who.shipper)}
    for row in authorisations:
        sid = bytes.fromhex(row["shipment_id"][2:])
        assert iot.functions.isAuthorisedGateway(sid, row["gateway"]).call() is row["authorised"]
    rules = _rows(engine, schema.iot_rules)
    assert {(tuple(r["enabled"]), tuple(r["corridor"]), r["min_temperature"]) for r in rules} == {
        (("TEMPERATURE", "CORRIDOR", "SHOCK"), ("CNSHK", "HKHKG", "CNSUD"), -2500)
    }
    for row in rules:
        enabled, low, high, shock, corridor = iot.functions.getRules(bytes.fromhex(row["shipment_id"][2:])).call()
        assert sum(Rule[name] for name in row["enabled"]) == enabled
        assert (row["min_temperature"], row["max_temperature"], row["max_shock"]) == (low, high, shock)
        assert row["corridor"] == [bytes(c).decode() for c in corridor]
        assert row["set_by"] == who.shipper


def _try(event, log):
    try:
        return event().process_log(log)
    except Exception:
        return None


def test_indexing_again_adds_nothing_and_a_second_store_agrees(anvil, database):
    anvil.activity.mixed(2)
    url = database()
    first = fresh_dump(anvil, url)
    again = anvil.indexer(url)
    again.run(until_head=True)
    assert dump(again.store.engine) == first
    assert fresh_dump(anvil, database()) == first
    with again.store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.events)).scalar_one() == len(chain_logs(anvil))


def test_reading_ahead_in_a_second_process_stores_exactly_what_reading_in_process_stores(anvil, database):
    anvil.activity.mixed(3)
    ahead = anvil.indexer(database())
    ahead.run(until_head=True)
    assert ahead.prefetcher is not None
    assert ahead.prefetcher.taken >= 5, "the backfill did not read ahead"
    in_process = IndexerConfig(**{**SMALL.__dict__, "read_ahead": False})
    assert dump(ahead.store.engine) == fresh_dump(anvil, database(), in_process)
    anvil.activity.mixed(1)  # and the read-ahead process is started again by the next run
    ahead.run(until_head=True)
    assert dump(ahead.store.engine) == fresh_dump(anvil, database(), in_process)


MANY = 50


def test_large_ranges_bulk_written_then_reorganised_give_the_store_of_small_ranges(anvil, database):
    """Ranges of hundreds of logs (streamed by COPY on PostgreSQL, one executemany per table on SQLite) for logs,
    events, milestones, undo entries and new or changed entity rows; rolled back after a reorganisation, the
    store still equals one written in small ranges."""
    anvil.activity.mixed(6)
    large = IndexerConfig(
        **{
            **SMALL.__dict__,
            "initial_block_range": 1000,
            "max_block_range": 1000,
            "target_logs": 5000,
            "reorg_window": 1000,
        }
    )
    indexer = anvil.indexer(database(), large)
    indexer.run(until_head=True)
    with indexer.store.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.raw_logs)).scalar_one() >= MANY
        assert conn.execute(select(func.count()).select_from(schema.projection_undo)).scalar_one() >= MANY
    assert dump(indexer.store.engine) == fresh_dump(anvil, database())
    sid, inputs = anvil.activity.register(MANY + 10)  # a range of many new entity rows
    indexer.run(until_head=True)
    for index, (_, kg, seals) in enumerate(inputs):  # and one of many changed ones
        anvil.activity.send(
            anvil.activity.shipments.functions.gateIn(sid, index, kg, seals), anvil.activity.who.shekou_terminal
        )
    anvil.activity.journey(2)
    indexer.run(until_head=True)
    assert dump(indexer.store.engine) == fresh_dump(anvil, database())
    anvil.w3.provider.make_request("anvil_reorg", [3, []])
    indexer.run(until_head=True)
    assert dump(indexer.store.engine) == fresh_dump(anvil, database())
