"""Delivery of subscriptions' callbacks, at least once, from the notification outbox.

The indexer writes an outbox row for each event it announces in the same transaction as the event itself
(:meth:`portlink.indexer.projections.base.Projector.announce`), numbered in order (``seq``). Each subscription
keeps a ``cursor``: the last ``seq`` it was sent (or skipped as not matching). The worker

1. claims a subscription that is due and has final outbox rows after its cursor, with a lease (a conditional
   ``UPDATE``: one worker per subscription, whichever process it runs in, and one that died is replaced when its
   lease runs out);
2. takes the outbox rows after the cursor up to the first one whose block is not final yet (a block that can
   still be reorganised away is never announced), at most ``webhook_batch_size``;
3. builds the events among them that match the subscription's filters and that its member may read today, and
   POSTs them as one JSON array with ``Notification-Signature: sha256=<hex HMAC-SHA256 of the exact body>``;
4. moves the cursor past those rows only once the callback answered 2xx. Anything else (an error status, a
   timeout, a refused connection) is retried with the delay doubling from ``webhook_retry_seconds`` up to
   ``webhook_max_backoff_seconds``; the cursor stays, so nothing is lost, and a batch may arrive twice.

A process killed while it delivers leaves the cursor where it was: the batch is delivered again after the lease.

Alert webhooks also carry the risk engine's alerts (customs and auditors only, like the alert stream): they are not
chain events and never in the outbox, so a subscription keeps a second cursor, ``risk_cursor``, over
``risk_alerts.seq``; once no final outbox row waits, the next batch is the risk alerts after it (rendered by the
``RISK_ALERTS`` renderer), delivered and retried in the same way.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import random
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Engine, and_, delete, exists, func, select, update

from portlink.errors import AuthenticationError
from portlink.services.access import Caller, member_caller
from portlink.services.consortium import ConsortiumService
from portlink.services.dcsa import DcsaService, TntEvent
from portlink.services.eventlog import EventLog
from portlink.services.iot import IoTService
from portlink.services.risk import RiskAlert, RiskService
from portlink.services.subscriptions import Subscription, _subscription, is_public_host, secret_bytes
from portlink.store import schema
from portlink.store.notifications import ALERTS_TOPIC, DCSA_TOPIC

log = logging.getLogger("portlink.webhooks")

#: How a topic's events are written in a callback body (the API's response models: the same JSON as its reads).
Renderers = dict[str, Callable[[Sequence[Any]], list[Any]]]
#: The renderer of risk alerts (sent to alert webhooks).
RISK_ALERTS = "risk-alerts"


@dataclass(frozen=True)
class WebhookConfig:
    """How the worker delivers (``PORTLINK_WEBHOOK_*``)."""

    poll_seconds: float = 0.5
    timeout_seconds: float = 10.0
    lease_seconds: float = 60.0
    retry_seconds: float = 1.0
    max_backoff_seconds: float = 600.0
    batch_size: int = 100
    allow_private_addresses: bool = False
    api_version: str = "2.2.0"


@dataclass(frozen=True)
class Claimed:
    """A subscription this worker holds the lease of, with its cursor and secret as stored when claimed."""

    subscription: Subscription
    cursor: int
    secret: str
    risk_cursor: int = 0


@dataclass(frozen=True)
class Attempt:
    """What one delivery attempt did: events sent (0: nothing matched, the cursor moved on), the status."""

    subscription_id: str
    sent: int
    status: int | None
    error: str | None = None


def signature(secret: str, body: bytes) -> str:
    """The ``Notification-Signature`` header of ``body``: ``sha256=`` and the hex HMAC-SHA256 of the body's exact
    bytes with the subscription's secret (base64-decoded) as key."""
    return "sha256=" + hmac.new(secret_bytes(secret), body, hashlib.sha256).hexdigest()


