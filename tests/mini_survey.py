"""The pieces of the small crafted surveys the report tests count by hand
(tests/test_survey_report.py, tests/test_survey_versions.py): the parts both use, and reading
what the report wrote."""

from __future__ import annotations

import csv
from pathlib import Path

from bot.surveys.definition import Survey, load_survey

FIRST_STATEMENT = """\
  - {id: q1, kind: likert, scale: agree, index: true, text: {pl: Q1, uk: Q1, en: First statement}}
"""
PICK_SOME = """\
  - id: q4
    kind: multi
    text: {pl: Q4, uk: Q4, en: Pick some}
    options:
      - {id: x, label: {pl: X, uk: X, en: Ex}}
      - {id: y, label: {pl: Y, uk: Y, en: Why}}
"""
AGREE_SCALE = """\
scales:
  agree:
    - {id: 1, label: {pl: "1", uk: "1", en: Strongly disagree}}
    - {id: 2, label: {pl: "2", uk: "2", en: Disagree}}
    - {id: 3, label: {pl: "3", uk: "3", en: Neutral}}
    - {id: 4, label: {pl: "4", uk: "4", en: Agree}}
    - {id: 5, label: {pl: "5", uk: "5", en: Strongly agree}}
"""


def write_survey(path: Path, text: str) -> Survey:
    """The survey file at `path` (its folder made when missing), loaded."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return load_survey(path)


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))
