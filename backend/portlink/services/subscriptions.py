"""Subscriptions to pushed notifications: DCSA Track & Trace event subscriptions (``/v2/event-subscriptions``) and
PortLink's alert webhooks (``/v1/alert-subscriptions``), each a callback URL, a shared secret that signs every
callback (``Notification-Signature: sha256=<HMAC-SHA256 of the body>``) and filters. A member sees and changes only
its own subscriptions, and is sent only the events it may read (:mod:`portlink.services.webhooks` delivers).

The secret is stored as given (it must be, to sign with it) and never answered back.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import BigInteger, Engine, cast, delete, func, insert, select, update

from portlink.errors import InvalidInputError, NotFoundError
from portlink.services.access import Caller
from portlink.services.dcsa import SubscriptionFilters
from portlink.services.risk import newest_alert_seq
from portlink.services.sql import Cursor, KeysetPage, OrderKey, SortKey, fingerprint, keyset_page, rows
from portlink.store import schema
from portlink.store.notifications import ALERTS_TOPIC, DCSA_TOPIC

#: A notification topic: DCSA_TOPIC or ALERTS_TOPIC.
Topic = str
#: The shortest secret accepted: an HMAC-SHA256 key as long as the hash (RFC 2104 advises no shorter).
MIN_SECRET_BYTES = 32
MAX_SECRET_BYTES = 1024
MAX_URL_LENGTH = 2048
#: The fields a list of subscriptions sorts by.
SORT_FIELDS = ("subscriptionID", "callbackUrl")


@dataclass(frozen=True)
class AlertFilters:
    """What an alert webhook is sent: the alert feed's events (of one shipment, if given)."""

    shipment_id: str | None = None


@dataclass(frozen=True)
class Subscription:
    """A subscription and how its deliveries go (``attempts``: failed since the last accepted callback)."""

    subscription_id: str
    topic: str
    member: str
    callback_url: str
    filters: dict[str, Any]
    created_at: float
    updated_at: float
    next_attempt_at: float
    attempts: int
    last_status: int | None
    last_error: str | None
    delivered_at: float | None
    delivered_events: int

    @property
    def dcsa_filters(self) -> SubscriptionFilters:
        """The filters of a DCSA subscription."""
        return SubscriptionFilters.from_json(self.filters)

    @property
    def alert_filters(self) -> AlertFilters:
        """The filters of an alert webhook."""
        return AlertFilters(**self.filters)


@dataclass(frozen=True)
class SubscriptionPage:
    """A page of subscriptions and where the pages around it start."""

    items: list[Subscription]
    page: KeysetPage


