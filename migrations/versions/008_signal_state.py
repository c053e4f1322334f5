"""Signal channel: each person's conversation screen and the daemon's event cursor.

People and their Signal addresses are contacts (007_contacts); this adds only what the
Signal conversation keeps: the screen per user (deleted with the user) and the id of the
last event handled, to resume the event stream after a restart.

Revision ID: 008_signal_state
Revises: 007_contacts
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "008_signal_state"
down_revision = "007_contacts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signal_screens",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("screen", sa.JSON(), nullable=False),
        sa.Column("last_timestamp", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "signal_cursor",
        sa.Column("account", sa.String(64), primary_key=True),
        sa.Column("last_event_id", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("signal_cursor")
    op.drop_table("signal_screens")
