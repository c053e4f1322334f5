"""Surveys: waves, participation, the holding area and the anonymous answers; push opt-in.

Revision ID: 002
Revises: 001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "002"
down_revision = "001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("survey_pushes", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    op.create_table(
        "survey_waves",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("survey", sa.String(40), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("release_k", sa.Integer(), nullable=False, server_default="10"),
        sa.UniqueConstraint("survey", "code"),
    )
    op.create_table(
        "survey_participation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("wave_id", sa.Integer(), sa.ForeignKey("survey_waves.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.UniqueConstraint("wave_id", "user_id"),
    )
    op.create_index("ix_survey_participation_user_id", "survey_participation", ["user_id"])
    for name, key in (("survey_holding", "holding_key"), ("survey_answers", "answer_key")):
        op.create_table(
            name,
            sa.Column(key, sa.String(32), primary_key=True),
            sa.Column("wave_id", sa.Integer(), sa.ForeignKey("survey_waves.id", ondelete="CASCADE"),
                      nullable=False),
            sa.Column("week", sa.String(8), nullable=False),
            sa.Column("answers", sa.JSON(), nullable=False),
            sqlite_with_rowid=False,
        )
        op.create_index(f"ix_{name}_wave_id", name, ["wave_id"])


def downgrade() -> None:
    for name in ("survey_answers", "survey_holding"):
        op.drop_index(f"ix_{name}_wave_id", table_name=name)
        op.drop_table(name)
    op.drop_index("ix_survey_participation_user_id", table_name="survey_participation")
    op.drop_table("survey_participation")
    op.drop_table("survey_waves")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("survey_pushes")
