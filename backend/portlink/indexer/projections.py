"""Projections: the tables the API reads, built from decoded events, and rolled back exactly on a reorg.

A handler per (contract, event) reads and writes rows through a :class:`Projector`, which keeps the rows a range
of blocks touches in memory and writes them once at the end of the range, in the range's transaction. For every
row and every block that changes it, the projector records the row as it was before that block in
``projection_undo`` (only for blocks a reorganisation can still reach), so that rolling back to any block
restores every projection exactly. Rows with one row per event (milestones, documents, decisions) carry their
log's key and are rolled back by block number like the log itself.

Events without a handler (governance proposals, parameters, nonces, token transfers) are still stored, decoded,
in ``events``; a projection for them is a handler here and a table in ``schema``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Connection, Select, Table, and_, bindparam, delete, insert, select

from portlink.deployment.deploy import CUSTOMS, ESCROW, IOT, REGISTRY, SHIPMENTS
from portlink.domain.consortium import Role
from portlink.domain.customs import DeclarationState
from portlink.domain.finance import FinancingState
from portlink.domain.iot import AlertState, DeviceState
from portlink.domain.shipments import DiscrepancyKind, Milestone, ShipmentState
from portlink.indexer import schema
from portlink.indexer.bulk import insert_rows, upsert_rows

Key = tuple[Any, ...]
Row = dict[str, Any]


@dataclass(frozen=True)
class Event:
    """A decoded log and where it is on the chain."""

    contract: str
    name: str
    args: dict[str, Any]
    block_number: int
    block_hash: str
    log_index: int
    transaction_hash: str
    block_timestamp: int | None


@cache
def _pk(table: Table) -> list[str]:
    return [c.name for c in table.primary_key.columns]


@cache
def _by_key(table: Table) -> Select[Any]:
    """``SELECT`` of one row by primary key, with bound parameters named as the key columns (compiled once)."""
    return select(table).where(and_(*(table.c[c] == bindparam(c) for c in _pk(table))))


class Projector:
    """The projection rows one range of blocks changes, written at :meth:`flush`."""

    def __init__(self, conn: Connection, *, undo_above: int) -> None:
        """``undo_above``: blocks above this one can still be reorganised away; record how to undo them."""
        self._conn = conn
        self._undo_above = undo_above
        self._rows: dict[tuple[str, Key], Row | None] = {}
        #: Whether the row is in the database: ``None`` when not known (written blind, see :meth:`_change`).
        self._stored: dict[tuple[str, Key], bool | None] = {}
        self._undo_block: dict[tuple[str, Key], int] = {}
        self._undo: list[Row] = []
        #: Undo entries of rows put blind whose before-image is still to be read: (position, table, key).
        self._unread: list[tuple[int, Table, Key]] = []
        self._appended: dict[str, list[Row]] = {}
        self.block_number = 0

    def _load(self, table: Table, key: Key) -> None:
        ref = (table.name, key)
        if ref in self._rows:
            return
        found = self._conn.execute(_by_key(table), dict(zip(_pk(table), key, strict=True))).mappings().first()
        self._rows[ref] = None if found is None else dict(found)
        self._stored[ref] = found is not None

    def get(self, table: Table, *key: Any) -> Row | None:
        """The row of ``table`` with primary key ``key`` as this range has it so far (a copy), or ``None``."""
        self._load(table, key)
        row = self._rows[(table.name, key)]
        return None if row is None else dict(row)

    def _change(self, table: Table, key: Key, row: Row | None, *, blind: bool = False) -> None:
        ref = (table.name, key)
        undo = self.block_number > self._undo_above and self._undo_block.get(ref) != self.block_number
        if blind and ref not in self._rows:
            # A whole row replaced, first touch in this range: no need to read what is stored. The flush deletes
            # whatever is under the key and inserts the row, and reads the before-images it needs in one query.
            self._stored[ref] = None
            if undo:
                self._undo_block[ref] = self.block_number
                self._undo.append(self._undo_entry(table, key, None))
                self._unread.append((len(self._undo) - 1, table, key))
            self._rows[ref] = row
            return
        self._load(table, key)
        if undo:
            self._undo_block[ref] = self.block_number
            self._undo.append(self._undo_entry(table, key, self._rows[ref]))
        self._rows[ref] = row

    def _undo_entry(self, table: Table, key: Key, before: Row | None) -> Row:
        return {
            "block_number": self.block_number,
            "table_name": table.name,
            "key": list(key),
            "before": None if before is None else {k: v for k, v in before.items() if k != "confirmed"},
        }

    def _read_unread(self) -> None:
        """Fill in the before-images of rows put blind: one ``SELECT`` per table and chunk of keys.

        The query names the keys' first column only (``WHERE shipment_id IN (...)``), which SQLite answers from
        the primary key index; a row-value ``(a, b) IN (...)`` made it scan the whole table."""
        by_table: dict[str, list[tuple[int, Key]]] = {}
        for position, table, key in self._unread:
            by_table.setdefault(table.name, []).append((position, key))
        for name, wanted in by_table.items():
            table = schema.TABLES[name]
            columns = [table.c[c] for c in _pk(table)]
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                keys = {key for _, key in chunk}
                firsts = sorted({key[0] for key in keys})
                found = {
                    key: dict(row)
                    for row in self._conn.execute(select(table).where(columns[0].in_(firsts))).mappings()
                    if (key := tuple(row[c.name] for c in columns)) in keys
                }
                for position, key in chunk:
                    before = found.get(key)
                    if before is not None:
                        self._undo[position]["before"] = {k: v for k, v in before.items() if k != "confirmed"}

    def put(self, table: Table, **row: Any) -> None:
        """Insert or replace a row of an entity table (every column but the bookkeeping ones given)."""
        row["block_number"] = self.block_number
        self._change(table, tuple(row[name] for name in _pk(table)), row, blind=True)

    def update(self, table: Table, key: Key, **changes: Any) -> None:
        """Change columns of an existing row; a row the events never created is left alone."""
        row = self.get(table, *key)
        if row is None:
            return
        row.update(changes, block_number=self.block_number)
        self._change(table, key, row)

    def remove(self, table: Table, *key: Any) -> None:
        """Delete a row of an entity table."""
        if self.get(table, *key) is not None:
            self._change(table, key, None)

    def append(self, table: Table, event: Event, **row: Any) -> None:
        """Add the row that ``event`` alone makes (milestones, documents, decisions)."""
        row.update(
            block_hash=event.block_hash,
            log_index=event.log_index,
            transaction_hash=event.transaction_hash,
            block_timestamp=event.block_timestamp,
            block_number=event.block_number,
        )
        self._appended.setdefault(table.name, []).append(row)

    def flush(self, final_block: int) -> None:
        """Write every change of the range, marking rows up to ``final_block`` confirmed."""
        self._read_unread()
        by_table: dict[str, list[tuple[Key, Row | None]]] = {}
        for (name, key), row in self._rows.items():
            if self._stored[(name, key)] is not False or row is not None:
                by_table.setdefault(name, []).append((key, row))
        for name, changes in by_table.items():
            table = schema.TABLES[name]
            pk = _pk(table)
            gone = [
                dict(zip([f"k_{c}" for c in pk], key, strict=True))
                for key, row in changes
                if row is None and self._stored[(name, key)] is not False
            ]
            if gone:
                where = and_(*(table.c[c] == bindparam(f"k_{c}") for c in pk))
                self._conn.execute(delete(table).where(where), gone)
            rows = [{**row, "confirmed": row["block_number"] <= final_block} for _, row in changes if row is not None]
            if rows:
                upsert_rows(self._conn, table, rows)
        for name, rows in self._appended.items():
            for row in rows:
                row["confirmed"] = row["block_number"] <= final_block
            insert_rows(self._conn, schema.TABLES[name], rows)
        insert_rows(self._conn, schema.projection_undo, self._undo)


def restore(conn: Connection, undo: list[Row], final_block: int) -> None:
    """Apply ``undo`` entries (newest first): put back each row as it was, or delete it if it was not there."""
    for entry in undo:
        table = schema.TABLES[entry["table_name"]]
        pk = _pk(table)
        key = entry["key"]
        conn.execute(delete(table).where(and_(*(table.c[c] == v for c, v in zip(pk, key, strict=True)))))
        before = entry["before"]
        if before is not None:
            conn.execute(insert(table), {**before, "confirmed": before["block_number"] <= final_block})


# ---------------------------------------------------------------------------------------------------- decoding helpers

# The events come decoded with PortLink's vocabulary (portlink.domain.readable): codes as text, enums by name,
# rule bits as names, times as numbers. A name the vocabulary did not know stays a number: str() keeps it.


def _role_id(role: str) -> str:
    """The on-chain id of a role the event names (``CUSTOMS``), or the id itself if it is not a known role."""
    return "0x" + Role(role).id.hex() if role in Role.__members__ else role


# ---------------------------------------------------------------------------------------------------- handlers

Handler = Callable[[Projector, Event], None]
HANDLERS: dict[tuple[str, str], Handler] = {}


def handles(contract: str, event: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the projection of ``contract``'s ``event``."""

    def register(handler: Handler) -> Handler:
        HANDLERS[(contract, event)] = handler
        return handler

    return register


