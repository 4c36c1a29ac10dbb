"""Backfill: the store holds exactly the chain's logs, decoded, and the projections say what the chain says."""

from __future__ import annotations

import json

from portlink.indexer import schema
from portlink.indexer.bulk import COPY_THRESHOLD
from portlink.indexer.catalog import to_json
from portlink.indexer.indexer import IndexerConfig
from sqlalchemy import func, select

from tests.indexer.conftest import SMALL, chain_logs, dump, fresh_dump


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

    # Every log decodes, and to the arguments web3.py's own decoder finds (checksummed, hex, wide ints as text).
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
        assert event["args"] == {p["name"]: to_json(p, decoded["args"][p["name"]]) for p in abi_inputs["inputs"]}
        names.add((name, event["event"]))
    assert {
        ("ConsortiumRegistry", "MemberAdded"),
        ("ShipmentRegistry", "DiscrepancyCleared"),
        ("CustomsClearance", "HoldReleased"),
        ("CustomsClearance", "DeclarationCleared"),
        ("ConsortiumGovernance", "VoteCast"),
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

    # Confirmation: rows deeper than `confirmations` blocks are confirmed, the newest ones are not.
    state = indexer.store.state()
    head = anvil.w3.eth.block_number
    assert state.checkpoint_block == head
    assert state.final_block == head - SMALL.confirmations
    for row in _rows(engine, schema.events):
        assert row["confirmed"] is (row["block_number"] <= state.final_block)


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


def test_large_ranges_bulk_written_then_reorganised_give_the_store_of_small_ranges(anvil, database):
    """Ranges of hundreds of logs take the bulk path (COPY on PostgreSQL) for logs, events, milestones, undo
    entries and new or changed entity rows; rolled back after a reorganisation, the store still equals one
    written in small ranges."""
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
        assert conn.execute(select(func.count()).select_from(schema.raw_logs)).scalar_one() >= COPY_THRESHOLD
        assert conn.execute(select(func.count()).select_from(schema.projection_undo)).scalar_one() >= COPY_THRESHOLD
    assert dump(indexer.store.engine) == fresh_dump(anvil, database())
    sid, inputs = anvil.activity.register(COPY_THRESHOLD + 10)  # a range of many new entity rows
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
