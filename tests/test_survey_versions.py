"""Item versions across a rewording: the history of wordings, retired items, and reports that keep
old and new versions apart.
"""

from __future__ import annotations

import csv
import re
import shutil

import pytest

from bot.config import PROJECT_ROOT
from bot.surveys.definition import (
    HISTORY_DIR,
    SurveyError,
    archive_to_history,
    load_survey,
)
from bot.surveys.report import AnswerRow, write_report
from tests.mini_survey import AGREE_SCALE, FIRST_STATEMENT, PICK_SOME, read_csv, write_survey

SURVEYS = PROJECT_ROOT / "content" / "surveys"
K = 10

MINI = """
slug: mini
title: {pl: Mini, uk: Міні, en: Mini}
intro: {pl: Wstęp, uk: Вступ, en: Intro}
questions:
""" + FIRST_STATEMENT + """\
  - id: q3
    kind: single
    text: {pl: Q3, uk: Q3, en: Pick one}
    options:
      - {id: a, label: {pl: A, uk: A, en: Apple}}
      - {id: b, label: {pl: B, uk: B, en: Banana}}
""" + PICK_SOME + """\
  - id: lang
    kind: single
    profile: true
    text: {pl: Język, uk: Мова, en: Language}
    options:
      - {id: uk, label: {pl: ukraiński, uk: українська, en: Ukrainian}}
      - {id: na, label: {pl: Wolę nie mówić, uk: Не хочу, en: Prefer not to say}}
""" + AGREE_SCALE


def reworded(text: str) -> str:
    """The next edition of MINI: q3 reworded with an 'other' option, q4 split off (dropped),
    the scale's middle point relabelled (so q1 gets a new version too)."""
    text = text.replace("en: Pick one}", 'en: "Which fruit?"}')
    text = text.replace("      - {id: b, label: {pl: B, uk: B, en: Banana}}\n",
                        "      - {id: b, label: {pl: B, uk: B, en: Banana}}\n"
                        "      - {id: other, label: {pl: Inne, uk: Інше, en: Something else}}\n")
    start = text.index("  - id: q4")
    text = text[:start] + text[text.index("  - id: lang"):]
    return text.replace("en: Neutral}", "en: Neither agree nor disagree}")


@pytest.fixture
def editions(tmp_path):
    """The survey file before and after a rewording, archived the documented way in between."""
    path = tmp_path / "surveys" / "mini.yaml"
    old = write_survey(path, MINI)
    added = archive_to_history(path)
    assert sorted(added) == sorted(q.key for q in old.questions)
    assert archive_to_history(path) == []  # archiving twice adds nothing
    path.write_text(reworded(MINI), encoding="utf-8")
    return old, load_survey(path), path


# ------------------------------------------------------------------------------ the definition
def test_history_keeps_each_old_wording_under_its_key(editions):
    old, new, _ = editions
    assert old.question("q3").version != new.question("q3").version
    assert old.question("q1").version != new.question("q1").version  # a scale label changed
    assert old.question("lang").version == new.question("lang").version
    was = new.version(old.question("q3").key)
    assert was is not None and was.text["en"] == "Pick one" and [o.id for o in was.options] == ["a", "b"]
    assert new.version(new.question("q3").key).text["en"] == "Which fruit?"
    assert new.version(old.question("q1").key).option("3").label["en"] == "Neutral"
    assert new.question("q1").option("3").label["en"] == "Neither agree nor disagree"
    assert new.version("q3@00000000") is None


def test_a_dropped_question_is_retired_not_asked(editions):
    old, new, _ = editions
    assert [q.id for q in new.core()] == ["q1", "q3"]  # what the bot asks
    assert [q.id for q in new.core(retired=True)] == ["q1", "q3", "q4"]  # what reports show
    retired = new.question("q4")
    assert retired.retired and retired.key == old.question("q4").key


def test_a_history_entry_must_hash_to_its_version(editions):
    _, _, path = editions
    history = path.parent / HISTORY_DIR / path.name
    history.write_text(history.read_text(encoding="utf-8").replace("en: Pick one", "en: Pick one!"),
                       encoding="utf-8")
    with pytest.raises(SurveyError, match=r"q3@\w{8}: text and options do not give this version"):
        load_survey(path)


def test_bundled_history_matches_what_was_asked():
    """The bundled history holds the wording asked until 2026-12, every entry verified by its hash;
    the split trust item is retired and each new trust item names one institution."""
    survey = load_survey(SURVEYS / "belonging.yaml")
    assert (SURVEYS / HISTORY_DIR / "belonging.yaml").is_file()
    trust = survey.question("trust")
    assert trust.retired and trust.key == "trust@664706df"
    assert trust not in survey.core() and survey.version("trust@664706df") is trust
    assert "belong_poland@9103442b" in survey.history  # the first version of the core item
    for q in survey.core():
        assert q.key not in survey.history  # every item asked now got a new version or is unchanged
    for qid in ("trust_town_office", "trust_voivodeship_office", "trust_police"):
        text = survey.question(qid).text["en"]
        assert ":" not in text and ", the" not in text, text


def test_lists_that_are_not_exhaustive_have_other(tmp_path):
    survey = load_survey(SURVEYS / "belonging.yaml")
    assert survey.question("help_areas").option("other") is not None
    languages = [o.id for o in survey.question("main_language").options]
    assert {"uk", "ru", "be", "ka", "en", "hi", "tl", "es", "other", "na"} <= set(languages)
    assert languages[-2:] == ["other", "na"]


