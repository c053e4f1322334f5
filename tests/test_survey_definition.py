"""The bundled survey definition, question versions and the belonging index."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from bot.config import LANGUAGES, PROJECT_ROOT
from bot.surveys.definition import (
    MAX_SCALE_LABEL,
    SurveyError,
    belonging_index,
    load_survey,
    load_surveys,
)

SURVEYS = PROJECT_ROOT / "content" / "surveys"


@pytest.fixture(scope="module")
def survey():
    return load_survey(SURVEYS / "belonging.yaml")


def test_bundled_survey_shape(survey):
    assert survey.slug == "belonging"
    # Up to 11: the three trust items (one institution each) replaced one item naming three.
    assert 8 <= len(survey.core()) <= 11
    assert len(survey.profile()) == 4
    assert [q.id for q in survey.profile()] == ["years_in_poland", "age_band", "area", "main_language"]
    assert {q.kind for q in survey.questions} <= {"likert", "single", "multi"}  # no free text
    ids = [q.id for q in survey.questions]
    assert len(ids) == len(set(ids))
    for q in survey.questions:
        assert re.fullmatch(r"[a-z0-9_]+", q.id)
        assert q.options, q.id
        if q.profile:
            assert q.kind == "single"
            assert q.options[-1].id == "na"
            assert q.options[-1].label["en"] == "Prefer not to say"


def test_bundled_survey_covers_the_issue(survey):
    likert = {q.id for q in survey.core() if q.kind == "likert"}
    assert likert >= {"belong_poland", "belong_region", "belong_city", "outsider", "stay",
                      "trust_town_office", "trust_voivodeship_office", "trust_police", "info_ease"}
    assert "trust" not in {q.id for q in survey.core()}  # retired: reported, never asked
    assert survey.question("discrimination").kind == "single"
    help_areas = survey.question("help_areas")
    assert help_areas.kind == "multi"
    assert {"work", "housing", "health", "language", "education", "legal_stay", "social_help", "other",
            "none"} <= {o.id for o in help_areas.options}
    assert [o.id for o in survey.question("area").options] == ["tricity", "other_town", "rural", "na"]
    assert [o.id for o in survey.question("main_language").options] == [
        "uk", "ru", "be", "pl", "en", "ka", "es", "hi", "tl", "other", "na"]
    index = {q.id: q.reverse for q in survey.index_items()}
    assert index == {"belong_poland": False, "belong_region": False, "belong_city": False, "outsider": True}


def test_every_text_in_every_language(survey):
    texts = [survey.title, survey.intro]
    for q in survey.questions:
        texts.append(q.text)
        texts.extend(o.label for o in q.options)
    for text in texts:
        assert set(text) == set(LANGUAGES), text
        assert all(value.strip() for value in text.values()), text
    assert survey.question("belong_poland").text["uk"] != survey.question("belong_poland").text["en"]


def test_likert_labels_fit_a_button(survey):
    for q in survey.questions:
        if q.kind == "likert":
            assert [o.id for o in q.options] == ["1", "2", "3", "4", "5"]
            for option in q.options:
                assert all(len(label) <= MAX_SCALE_LABEL for label in option.label.values()), option


def test_load_surveys_by_slug():
    surveys = load_surveys(SURVEYS)
    assert list(surveys) == ["belonging"]


def test_version_is_stable_and_follows_wording(survey, tmp_path):
    q = survey.question("belong_poland")
    assert re.fullmatch(r"[0-9a-f]{8}", q.version)
    assert q.key == f"belong_poland@{q.version}"
    again = load_survey(SURVEYS / "belonging.yaml").question("belong_poland")
    assert again.key == q.key

    reworded = dataclasses.replace(q, text=dict(q.text, uk="Я почуваюся в Польщі як удома."))
    assert reworded.key != q.key
    relabelled = dataclasses.replace(q, options=(
        dataclasses.replace(q.options[0], label=dict(q.options[0].label, en="Not at all")), *q.options[1:]))
    assert relabelled.version != q.version
    assert dataclasses.replace(q, index=False).version == q.version  # analysis flag, not wording

    # the same through the file: one word changed in one language changes one question only
    text = (SURVEYS / "belonging.yaml").read_text(encoding="utf-8")
    edited = tmp_path / "belonging.yaml"
    edited.write_text(text.replace("I feel at home in Poland.", "I feel at home in Poland now."),
                      encoding="utf-8")
    changed = load_survey(edited)
    assert changed.question("belong_poland").key != q.key
    assert changed.question("belong_region").key == survey.question("belong_region").key


BAD = """
slug: broken
title: {pl: T, uk: T}
intro: {pl: I, uk: I, en: I}
questions:
  - id: a
    kind: slider
    text: {pl: A, uk: A, en: A}
  - id: b
    kind: likert
    text: {pl: B, uk: B, en: B}
  - id: b
    kind: single
    text: {pl: B, uk: B, en: B}
    options:
      - id: no
        label: {pl: N, uk: N, en: N}
  - id: c
    kind: single
    profile: true
    text: {pl: C, uk: C, en: C}
    options:
      - id: x
        label: {pl: X, uk: X, en: X}
  - id: d
    kind: multi
    index: true
    revers: true
    text: {pl: D, uk: D, en: D}
    options:
      - id: y
        label: {pl: Y, uk: Y, en: Y}
