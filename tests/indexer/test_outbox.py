"""The notification outbox and the DCSA Track & Trace rows: every milestone, bill of lading and customs event DCSA
knows has its `dcsa_events` row and one `dcsa` outbox row, every alert and hold event one `alerts` outbox row,
written in the range's transaction, numbered in chain order; a reorganisation removes the rows of the blocks it
replaces and the new blocks' events are announced again with higher numbers (a subscription's cursor never passes
an event it has not been sent)."""

from __future__ import annotations

from portlink.manifest import CUSTOMS, IOT, SHIPMENTS
from portlink.store import schema
from sqlalchemy import func, select

from tests.indexer.test_reorg import _replacement

ALERT_EVENTS = {(IOT, "AlertRaised"), (IOT, "AlertResolved"), (CUSTOMS, "HoldPlaced"), (CUSTOMS, "HoldReleased")}


def _state(engine):
    o, d, e = schema.outbox, schema.dcsa_events, schema.events
    with engine.connect() as conn:
        outbox = conn.execute(select(o).order_by(o.c.seq)).mappings().all()
        dcsa = {(r.block_hash, r.log_index) for r in conn.execute(select(d.c.block_hash, d.c.log_index))}
        logs = conn.execute(select(e.c.contract, e.c.event, e.c.block_hash, e.c.log_index, e.c.args)).all()
        milestones = conn.execute(select(func.count()).select_from(schema.milestones)).scalar_one()
    return outbox, dcsa, logs, milestones


def _check(engine) -> list:
    outbox, dcsa, logs, milestones = _state(engine)
    announced = {
        topic: [(r["block_hash"], r["log_index"]) for r in outbox if r["topic"] == topic]
        for topic in ("dcsa", "alerts")
    }
    assert len(announced["dcsa"]) == len(set(announced["dcsa"])), "an event announced twice"
    assert set(announced["dcsa"]) == dcsa
    alerts = {(h, i) for c, n, h, i, _ in logs if (c, n) in ALERT_EVENTS}
    assert set(announced["alerts"]) == alerts
    bills = sum(
        1 for c, n, _, _, a in logs if (c, n) == (SHIPMENTS, "DocumentAnchored") and a["docType"] == "BILL_OF_LADING"
    )
    customs = sum(
        1
        for c, n, _, _, a in logs
        if c == CUSTOMS
        and (
            n in ("DeclarationFiled", "DeclarationCleared", "HoldPlaced", "HoldReleased")
            or (n == "DecisionRecorded" and a["decision"] == "REJECT")
        )
    )
    assert len(dcsa) == milestones + bills + customs
    # Numbered in chain order.
    positions = [(r["block_number"], r["log_index"]) for r in outbox]
    assert positions == sorted(positions)
    return list(outbox)


def test_the_outbox_announces_each_event_once_in_chain_order_and_follows_reorganisations(anvil, database, follow):
    w3 = anvil.w3
    anvil.activity.mixed(2)
    follower = follow(anvil.indexer(database()))
    follower.synced(w3)
    engine = follower.indexer.store.engine
    before = _check(engine)
    assert {r["topic"] for r in before} == {"dcsa", "alerts"}
    anvil.activity.journey(2, hold=True)
    follower.synced(w3)
    newest = max(r["seq"] for r in _check(engine))
    head = w3.eth.block_number
    result = w3.provider.make_request("anvil_reorg", [3, [[tx, 0] for tx in _replacement(anvil.activity, 7)]])
    assert "error" not in result, result
    anvil.activity.journey(1)  # more events on the new branch
    follower.synced(w3)
    after = _check(engine)
    kept = [r for r in after if r["block_number"] <= head - 3]
    again = [r for r in after if r["block_number"] > head - 3]
    assert again, "nothing announced on the new branch"
    assert all(r["seq"] <= newest for r in kept)
    assert all(r["seq"] > newest for r in again)  # numbers are never reused
