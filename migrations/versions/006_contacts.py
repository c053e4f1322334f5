"""People as contacts: (channel, address) behind the internal user id.

`users.tg_user_id` moves to `contacts` as ("telegram", the id as text), so a person can be
reached on Telegram or Signal and every service works with `users.id` only. Downgrading
moves Telegram ids back; it refuses while someone is reachable only on another channel,
since the old schema cannot hold them (erase them first, or keep this revision).

No batch (table rebuild) on `users` here: SQLite rebuilds a table by dropping it, and with
foreign keys on (bot/db/engine.py) dropping `users` deletes, through ON DELETE CASCADE, every
ticket, subscription, delivery and contact of everyone. SQLite 3.35+ drops and adds columns
in place instead; for the same reason a downgraded SQLite `users.tg_user_id` stays nullable
(only a rebuild could change that), which the unique index and the code do not mind.

Revision ID: 006_contacts
Revises: 005
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "006_contacts"
down_revision = "005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.UniqueConstraint("channel", "address", name="uq_contacts_channel_address"),
    )
    op.create_index("ix_contacts_user_id", "contacts", ["user_id"])
    op.execute(
        "INSERT INTO contacts (channel, address, user_id) "
        "SELECT 'telegram', CAST(tg_user_id AS VARCHAR(64)), id FROM users ORDER BY id")
    op.drop_index("ix_users_tg_user_id", table_name="users")
    op.drop_column("users", "tg_user_id")


def downgrade() -> None:
    bind = op.get_bind()
    stranded = bind.execute(sa.text(
        "SELECT count(*) FROM users WHERE NOT EXISTS (SELECT 1 FROM contacts "
        "WHERE contacts.user_id = users.id AND contacts.channel = 'telegram')")).scalar()
    if stranded:
        raise RuntimeError(f"{stranded} people are reachable only on a channel other than "
                           "Telegram; revision 005 cannot hold them. Erase them first.")
    op.add_column("users", sa.Column("tg_user_id", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE users SET tg_user_id = (SELECT CAST(address AS BIGINT) FROM contacts "
        "WHERE contacts.user_id = users.id AND contacts.channel = 'telegram' "
        "ORDER BY contacts.id LIMIT 1)")
    if bind.dialect.name != "sqlite":
        op.alter_column("users", "tg_user_id", existing_type=sa.BigInteger(), nullable=False)
    op.create_index("ix_users_tg_user_id", "users", ["tg_user_id"], unique=True)
    op.drop_index("ix_contacts_user_id", table_name="contacts")
    op.drop_table("contacts")
