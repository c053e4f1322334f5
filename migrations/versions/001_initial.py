"""Users, FAQ content, anonymous ratings and content gaps, FSM records.

Revision ID: 001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("tg_user_id", sa.BigInteger(), nullable=False),
        sa.Column("language", sa.String(2), nullable=True),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("last_seen_on", sa.Date(), nullable=False),
        sa.Column("blocked", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_users_tg_user_id", "users", ["tg_user_id"], unique=True)

    op.create_table(
        "faq_nodes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slug", sa.String(64), nullable=False, unique=True),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("faq_nodes.id"), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("reviewed", sa.Date(), nullable=True),
        sa.Column("review_every_days", sa.Integer(), nullable=False, server_default="180"),
        sa.Column("review_status", sa.String(10), nullable=False, server_default="ok"),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("icon", sa.String(16), nullable=True),
        sa.Column("retired", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_faq_nodes_parent_id", "faq_nodes", ["parent_id"])

    op.create_table(
        "faq_texts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("node_id", sa.Integer(), sa.ForeignKey("faq_nodes.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("node_id", "lang"),
    )

    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("node_id", sa.Integer(), sa.ForeignKey("faq_nodes.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("value", sa.SmallInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
    )
    op.create_index("ix_ratings_node_id", "ratings", ["node_id"])

    op.create_table(
        "content_gaps",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("query", sa.String(200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False, server_default="1"),
        sa.Column("first_seen", sa.Date(), nullable=False),
        sa.Column("last_seen", sa.Date(), nullable=False),
        sa.UniqueConstraint("lang", "query"),
    )

    op.create_table(
        "content_state",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("changed_at", sa.DateTime(), nullable=False,
                  server_default=sa.func.current_timestamp()),
    )

    op.create_table(
        "fsm_records",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("state", sa.String(255), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("fsm_records")
    op.drop_table("content_state")
    op.drop_table("content_gaps")
    op.drop_index("ix_ratings_node_id", table_name="ratings")
    op.drop_table("ratings")
    op.drop_table("faq_texts")
    op.drop_index("ix_faq_nodes_parent_id", table_name="faq_nodes")
    op.drop_table("faq_nodes")
    op.drop_index("ix_users_tg_user_id", table_name="users")
    op.drop_table("users")
