"""Tables the services own beside the index: API keys, operations (writes that reach the chain), idempotency
records, the nonce allocator of each signing account, the receipts of indexed transactions (gas used, read from
the node when a KPI first needs them; a copy of chain data keyed by block hash, never an input), and the console's
sign-in nonces and sessions. They share the index's metadata and Alembic history (migrations ``0002``, ``0004``,
``0006`` and ``0007``), so one ``migrate`` brings the whole database up to date. Operations and idempotency records
carry a lease: which API process works on them, until when (any number of API processes share one database)."""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, String, Table, Text

from portlink.store.columns import ADDRESS, HASH, Block, Json, metadata

#: hostname:pid:random, see ``portlink.services.operations.leases``.
LEASE_OWNER = 120

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(32), primary_key=True, comment="The public part of the key (plk_<key_id>_<secret>)."),
    Column("secret_sha256", String(64), nullable=False, comment="SHA-256 of the secret; the secret is not stored."),
    Column("member", String(ADDRESS), nullable=False, index=True),
    Column("label", String(200), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("revoked_at", Float, nullable=True),
)

signing_accounts = Table(
    "signing_accounts",
    metadata,
    Column("address", String(ADDRESS), primary_key=True),
    Column("next_nonce", Block, nullable=False, comment="The nonce the next transaction of this account gets."),
)

operations = Table(
    "operations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("member", String(ADDRESS), nullable=False, index=True),
    Column("kind", String(60), nullable=False),
    Column("status", String(20), nullable=False, index=True),
    Column("signing", String(20), nullable=False, comment="custodial or wallet"),
    Column("contract", String(100), nullable=False),
    Column("function", String(100), nullable=False),
    Column("to_address", String(ADDRESS), nullable=False),
    Column("calldata", Text, nullable=False),
    Column("sender", String(ADDRESS), nullable=False),
    Column("nonce", Block, nullable=True),
    Column("gas", Block, nullable=True),
    Column("max_fee_per_gas", String(40), nullable=True),
    Column("max_priority_fee_per_gas", String(40), nullable=True),
    Column("raw_transaction", Text, nullable=True, comment="The signed transaction, stored before it is sent."),
    Column("tx_hash", String(HASH), nullable=True, index=True),
    Column("tx_hashes", Json, nullable=False, comment="Every hash broadcast for this nonce (replacements)."),
    Column("broadcasts", Integer, nullable=False),
    Column("block_number", Block, nullable=True),
    Column("block_hash", String(HASH), nullable=True),
    Column("gas_used", Block, nullable=True),
    Column("result", Json, nullable=True, comment="What the operation creates (shipment id, financing id)."),
    Column("error", Json, nullable=True, comment="The problem (RFC 9457) of a failed operation."),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("broadcast_at", Float, nullable=True),
    Column(
        "lease_owner",
        String(LEASE_OWNER),
        nullable=True,
        comment="The API process working on it; NULL: nobody needs to (it waits for a wallet).",
    ),
    Column("lease_until", Float, nullable=True, comment="Until when the owner's claim holds; renewed while it lives."),
    Index("ix_operations_sender_nonce", "sender", "nonce"),
    Index("ix_operations_lease_owner", "lease_owner"),
)

idempotency_records = Table(
    "idempotency_records",
    metadata,
    Column("member", String(ADDRESS), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("request_sha256", String(64), nullable=False),
    Column("status_code", Integer, nullable=True, comment="NULL while the first request is still running."),
    Column("body", Json, nullable=True),
    Column("operation_id", String(36), nullable=True, comment="The operation the request created, once it did."),
    Column("created_at", Float, nullable=False),
    Column("lease_owner", String(LEASE_OWNER), nullable=True, comment="The API process answering the request."),
    Column("lease_until", Float, nullable=True, comment="After this an unanswered request may be taken over."),
)

transaction_receipts = Table(
    "transaction_receipts",
    metadata,
    Column("transaction_hash", String(HASH), primary_key=True),
    Column(
        "block_hash",
        String(HASH),
        nullable=False,
        comment="The block the receipt is from: a row whose block is no longer the log's is fetched again.",
    ),
    Column("block_number", Block, nullable=False),
    Column("sender", String(ADDRESS), nullable=False),
    Column("gas_used", Block, nullable=False),
    Column("effective_gas_price", String(40), nullable=False, comment="Wei, as a decimal string."),
    Column("status", Integer, nullable=False),
)

sign_in_nonces = Table(
    "sign_in_nonces",
    metadata,
    Column("nonce", String(64), primary_key=True, comment="The EIP-4361 nonce handed out for one sign-in."),
    Column("issued_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False, index=True),
    Column("used_at", Float, nullable=True, comment="Set once, when a sign-in with it succeeds or is refused."),
)

sessions = Table(
    "sessions",
    metadata,
    Column("session_id", String(32), primary_key=True, comment="The public part of the cookie (<id>.<secret>)."),
    Column("secret_sha256", String(64), nullable=False, comment="SHA-256 of the secret; the secret is not stored."),
    Column("member", String(ADDRESS), nullable=False, index=True),
    Column("chain_id", Block, nullable=False),
    Column("domain", String(255), nullable=False),
    Column("nonce", String(64), nullable=False, unique=True, comment="The sign-in's nonce: one session per nonce."),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("revoked_at", Float, nullable=True),
)