def project(projector: Projector, event: Event) -> None:
    """Apply ``event`` to the projections (nothing for an event without a projection)."""
    handler = HANDLERS.get((event.contract, event.name))
    if handler is not None:
        projector.block_number = event.block_number
        handler(projector, event)


# ------------------------------------------------------------------ consortium


@handles(REGISTRY, "PortAdded")
def _port_added(p: Projector, e: Event) -> None:
    a = e.args
    p.put(schema.ports, code=a["port"], name=a["name"], authority=a["authority"])


@handles(REGISTRY, "PortAuthorityChanged")
def _port_authority(p: Projector, e: Event) -> None:
    p.update(schema.ports, (e.args["port"],), authority=e.args["authority"])


@handles(REGISTRY, "MemberAdded")
def _member_added(p: Projector, e: Event) -> None:
    a = e.args
    p.put(
        schema.members, account=a["account"], name=a["name"], org_id=a["orgId"], status="ACTIVE", suspension_reason=None
    )


@handles(REGISTRY, "MemberSuspended")
def _member_suspended(p: Projector, e: Event) -> None:
    p.update(schema.members, (e.args["account"],), status="SUSPENDED", suspension_reason=e.args["reason"])


@handles(REGISTRY, "MemberReinstated")
def _member_reinstated(p: Projector, e: Event) -> None:
    p.update(schema.members, (e.args["account"],), status="ACTIVE", suspension_reason=None)


