"""The language each staff member uses the panel in (pl, uk or en).

Accounts that exist before the upgrade keep the panel they know, in English; new ones start
in Polish (the offices are Polish), and anyone can switch in the panel.

Revision ID: 009_staff_locale
Revises: 008_signal_state
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "009_staff_locale"
down_revision = "008_signal_state"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_accounts") as batch:
        batch.add_column(sa.Column("locale", sa.String(2), nullable=False, server_default="en"))


def downgrade() -> None:
    with op.batch_alter_table("staff_accounts") as batch:
        batch.drop_column("locale")
