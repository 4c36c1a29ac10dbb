"""Pushed notifications: the outbox the indexer writes in the same transaction as the events it announces, and the
subscriptions (DCSA event subscriptions and PortLink alert webhooks) that the delivery worker sends them to.

``notification_outbox.seq`` only grows (SQLite ``AUTOINCREMENT``, a PostgreSQL identity), so a subscription's
``cursor`` (the last ``seq`` delivered) never passes a row it has not seen; rows of blocks a reorganisation
removes are deleted with them (and announced again with new numbers when re-indexed).
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, String, Table, Text, UniqueConstraint, text

from portlink.store.columns import HASH, Block, Json, metadata

#: The outbox's topics: DCSA Track & Trace events, and PortLink's alert feed (IoT alerts, customs holds).
DCSA_TOPIC = "dcsa"
ALERTS_TOPIC = "alerts"
TOPICS = (DCSA_TOPIC, ALERTS_TOPIC)

outbox = Table(
    "notification_outbox",
    metadata,
    Column("seq", Block, primary_key=True, autoincrement=True),
    Column("topic", String(20), nullable=False, comment="dcsa (T&T events) or alerts (alert and hold events)."),
    Column("block_hash", String(HASH), nullable=False),
    Column("log_index", Integer, nullable=False),
    Column("block_number", Block, nullable=False, index=True),
    UniqueConstraint("topic", "block_hash", "log_index", name="uq_notification_outbox_log"),
    Index("ix_notification_outbox_topic_seq", "topic", "seq"),
    sqlite_autoincrement=True,
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("subscription_id", String(36), primary_key=True),
    Column("topic", String(20), nullable=False, index=True),
    Column("member", String(42), nullable=False, index=True, comment="Whose view the events are filtered by."),
    Column("callback_url", Text, nullable=False),
    Column("secret", Text, nullable=False, comment="Base64 HMAC key of Notification-Signature (needed to sign)."),
    Column("filters", Json, nullable=False, comment="The subscription body's filters, as given (normalised)."),
    Column("cursor", Block, nullable=False, comment="The last outbox seq delivered (or skipped as not matching)."),
    Column(
        "risk_cursor",
        Block,
        nullable=False,
        server_default=text("0"),
        comment="Alerts topic: the last risk alert seq delivered (or skipped as not visible to the member).",
    ),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("next_attempt_at", Float, nullable=False),
    Column("attempts", Integer, nullable=False, comment="Failed attempts since the last delivery."),
    Column("lease_owner", String(36), nullable=True, comment="The worker delivering it now."),
    Column("lease_until", Float, nullable=True),
    Column("last_status", Integer, nullable=True, comment="HTTP status of the last attempt (NULL: no answer)."),
    Column("last_error", Text, nullable=True),
    Column("delivered_at", Float, nullable=True, comment="When a batch was last accepted."),
    Column("delivered_events", Block, nullable=False, comment="Events accepted so far."),
)
