"""Risk alerts in raised order (``risk_alerts.seq``) and an alert webhook's cursor over them
(``subscriptions.risk_cursor``): alert webhooks send risk alerts to customs and auditors

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 17:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BLOCK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Apply: number the alerts raised so far in the order they were raised; existing webhooks start after them
    (they were made when risk alerts were not sent, and are not flooded with the past)."""
    with op.batch_alter_table("risk_alerts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "seq",
                BLOCK,
                nullable=True,
                comment="Raised order: 1, 2, … (the cursor of streams and webhooks).",
            )
        )
    alerts = sa.table(
        "risk_alerts",
        sa.column("declaration_id", sa.String),
        sa.column("port", sa.String),
        sa.column("declaration_version", sa.Integer),
        sa.column("raised_at", sa.Float),
        sa.column("seq", BLOCK),
    )
    conn = op.get_bind()
    keys = conn.execute(
        sa.select(alerts.c.declaration_id, alerts.c.port, alerts.c.declaration_version).order_by(
            alerts.c.raised_at, alerts.c.declaration_id, alerts.c.port, alerts.c.declaration_version
        )
    ).all()
    for seq, (declaration_id, port, version) in enumerate(keys, start=1):
        conn.execute(
            sa.update(alerts)
            .where(
                alerts.c.declaration_id == declaration_id,
                alerts.c.port == port,
                alerts.c.declaration_version == version,
            )
            .values(seq=seq)
        )
    with op.batch_alter_table("risk_alerts", schema=None) as batch_op:
        batch_op.alter_column("seq", existing_type=BLOCK, nullable=False)
        batch_op.create_index("ix_risk_alerts_seq", ["seq"], unique=True)
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "risk_cursor",
                BLOCK,
                server_default=sa.text("0"),
                nullable=False,
                comment="Alerts topic: the last risk alert seq delivered (or skipped as not visible to the member).",
            )
        )
    subscriptions = sa.table("subscriptions", sa.column("risk_cursor", BLOCK))
    conn.execute(sa.update(subscriptions).values(risk_cursor=len(keys)))


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_column("risk_cursor")
    with op.batch_alter_table("risk_alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_risk_alerts_seq")
        batch_op.drop_column("seq")
