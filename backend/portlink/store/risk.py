"""The risk engine's tables: model versions, the current score of each declaration, the customs decisions taken
against (or with) the advice, and the alerts of scores that crossed a port's threshold.

Derived data, not chain data: recomputed from the projections by :mod:`portlink.services.risk`, never rolled back
with blocks (a score computed from evidence a reorganisation removed is recomputed on the next round).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, Index, Integer, String, Table, Text

from portlink.store.columns import ADDRESS, HASH, PORT, Block, Json, metadata

risk_models = Table(
    "risk_models",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("trained_at", Float, nullable=False),
    Column("declarations", Integer, nullable=False, comment="Decided declarations it was trained on."),
    Column("model", Json, nullable=False, comment="RiskModel.to_json(): weights, references, window, metrics."),
)

risk_scores = Table(
    "risk_scores",
    metadata,
    Column("declaration_id", String(HASH), primary_key=True),
    Column("declaration_version", Integer, nullable=False, comment="The declaration's version scored."),
    Column("score", Float, nullable=False, index=True, comment="Probability that an inspection finds something."),
    Column("band", String(10), nullable=False, comment="low, medium or high."),
    Column("reasons", Json, nullable=False, comment="[{feature, contribution, text}], strongest first."),
    Column("model_version", Integer, nullable=False),
    Column("evidence_block", Block, nullable=False, comment="The index checkpoint the evidence was read at."),
    Column("computed_at", Float, nullable=False),
)

risk_decisions = Table(
    "risk_decisions",
    metadata,
    Column("declaration_id", String(HASH), primary_key=True),
    Column("port", String(PORT), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("decision", String(30), primary_key=True),
    Column("officer", String(ADDRESS), nullable=False),
    Column("score", Float, nullable=True, comment="The score when customs decided; NULL: none was computed."),
    Column("band", String(10), nullable=True),
    Column("model_version", Integer, nullable=True),
    Column("against_advice", Boolean, nullable=False, comment="A high band released, or a low band inspected."),
    Column("block_number", Block, nullable=False),
    Column("recorded_at", Float, nullable=False),
)

risk_alerts = Table(
    "risk_alerts",
    metadata,
    Column("declaration_id", String(HASH), primary_key=True),
    Column("port", String(PORT), primary_key=True),
    Column("declaration_version", Integer, primary_key=True),
    Column("score", Float, nullable=False),
    Column("threshold", Float, nullable=False),
    Column("model_version", Integer, nullable=False),
    Column("reasons", Text, nullable=False, comment="The reasons' sentences, joined."),
    Column("raised_at", Float, nullable=False),
    Column("seq", Block, nullable=False, comment="Raised order: 1, 2, … (the cursor of streams and webhooks)."),
    Index("ix_risk_alerts_seq", "seq", unique=True),
)