scales:
  agree:
    - {id: 1, label: {pl: "1", uk: "1", en: "1"}}
"""


def test_every_problem_is_reported(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(BAD, encoding="utf-8")
    with pytest.raises(SurveyError) as err:
        load_survey(path)
    problems = "\n".join(err.value.texts("en"))
    for expected in ("title: missing en text",
                     "unknown kind “slider”",
                     "likert question without a known scale",
                     "duplicate question id “b”",
                     "id must be a quoted string",  # YAML reads `no` as false
                     "needs the option “na”",
                     "only likert questions can count in the index",
                     "unknown key “revers”",
                     "scales › agree: needs exactly 5 points"):
        assert expected in problems, (expected, problems)


def test_load_surveys_collects_problems_of_all_files(tmp_path):
    (tmp_path / "a.yaml").write_text(BAD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text("slug: [", encoding="utf-8")
    with pytest.raises(SurveyError) as err:
        load_surveys(tmp_path)
    assert any(p.startswith("b.yaml: cannot read") for p in err.value.texts("en"))
    assert any("unknown kind" in p for p in err.value.texts("en"))


def test_belonging_index_formula(survey):
    top = {"belong_poland": "5", "belong_region": "5", "belong_city": "5", "outsider": "1"}
    assert belonging_index(top, survey) == 100
    bottom = {"belong_poland": "1", "belong_region": "1", "belong_city": "1", "outsider": "5"}
    assert belonging_index(bottom, survey) == 0
    # outsider is reversed: "disagree" (2) there is 75; (100 + 100 + 100 + 75) / 4
    assert belonging_index({**top, "outsider": "2"}, survey) == pytest.approx(93.75)
    assert belonging_index({"belong_poland": "3", "outsider": "3"}, survey) == 50
    # skipped items are left out, not counted as neutral: (75 + 0) / 2
    assert belonging_index({"belong_poland": "4", "belong_city": 1}, survey) == pytest.approx(37.5)
    # other questions do not count
    assert belonging_index({**top, "stay": "1", "trust_police": "1"}, survey) == 100


def test_belonging_index_needs_half_of_the_items(survey):
    assert belonging_index({}, survey) is None
    assert belonging_index({"belong_poland": "5"}, survey) is None  # 1 of 4
    assert belonging_index({"belong_poland": "5", "outsider": "1"}, survey) == 100  # 2 of 4
    # answers that are not a scale point are skipped answers
    assert belonging_index({"belong_poland": "5", "outsider": "7", "belong_city": "x"}, survey) is None


def test_profile_question_without_prefer_not_to_say_is_rejected(tmp_path):
    text = (SURVEYS / "belonging.yaml").read_text(encoding="utf-8")
    head, tail = text.split("id: years_in_poland", 1)
    na = '      - id: na\n        label: {pl: "Wolę nie odpowiadać", uk: "Не хочу відповідати", ' \
         'en: "Prefer not to say"}\n'
    assert na in tail
    path = tmp_path / "belonging.yaml"
    path.write_text(head + "id: years_in_poland" + tail.replace(na, "", 1), encoding="utf-8")
    with pytest.raises(SurveyError, match="years_in_poland: a profile question needs the option “na”"):
        load_survey(path)


def test_definition_module_is_telegram_free():
    source = Path(load_survey.__code__.co_filename).read_text(encoding="utf-8")
    assert "aiogram" not in source and "sqlalchemy" not in source
