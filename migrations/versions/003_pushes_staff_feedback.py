"""Scheduled pushes (schedules, campaigns, delivery ledger, topic subscriptions, mute),
staff panel (accounts, audit log, translation revisions) and feedback tickets.

Revision ID: 003
Revises: 002
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "003"
down_revision = "002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("pushes_muted", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table("faq_nodes") as batch:
        batch.add_column(sa.Column("source_lang", sa.String(2), nullable=False,
                                   server_default="pl"))
    with op.batch_alter_table("faq_texts") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("source_revision", sa.Integer(), nullable=True))
    # Texts that exist already were imported together: count them as up to date.
    op.execute("UPDATE faq_texts SET source_revision = 1")

    op.create_table(
        "topic_subscriptions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.UniqueConstraint("user_id", "topic"),
    )
    op.create_index("ix_topic_subscriptions_user_id", "topic_subscriptions", ["user_id"])
    op.create_index("ix_topic_subscriptions_topic", "topic_subscriptions", ["topic"])

    op.create_table(
        "schedules",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("cron", sa.String(120), nullable=False),
        sa.Column("survey", sa.String(40)),
        sa.Column("remind_after_days", sa.Integer()),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("faq_slug", sa.String(64)),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(200)),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(12), nullable=False, server_default="scheduled"),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("schedule_id", sa.Integer(),
                  sa.ForeignKey("schedules.id", ondelete="SET NULL")),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("campaigns.id", ondelete="SET NULL")),
        sa.Column("survey", sa.String(40)),
        sa.Column("wave_id", sa.Integer(), sa.ForeignKey("survey_waves.id", ondelete="SET NULL")),
        sa.Column("remind_after_days", sa.Integer()),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("faq_slug", sa.String(64)),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("quiet_hours", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(200)),
        sa.Column("started_at", sa.DateTime()),
        sa.Column("finished_at", sa.DateTime()),
    )
    op.create_index("ix_campaigns_status", "campaigns", ["status"])
    op.create_index("ix_campaigns_due_at", "campaigns", ["due_at"])
    op.create_table(
        "deliveries",
        sa.Column("campaign_id", sa.Integer(), sa.ForeignKey("campaigns.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("status", sa.String(10), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("claimed_at", sa.DateTime()),
        sa.Column("sent_at", sa.DateTime()),
        sa.Column("error", sa.String(200)),
    )
    op.create_index("ix_deliveries_user_id", "deliveries", ["user_id"])

    op.create_table(
        "staff_accounts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(200), nullable=False, unique=True),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("failed_logins", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("locked_until", sa.DateTime()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_at", sa.DateTime()),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.String(64)),
        sa.Column("before", sa.JSON()),
        sa.Column("after", sa.JSON()),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_entity_id", "audit_log", ["entity_id"])

    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("status", sa.String(10), nullable=False, server_default="new"),
        sa.Column("faq_slug", sa.String(64)),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_tickets_user_id", "tickets", ["user_id"])
    op.create_index("ix_tickets_status", "tickets", ["status"])
    op.create_table(
        "ticket_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("author", sa.String(6), nullable=False),
        sa.Column("staff_email", sa.String(200)),
        sa.Column("text", sa.Text(), nullable=False, server_default=""),
        sa.Column("photo_file_id", sa.String(200)),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("delivery", sa.String(8)),
        sa.Column("staff_chat_message_id", sa.BigInteger()),
    )
    op.create_index("ix_ticket_messages_ticket_id", "ticket_messages", ["ticket_id"])
    op.create_index("ix_ticket_messages_staff_chat_message_id", "ticket_messages",
                    ["staff_chat_message_id"])


def downgrade() -> None:
    op.drop_index("ix_ticket_messages_staff_chat_message_id", table_name="ticket_messages")
    op.drop_index("ix_ticket_messages_ticket_id", table_name="ticket_messages")
    op.drop_table("ticket_messages")
    op.drop_index("ix_tickets_status", table_name="tickets")
    op.drop_index("ix_tickets_user_id", table_name="tickets")
    op.drop_table("tickets")
    op.drop_index("ix_audit_log_entity_id", table_name="audit_log")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("staff_accounts")
    op.drop_index("ix_deliveries_user_id", table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_index("ix_campaigns_due_at", table_name="campaigns")
    op.drop_index("ix_campaigns_status", table_name="campaigns")
    op.drop_table("campaigns")
    op.drop_table("schedules")
    op.drop_index("ix_topic_subscriptions_topic", table_name="topic_subscriptions")
    op.drop_index("ix_topic_subscriptions_user_id", table_name="topic_subscriptions")
    op.drop_table("topic_subscriptions")
    with op.batch_alter_table("faq_texts") as batch:
        batch.drop_column("source_revision")
        batch.drop_column("revision")
    with op.batch_alter_table("faq_nodes") as batch:
        batch.drop_column("source_lang")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("pushes_muted")
