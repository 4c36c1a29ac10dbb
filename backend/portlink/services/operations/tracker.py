"""Following operations to the end: every ``Pending`` operation to its receipt (``Succeeded`` with block, gas and
decoded events, or ``Failed`` with the decoded revert), broadcast again when the node forgot it, and a custodial
transaction stuck in the pool replaced with the same nonce and higher fees. Operations of a process that stopped
are taken over once its lease runs out (:mod:`.leases`): what was signed and stored but perhaps never sent is sent
(the stored bytes), and what was never signed is failed as interrupted."""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from portlink.chain.gateway import BroadcastRefused, Fees
from portlink.services.operations.records import CUSTODIAL, INITIALIZED, PENDING, SUCCEEDED, DecodedEvent
from portlink.services.operations.repository import Row, problem
from portlink.services.operations.reverts import revert_problem
from portlink.store.schema import operations

if TYPE_CHECKING:
    from portlink.services.operations.service import OperationService

log = logging.getLogger("portlink.operations")


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


class Tracker:
    """Follows the open operations of this process, and those it takes over from processes that stopped; :meth:`run`
    until :attr:`stop_event` is set."""

    def __init__(
        self,
        service: OperationService,
        *,
        poll_seconds: float = 0.2,
        rebroadcast_seconds: float = 15.0,
        stuck_seconds: float = 60.0,
        fee_bump_percent: int = 25,
    ) -> None:
        self.service = service
        self.repository, self.gateway = service.repository, service.gateway
        self.contracts, self.catalog, self.signers = service.contracts, service.catalog, service.signers
        self.poll_seconds = poll_seconds
        self.rebroadcast_seconds = rebroadcast_seconds
        self.stuck_seconds = stuck_seconds
        self.fee_bump_percent = fee_bump_percent
        self.stop_event = threading.Event()

    # ------------------------------------------------------------------ following

    def track_once(self) -> int:
        """One pass: renew this process's leases, take over the operations of processes whose leases ran out, and
        move every open operation of this process that no request of it is working on towards its end: never
        signed (its request died): failed as interrupted; signed and stored but perhaps never broadcast: broadcast
        with the stored bytes, under the sender's lock, in nonce order; pending: finished from its receipt,
        broadcast again, or replaced. Returns how many are still open."""
        leases = self.service.leases
        leases.renew()
        if leases.take_over():
            leases.renew(force=True)
        rows = self.repository.rows(
            operations.c.lease_owner == leases.owner,
            operations.c.status.in_((INITIALIZED, PENDING)),
            order=(operations.c.sender, operations.c.nonce),
        )
        # After the read: a request adds its operation before recording it, so every row read whose request is
        # still running is in here. (One that ended meanwhile left a stale row: the conditional updates below
        # then change nothing.)
        in_flight = set(self.service.in_flight)
        still_open = 0
        orphans: set[str] = set()
        for row in rows:
            if row["id"] in in_flight:
                continue
            try:
                if row["status"] == INITIALIZED:
                    if row["raw_transaction"] is None:
                        self._unsigned(row)
                    elif row["signing"] == CUSTODIAL:
                        orphans.add(row["sender"])
                    else:
                        self._track(row)
                elif not self._track(row):
                    still_open += 1
            except Exception:  # the node or the database may be briefly away: try again on the next pass
                log.exception("tracking operation %s", row["id"])
                still_open += 1
        for sender in sorted(orphans):
            try:
                with self.service.nonces.locked(sender) as conn:
                    self.service.broadcast_orphans(conn, sender)
            except Exception:
                log.exception("broadcasting the stored transactions of %s", sender)
        return still_open

    def _unsigned(self, row: Row) -> None:
        if row["signing"] == CUSTODIAL:
            # Its request died before signing: nothing was sent. (A retry of the request runs it afresh.)
            if self.service.fail_unsigned(row["id"], "the service stopped before the transaction was signed"):
                log.info("operation %s: failed as interrupted (never signed)", row["id"])
        else:  # a wallet operation waiting for its signature: nobody needs to hold it
            self.repository.update(row["id"], lease_owner=None, lease_until=None)

    def finish_if_mined(self, row: Row) -> bool:
        """Finish ``row``'s operation if one of its transactions has a receipt; whether it did."""
        for tx_hash in reversed(list(row["tx_hashes"] or [])):
            receipt = self.gateway.receipt(tx_hash)
            if receipt is not None:
                self._finish(row, tx_hash, receipt)
                return True
        return False

    def try_finish(self, row: Row) -> bool:
        """:meth:`finish_if_mined` for a waiting request: a node or database briefly away is the tracker's
        business, not the request's."""
        try:
            return self.finish_if_mined(row)
        except Exception as exc:
            log.debug("operation %s: receipt not read (%s)", row["id"], exc)
            return False

    def _track(self, row: Row) -> bool:
        if self.finish_if_mined(row):
            return True
        now = time.time()
        raw = bytes.fromhex(row["raw_transaction"][2:])
        if row["status"] == INITIALIZED:  # a wallet's signed transaction, its process stopped before broadcasting
            self.rebroadcast(row, raw)
            self.repository.mark_broadcast(row["id"])
            return False
        age = now - float(row["broadcast_at"] or row["updated_at"])
        if not self.gateway.known(row["tx_hash"]):
            if age >= self.rebroadcast_seconds:
                log.info("operation %s: node lost %s, broadcasting it again", row["id"], row["tx_hash"])
                self.rebroadcast(row, raw)
                self.repository.mark_broadcast(row["id"])
        elif age >= self.stuck_seconds and row["signing"] == CUSTODIAL:
            self._replace(row)
        return False

    def rebroadcast(self, row: Row, raw: bytes) -> None:
        """Send ``row``'s signed bytes again; a nonce used meanwhile by another transaction fails the operation."""
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
        o = operations.c
        with self.repository.engine.begin() as conn:
            # Stored before it is sent, and only over the hash this pass saw: a second process that replaced it
            # meanwhile (or finished it) wins, and this signature is dropped unsent.
            stored = self.repository.update_if(
                conn,
                row["id"],
                o.status == PENDING,
                o.tx_hash == row["tx_hash"],
                raw_transaction=_hex(raw),
                tx_hash=tx_hash,
                tx_hashes=[*(row["tx_hashes"] or []), tx_hash],
                max_fee_per_gas=str(fees.max_fee_per_gas),
                max_priority_fee_per_gas=str(fees.max_priority_fee_per_gas),
            )
        if not stored:
            return
        log.info(
            "operation %s: replacing stuck %s with %s (fees +%d%%)", row["id"], row["tx_hash"], tx_hash, bump - 100
        )
        self.rebroadcast(row, raw)
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
            with self.repository.engine.begin() as conn:
                self.repository.update_if(
                    conn,
                    row["id"],
                    operations.c.status.in_((INITIALIZED, PENDING)),
                    status=SUCCEEDED,
                    result={"events": events},
                    lease_owner=None,
                    lease_until=None,
                    **values,
                )
            self.repository.notify()
            return
        data = self.gateway.replay_revert(
            tx_hash, row["sender"], row["to_address"], bytes.fromhex(row["calldata"][2:]), receipt.block_number
        )
        self.repository.set_failed(
            row["id"], revert_problem(self.contracts, data, "reverted on chain", row["id"]), **values
        )

    def run(self) -> None:
        """Follow open operations until :attr:`stop_event` is set."""
        while not self.stop_event.is_set():
            try:
                self.track_once()
            except Exception:
                log.exception("operation tracker pass failed")
            self.stop_event.wait(self.poll_seconds)