def body_of(payload: list[Any]) -> bytes:
    """The callback body: the JSON array, UTF-8, as signed."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


class Deliveries:
    """The delivery worker of one process (``run`` in a thread; ``deliver_due`` for one step)."""

    def __init__(
        self,
        engine: Engine,
        *,
        dcsa: DcsaService,
        iot: IoTService,
        eventlog: EventLog,
        consortium: ConsortiumService,
        risk: RiskService,
        renderers: Renderers,
        config: WebhookConfig,
        client: httpx.Client | None = None,
    ) -> None:
        self.engine, self.dcsa, self.iot, self.eventlog = engine, dcsa, iot, eventlog
        self.consortium, self.risk = consortium, risk
        self.renderers, self.config = renderers, config
        self.owner = str(uuid.uuid4())
        self.client = client or httpx.Client(timeout=config.timeout_seconds, follow_redirects=False)
        self.stop_event = threading.Event()
        self._rounds = 0

    # ------------------------------------------------------------------ the loop

    def run(self) -> None:
        """Deliver until stopped: whatever is due, then a pause when nothing was."""
        log.info("webhook delivery started (worker %s)", self.owner)
        try:
            while not self.stop_event.is_set():
                try:
                    attempts = self.deliver_due()
                    self._rounds += 1
                    if self._rounds % 100 == 0:
                        self.prune()
                except Exception:
                    log.exception("webhook delivery round failed")
                    attempts = []
                if not attempts:
                    self.stop_event.wait(self.config.poll_seconds)
        finally:
            self.client.close()

    def deliver_due(self) -> list[Attempt]:
        """One attempt for each subscription that is due now (as many as this worker can claim)."""
        done: list[Attempt] = []
        for subscription_id in self._due():
            claimed = self._claim(subscription_id)
            if claimed is not None:
                done.append(self._deliver(claimed))
        return done

    # ------------------------------------------------------------------ claiming

    def _final_block(self) -> int:
        with self.engine.connect() as conn:
            final = conn.execute(select(schema.index_state.c.final_block)).scalar()
        return -1 if final is None else int(final)

    def _due(self) -> list[str]:
        t, o = schema.subscriptions, schema.outbox
        now, final = time.time(), self._final_block()
        ra = schema.risk_alerts
        pending = exists().where(o.c.topic == t.c.topic, o.c.seq > t.c.cursor, o.c.block_number <= final) | (
            (t.c.topic == ALERTS_TOPIC) & exists().where(ra.c.seq > t.c.risk_cursor)
        )
        query = (
            select(t.c.subscription_id)
            .where(t.c.next_attempt_at <= now, (t.c.lease_until.is_(None)) | (t.c.lease_until < now), pending)
            .order_by(t.c.next_attempt_at)
            .limit(50)
        )
        with self.engine.connect() as conn:
            return [str(r) for r in conn.execute(query).scalars()]

    def _claim(self, subscription_id: str) -> Claimed | None:
        t = schema.subscriptions
        now = time.time()
        lease = max(self.config.lease_seconds, self.config.timeout_seconds + 5)
        with self.engine.begin() as conn:
            claimed = conn.execute(
                update(t)
                .where(
                    t.c.subscription_id == subscription_id,
                    (t.c.lease_until.is_(None)) | (t.c.lease_until < now),
                    t.c.next_attempt_at <= now,
                )
                .values(lease_owner=self.owner, lease_until=now + lease)
            ).rowcount
            if claimed != 1:
                return None
            row = dict(conn.execute(select(t).where(t.c.subscription_id == subscription_id)).mappings().one())
        return Claimed(_subscription(row), int(row["cursor"]), str(row["secret"]), int(row["risk_cursor"]))

    # ------------------------------------------------------------------ delivering

    def _batch(self, claimed: Claimed) -> int | None:
        """The last outbox ``seq`` of the next batch: final rows after the cursor, stopping at the first row that
        is not final yet (``None``: no final row is waiting)."""
        o = schema.outbox
        final = self._final_block()
        query = (
            select(o.c.seq, o.c.block_number)
            .where(o.c.topic == claimed.subscription.topic, o.c.seq > claimed.cursor)
            .order_by(o.c.seq)
            .limit(self.config.batch_size)
        )
        with self.engine.connect() as conn:
            found = conn.execute(query).all()
        upto = None
        for seq, block in found:
            if block > final:
                break
            upto = int(seq)
        return upto

    def _deliver(self, claimed: Claimed) -> Attempt:
        subscription = claimed.subscription
        sid = subscription.subscription_id
        upto: int | None = None
        risk = False  # the batch is of risk alerts (moves risk_cursor), not of outbox rows
        alerts: list[RiskAlert] = []
        events: Sequence[Any] = ()
        try:
            upto = self._batch(claimed)
            if upto is None and subscription.topic == ALERTS_TOPIC:
                alerts = self.risk.alerts(after_seq=claimed.risk_cursor, limit=self.config.batch_size)
                upto, risk = (alerts[-1].seq, True) if alerts else (None, False)
            if upto is None:
                self._release(sid)
                return Attempt(sid, 0, None)
            caller = member_caller(self.consortium, subscription.member, "subscription", "the subscription's member")
            if risk:
                events = self._risk_alerts(subscription, caller, alerts)
            else:
                events = self._events(subscription, caller, claimed.cursor, upto)
            if not events:
                self._advance(sid, upto, 0, None, risk=risk)
                return Attempt(sid, 0, None)
            renderer = self.renderers[RISK_ALERTS if risk else subscription.topic]
            status, error = self._post(claimed, renderer(events))
        except AuthenticationError as exc:
            status, error = None, str(exc)
        except Exception as exc:
            log.exception("delivering subscription %s failed", sid)
            status, error = None, f"{type(exc).__name__}: {exc}"
        if upto is not None and status is not None and 200 <= status < 300:
            self._advance(sid, upto, len(events), status, risk=risk)
            return Attempt(sid, len(events), status)
        self._failed(subscription, status, error)
        return Attempt(sid, 0, status, error)

    @staticmethod
    def _risk_alerts(subscription: Subscription, caller: Caller, alerts: Sequence[RiskAlert]) -> list[RiskAlert]:
        """The risk alerts the member may read (customs and auditors, as on the alert stream), of the shipment
        asked for."""
        if not caller.oversight:
            return []
        shipment = subscription.alert_filters.shipment_id
        return [a for a in alerts if shipment is None or a.declaration_id == shipment]

    def _events(self, subscription: Subscription, caller: Caller, cursor: int, upto: int) -> Sequence[Any]:
        if subscription.topic == DCSA_TOPIC:
            found: list[tuple[int, TntEvent]] = self.dcsa.announced(
                caller.viewer, subscription.dcsa_filters.event_filter(), after_seq=cursor, upto_seq=upto
            )
            return [event for _, event in found]
        entries = self.eventlog.announced(ALERTS_TOPIC, after_seq=cursor, upto_seq=upto)
        shipment = subscription.alert_filters.shipment_id
        if shipment is not None:
            entries = [e for e in entries if shipment in (e.args.get("shipmentId"), e.args.get("declarationId"))]
        return self.iot.visible_feed(caller, entries)

    def _post(self, claimed: Claimed, payload: list[Any]) -> tuple[int | None, str | None]:
        subscription = claimed.subscription
        url = subscription.callback_url
        if not self.config.allow_private_addresses and not _resolves_public(url):
            return None, "the callback host resolves to a private address (PORTLINK_WEBHOOK_ALLOW_PRIVATE_ADDRESSES)"
        body = body_of(payload)
        headers = {
            "Content-Type": "application/json",
            "Notification-Signature": signature(claimed.secret, body),
            "Subscription-ID": subscription.subscription_id,
        }
        if subscription.topic == DCSA_TOPIC:
            headers["API-Version"] = self.config.api_version
        try:
            response = self.client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"
        if 200 <= response.status_code < 300:
            return response.status_code, None
        return response.status_code, f"the callback answered {response.status_code}"

    # ------------------------------------------------------------------ outcomes

    def _advance(self, subscription_id: str, upto: int, sent: int, status: int | None, *, risk: bool = False) -> None:
        t = schema.subscriptions
        cursor = t.c.risk_cursor if risk else t.c.cursor
        now = time.time()
        values: dict[str, Any] = {
            cursor.name: upto,
            "attempts": 0,
            "next_attempt_at": now,
            "lease_owner": None,
            "lease_until": None,
        }
        if sent:
            values.update(
                last_status=status, last_error=None, delivered_at=now, delivered_events=t.c.delivered_events + sent
            )
        with self.engine.begin() as conn:
            conn.execute(
                update(t)
                .where(t.c.subscription_id == subscription_id, t.c.lease_owner == self.owner, cursor < upto)
                .values(**values)
            )

    def _failed(self, subscription: Subscription, status: int | None, error: str | None) -> None:
        t = schema.subscriptions
        attempts = subscription.attempts + 1
        delay = min(self.config.max_backoff_seconds, self.config.retry_seconds * 2 ** min(attempts - 1, 30))
        delay *= random.uniform(0.9, 1.1)  # noqa: S311 - jitter, not a secret
        log.warning(
            "subscription %s: callback failed (%s), retry in %.1f s", subscription.subscription_id, error, delay
        )
        with self.engine.begin() as conn:
            conn.execute(
                update(t)
                .where(t.c.subscription_id == subscription.subscription_id, t.c.lease_owner == self.owner)
                .values(
                    attempts=attempts,
                    next_attempt_at=time.time() + delay,
                    last_status=status,
                    last_error=(error or "")[:1000],
                    lease_owner=None,
                    lease_until=None,
                )
            )

    def _release(self, subscription_id: str) -> None:
        t = schema.subscriptions
        with self.engine.begin() as conn:
            conn.execute(
                update(t)
                .where(t.c.subscription_id == subscription_id, t.c.lease_owner == self.owner)
                .values(lease_owner=None, lease_until=None)
            )

    def prune(self) -> int:
        """Delete outbox rows every subscription of their topic is past (all of a topic without subscriptions,
        once final): the outbox holds what is still to be sent."""
        o, t = schema.outbox, schema.subscriptions
        final, removed = self._final_block(), 0
        with self.engine.begin() as conn:
            for topic in (DCSA_TOPIC, ALERTS_TOPIC):
                floor = conn.execute(select(func.min(t.c.cursor)).where(t.c.topic == topic)).scalar()
                where = [o.c.topic == topic, o.c.block_number <= final]
                if floor is not None:
                    where.append(o.c.seq <= floor)
                removed += conn.execute(delete(o).where(and_(*where))).rowcount
        return removed

    def stop(self) -> None:
        """Stop the loop (it closes its HTTP client as it ends)."""
        self.stop_event.set()


def _resolves_public(url: str) -> bool:
    """Whether every address the callback's host resolves to is public."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not is_public_host(host):
        return False
    try:
        infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80))
    except OSError:
        return True  # unresolvable: the POST fails with its own error
    return all(is_public_host(str(info[4][0])) for info in infos)