@handles(REGISTRY, "MemberRoleGranted")
def _role_granted(p: Projector, e: Event) -> None:
    a = e.args
    port = a["port"] or ""  # none: a role held globally
    p.put(schema.member_roles, account=a["account"], role_id=_role_id(a["role"]), port=port, role=a["role"])


@handles(REGISTRY, "MemberRoleRevoked")
def _role_revoked(p: Projector, e: Event) -> None:
    a = e.args
    p.remove(schema.member_roles, a["account"], _role_id(a["role"]), a["port"] or "")


# ------------------------------------------------------------------ shipments


@handles(SHIPMENTS, "ShipmentRegistered")
def _shipment_registered(p: Projector, e: Event) -> None:
    a = e.args
    p.put(
        schema.shipments,
        shipment_id=a["shipmentId"],
        shipper=a["shipper"],
        carrier=a["carrier"],
        consignee=a["consignee"],
        origin_port=a["originPort"],
        destination_port=a["destinationPort"],
        transport_document_reference=a["transportDocumentReference"],
        documents_digest=a["documentsDigest"],
        container_count=int(a["containerCount"]),
        state=ShipmentState.REGISTERED.name,
        held=False,
        registered_block=e.block_number,
        registered_transaction=e.transaction_hash,
    )


@handles(SHIPMENTS, "ContainerRegistered")
def _container_registered(p: Projector, e: Event) -> None:
    a = e.args
    p.put(
        schema.containers,
        shipment_id=a["shipmentId"],
        container_index=int(a["index"]),
        number=a["number"],
        declared_gross_kg=a["declaredGrossKg"],
        seals=a["seals"],
        last_milestone=None,
        observed_gross_kg=None,
    )


@handles(SHIPMENTS, "EquipmentEventRecorded")
def _equipment_event(p: Projector, e: Event) -> None:
    a = e.args
    milestone = str(a["milestone"])
    index = int(a["index"])
    seals = a["seals"]
    gate_in = a["milestone"] == Milestone.GTIN.name
    p.append(
        schema.milestones,
        e,
        shipment_id=a["shipmentId"],
        container_index=index,
        milestone=milestone,
        port=a["port"],
        recorded_by=a["recordedBy"],
        observed_gross_kg=a["observedGrossKg"] if gate_in else None,
        seals=seals if gate_in else None,
    )
    changes: dict[str, Any] = {"last_milestone": milestone}
    if gate_in:
        changes["observed_gross_kg"] = a["observedGrossKg"]
    p.update(schema.containers, (a["shipmentId"], index), **changes)


