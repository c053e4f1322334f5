"""Staff panel sessions on the server, and login failures per e-mail and address.

`staff_sessions` holds one row per logged-in panel session (the SHA-256 of the cookie's
token), so logout, a password change, disabling an account or a role change can end it.
`staff_login_failures` replaces `staff_accounts.failed_logins` and `locked_until`: a lock
now depends on the address that failed (bot/staff/throttle.py), and the per-address limit
moves from process memory to the database. Current locks are forgotten by the upgrade and
every staff member logs in once more (old cookies carry no session token).

Revision ID: 005
Revises: 004
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "005"
down_revision = "004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("staff_id", sa.Integer(),
                  sa.ForeignKey("staff_accounts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("password_failures", sa.Integer(), nullable=False, server_default="0"),
    )
    op.create_index("ix_staff_sessions_staff_id", "staff_sessions", ["staff_id"])
    op.create_table(
        "staff_login_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(200), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("counts", sa.Boolean(), nullable=False),
        sa.Column("cleared", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_staff_login_failures_email", "staff_login_failures", ["email"])
    op.create_index("ix_staff_login_failures_address", "staff_login_failures", ["address"])
    op.create_index("ix_staff_login_failures_at", "staff_login_failures", ["at"])
    with op.batch_alter_table("staff_accounts") as batch:
        batch.drop_column("failed_logins")
        batch.drop_column("locked_until")


def downgrade() -> None:
    with op.batch_alter_table("staff_accounts") as batch:
        batch.add_column(sa.Column("failed_logins", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("locked_until", sa.DateTime()))
    op.drop_table("staff_login_failures")
    op.drop_table("staff_sessions")
