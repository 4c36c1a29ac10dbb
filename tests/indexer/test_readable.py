"""Indexed event arguments read as people expect (portlink.domain.readable): UN/LOCODEs, containers, seals and
reason codes as text, every enum by name (an AlertRaised rule reads TEMPERATURE, as the telemetry warning does),
times, sequence numbers and counting ids as numbers, amounts as decimal strings. An index written with the old,
hex-and-numbers decoding is read again from the chain by migration 0005."""

from __future__ import annotations

import re
from importlib.resources import files

from alembic import command
from alembic.config import Config
from portlink.domain.readable import ENUMS
from portlink.indexer.catalog import EventCatalog
from portlink.store import schema
from portlink.store.engine import migrate, open_engine
from portlink.store.schema import api_keys
from sqlalchemy import insert, select

from tests.indexer.conftest import dump, fresh_dump

UNLOCODE = re.compile(r"[A-Z]{2}[A-Z2-9]{3}")
#: The IoT rule fields: a plain uint8 in the ABI, rule names when read.
RULE_BITS = {("AlertRaised", "rule"), ("RulesSet", "enabled")}


def _events(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(schema.events).order_by(schema.events.c.block_number)).mappings()]


def test_indexed_arguments_read_as_people_expect(anvil, database):
    anvil.activity.mixed(3)
    indexer = anvil.indexer(database())
    indexer.run(until_head=True)
    events = _events(indexer.store.engine)
    abis = {(e.contract, e.name): e.inputs for e in anvil.catalog().event_types()}
    seen: set[str] = set()
    for row in events:
        args = row["args"]
        for param in abis[(row["contract"], row["event"])]:
            value, kind = args[param["name"]], param["type"]
            internal = param.get("internalType", "")
            if internal.startswith("enum "):
                enum = ENUMS[internal.rsplit(".", 1)[-1]]
                assert value in enum.__members__, (row["event"], param["name"], value)
                seen.add("enum")
            elif kind == "bytes5":  # none: a role held at no port
                assert value is None or UNLOCODE.fullmatch(value), (row["event"], param["name"], value)
                seen.add("port")
            elif (row["event"], param["name"]) in RULE_BITS:
                assert value in ("TEMPERATURE", "SEAL", "CORRIDOR", "SHOCK") or isinstance(value, list)
            elif re.fullmatch(r"u?int(\d+)", kind) and int(re.sub(r"\D", "", kind)) <= 64:
                assert isinstance(value, int), (row["event"], param["name"], value)
            elif kind in ("uint128", "uint256") and ("amount" in param["name"].lower() or param["name"] == "due"):
                assert isinstance(value, str), (row["event"], param["name"], value)
                assert value.isdigit()
    assert seen == {"enum", "port"}

    def first(event: str) -> dict:
        return next(r["args"] for r in events if r["event"] == event)

    hold = first("HoldPlaced")
    assert (hold["port"], hold["reasonCode"]) == ("CNSUD", "X-RAY")
    decision = first("DecisionRecorded")
    assert (decision["decision"], decision["reasonCode"]) == ("APPROVE", None)  # an approval gives no reason
    container = first("ContainerRegistered")
    assert re.fullmatch(r"PLKU\d{7}", container["number"])
    assert all(seal.startswith("SL") for seal in container["seals"])
    assert first("AlertRaised")["rule"] in {"TEMPERATURE", "SEAL", "CORRIDOR", "SHOCK"}
    rules = first("RulesSet")
    assert rules["enabled"] == ["TEMPERATURE", "CORRIDOR", "SHOCK"]
    assert rules["corridor"] == ["CNSHK", "HKHKG", "CNSUD"]
    assert isinstance(first("FinancingRequested")["financingId"], int)
    assert first("FinancingRequested")["product"] in {"ECOMMERCE", "TAX_REBATE"}
    assert first("MemberRoleGranted")["role"] in {"PORT_AUTHORITY", "CUSTOMS", "TERMINAL", "CARRIER", "SHIPPER"}
    assert first("ProposalCreated")["kind"] == "ADD_MEMBER"
    milestones = {r["args"]["milestone"] for r in events if r["event"] == "EquipmentEventRecorded"}
    assert {"GTIN", "LOAD"} <= milestones


def test_an_index_written_with_the_old_decoding_is_read_again_by_migration_0004(anvil, database):
    anvil.activity.mixed(2)
    expected = fresh_dump(anvil, new := database())
    # An index as the old code left it, at revision 0003: the same logs, their arguments decoded generically (hex
    # and numbers), and an API key, which does not come from the chain.
    url = database()
    engine = open_engine(url)
    config = Config()
    config.set_main_option("script_location", str(files("portlink.store") / "migrations"))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0003")
    generic = EventCatalog(anvil.catalog().contracts)
    source = open_engine(new)
    with source.connect() as old, engine.begin() as conn:
        for table in (schema.raw_logs, schema.index_state, schema.indexed_contracts, schema.blocks):
            rows = [dict(r) for r in old.execute(select(table)).mappings()]
            conn.execute(insert(table), rows)
        logs = {(r["block_hash"], r["log_index"]): r for r in old.execute(select(schema.raw_logs)).mappings()}
        events = []
        for row in old.execute(select(schema.events)).mappings():
            log = logs[(row["block_hash"], row["log_index"])]
            topics = [t for t in (log["topic0"], log["topic1"], log["topic2"], log["topic3"]) if t is not None]
            event = generic.event(log["address"], log["topic0"])
            events.append({**row, "args": event.decode(topics, log["data"])})
        conn.execute(insert(schema.events), events)
        conn.execute(
            insert(api_keys),
            {
                "key_id": "k1",
                "secret_sha256": "00" * 32,
                "member": anvil.activity.who.shipper,
                "label": "kept",
                "created_at": 0.0,
            },
        )
    ports = {r["args"]["originPort"] for r in _events(engine) if r["event"] == "ShipmentRegistered"}
    assert ports == {"0x434e53484b"}  # hex, as the old decoding stored it

    migrate(engine)  # 0005: the rows from the chain are gone, the position back before the deployment
    with engine.connect() as conn:
        assert conn.execute(select(schema.events)).first() is None
        assert conn.execute(select(schema.raw_logs)).first() is None
        assert conn.execute(select(api_keys.c.label)).scalars().all() == ["kept"]  # not from the chain: kept
        start = min(c.block_number for c in anvil.manifest.contracts.values()) - 1
        assert conn.execute(select(schema.index_state.c.checkpoint_block)).scalar_one() == start
    anvil.indexer(url).run(until_head=True)
    assert dump(engine) == expected
    assert {r["args"]["originPort"] for r in _events(engine) if r["event"] == "ShipmentRegistered"} == {"CNSHK"}