def secret_bytes(secret: str) -> bytes:
    """The HMAC key a base64 ``secret`` (OpenAPI ``format: byte``) stands for; :class:`InvalidInputError` if it is
    not base64 or shorter than :data:`MIN_SECRET_BYTES` bytes."""
    try:
        key = base64.b64decode(secret.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise InvalidInputError("the secret is not base64", "body.secret") from None
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        raise InvalidInputError(
            f"the secret is {len(key)} bytes: give {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} random bytes, base64",
            "body.secret",
        )
    return key


def check_callback_url(url: str, *, allow_private: bool) -> str:
    """``url`` if it is an http(s) URL with a host (not a literal private or loopback address unless
    ``allow_private``); :class:`InvalidInputError` otherwise."""
    field = "body.callbackUrl"
    if len(url) > MAX_URL_LENGTH:
        raise InvalidInputError(f"the callback URL is longer than {MAX_URL_LENGTH} characters", field)
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - a malformed port raises here
    except ValueError:
        raise InvalidInputError(f"{url!r} is not a URL", field) from None
    if parts.scheme not in ("http", "https") or not host:
        raise InvalidInputError("the callback URL must be an http or https URL with a host", field)
    if not allow_private and not is_public_host(host):
        raise InvalidInputError(
            f"the callback host {host} is not a public address (PORTLINK_WEBHOOK_ALLOW_PRIVATE_ADDRESSES)", field
        )
    return url


def is_public_host(host: str) -> bool:
    """Whether ``host`` (a name or a literal address) is not a loopback, private, link-local or reserved address;
    names are checked when they are resolved, at delivery."""
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return False
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return True
    return address.is_global and not address.is_multicast


def _subscription(r: dict[str, Any]) -> Subscription:
    return Subscription(**{k: r[k] for k in Subscription.__dataclass_fields__})


class SubscriptionService:
    """Subscriptions of members, by topic."""

    def __init__(self, engine: Engine, *, allow_private: bool) -> None:
        self.engine = engine
        self.allow_private = allow_private

    def create(
        self, caller: Caller, topic: Topic, callback_url: str, secret: str, filters: dict[str, Any]
    ) -> Subscription:
        """A new subscription of the caller; it is sent the events indexed (and risk alerts raised) from now on."""
        check_callback_url(callback_url, allow_private=self.allow_private)
        secret_bytes(secret)
        now = time.time()
        o = schema.outbox
        with self.engine.begin() as conn:
            newest = conn.execute(select(func.max(o.c.seq)).where(o.c.topic == topic)).scalar()
            raised = newest_alert_seq(conn)
            subscription_id = str(uuid.uuid4())
            conn.execute(
                insert(schema.subscriptions),
                {
                    "subscription_id": subscription_id,
                    "topic": topic,
                    "member": caller.member,
                    "callback_url": callback_url,
                    "secret": secret,
                    "filters": filters,
                    "cursor": int(newest or 0),
                    "risk_cursor": raised,
                    "created_at": now,
                    "updated_at": now,
                    "next_attempt_at": now,
                    "attempts": 0,
                    "delivered_events": 0,
                },
            )
        return self.get(caller, topic, subscription_id)

    def get(self, caller: Caller, topic: Topic, subscription_id: str) -> Subscription:
        """One of the caller's subscriptions; :class:`NotFoundError` if it has none with this id."""
        t = schema.subscriptions
        query = select(t).where(t.c.subscription_id == subscription_id.lower(), t.c.topic == topic)
        with self.engine.connect() as conn:
            found = rows(conn, query.where(t.c.member == caller.member))
        if not found:
            raise NotFoundError(f"no subscription {subscription_id}")
        return _subscription(found[0])

    def list(
        self,
        caller: Caller,
        topic: Topic,
        *,
        limit: int,
        cursor: Cursor | None = None,
        sort: tuple[SortKey, ...] = (),
    ) -> SubscriptionPage:
        """The caller's subscriptions, oldest first unless ``sort`` names :data:`SORT_FIELDS`."""
        t = schema.subscriptions
        columns = {"callbackUrl": t.c.callback_url, "subscriptionID": t.c.subscription_id}
        order = [OrderKey(columns[k.field], k.descending) for k in sort]
        created = cast(t.c.created_at * 1_000_000, BigInteger)  # microseconds: cursors hold integers and strings
        order += [OrderKey(created, integer=True), OrderKey(t.c.subscription_id)]
        query = select(t).where(t.c.topic == topic, t.c.member == caller.member)
        with self.engine.connect() as conn:
            found = keyset_page(
                conn, query, order, limit=limit, cursor=cursor, query_id=fingerprint(topic, [vars(k) for k in sort])
            )
        return SubscriptionPage([_subscription(r) for r in found.rows], found)

    def replace(
        self, caller: Caller, topic: Topic, subscription_id: str, callback_url: str, filters: dict[str, Any]
    ) -> Subscription:
        """Change a subscription's callback and filters (all of them: a filter not given is dropped)."""
        check_callback_url(callback_url, allow_private=self.allow_private)
        self._change(caller, topic, subscription_id, callback_url=callback_url, filters=filters)
        return self.get(caller, topic, subscription_id)

    def set_secret(self, caller: Caller, topic: Topic, subscription_id: str, secret: str) -> None:
        """Replace the secret the subscription's callbacks are signed with (from the next callback on)."""
        secret_bytes(secret)
        self._change(caller, topic, subscription_id, secret=secret)

    def remove(self, caller: Caller, topic: Topic, subscription_id: str) -> None:
        """Stop a subscription: nothing more is sent to it."""
        t = schema.subscriptions
        with self.engine.begin() as conn:
            done = conn.execute(
                delete(t).where(
                    t.c.subscription_id == subscription_id.lower(), t.c.topic == topic, t.c.member == caller.member
                )
            )
        if done.rowcount == 0:
            raise NotFoundError(f"no subscription {subscription_id}")

    def _change(self, caller: Caller, topic: Topic, subscription_id: str, **values: Any) -> None:
        t = schema.subscriptions
        with self.engine.begin() as conn:
            done = conn.execute(
                update(t)
                .where(t.c.subscription_id == subscription_id.lower(), t.c.topic == topic, t.c.member == caller.member)
                .values(**values, updated_at=time.time())
            )
        if done.rowcount == 0:
            raise NotFoundError(f"no subscription {subscription_id}")


__all__ = [
    "ALERTS_TOPIC",
    "DCSA_TOPIC",
    "AlertFilters",
    "Subscription",
    "SubscriptionPage",
    "SubscriptionService",
    "check_callback_url",
    "is_public_host",
    "secret_bytes",
]
