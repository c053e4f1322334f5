"""How many parts of a long Signal message went before Signal refused the rest.

`signal_parts_sent`: one row per message refused half-way, keyed by a hash of the address
and the message (neither is stored), so the retry after a restart sends only the parts not
sent yet. Deleted once the message went whole, or after a week.

Revision ID: 012_signal_parts
Revises: 011_staff_posts
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "012_signal_parts"
down_revision = "011_staff_posts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signal_parts_sent",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("parts", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_signal_parts_sent_at", "signal_parts_sent", ["at"])


def downgrade() -> None:
    op.drop_index("ix_signal_parts_sent_at", table_name="signal_parts_sent")
    op.drop_table("signal_parts_sent")