@handles(SHIPMENTS, "TransportEventRecorded")
def _transport_event(p: Projector, e: Event) -> None:
    a = e.args
    p.append(
        schema.milestones,
        e,
        shipment_id=a["shipmentId"],
        container_index=None,
        milestone=str(a["milestone"]),
        port=a["port"],
        recorded_by=a["recordedBy"],
        observed_gross_kg=None,
        seals=None,
    )


@handles(SHIPMENTS, "ShipmentStateChanged")
def _shipment_state(p: Projector, e: Event) -> None:
    p.update(schema.shipments, (e.args["shipmentId"],), state=str(e.args["state"]))


@handles(SHIPMENTS, "ShipmentHeld")
def _shipment_held(p: Projector, e: Event) -> None:
    p.update(schema.shipments, (e.args["shipmentId"],), held=True)


@handles(SHIPMENTS, "ShipmentReleased")
def _shipment_released(p: Projector, e: Event) -> None:
    p.update(schema.shipments, (e.args["shipmentId"],), held=False)


@handles(SHIPMENTS, "DiscrepancyRaised")
def _discrepancy_raised(p: Projector, e: Event) -> None:
    a = e.args
    p.put(
        schema.discrepancies,
        shipment_id=a["shipmentId"],
        container_index=int(a["index"]),
        kind=str(a["kind"]),
        declared=a["declared"],
        observed=a["observed"],
        cleared_by=None,
        cleared_reason=None,
    )


@handles(SHIPMENTS, "DiscrepancyCleared")
def _discrepancy_cleared(p: Projector, e: Event) -> None:
    a = e.args
    for kind in (DiscrepancyKind.WEIGHT, DiscrepancyKind.SEALS):
        key = (a["shipmentId"], int(a["index"]), kind.name)
        p.update(schema.discrepancies, key, cleared_by=a["clearedBy"], cleared_reason=a["reason"])


@handles(SHIPMENTS, "DocumentAnchored")
def _document_anchored(p: Projector, e: Event) -> None:
    a = e.args
    p.append(
        schema.documents,
        e,
        shipment_id=a["shipmentId"],
        doc_type=str(a["docType"]),
        digest=a["digest"],
        version=a["version"],
        anchored_by=a["by"],
    )


# ------------------------------------------------------------------ customs


@handles(CUSTOMS, "BrokerSet")
def _broker_set(p: Projector, e: Event) -> None:
    a = e.args
    if a["authorised"]:
        p.put(schema.brokers, shipper=a["shipper"], broker=a["broker"])
    else:
        p.remove(schema.brokers, a["shipper"], a["broker"])


@handles(CUSTOMS, "DeclarationFiled")
def _declaration_filed(p: Projector, e: Event) -> None:
    a = e.args
    previous = p.get(schema.declarations, a["declarationId"])
    p.put(
        schema.declarations,
        declaration_id=a["declarationId"],
        shipment_id=a["declarationId"],  # CustomsClearance keys a declaration by its shipment
        filer=a["filer"],
        version=a["version"],
        digest=a["digest"],
        hs_codes=a["hsCodes"],
        customs_value=a["customsValue"],
        currency=a["currency"],
        state=previous["state"] if previous else DeclarationState.FILED.name,
        cleared_version=None,
        origin_officer=None,
        destination_officer=None,
    )


@handles(CUSTOMS, "DeclarationStateChanged")
def _declaration_state(p: Projector, e: Event) -> None:
    p.update(schema.declarations, (e.args["declarationId"],), state=str(e.args["state"]))


@handles(CUSTOMS, "DecisionRecorded")
def _decision_recorded(p: Projector, e: Event) -> None:
    a = e.args
    p.append(
        schema.customs_decisions,
        e,
        declaration_id=a["declarationId"],
        port=a["port"],
        officer=a["officer"],
        version=a["version"],
        decision=str(a["decision"]),
        reason_code=a["reasonCode"],
        submitted_by=a["submittedBy"],
    )


