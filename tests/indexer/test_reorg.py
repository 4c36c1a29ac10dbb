"""Reorganisations while following the head: after `anvil_reorg` of depth 1 to 5 (with other transactions in the
new blocks) the store equals a fresh index of the canonical chain, projections included: shipments, and the
financings, escrow credits, IoT devices, authorisations, alerts and batches the replaced blocks changed."""

from __future__ import annotations

import pytest
from portlink.errors import ReorgTooDeepError
from portlink.indexer.indexer import IndexerConfig
from portlink.store import schema
from sqlalchemy import select

from tests.indexer.activity import SHEKOU, SHUNDE, container_number, seal
from tests.indexer.conftest import SMALL, dump, fresh_dump


def _replacement(activity, reference_seed: int) -> list:
    """Transactions for the new blocks of a reorganisation: a shipment registered there instead."""
    activity.references += 1000 + reference_seed
    activity.serial += 1
    reference = f"REORG{activity.references:06d}"
    registration = (
        activity.who.consignee,
        activity.who.carrier,
        SHEKOU,
        SHUNDE,
        reference,
        bytes(31) + b"\1",
        [(container_number("RGO", activity.serial), 21_000, [seal(f"RG{activity.serial:06d}")])],
    )
    deadline, signature = activity.attestation(registration)
    data = activity.shipments.functions.register(registration, deadline, signature).build_transaction(
        {"from": activity.who.shipper, "gas": 2_000_000}
    )
    return [{"from": activity.who.shipper, "to": data["to"], "data": data["data"], "gas": hex(2_000_000)}]


def test_reorgs_of_depth_one_to_five_while_following_leave_the_store_of_the_canonical_chain(anvil, database, follow):
    w3 = anvil.w3
    anvil.activity.mixed(2)
    follower = follow(anvil.indexer(database()))
    follower.synced(w3)
    for depth in range(1, 6):
        sid = anvil.activity.journey(2, discrepancy=depth % 2 == 0)  # its last blocks change projections
        follower.synced(w3)
        replaced = [[tx, 0] for tx in _replacement(anvil.activity, depth)]
        result = w3.provider.make_request("anvil_reorg", [depth, replaced])
        assert "error" not in result, result
        follower.synced(w3)
        # The shipment's last milestones were in the replaced blocks: its state went back.
        with follower.indexer.store.engine.connect() as conn:
            state = conn.execute(
                select(schema.shipments.c.state).where(schema.shipments.c.shipment_id == "0x" + sid.hex())
            ).scalar_one()
        assert state != "DEPARTED"
        assert dump(follower.indexer.store.engine) == fresh_dump(anvil, database()), f"after a reorg of depth {depth}"


#: The projections of the escrow and the IoT monitor.
TRADE_TABLES = [
    t.name
    for t in (
        schema.financings,
        schema.escrow_credits,
        schema.iot_devices,
        schema.iot_gateway_authorisations,
        schema.iot_rules,
        schema.iot_alerts,
        schema.iot_batches,
    )
]


def test_reorgs_of_financing_and_iot_blocks_restore_their_projections(anvil, database, follow):
    """Each step's last `depth` transactions change financings, credits, devices, authorisations, alerts or
    batches: withdrawals; a default after a repayment; a withdrawn authorisation and a revoked device; a resolved
    breach with its batch and binding; a tax rebate recorded after release and funding."""
    w3, activity = anvil.w3, anvil.activity
    activity.mixed(1)
    follower = follow(anvil.indexer(database()))
    follower.synced(w3)
    steps = [
        (1, lambda sid: activity.finance(sid, "repaid")),
        (3, lambda sid: activity.finance(sid, "defaulted")),
        (2, lambda sid: activity.watch(sid, resolve=True, revoke=True)),
        (4, lambda sid: activity.watch(sid, resolve=True)),
        (5, lambda sid: activity.finance(sid, "rebate")),
    ]
    for depth, step in steps:
        step(activity.journey(1))
        follower.synced(w3)
        before = {name: rows for name, rows in dump(follower.indexer.store.engine).items() if name in TRADE_TABLES}
        result = w3.provider.make_request("anvil_reorg", [depth, [[tx, 0] for tx in _replacement(activity, depth)]])
        assert "error" not in result, result
        follower.synced(w3)
        after = dump(follower.indexer.store.engine)
        assert {name: after[name] for name in TRADE_TABLES} != before, f"the reorg of depth {depth} undid nothing"
        assert after == fresh_dump(anvil, database()), f"after a reorg of depth {depth}"


def test_a_reorg_deeper_than_the_window_stops_the_indexer(anvil, database):
    config = IndexerConfig(**{**SMALL.__dict__, "reorg_window": 3, "confirmations": 1})
    anvil.activity.mixed(1)
    indexer = anvil.indexer(database(), config)
    indexer.run(until_head=True)
    anvil.w3.provider.make_request("anvil_reorg", [6, [[tx, 0] for tx in _replacement(anvil.activity, 9)]])
    with pytest.raises(ReorgTooDeepError, match="deeper than"):
        indexer.run(until_head=True)
