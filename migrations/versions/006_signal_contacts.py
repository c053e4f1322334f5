"""Signal channel: contacts (address and conversation screen) and the event cursor.

A Signal person also has a `users` row, with the negative of the contact id as its
`tg_user_id` (bot/db/models.py explains why), so no existing table changes.

Revision ID: 006_signal_contacts
Revises: 005
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "006_signal_contacts"
down_revision = "005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signal_contacts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("address", sa.String(64), nullable=False, unique=True),
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
    op.drop_table("signal_contacts")