@handles(CUSTOMS, "HoldPlaced")
def _hold_placed(p: Projector, e: Event) -> None:
    a = e.args
    p.put(
        schema.customs_holds,
        declaration_id=a["declarationId"],
        port=a["port"],
        officer=a["officer"],
        reason_code=a["reasonCode"],
        active=True,
        released_by=None,
    )


@handles(CUSTOMS, "HoldReleased")
def _hold_released(p: Projector, e: Event) -> None:
    a = e.args
    key = (a["declarationId"], a["port"])
    p.update(schema.customs_holds, key, active=False, released_by=a["officer"])


@handles(CUSTOMS, "DeclarationCleared")
def _declaration_cleared(p: Projector, e: Event) -> None:
    a = e.args
    p.update(
        schema.declarations,
        (a["declarationId"],),
        cleared_version=a["version"],
        origin_officer=a["originOfficer"],
        destination_officer=a["destinationOfficer"],
    )


# ------------------------------------------------------------------ trade-finance escrow
#
# Amounts are uint128/uint256: decoded as decimal strings, and kept as such (exact in any SQL database).


def _financing(e: Event) -> Key:
    return (int(e.args["financingId"]),)


@handles(ESCROW, "FinancingRequested")
def _financing_requested(p: Projector, e: Event) -> None:
    a = e.args
    p.put(
        schema.financings,
        financing_id=int(a["financingId"]),
        shipment_id=a["shipmentId"],
        exporter=a["exporter"],
        product=str(a["product"]),
        state=FinancingState.REQUESTED.name,  # its FinancingStateChanged came first, before the row existed
        financier=None,
        token=None,
        amount=None,
        fee_bps=None,
        condition=None,
        fund_by=None,
        release_by=None,
        maturity=None,
        funded=None,
        due=None,
        released="0",
        refunded="0",
        repaid="0",
        refund_reason=None,
        rebate_payment_ref=None,
        rebate_recorded_by=None,
        requested_block=e.block_number,
        requested_transaction=e.transaction_hash,
        requested_at=e.block_timestamp,
        funded_at=None,
        released_at=None,
    )


@handles(ESCROW, "FinancingOffered")
def _financing_offered(p: Projector, e: Event) -> None:
    a = e.args
    p.update(
        schema.financings,
        _financing(e),
        financier=a["financier"],
        token=a["token"],
        amount=str(a["amount"]),
        fee_bps=a["feeBps"],
        condition=str(a["condition"]),
        fund_by=int(a["fundBy"]),
        release_by=int(a["releaseBy"]),
        maturity=int(a["maturity"]),
    )


@handles(ESCROW, "FinancingStateChanged")
def _financing_state(p: Projector, e: Event) -> None:
    p.update(schema.financings, _financing(e), state=str(e.args["state"]))


@handles(ESCROW, "FinancingFunded")
def _financing_funded(p: Projector, e: Event) -> None:
    a = e.args
    p.update(schema.financings, _financing(e), funded=str(a["funded"]), due=str(a["due"]), funded_at=e.block_timestamp)


@handles(ESCROW, "FinancingReleased")
def _financing_released(p: Projector, e: Event) -> None:
    p.update(schema.financings, _financing(e), released=str(e.args["amount"]), released_at=e.block_timestamp)


@handles(ESCROW, "RepaymentReceived")
def _repayment_received(p: Projector, e: Event) -> None:
    p.update(schema.financings, _financing(e), repaid=str(e.args["repaid"]))


@handles(ESCROW, "RebateRecorded")
def _rebate_recorded(p: Projector, e: Event) -> None:
    a = e.args
    p.update(schema.financings, _financing(e), rebate_payment_ref=a["paymentRef"], rebate_recorded_by=a["taxAuthority"])


@handles(ESCROW, "FinancingRefunded")
def _financing_refunded(p: Projector, e: Event) -> None:
    a = e.args
    p.update(schema.financings, _financing(e), refunded=str(a["amount"]), refund_reason=str(a["reason"]))


def _credit(p: Projector, token: str, account: str, *, credited: int = 0, withdrawn: int = 0) -> None:
    row = p.get(schema.escrow_credits, token, account)
    before = {"withdrawable": 0, "credited": 0, "withdrawn": 0} if row is None else row
    p.put(
        schema.escrow_credits,
        token=token,
        account=account,
        withdrawable=str(int(before["withdrawable"]) + credited - withdrawn),
        credited=str(int(before["credited"]) + credited),
        withdrawn=str(int(before["withdrawn"]) + withdrawn),
    )


