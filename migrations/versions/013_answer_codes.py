"""Released survey answers also as codes: the `survey_codes` codebook, `answer_codes`.

Creates `survey_codes` (code -> question key, answer value as JSON text), adds the nullable
`survey_answers.answer_codes`, a covering index on (wave id, week, codes) the report reads alone,
and a partial index on the rows without codes, then backfills
the codes of the answers already released (bot/surveys/codes.py). No survey definition is read
here: the process seeds the codebook from the definitions at start (`SurveyService.seed_codes`),
and every pair a definition knows keeps the number it gets here.

What it does to a large table: two passes in batches of 5,000 rows, in the order of the random
answer keys. The first collects the distinct (key, value) pairs, which are numbered in sorted
order (so the numbers follow neither the order answers arrived in nor their keys); the second
writes each row's codes, one UPDATE per row, committed with the migration. About a minute per
million answers on SQLite; the table stays readable on PostgreSQL (row locks only), and the
rows keep their keys and storage order. The covering index adds about 80 bytes a row (85 MB a
million); it is built before the backfill, so every update writes it once. Downgrading drops the column, the index and the
codebook; `answers` is untouched either way.

Revision ID: 013_answer_codes
Revises: 012_signal_parts
Create Date: 2026-12-08
"""

import json

import sqlalchemy as sa
from alembic import op

from bot.surveys.codes import Codebook

revision = "013_answer_codes"
down_revision = "012_signal_parts"
branch_labels = None
depends_on = None

BATCH = 5_000
_UNCODED = sa.text("answer_codes IS NULL")


def _batches(bind: sa.Connection):
    last = ""
    while rows := bind.execute(sa.text(
            "SELECT answer_key, answers FROM survey_answers WHERE answer_key > :last "
            "ORDER BY answer_key LIMIT :n"), {"last": last, "n": BATCH}).all():
        decoded = [(key, json.loads(answers) if isinstance(answers, str) else answers)
                   for key, answers in rows]
        # Anything but an object stays without codes; the report reads the text then.
        yield [(key, answers) for key, answers in decoded if isinstance(answers, dict)]
        last = rows[-1][0]


def upgrade() -> None:
    op.create_table(
        "survey_codes",
        sa.Column("code", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("question_key", sa.String(120), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.UniqueConstraint("question_key", "value", name="uq_survey_codes_question_key"),
    )
    op.add_column("survey_answers", sa.Column("answer_codes", sa.Text(), nullable=True))
    op.create_index("ix_survey_answers_uncoded", "survey_answers", ["wave_id"],
                    sqlite_where=_UNCODED, postgresql_where=_UNCODED)
    op.create_index("ix_survey_answers_codes", "survey_answers", ["wave_id", "week", "answer_codes"])

    bind = op.get_bind()
    codebook = Codebook()
    pairs = set()
    for batch in _batches(bind):
        pairs.update(codebook.missing((), (answers for _, answers in batch)))
    rows = codebook.add(sorted(pairs))
    if rows:
        bind.execute(sa.text("INSERT INTO survey_codes (code, question_key, value) "
                             "VALUES (:code, :key, :value)"),
                     [{"code": c, "key": k, "value": v} for c, k, v in rows])
    for batch in _batches(bind):
        bind.execute(sa.text("UPDATE survey_answers SET answer_codes = :codes WHERE answer_key = :key"),
                     [{"codes": codebook.encode(answers), "key": key} for key, answers in batch])


def downgrade() -> None:
    op.drop_index("ix_survey_answers_codes", table_name="survey_answers")
    op.drop_index("ix_survey_answers_uncoded", table_name="survey_answers")
    op.drop_column("survey_answers", "answer_codes")
    op.drop_table("survey_codes")
