"""Event arguments as people read them: index the chain again

The events' arguments are stored as :mod:`portlink.domain.readable` reads them (UN/LOCODEs and reason codes as
text, enums by name, times and ids as numbers), and the customs decisions' and holds' reason codes as text. Rows
written before are in the old form, so this revision empties what the index derived from the chain and moves its
position back to just before the deployment: the indexer reads the chain again on its next start (the chain is
the authority; nothing is lost). API keys, operations, idempotency records and nonces do not come from the chain
and stay.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Every table the index derives from the chain by decoding (the receipts of revision 0004 are copied, not decoded:
#: they stay).
FROM_THE_CHAIN = (
    "raw_logs",
    "events",
    "ports",
    "members",
    "member_roles",
    "shipments",
    "containers",
    "discrepancies",
    "declarations",
    "customs_holds",
    "brokers",
    "financings",
    "escrow_credits",
    "iot_devices",
    "iot_gateway_authorisations",
    "iot_rules",
    "iot_alerts",
    "milestones",
    "documents",
    "customs_decisions",
    "iot_batches",
    "blocks",
    "projection_undo",
)


def _index_again() -> None:
    conn = op.get_bind()
    start = conn.execute(sa.text("SELECT min(start_block) FROM indexed_contracts")).scalar()
    if start is None:  # nothing indexed yet
        return
    for table in FROM_THE_CHAIN:
        conn.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608 (names of this module, not input)
    conn.execute(sa.text("UPDATE indexed_contracts SET indexed_to = start_block - 1"))
    conn.execute(
        sa.text(
            "UPDATE index_state SET checkpoint_block = :block, head_block = :block, final_block = :block, "
            "rollback_floor = :block"
        ),
        {"block": int(start) - 1},
    )


#: The customs reason codes are text now, and none when the officer gave none (an approval).
REASON_CODES = {
    "customs_decisions": "As text (DOCS_MISSING); none for an approval.",
    "customs_holds": "As text (X-RAY); none if the officer gave none.",
}


def upgrade() -> None:
    """Empty the rows derived from the chain and index it again; reason codes may be empty."""
    _index_again()
    for table, comment in REASON_CODES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("reason_code", existing_type=sa.String(length=66), nullable=True, comment=comment)


def downgrade() -> None:
    """The old decoding reads the chain again too."""
    _index_again()
    for table in REASON_CODES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("reason_code", existing_type=sa.String(length=66), nullable=False, comment=None)
