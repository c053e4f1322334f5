"""Tickets posted to the staff group whatever their channel, and photos kept as bytes.

`tickets.staff_post`: whether the ticket's copy in the staff Telegram group is still to be
posted ("pending"), being posted ("sending", claimed by `staff_post_claimed_by` until
`staff_post_lease_until`), "posted", or "failed" (the group refused it for good). The
Telegram process posts every pending ticket, whichever channel it came from; a ticket that
existed before this revision is left NULL: nothing to post.

`ticket_photos`: a photo as bytes, for a message whose photo is not a Telegram file (a Signal
person's attachment), or a staff photo reply that must reach a Signal person. Deleted with
its message.

Revision ID: 011_staff_posts
Revises: 010_leases
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "011_staff_posts"
down_revision = "010_leases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("staff_post", sa.String(8)))
        batch.add_column(sa.Column("staff_post_claimed_by", sa.String(64)))
        batch.add_column(sa.Column("staff_post_lease_until", sa.DateTime()))
        batch.create_index("ix_tickets_staff_post", ["staff_post"])
    op.create_table(
        "ticket_photos",
        sa.Column("message_id", sa.Integer(),
                  sa.ForeignKey("ticket_messages.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("mime", sa.String(100), nullable=False),
        sa.Column("filename", sa.String(100), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ticket_photos")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_index("ix_tickets_staff_post")
        batch.drop_column("staff_post_lease_until")
        batch.drop_column("staff_post_claimed_by")
        batch.drop_column("staff_post")
