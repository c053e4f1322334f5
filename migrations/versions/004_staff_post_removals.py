"""Copies of tickets in the staff Telegram group are removed when the person deletes their data.

`ticket_messages.staff_chat_photo_id` keeps the photo post of a ticket whose text was too long
for a caption (the text went out as a second post). `staff_post_removals` is the queue of
group posts to remove: it outlives the deleted ticket, so a removal that fails for a moment
(network, flood control) is retried, and it holds no link to the person.

Revision ID: 004
Revises: 003
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "004"
down_revision = "003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket_messages") as batch:
        batch.add_column(sa.Column("staff_chat_photo_id", sa.BigInteger()))
    op.create_table(
        "staff_post_removals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("ticket_number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(5), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("staff_post_removals")
    with op.batch_alter_table("ticket_messages") as batch:
        batch.drop_column("staff_chat_photo_id")
