"""Leases for work several bot processes share.

`ticket_messages.claimed_by` / `lease_until`: a staff reply the courier is sending is
claimed by one process until `lease_until`; a reply whose lease ran out (its process was
killed mid-send) is claimed again by any courier, and a live lease is never taken over.
This replaces "every courier puts all replies in flight back on start", which re-sent
replies another live process was sending.

`schedules.fired_for`: the cron time of the schedule's last firing. A firing claims its
time with one conditional UPDATE, so a schedule fires once per period however many
processes run it.

Revision ID: 010_leases
Revises: 009_staff_locale
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "010_leases"
down_revision = "009_staff_locale"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket_messages") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(64)))
        batch.add_column(sa.Column("lease_until", sa.DateTime()))
    with op.batch_alter_table("schedules") as batch:
        batch.add_column(sa.Column("fired_for", sa.DateTime()))


def downgrade() -> None:
    with op.batch_alter_table("schedules") as batch:
        batch.drop_column("fired_for")
    with op.batch_alter_table("ticket_messages") as batch:
        batch.drop_column("lease_until")
        batch.drop_column("claimed_by")