@handles(ESCROW, "Credited")
def _credited(p: Projector, e: Event) -> None:
    a = e.args
    _credit(p, a["token"], a["account"], credited=int(a["amount"]))


@handles(ESCROW, "Withdrawn")
def _withdrawn(p: Projector, e: Event) -> None:
    a = e.args
    _credit(p, a["token"], a["account"], withdrawn=int(a["amount"]))


# ------------------------------------------------------------------ IoT monitor


@handles(IOT, "DeviceRegistered")
def _device_registered(p: Projector, e: Event) -> None:
    a = e.args
    p.put(
        schema.iot_devices,
        device_id=a["deviceId"],
        gateway=a["gateway"],
        signer=a["signer"],
        kind=str(a["kind"]),
        state=DeviceState.ACTIVE.name,
        shipment_id=None,
        container_index=None,
        container=None,
        last_sequence=0,
        last_reading_at=None,
    )


@handles(IOT, "DeviceRevoked")
def _device_revoked(p: Projector, e: Event) -> None:
    p.update(schema.iot_devices, (e.args["deviceId"],), state=DeviceState.REVOKED.name)


@handles(IOT, "DeviceBound")
def _device_bound(p: Projector, e: Event) -> None:
    a = e.args
    p.update(
        schema.iot_devices,
        (a["deviceId"],),
        shipment_id=a["shipmentId"],
        container_index=a["containerIndex"],
        container=a["container"],
    )


@handles(IOT, "GatewayAuthorised")
def _gateway_authorised(p: Projector, e: Event) -> None:
    a = e.args
    p.put(
        schema.iot_gateway_authorisations,
        shipment_id=a["shipmentId"],
        gateway=a["gateway"],
        authorised=a["authorised"],
        set_by=a["setBy"],
    )


@handles(IOT, "RulesSet")
def _rules_set(p: Projector, e: Event) -> None:
    a = e.args
    p.put(
        schema.iot_rules,
        shipment_id=a["shipmentId"],
        enabled=a["enabled"],
        min_temperature=int(a["minTemperature"]),
        max_temperature=int(a["maxTemperature"]),
        max_shock=int(a["maxShock"]),
        corridor=a["corridor"],
        set_by=a["setBy"],
    )


@handles(IOT, "BatchAnchored")
def _batch_anchored(p: Projector, e: Event) -> None:
    a = e.args
    p.append(schema.iot_batches, e, batch_id=int(a["batchId"]), gateway=a["gateway"], root=a["root"], count=a["count"])


@handles(IOT, "ReadingReported")
def _reading_reported(p: Projector, e: Event) -> None:
    # `reportBreach` emits this right before the AlertRaised of the same reading, which carries neither the
    # sequence nor the device's time: the device row holds them for it (as the monitor's `lastSequence` does).
    a = e.args
    p.update(
        schema.iot_devices, (a["deviceId"],), last_sequence=int(a["sequence"]), last_reading_at=int(a["timestamp"])
    )


@handles(IOT, "AlertRaised")
def _alert_raised(p: Projector, e: Event) -> None:
    a = e.args
    device = p.get(schema.iot_devices, a["deviceId"])
    if device is None:  # the monitor raises alerts only for registered devices
        return
    p.put(
        schema.iot_alerts,
        alert_id=int(a["alertId"]),
        shipment_id=a["shipmentId"],
        device_id=a["deviceId"],
        kind=device["kind"],
        rule=str(a["rule"]),
        value=int(a["value"]),
        sequence=device["last_sequence"],
        reading_timestamp=device["last_reading_at"],
        state=AlertState.OPEN.name,
        raised_block=e.block_number,
        raised_transaction=e.transaction_hash,
        raised_at=e.block_timestamp,
        resolved_by=None,
        reason=None,
        resolved_at=None,
    )


@handles(IOT, "AlertResolved")
def _alert_resolved(p: Projector, e: Event) -> None:
    a = e.args
    p.update(
        schema.iot_alerts,
        (int(a["alertId"]),),
        state=AlertState.RESOLVED.name,
        resolved_by=a["officer"],
        reason=a["reason"],
        resolved_at=e.block_timestamp,
    )
