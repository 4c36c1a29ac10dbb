"""Customs declarations: filing and amending the one combined declaration, both customs' decisions (by
transaction, or by an officer's EIP-712 signature that anyone may relay), holds and clearance, brokers and
signature nonces, as writes of customs clearance; declarations with their decisions and holds as indexed."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address
from sqlalchemy import Engine, select

from portlink.domain.customs import Decision, DecisionInput, decision_typed_data, reason_code
from portlink.domain.eip712 import typed_data_signer
from portlink.errors import InvalidInputError, NotFoundError
from portlink.manifest import CUSTOMS
from portlink.services.access import Caller
from portlink.services.contracts import ContractViews
from portlink.services.operations import Call, Write
from portlink.services.shipments import ShipmentService
from portlink.services.sql import rows
from portlink.store import schema


@dataclass(frozen=True)
class DecisionRecord:
    """One customs decision on a version of a declaration."""

    port: str
    officer: str
    version: int
    decision: str
    reason_code: str | None
    submitted_by: str
    transaction_hash: str
    block_number: int
    confirmed: bool


@dataclass(frozen=True)
class HoldRecord:
    """A customs hold at a port, active until released."""

    port: str
    officer: str
    reason_code: str | None
    active: bool
    released_by: str | None
    confirmed: bool


@dataclass(frozen=True)
class Declaration:
    """A combined declaration (its id is its shipment's) with its decisions and holds, as indexed."""

    declaration_id: str
    shipment_id: str
    filer: str
    version: int
    digest: str
    hs_codes: list[str]
    customs_value: str
    currency: str
    state: str
    cleared_version: int | None
    origin_officer: str | None
    destination_officer: str | None
    confirmed: bool
    decisions: Sequence[DecisionRecord]
    holds: Sequence[HoldRecord]


@dataclass(frozen=True)
class DeclarationData:
    """A declaration's data as filed or amended: the document digest, HS codes (6-digit, on-chain form), the
    customs value in the currency's minor units, and the ISO 4217 currency."""

    digest: bytes
    hs_codes: list[bytes]
    customs_value: int
    currency: bytes

    def to_chain(self) -> list[object]:
        """``digest, hsCodes, customsValue, currency`` as ``file``/``amend`` take them."""
        return [self.digest, self.hs_codes, self.customs_value, self.currency]


@dataclass(frozen=True)
class DecisionRequest:
    """A customs decision: by transaction of the calling officer, or (``signature``) the relayed EIP-712 decision
    of ``officer`` with its ``nonce``, ``deadline`` and the ``digest`` signed."""

    version: int
    port: str
    decision: Decision
    reason_code: str = ""
    signature: bytes | None = None
    officer: str | None = None
    nonce: int | None = None
    deadline: int | None = None
    digest: bytes | None = None


def reason_bytes(text: str, field: str) -> bytes:
    """A reason code as the contract takes it (32 zero bytes for none); :class:`InvalidInputError` naming
    ``field`` if it is malformed."""
    if not text:
        return bytes(32)
    try:
        return reason_code(text)
    except ValueError as exc:
        raise InvalidInputError(str(exc), field) from None


class DeclarationService:
    """Declaration reads (visible to the shipment's parties, customs and auditors) and customs writes."""

    def __init__(
        self, engine: Engine, shipments: ShipmentService, views: ContractViews, *, relayer: str | None
    ) -> None:
        self.engine, self.shipments, self.views, self.relayer = engine, shipments, views, relayer

    # ------------------------------------------------------------------ reading

    def find(self, declaration_id: str) -> Declaration | None:
        """A declaration with its decisions and holds, or ``None``."""
        declaration_id = declaration_id.lower()
        d, cd, h = schema.declarations, schema.customs_decisions, schema.customs_holds
        with self.engine.connect() as conn:
            found = rows(conn, select(d).where(d.c.declaration_id == declaration_id))
            if not found:
                return None
            decisions = rows(
                conn,
                select(cd).where(cd.c.declaration_id == declaration_id).order_by(cd.c.block_number, cd.c.log_index),
            )
            holds = rows(conn, select(h).where(h.c.declaration_id == declaration_id))
        r = found[0]
        return Declaration(
            declaration_id=r["declaration_id"],
            shipment_id=r["shipment_id"],
            filer=to_checksum_address(r["filer"]),
            version=r["version"],
            digest=r["digest"],
            hs_codes=r["hs_codes"],
            customs_value=r["customs_value"],
            currency=r["currency"],
            state=r["state"],
            cleared_version=r["cleared_version"],
            origin_officer=r["origin_officer"],
            destination_officer=r["destination_officer"],
            confirmed=bool(r["confirmed"]),
            decisions=[
                DecisionRecord(
                    port=x["port"],
                    officer=to_checksum_address(x["officer"]),
                    version=x["version"],
                    decision=x["decision"],
                    reason_code=x["reason_code"],
                    submitted_by=to_checksum_address(x["submitted_by"]),
                    transaction_hash=x["transaction_hash"],
                    block_number=x["block_number"],
                    confirmed=bool(x["confirmed"]),
                )
                for x in decisions
            ],
            holds=[
                HoldRecord(
                    port=x["port"],
                    officer=to_checksum_address(x["officer"]),
                    reason_code=x["reason_code"],
                    active=bool(x["active"]),
                    released_by=x["released_by"],
                    confirmed=bool(x["confirmed"]),
                )
                for x in holds
            ],
        )

    def get(self, caller: Caller, declaration_id: str) -> Declaration:
        """A declaration the caller may read (parties of the shipment, customs and auditors)."""
        declaration = self.find(declaration_id)
        if declaration is None:
            raise NotFoundError(f"no declaration {declaration_id} in the index (it may not be indexed yet)")
        self.shipments.visible(caller, declaration.shipment_id)
        return declaration

    def ids_of(self, shipment_id: str) -> list[str]:
        """Ids of the declarations of a shipment."""
        d = schema.declarations
        with self.engine.connect() as conn:
            return [str(x) for x in conn.execute(select(d.c.declaration_id).where(d.c.shipment_id == shipment_id))]

    # ------------------------------------------------------------------ EIP-712 decisions

    def _decision_input(
        self, declaration_id: bytes, digest: bytes, officer: str, request: DecisionRequest
    ) -> DecisionInput:
        nonce = request.nonce
        if nonce is None:
            (nonce,) = self.views.call(CUSTOMS, "nonces", [officer, 0])
        return DecisionInput(
            declaration_id=declaration_id,
            version=request.version,
            declaration_digest=digest,
            port=request.port,
            decision=request.decision,
            reason_code=reason_bytes(request.reason_code, "body.reasonCode"),
            officer=officer,
            nonce=int(nonce),
            deadline=request.deadline or int(time.time()) + 3600,
        )

    def typed_data(self, caller: Caller, declaration_id: str, request: DecisionRequest) -> dict[str, Any]:
        """The ``eth_signTypedData_v4`` document of the calling officer's decision on the current version (the
        officer's next nonce; ``request.version`` is ignored)."""
        declaration = self.get(caller, declaration_id)
        current = DecisionRequest(
            version=declaration.version,
            port=request.port,
            decision=request.decision,
            reason_code=request.reason_code,
            deadline=request.deadline,
        )
        try:
            decision = self._decision_input(
                bytes.fromhex(declaration.declaration_id[2:]),
                bytes.fromhex(declaration.digest[2:]),
                caller.member,
                current,
            )
        except InvalidInputError as exc:
            raise InvalidInputError(str(exc), "query.reasonCode") from None
        return decision_typed_data(self.views.eip712_domain(CUSTOMS), decision)

    # ------------------------------------------------------------------ writing

    @staticmethod
    def file(shipment_id: bytes, data: DeclarationData) -> Write:
        """File the combined declaration of a shipment (caller: its shipper or an authorised broker)."""
        return Write("declarations.file", Call(CUSTOMS, "file", [shipment_id, *data.to_chain()]))

    @staticmethod
    def amend(declaration_id: bytes, data: DeclarationData) -> Write:
        """Replace the declaration's data with a new version (before any decision, or after a rejection)."""
        return Write("declarations.amend", Call(CUSTOMS, "amend", [declaration_id, *data.to_chain()]))

    def decide(self, declaration_id: bytes, request: DecisionRequest, *, custodial: bool) -> Write:
        """A decision by transaction of the calling officer, or the relayed EIP-712 decision of ``officer``: a
        signature from a key is checked here first (one that does not recover to the officer is refused); one from
        a contract wallet (ERC-1271) only the chain can check. Signed decisions are sent by the configured relayer
        when signing custodially, else by the caller itself: anyone may relay."""
        reason = reason_bytes(request.reason_code, "body.reasonCode")
        if request.signature is None:
            call = Call(
                CUSTOMS,
                "decide",
                [declaration_id, request.version, request.port.encode(), int(request.decision), reason],
            )
            return Write("declarations.decide", call)
        missing = [f for f in ("officer", "nonce", "deadline", "digest") if getattr(request, f) is None]
        if missing:
            raise InvalidInputError(f"a signed decision needs {', '.join(missing)}", f"body.{missing[0]}")
        assert request.officer is not None
        assert request.digest is not None
        decision = self._decision_input(declaration_id, request.digest, request.officer, request)
        if not self.views.has_code(request.officer):
            typed = decision_typed_data(self.views.eip712_domain(CUSTOMS), decision)
            signer = typed_data_signer(typed, request.signature)
            if signer is None:  # a malformed signature (bad v, s out of range)
                raise InvalidInputError("the signature does not recover to any account", "body.signature")
            if signer.lower() != request.officer.lower():
                raise InvalidInputError(
                    f"the signature recovers to {signer}, not the officer {request.officer}: it was made over other "
                    "data",
                    "body.signature",
                )
        sender = self.relayer if custodial and self.relayer else None
        return Write(
            "declarations.decideBySig", Call(CUSTOMS, "decideBySig", [decision.to_chain(), request.signature]), sender
        )

    @staticmethod
    def clear(declaration_id: bytes) -> Write:
        """Clear the goods once both approvals are in and nothing holds them (anyone may ask)."""
        return Write("declarations.clear", Call(CUSTOMS, "clear", [declaration_id]))

    @staticmethod
    def place_hold(declaration_id: bytes, port: str, reason: str) -> Write:
        """Hold the goods at a port (caller: CUSTOMS of that port)."""
        return Write(
            "holds.place",
            Call(CUSTOMS, "placeHold", [declaration_id, port.encode(), reason_bytes(reason, "body.reasonCode")]),
        )

    @staticmethod
    def release_hold(declaration_id: bytes, port: str) -> Write:
        """Release this port's hold."""
        return Write("holds.release", Call(CUSTOMS, "releaseHold", [declaration_id, port.encode()]))

    @staticmethod
    def set_broker(broker: str, allowed: bool) -> Write:
        """A shipper authorises (or withdraws) a customs broker to file and amend its declarations."""
        return Write("declarations.setBroker", Call(CUSTOMS, "setBroker", [broker, allowed]))

    @staticmethod
    def invalidate_nonce(lane: int = 0) -> Write:
        """An officer voids its next signature nonce in ``lane`` (decisions are signed in lane 0), so a decision
        signed with it but not yet relayed can never be."""
        return Write("declarations.invalidateNonce", Call(CUSTOMS, "invalidateNonce", [lane]))
