"""An answer's details: the text behind its "More" button, per language.

The body stays the first screen (at most MAX_FIRST_SCREEN visible characters, see
bot/content/yaml_io.py); legal bases, citations and office lists move to `details`.

Revision ID: 006_answer_details
Revises: 005
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "006_answer_details"
down_revision = "005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("faq_texts") as batch:
        batch.add_column(sa.Column("details", sa.Text()))


def downgrade() -> None:
    with op.batch_alter_table("faq_texts") as batch:
        batch.drop_column("details")