def test_readme_documents_the_likert_scales():
    """The scale table in the README is the one in the survey file, point by point."""
    survey = load_survey(SURVEYS / "belonging.yaml")
    readme = (SURVEYS / "README.md").read_text(encoding="utf-8")
    for scale, qid in (("agree", "belong_poland"), ("ease", "info_ease")):
        for option in survey.question(qid).options:
            label = option.label
            row = f"| {scale} | {option.id} | {label['pl']} | {label['uk']} | {label['en']} |"
            assert row in readme, row


# ------------------------------------------------------------------------------ the report
def rows_of(question, wave, n, value, week="2026-W10"):
    return [AnswerRow(wave, week, {question.key: value}) for _ in range(n)]


def test_report_keeps_versions_apart(tmp_path, editions):
    old, new, _ = editions
    # W1: the old wording only. W2: the rewording was deployed mid-wave, so both were asked.
    rows = rows_of(old.question("q3"), "W1", 20, "a", "2026-W01")
    rows += rows_of(old.question("q4"), "W1", 20, ["x"], "2026-W01")
    rows += rows_of(old.question("q1"), "W1", 20, "3", "2026-W01")
    rows += rows_of(old.question("q3"), "W2", 12, "a", "2026-W14")
    rows += rows_of(new.question("q3"), "W2", 15, "other", "2026-W14")
    rows += rows_of(new.question("q3"), "W2", 15, "b", "2026-W14")
    rows += rows_of(new.question("q1"), "W2", 30, "3", "2026-W14")
    out = tmp_path / "out"
    summary = write_report(rows, new, out, k=K)
    assert not any("ignored" in note for note in summary.notes)  # the retired q4 is reported

    agg = read_csv(out / "aggregates.csv")
    q3 = {(r["wave"], r["question_version"], r["option_id"]): (r["count"], r["share"])
          for r in agg if r["question_id"] == "q3" and r["group_variable"] == "all"}
    before, after = old.question("q3").version, new.question("q3").version
    assert q3 == {
        ("W1", before, "a"): ("20", "1.0000"), ("W1", before, "b"): ("0", "0.0000"),
        # never pooled: the 12 old answers are shares of 12, the 30 new ones shares of 30
        ("W2", before, "a"): ("12", "1.0000"), ("W2", before, "b"): ("0", "0.0000"),
        ("W2", after, "a"): ("0", "0.0000"), ("W2", after, "b"): ("15", "0.5000"),
        ("W2", after, "other"): ("15", "0.5000"),
    }
    q4 = {(r["wave"], r["question_version"], r["option_id"]): r["count"]
          for r in agg if r["question_id"] == "q4" and r["group_variable"] == "all"}
    assert q4 == {("W1", old.question("q4").version, "x"): "20", ("W1", old.question("q4").version, "y"): "0"}
    q1 = {(r["wave"], r["question_version"]) for r in agg if r["question_id"] == "q1"}
    assert q1 == {("W1", old.question("q1").version), ("W2", new.question("q1").version)}

    with (out / "answers.csv").open(encoding="utf-8") as f:
        header = next(csv.reader(f))
    assert {old.question("q3").key, new.question("q3").key, old.question("q4").key} <= set(header)

    # The chart of wave W2 shows each version with its own words and options.
    html = (out / "report.html").read_text(encoding="utf-8")
    charts = re.findall(r"<figcaption>(.*?)</figcaption>", html)
    assert any("Pick one" in c and before in c for c in charts), charts
    assert any("Which fruit?" in c and after in c for c in charts), charts
    assert "Something else" in html
    assert "wording changed in wave W2: compare with care" in html


def test_bundled_report_shows_the_old_trust_item_apart(tmp_path):
    survey = load_survey(SURVEYS / "belonging.yaml")
    old_trust = survey.version("trust@664706df")
    rows = rows_of(old_trust, "2026-Q3", 12, "4", "2026-W30")
    rows += [AnswerRow("2026-Q4", "2026-W50", {survey.question(q).key: "2" for q in
                                               ("trust_town_office", "trust_voivodeship_office",
                                                "trust_police")}) for _ in range(11)]
    out = tmp_path / "out"
    write_report(rows, survey, out, k=K)
    agg = [r for r in read_csv(out / "aggregates.csv")
           if r["group_variable"] == "all" and r["count"] not in ("", "0")]
    shown = {(r["wave"], r["question_id"], r["question_version"], r["option_id"], r["count"]) for r in agg
             if r["question_id"].startswith("trust")}
    new = {("2026-Q4", q, survey.question(q).version, "2", "11")
           for q in ("trust_town_office", "trust_voivodeship_office", "trust_police")}
    assert shown == {("2026-Q3", "trust", "664706df", "4", "12"), *new}


def test_cli_archive_adds_only_new_versions(tmp_path, monkeypatch, capsys):
    from bot.__main__ import _survey_archive
    from bot.config import Settings

    content = tmp_path / "content"
    shutil.copytree(SURVEYS, content / "surveys")
    settings = Settings(content_dir=content)
    assert _survey_archive(settings, "belonging") == 0
    first = capsys.readouterr().out
    assert "archived 15 question version(s) of belonging" in first
    assert _survey_archive(settings, "belonging") == 0
    assert "archived 0 question version(s) of belonging: none new" in capsys.readouterr().out
    survey = load_survey(content / "surveys" / "belonging.yaml")
    assert survey.question("trust").retired  # the archive keeps the retired item loadable
    assert _survey_archive(settings, "nope") == 2
