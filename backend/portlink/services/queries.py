"""Every read of the indexer's tables goes through this module, so the index schema can change in one place.

Rows come back as plain dicts in the API's vocabulary; each carries ``confirmed`` (whether the block that last
changed it is ``indexer_confirmations`` deep) so callers can mark unconfirmed data as such.
"""

from __future__ import annotations

from typing import Any

from eth_utils.address import to_checksum_address
from sqlalchemy import ColumnElement, Connection, Engine, func, or_, select

from portlink.indexer import schema

#: Ids above this are not in the index (SQL integers are 64-bit signed): a lookup of one finds nothing.
MAX_ID = 2**63 - 1


def _rows(conn: Connection, query: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(query).mappings()]


def _page(conn: Connection, query: Any, order: list[Any], limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
    """The total count of ``query``'s rows and the page of them at ``offset``, in ``order``."""
    total = int(conn.execute(select(func.count()).select_from(query.subquery())).scalar_one())
    return total, _rows(conn, query.order_by(*order).limit(limit).offset(offset))


def _forms(address: str) -> list[str]:
    """An address as the index may spell it (EIP-55, as decoded, or lower case)."""
    return [to_checksum_address(address), address.lower()]


def _address(value: str | None) -> str | None:
    return None if value is None else to_checksum_address(value)


def _party_shipments(party: str) -> Any:
    """``SELECT`` of the ids of the shipments ``party`` is the shipper, carrier or consignee of."""
    s, forms = schema.shipments, _forms(party)
    return select(s.c.shipment_id).where(or_(s.c.shipper.in_(forms), s.c.carrier.in_(forms), s.c.consignee.in_(forms)))


class IndexQueries:
    """Reads of the index (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def head(self) -> dict[str, Any]:
        """The index's position: checkpoint and final block (``None`` before the first range)."""
        with self.engine.connect() as conn:
            row = conn.execute(select(schema.index_state)).mappings().first()
        if row is None:
            return {"checkpointBlock": None, "finalBlock": None, "chainId": None}
        return {
            "checkpointBlock": row["checkpoint_block"],
            "finalBlock": row["final_block"],
            "chainId": row["chain_id"],
        }

    # ------------------------------------------------------------------ consortium

    def member(self, account: str) -> dict[str, Any] | None:
        """A member with its roles, or ``None``."""
        account = to_checksum_address(account)
        with self.engine.connect() as conn:
            rows = _rows(conn, select(schema.members).where(schema.members.c.account.in_([account, account.lower()])))
            if not rows:
                return None
            roles = _rows(
                conn,
                select(schema.member_roles).where(schema.member_roles.c.account.in_([account, account.lower()])),
            )
        return self._member(rows[0], roles)

    @staticmethod
    def _member(row: dict[str, Any], roles: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "account": to_checksum_address(row["account"]),
            "name": row["name"],
            "orgId": row["org_id"],
            "status": row["status"],
            "roles": sorted(
                ({"role": r["role"], "port": r["port"] or None} for r in roles),
                key=lambda r: (r["role"], r["port"] or ""),
            ),
            "confirmed": bool(row["confirmed"]),
        }

    def members(self, *, role: str | None = None, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        """Members in account order, optionally only those holding ``role``."""
        with self.engine.connect() as conn:
            query = select(schema.members).order_by(schema.members.c.account)
            if role:
                holders = select(schema.member_roles.c.account).where(schema.member_roles.c.role == role)
                query = query.where(schema.members.c.account.in_(holders))
            members = _rows(conn, query.limit(limit).offset(offset))
            roles = _rows(
                conn,
                select(schema.member_roles).where(schema.member_roles.c.account.in_([m["account"] for m in members])),
            )
        by_account: dict[str, list[dict[str, Any]]] = {}
        for r in roles:
            by_account.setdefault(r["account"], []).append(r)
        return [self._member(m, by_account.get(m["account"], [])) for m in members]

    def ports(self) -> list[dict[str, Any]]:
        """Every port."""
        with self.engine.connect() as conn:
            rows = _rows(conn, select(schema.ports).order_by(schema.ports.c.code))
        return [self._port(r) for r in rows]

    def port(self, code: str) -> dict[str, Any] | None:
        """One port by UN/LOCODE."""
        with self.engine.connect() as conn:
            rows = _rows(conn, select(schema.ports).where(schema.ports.c.code == code))
        return self._port(rows[0]) if rows else None

    @staticmethod
    def _port(r: dict[str, Any]) -> dict[str, Any]:
        return {
            "code": r["code"],
            "name": r["name"],
            "authority": to_checksum_address(r["authority"]),
            "confirmed": bool(r["confirmed"]),
        }

    # ------------------------------------------------------------------ shipments

    @staticmethod
    def _shipment(r: dict[str, Any]) -> dict[str, Any]:
        return {
            "shipmentId": r["shipment_id"],
            "shipper": to_checksum_address(r["shipper"]),
            "carrier": to_checksum_address(r["carrier"]),
            "consignee": to_checksum_address(r["consignee"]),
            "originPort": r["origin_port"],
            "destinationPort": r["destination_port"],
            "transportDocumentReference": r["transport_document_reference"],
            "documentsDigest": r["documents_digest"],
            "containerCount": r["container_count"],
            "state": r["state"],
            "held": bool(r["held"]),
            "registeredBlock": r["registered_block"],
            "registeredTransaction": r["registered_transaction"],
            "blockNumber": r["block_number"],
            "confirmed": bool(r["confirmed"]),
        }

    def shipments(
        self,
        *,
        port: str | None = None,
        state: str | None = None,
        party: str | None = None,
        reference: str | None = None,
        container: str | None = None,
        terminal_ports: list[str] | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[int, list[dict[str, Any]]]:
        """Shipments matching the filters (port: origin or destination; party: shipper, carrier or consignee, or
        with ``terminal_ports`` a shipment from or to one of them; reference: the transport document; container:
        an ISO 6346 number), newest first, with the total count."""
        s, c = schema.shipments, schema.containers
        query = select(s)
        if reference:
            query = query.where(s.c.transport_document_reference == reference)
        if container:
            query = query.where(s.c.shipment_id.in_(select(c.c.shipment_id).where(c.c.number == container)))
        if port:
            query = query.where(or_(s.c.origin_port == port, s.c.destination_port == port))
        if state:
            query = query.where(s.c.state == state)
        if party and terminal_ports:
            query = query.where(
                or_(
                    s.c.shipment_id.in_(_party_shipments(party)),
                    s.c.origin_port.in_(terminal_ports),
                    s.c.destination_port.in_(terminal_ports),
                )
            )
        elif party:
            query = query.where(s.c.shipment_id.in_(_party_shipments(party)))
        with self.engine.connect() as conn:
            total, rows = _page(conn, query, [s.c.registered_block.desc(), s.c.shipment_id], limit, offset)
        return total, [self._shipment(r) for r in rows]

    def shipment(self, shipment_id: str) -> dict[str, Any] | None:
        """One shipment with its containers, milestones, documents and discrepancies."""
        with self.engine.connect() as conn:
            rows = _rows(conn, select(schema.shipments).where(schema.shipments.c.shipment_id == shipment_id))
            if not rows:
                return None
            shipment = self._shipment(rows[0])
            c = schema.containers
            shipment["containers"] = [
                {
                    "index": r["container_index"],
                    "number": r["number"],
                    "declaredGrossKg": r["declared_gross_kg"],
                    "seals": r["seals"],
                    "lastMilestone": r["last_milestone"],
                    "observedGrossKg": r["observed_gross_kg"],
                    "confirmed": bool(r["confirmed"]),
                }
                for r in _rows(conn, select(c).where(c.c.shipment_id == shipment_id).order_by(c.c.container_index))
            ]
            d = schema.discrepancies
            shipment["discrepancies"] = [
                {
                    "containerIndex": r["container_index"],
                    "kind": r["kind"],
                    "declared": r["declared"],
                    "observed": r["observed"],
                    "clearedBy": r["cleared_by"],
                    "clearedReason": r["cleared_reason"],
                    "confirmed": bool(r["confirmed"]),
                }
                for r in _rows(conn, select(d).where(d.c.shipment_id == shipment_id))
            ]
        shipment["milestones"] = self.milestones(shipment_id)
        shipment["documents"] = self.documents(shipment_id)
        return shipment

    def milestones(self, shipment_id: str) -> list[dict[str, Any]]:
        """The shipment's milestones in chain order."""
        m = schema.milestones
        with self.engine.connect() as conn:
            rows = _rows(
                conn, select(m).where(m.c.shipment_id == shipment_id).order_by(m.c.block_number, m.c.log_index)
            )
        return [
            {
                "milestone": r["milestone"],
                "containerIndex": r["container_index"],
                "port": r["port"],
                "recordedBy": to_checksum_address(r["recorded_by"]),
                "observedGrossKg": r["observed_gross_kg"],
                "seals": r["seals"],
                "transactionHash": r["transaction_hash"],
                "blockNumber": r["block_number"],
                "blockTimestamp": r["block_timestamp"],
                "logIndex": r["log_index"],
                "confirmed": bool(r["confirmed"]),
            }
            for r in rows
        ]

    def _documents(self, where: Any) -> list[dict[str, Any]]:
        d = schema.documents
        with self.engine.connect() as conn:
            rows = _rows(conn, select(d).where(where).order_by(d.c.block_number, d.c.log_index))
        return [
            {
                "shipmentId": r["shipment_id"],
                "docType": r["doc_type"],
                "digest": r["digest"],
                "version": r["version"],
                "anchoredBy": to_checksum_address(r["anchored_by"]),
                "transactionHash": r["transaction_hash"],
                "blockNumber": r["block_number"],
                "blockTimestamp": r["block_timestamp"],
                "confirmed": bool(r["confirmed"]),
            }
            for r in rows
        ]

    def documents(self, shipment_id: str) -> list[dict[str, Any]]:
        """The shipment's anchored documents, oldest first."""
        return self._documents(schema.documents.c.shipment_id == shipment_id)

    def documents_by_digest(self, digest: str) -> list[dict[str, Any]]:
        """Every anchor of ``digest`` (0x-hex keccak-256)."""
        return self._documents(schema.documents.c.digest == digest.lower())

    def latest_document(self, shipment_id: str, doc_type: str) -> dict[str, Any] | None:
        """The newest version of a document type of a shipment."""
        docs = [d for d in self.documents(shipment_id) if d["docType"] == doc_type]
        return max(docs, key=lambda d: d["version"]) if docs else None

    # ------------------------------------------------------------------ customs

    def declaration(self, declaration_id: str) -> dict[str, Any] | None:
        """A declaration with its decisions and holds."""
        d = schema.declarations
        with self.engine.connect() as conn:
            rows = _rows(conn, select(d).where(d.c.declaration_id == declaration_id))
            if not rows:
                return None
            r = rows[0]
            cd = schema.customs_decisions
            decisions = _rows(
                conn,
                select(cd).where(cd.c.declaration_id == declaration_id).order_by(cd.c.block_number, cd.c.log_index),
            )
            h = schema.customs_holds
            holds = _rows(conn, select(h).where(h.c.declaration_id == declaration_id))
        return {
            "declarationId": r["declaration_id"],
            "shipmentId": r["shipment_id"],
            "filer": to_checksum_address(r["filer"]),
            "version": r["version"],
            "digest": r["digest"],
            "hsCodes": r["hs_codes"],
            "customsValue": r["customs_value"],
            "currency": r["currency"],
            "state": r["state"],
            "clearedVersion": r["cleared_version"],
            "originOfficer": r["origin_officer"],
            "destinationOfficer": r["destination_officer"],
            "confirmed": bool(r["confirmed"]),
            "decisions": [
                {
                    "port": x["port"],
                    "officer": to_checksum_address(x["officer"]),
                    "version": x["version"],
                    "decision": x["decision"],
                    "reasonCode": x["reason_code"],
                    "submittedBy": to_checksum_address(x["submitted_by"]),
                    "transactionHash": x["transaction_hash"],
                    "blockNumber": x["block_number"],
                    "confirmed": bool(x["confirmed"]),
                }
                for x in decisions
            ],
            "holds": [
                {
                    "port": x["port"],
                    "officer": to_checksum_address(x["officer"]),
                    "reasonCode": x["reason_code"],
                    "active": bool(x["active"]),
                    "releasedBy": x["released_by"],
                    "confirmed": bool(x["confirmed"]),
                }
                for x in holds
            ],
        }

    def declarations_of(self, shipment_id: str) -> list[str]:
        """Ids of the declarations of a shipment."""
        d = schema.declarations
        with self.engine.connect() as conn:
            return [str(x) for x in conn.execute(select(d.c.declaration_id).where(d.c.shipment_id == shipment_id))]

    # ------------------------------------------------------------------ financings

    @staticmethod
    def _financing(r: dict[str, Any]) -> dict[str, Any]:
        owing = r["state"] in ("RELEASED", "DEFAULTED") and r["due"] is not None
        return {
            "financingId": r["financing_id"],
            "shipmentId": r["shipment_id"],
            "exporter": to_checksum_address(r["exporter"]),
            "product": r["product"],
            "state": r["state"],
            "financier": _address(r["financier"]),
            "token": _address(r["token"]),
            "amount": r["amount"],
            "feeBps": r["fee_bps"],
            "condition": r["condition"],
            "fundBy": r["fund_by"],
            "releaseBy": r["release_by"],
            "maturity": r["maturity"],
            "funded": r["funded"],
            "due": r["due"],
            "released": r["released"],
            "refunded": r["refunded"],
            "repaid": r["repaid"],
            "outstanding": str(max(int(r["due"]) - int(r["repaid"]), 0)) if owing else None,
            "refundReason": r["refund_reason"],
            "rebatePaymentRef": r["rebate_payment_ref"],
            "rebateRecordedBy": _address(r["rebate_recorded_by"]),
            "requestedBlock": r["requested_block"],
            "requestedTransaction": r["requested_transaction"],
            "requestedAt": r["requested_at"],
            "fundedAt": r["funded_at"],
            "releasedAt": r["released_at"],
            "blockNumber": r["block_number"],
            "confirmed": bool(r["confirmed"]),
        }

    def financing(self, financing_id: int) -> dict[str, Any] | None:
        """One financing, or ``None``."""
        if not 0 < financing_id <= MAX_ID:
            return None
        f = schema.financings
        with self.engine.connect() as conn:
            rows = _rows(conn, select(f).where(f.c.financing_id == financing_id))
        return self._financing(rows[0]) if rows else None

    def financings(
        self,
        *,
        state: str | None = None,
        exporter: str | None = None,
        financier: str | None = None,
        shipment: str | None = None,
        viewer: str | None = None,
        open_requests: bool = False,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[int, list[dict[str, Any]]]:
        """Financings matching the filters, newest first, with the total count. With ``viewer``, only those it is
        the exporter or financier of or a party of the shipment of, and (``open_requests``) requests still
        awaiting an offer."""
        f = schema.financings
        query = select(f)
        if state:
            query = query.where(f.c.state == state)
        if exporter:
            query = query.where(f.c.exporter.in_(_forms(exporter)))
        if financier:
            query = query.where(f.c.financier.in_(_forms(financier)))
        if shipment:
            query = query.where(f.c.shipment_id == shipment.lower())
        if viewer:
            forms = _forms(viewer)
            visible: list[ColumnElement[bool]] = [
                f.c.exporter.in_(forms),
                f.c.financier.in_(forms),
                f.c.shipment_id.in_(_party_shipments(viewer)),
            ]
            if open_requests:
                visible.append(f.c.state == "REQUESTED")
            query = query.where(or_(*visible))
        with self.engine.connect() as conn:
            total, rows = _page(conn, query, [f.c.financing_id.desc()], limit, offset)
        return total, [self._financing(r) for r in rows]

    # ------------------------------------------------------------------ IoT

    @staticmethod
    def _device(r: dict[str, Any]) -> dict[str, Any]:
        return {
            "deviceId": r["device_id"],
            "gateway": to_checksum_address(r["gateway"]),
            "signer": to_checksum_address(r["signer"]),
            "kind": r["kind"],
            "state": r["state"],
            "shipmentId": r["shipment_id"],
            "containerIndex": r["container_index"],
            "container": r["container"],
            "lastSequence": r["last_sequence"],
            "lastReadingAt": r["last_reading_at"],
            "blockNumber": r["block_number"],
            "confirmed": bool(r["confirmed"]),
        }

    def device(self, device_id: str) -> dict[str, Any] | None:
        """One IoT device, or ``None``."""
        d = schema.iot_devices
        with self.engine.connect() as conn:
            rows = _rows(conn, select(d).where(d.c.device_id == device_id.lower()))
        return self._device(rows[0]) if rows else None

    def devices(
        self,
        *,
        shipment: str | None = None,
        gateway: str | None = None,
        viewer: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[int, list[dict[str, Any]]]:
        """IoT devices by bound shipment and gateway, in id order, with the total count. With ``viewer``, only
        the devices it is the gateway of or that watch a shipment it is a party of."""
        d = schema.iot_devices
        query = select(d)
        if shipment:
            query = query.where(d.c.shipment_id == shipment.lower())
        if gateway:
            query = query.where(d.c.gateway.in_(_forms(gateway)))
        if viewer:
            query = query.where(or_(d.c.gateway.in_(_forms(viewer)), d.c.shipment_id.in_(_party_shipments(viewer))))
        with self.engine.connect() as conn:
            total, rows = _page(conn, query, [d.c.device_id], limit, offset)
        return total, [self._device(r) for r in rows]

    @staticmethod
    def _alert(r: dict[str, Any]) -> dict[str, Any]:
        return {
            "alertId": r["alert_id"],
            "shipmentId": r["shipment_id"],
            "deviceId": r["device_id"],
            "kind": r["kind"],
            "rule": r["rule"],
            "value": r["value"],
            "sequence": r["sequence"],
            "readingTimestamp": r["reading_timestamp"],
            "state": r["state"],
            "raisedBlock": r["raised_block"],
            "raisedTransaction": r["raised_transaction"],
            "raisedAt": r["raised_at"],
            "resolvedBy": _address(r["resolved_by"]),
            "reason": r["reason"],
            "resolvedAt": r["resolved_at"],
            "blockNumber": r["block_number"],
            "confirmed": bool(r["confirmed"]),
        }

    def alert(self, alert_id: int) -> dict[str, Any] | None:
        """One IoT alert, or ``None``."""
        if not 0 < alert_id <= MAX_ID:
            return None
        a = schema.iot_alerts
        with self.engine.connect() as conn:
            rows = _rows(conn, select(a).where(a.c.alert_id == alert_id))
        return self._alert(rows[0]) if rows else None

    def alerts(
        self,
        *,
        state: str | None = None,
        shipment: str | None = None,
        device: str | None = None,
        viewer: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[int, list[dict[str, Any]]]:
        """IoT alerts by state, shipment and device, newest first, with the total count. With ``viewer``, only
        those on shipments it is a party of or raised by its devices."""
        a, d = schema.iot_alerts, schema.iot_devices
        query = select(a)
        if state:
            query = query.where(a.c.state == state)
        if shipment:
            query = query.where(a.c.shipment_id == shipment.lower())
        if device:
            query = query.where(a.c.device_id == device.lower())
        if viewer:
            relayed = select(d.c.device_id).where(d.c.gateway.in_(_forms(viewer)))
            query = query.where(or_(a.c.shipment_id.in_(_party_shipments(viewer)), a.c.device_id.in_(relayed)))
        with self.engine.connect() as conn:
            total, rows = _page(conn, query, [a.c.alert_id.desc()], limit, offset)
        return total, [self._alert(r) for r in rows]

    # ------------------------------------------------------------------ events (audit, financings, alerts)

    def events(
        self,
        *,
        contract: str | None = None,
        names: list[str] | None = None,
        arg: tuple[str, str | int] | None = None,
        after_block: int | None = None,
        limit: int = 1000,
    ) -> list[dict[str, Any]]:
        """Decoded events in chain order, filtered by contract, names, one argument's value, and block."""
        e = schema.events
        query = select(e)
        if contract:
            query = query.where(e.c.contract == contract)
        if names:
            query = query.where(e.c.event.in_(names))
        if arg is not None:
            name, value = arg
            if isinstance(value, int):
                query = query.where(or_(e.c.args[name].as_integer() == value, e.c.args[name].as_string() == str(value)))
            else:
                query = query.where(e.c.args[name].as_string() == value)
        if after_block is not None:
            query = query.where(e.c.block_number > after_block)
        with self.engine.connect() as conn:
            rows = _rows(conn, query.order_by(e.c.block_number, e.c.log_index).limit(limit))
        return [
            {
                "contract": r["contract"],
                "address": to_checksum_address(r["address"]),
                "event": r["event"],
                "args": r["args"],
                "blockNumber": r["block_number"],
                "blockHash": r["block_hash"],
                "logIndex": r["log_index"],
                "transactionHash": r["transaction_hash"],
                "blockTimestamp": r["block_timestamp"],
                "confirmed": bool(r["confirmed"]),
            }
            for r in rows
        ]

    # ------------------------------------------------------------------ raw log (audit verify)

    def indexed_range(self) -> tuple[dict[str, tuple[str, int]], int | None]:
        """The indexed contracts (name → (address, first block)) and the checkpoint block."""
        ic = schema.indexed_contracts
        with self.engine.connect() as conn:
            contracts = {r.name: (str(r.address), int(r.start_block)) for r in conn.execute(select(ic))}
        return contracts, self.head()["checkpointBlock"]

    def raw_logs(self, from_block: int, to_block: int) -> dict[tuple[str, int], dict[str, Any]]:
        """The stored logs in ``[from_block, to_block]`` by (block hash, log index), as the node spells them."""
        r = schema.raw_logs
        with self.engine.connect() as conn:
            rows = _rows(conn, select(r).where(r.c.block_number >= from_block, r.c.block_number <= to_block))
        return {
            (row["block_hash"], row["log_index"]): {
                "address": row["address"],
                "blockNumber": row["block_number"],
                "transactionHash": row["transaction_hash"],
                "topics": [t for t in (row["topic0"], row["topic1"], row["topic2"], row["topic3"]) if t is not None],
                "data": row["data"],
            }
            for row in rows
        }

    # ------------------------------------------------------------------ DCSA Track & Trace sources

    def milestone_rows(self, *, after: tuple[int, int] = (-1, -1), limit: int = 100) -> list[dict[str, Any]]:
        """Milestones of every shipment after position ``after`` (block, log index), with the shipment's parties
        and transport document and the container number."""
        m, s, c = schema.milestones, schema.shipments, schema.containers
        query = (
            select(
                m,
                s.c.transport_document_reference,
                s.c.shipper,
                s.c.carrier,
                s.c.consignee,
                c.c.number.label("container_number"),
            )
            .join(s, s.c.shipment_id == m.c.shipment_id)
            .outerjoin(c, (c.c.shipment_id == m.c.shipment_id) & (c.c.container_index == m.c.container_index))
            .where(
                or_(
                    m.c.block_number > after[0],
                    (m.c.block_number == after[0]) & (m.c.log_index > after[1]),
                )
            )
            .order_by(m.c.block_number, m.c.log_index)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return _rows(conn, query)

    def shipment_document_rows(self, *, after: tuple[int, int] = (-1, -1), limit: int = 100) -> list[dict[str, Any]]:
        """Document anchors and declaration filings and clearances after ``after``, with the shipment's transport
        document and parties (``kind``: the document type, ``DeclarationFiled`` or ``DeclarationCleared``)."""
        d, s, e = schema.documents, schema.shipments, schema.events
        parties = (s.c.transport_document_reference, s.c.shipper, s.c.carrier, s.c.consignee)

        def later(table: Any) -> Any:
            return or_(
                table.c.block_number > after[0], (table.c.block_number == after[0]) & (table.c.log_index > after[1])
            )

        documents = (
            select(d, *parties)
            .join(s, s.c.shipment_id == d.c.shipment_id)
            .where(later(d))
            .order_by(d.c.block_number, d.c.log_index)
            .limit(limit)
        )
        filings = (
            select(e, *parties)
            .join(s, s.c.shipment_id == e.c.args["declarationId"].as_string())
            .where(e.c.event.in_(["DeclarationFiled", "DeclarationCleared"]), later(e))
            .order_by(e.c.block_number, e.c.log_index)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            rows = [{**r, "kind": r["doc_type"]} for r in _rows(conn, documents)]
            rows += [{**r, "kind": r["event"], "shipment_id": r["args"]["declarationId"]} for r in _rows(conn, filings)]
        return sorted(rows, key=lambda r: (r["block_number"], r["log_index"]))[:limit]
