"""Following operations to the end: every ``Pending`` operation to its receipt (``Succeeded`` with block, gas and
decoded events, or ``Failed`` with the decoded revert), broadcast again when the node forgot it, and a custodial
transaction stuck in the pool replaced with the same nonce and higher fees. After a restart, what was signed and
stored but perhaps never sent is sent (the stored bytes), and what was never signed is failed."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from portlink.chain.gateway import BroadcastRefused, ChainGateway, Fees
from portlink.indexer.catalog import EventCatalog
from portlink.services.contracts import Contracts
from portlink.services.operations.idempotency import IdempotencyRecords
from portlink.services.operations.records import CUSTODIAL, INITIALIZED, PENDING, SUCCEEDED, DecodedEvent
from portlink.services.operations.repository import OperationRepository, Row, problem
from portlink.services.operations.reverts import revert_problem
from portlink.services.operations.signing import Signers
from portlink.store.schema import operations

log = logging.getLogger("portlink.operations")


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


class Tracker:
    """Follows open operations; :meth:`run` until :attr:`stop_event` is set."""

    def __init__(
        self,
        repository: OperationRepository,
        gateway: ChainGateway,
        contracts: Contracts,
        catalog: EventCatalog,
        signers: Signers,
        idempotency: IdempotencyRecords,
        *,
        poll_seconds: float = 0.2,
        rebroadcast_seconds: float = 15.0,
        stuck_seconds: float = 60.0,
        fee_bump_percent: int = 25,
    ) -> None:
        self.repository, self.gateway, self.contracts, self.catalog = repository, gateway, contracts, catalog
        self.signers, self.idempotency = signers, idempotency
        self.poll_seconds = poll_seconds
        self.rebroadcast_seconds = rebroadcast_seconds
        self.stuck_seconds = stuck_seconds
        self.fee_bump_percent = fee_bump_percent
        self.stop_event = threading.Event()

    # ------------------------------------------------------------------ after a restart

    def recover(self) -> None:
        """After a restart: requests that died unanswered are released, and custodial operations that never got a
        signed transaction are failed. Nothing is signed again."""
        self.idempotency.release_unanswered()
        for row in self.repository.rows(
            operations.c.status == INITIALIZED,
            operations.c.signing == CUSTODIAL,
            operations.c.raw_transaction.is_(None),
        ):
            self.repository.update(
                row["id"],
                status="Failed",
                error=problem(
                    "/problems/interrupted",
                    503,
                    "The service stopped before the transaction was signed",
                    "the service stopped before the transaction was signed",
                ),
            )

    def resume(self) -> None:
        """After a restart: operations whose signed transaction was stored but perhaps never broadcast are
        finished from their receipt or broadcast now, with the stored bytes (never signed again)."""
        for row in self.repository.rows(operations.c.status == INITIALIZED, operations.c.raw_transaction.is_not(None)):
            self._track(row)

    # ------------------------------------------------------------------ following

    def track_once(self) -> int:
        """One pass over the open operations; returns how many are still open."""
        still_open = 0
        for row in self.repository.rows(
            operations.c.status == PENDING, order=(operations.c.sender, operations.c.nonce)
        ):
            try:
                if not self._track(row):
                    still_open += 1
            except Exception:  # the node may be briefly away: try again on the next pass
                log.exception("tracking operation %s", row["id"])
                still_open += 1
        return still_open

    def _track(self, row: Row) -> bool:
        for tx_hash in reversed(list(row["tx_hashes"] or [])):
            receipt = self.gateway.receipt(tx_hash)
            if receipt is not None:
                self._finish(row, tx_hash, receipt)
                return True
        now = time.time()
        raw = bytes.fromhex(row["raw_transaction"][2:])
        if row["status"] == INITIALIZED:  # signed and stored, the process stopped before broadcasting
            self._rebroadcast(row, raw)
            self.repository.mark_broadcast(row["id"])
            return False
        age = now - float(row["broadcast_at"] or row["updated_at"])
        if not self.gateway.known(row["tx_hash"]):
            if age >= self.rebroadcast_seconds:
                log.info("operation %s: node lost %s, broadcasting it again", row["id"], row["tx_hash"])
                self._rebroadcast(row, raw)
                self.repository.mark_broadcast(row["id"])
        elif age >= self.stuck_seconds and row["signing"] == CUSTODIAL:
            self._replace(row)
        return False

    def _rebroadcast(self, row: Row, raw: bytes) -> None:
        try:
            self.gateway.send_raw(raw)
        except BroadcastRefused as exc:
            # "nonce too low": mined meanwhile (then the next pass finds the receipt), or, with no receipt for
            # any of our hashes, the nonce went to another transaction.
            mined = any(self.gateway.receipt(h) is not None for h in row["tx_hashes"] or [])
            if (
                not mined
                and "nonce" in str(exc).lower()
                and self.gateway.mined_nonce(row["sender"]) > int(row["nonce"])
            ):
                self.repository.set_failed(
                    row["id"],
                    problem(
                        "/problems/nonce-used",
                        409,
                        "Another transaction used the nonce",
                        f"nonce {row['nonce']} was used by another transaction",
                    ),
                )
            else:
                log.warning("operation %s: broadcast refused: %s", row["id"], exc)

    def _replace(self, row: Row) -> None:
        """Send the same call with the same nonce and higher fees (a stuck transaction's replacement)."""
        account = self.signers.signer_for(row["sender"])
        bump = 100 + self.fee_bump_percent
        current = self.gateway.fees()
        fees = Fees(
            max(int(row["max_fee_per_gas"]) * bump // 100 + 1, current.max_fee_per_gas),
            max(int(row["max_priority_fee_per_gas"]) * bump // 100 + 1, current.max_priority_fee_per_gas),
        )
        data = bytes.fromhex(row["calldata"][2:])
        tx = self.gateway.unsigned(row["sender"], row["to_address"], data, int(row["gas"]), int(row["nonce"]), fees)
        del tx["from"]
        raw, tx_hash = self.gateway.sign(account, tx)
        self.repository.update(
            row["id"],
            raw_transaction=_hex(raw),
            tx_hash=tx_hash,
            tx_hashes=[*(row["tx_hashes"] or []), tx_hash],
            max_fee_per_gas=str(fees.max_fee_per_gas),
            max_priority_fee_per_gas=str(fees.max_priority_fee_per_gas),
        )
        log.info(
            "operation %s: replacing stuck %s with %s (fees +%d%%)", row["id"], row["tx_hash"], tx_hash, bump - 100
        )
        self._rebroadcast(row, raw)
        self.repository.mark_broadcast(row["id"])

    def _finish(self, row: Row, tx_hash: str, receipt: Any) -> None:
        values = {
            "tx_hash": tx_hash,
            "block_number": receipt.block_number,
            "block_hash": receipt.block_hash,
            "gas_used": receipt.gas_used,
        }
        if receipt.status == 1:
            events: list[DecodedEvent] = []
            for entry in receipt.logs:
                event_type = self.catalog.event(entry["address"], entry["topics"][0] if entry["topics"] else None)
                if event_type is not None:
                    args = event_type.decode(entry["topics"], entry["data"])
                    events.append({"contract": event_type.contract, "event": event_type.name, "args": args})
            self.repository.update(row["id"], status=SUCCEEDED, result={"events": events}, **values)
            self.repository.notify()
            return
        data = self.gateway.replay_revert(
            tx_hash, row["sender"], row["to_address"], bytes.fromhex(row["calldata"][2:]), receipt.block_number
        )
        self.repository.update(row["id"], **values)
        self.repository.set_failed(row["id"], revert_problem(self.contracts, data, "reverted on chain", row["id"]))

    def run(self) -> None:
        """Follow open operations until :attr:`stop_event` is set."""
        self.recover()
        self.resume()
        while not self.stop_event.is_set():
            try:
                self.track_once()
            except Exception:
                log.exception("operation tracker pass failed")
            self.stop_event.wait(self.poll_seconds)
