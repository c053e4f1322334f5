"""The survey report on crafted data: counts, suppression, the index interval, answers.csv and HTML.

Most tests use a small survey (two index items, one single and one multi question, two profile
questions) so that every expected number can be worked out by hand.
"""

from __future__ import annotations

import dataclasses
import random
import zlib
from collections import Counter

import pytest

from bot.config import PROJECT_ROOT
from bot.surveys import aggregate
from bot.surveys.definition import belonging_index, load_survey
from bot.surveys.report import AnswerRow, index_numbers, write_report
from bot.surveys.suppression import COMPLEMENTARY, _partition
from tests.mini_survey import AGREE_SCALE, FIRST_STATEMENT, PICK_SOME, read_csv, write_survey

K = 10
P = f"primary: n<{K}"

MINI = """
slug: mini
title: {pl: Mini, uk: Міні, en: "Mini <b>survey</b> & co"}
intro: {pl: Wstęp, uk: Вступ, en: Intro}
questions:
""" + FIRST_STATEMENT + """\
  - {id: q2, kind: likert, scale: agree, index: true, reverse: true, text: {pl: Q2, uk: Q2, en: Outsider}}
  - id: q3
    kind: single
    text: {pl: Q3, uk: Q3, en: Pick one}
    options:
      - {id: a, label: {pl: A, uk: A, en: Apple}}
      - {id: b, label: {pl: B, uk: B, en: Banana}}
      - {id: c, label: {pl: C, uk: C, en: Cherry}}
""" + PICK_SOME + """\
  - id: lang
    kind: single
    profile: true
    text: {pl: Język, uk: Мова, en: Language}
    options:
      - {id: uk, label: {pl: ukraiński, uk: українська, en: Ukrainian}}
      - {id: ru, label: {pl: rosyjski, uk: російська, en: Russian}}
      - {id: be, label: {pl: białoruski, uk: білоруська, en: Belarusian}}
      - {id: na, label: {pl: Wolę nie mówić, uk: Не хочу, en: Prefer not to say}}
  - id: area
    kind: single
    profile: true
    text: {pl: Gdzie, uk: Де, en: Area}
    options:
      - {id: city, label: {pl: Miasto, uk: Місто, en: City}}
      - {id: rural, label: {pl: Wieś, uk: Село, en: Countryside}}
      - {id: na, label: {pl: Wolę nie mówić, uk: Не хочу, en: Prefer not to say}}
""" + AGREE_SCALE


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    return write_survey(tmp_path_factory.mktemp("survey") / "mini.yaml", MINI)


def make(survey, wave, n=1, week="2026-W10", **answers):
    out = {}
    for qid, value in answers.items():
        if value is not None:
            out[survey.question(qid).key] = value
    return [AnswerRow(wave, week, dict(out)) for _ in range(n)]


def cells(rows, **match):
    return [r for r in rows if all(r[k] == v for k, v in match.items())]


def report(tmp_path, rows, survey, **kw):
    out = tmp_path / "out"
    summary = write_report(rows, survey, out, k=kw.pop("k", K), **kw)
    return summary, read_csv(out / "aggregates.csv"), read_csv(out / "index.csv"), out


# ------------------------------------------------------------------------------ counts and groups
def small_group_rows(mini):
    rows = []
    rows += make(mini, "W1", 30, lang="uk", area="city", q1="4", q2="2", q3="a", q4=["x"])
    rows += make(mini, "W1", 25, lang="ru", area="city", q1="4", q2="2", q3="a", q4=["x"])
    rows += make(mini, "W1", 12, lang=None, area="city", q1="4", q2="2", q3="a", q4=["x"])  # skipped: na
    rows += make(mini, "W1", 3, lang="be", area="city", q1="4", q2="2", q3="a", q4=["x"])
    return rows


def test_counts_and_shares(tmp_path, mini):
    rows = make(mini, "W1", 12, lang="uk", area="city", q3="a", q4=["x", "y"])
    rows += make(mini, "W1", 18, lang="uk", area="city", q3="b", q4=["y"])
    rows += make(mini, "W1", 5, lang="uk", area="city")  # skipped both
    summary, agg, _, _ = report(tmp_path, rows, mini)
    assert summary.responses == 35 and summary.waves == ["W1"]
    q3 = {r["option_id"]: r for r in cells(agg, group_variable="all", question_id="q3")}
    assert (q3["a"]["count"], q3["a"]["share"]) == ("12", "0.4000")  # of the 30 who answered
    assert (q3["b"]["count"], q3["c"]["count"]) == ("18", "0")
    assert q3["a"]["question_version"] == mini.question("q3").version
    q4 = {r["option_id"]: r for r in cells(agg, group_variable="all", question_id="q4")}
    assert (q4["x"]["count"], q4["x"]["share"], q4["y"]["count"], q4["y"]["share"]) == ("12", "0.4000", "30",
                                                                                        "1.0000")
    lang = {r["option_id"]: r["count"] for r in cells(agg, question_id="lang")}
    assert lang == {"uk": "35", "ru": "0", "be": "0", "na": "0"}
    assert summary.suppressed_cells == 0


def test_small_group_is_suppressed_with_a_complementary_group(tmp_path, mini):
    summary, agg, idx, _ = report(tmp_path, small_group_rows(mini), mini)
    by_lang = {r["group_value"]: r for r in cells(idx, wave="W1", group_variable="lang")}
    assert by_lang["be"]["suppressed"] == P and by_lang["be"]["n"] == ""
    # `prefer not to say` (here: skipped) is a group like any other, and the next smallest one
    assert by_lang["na"]["suppressed"] == COMPLEMENTARY and by_lang["na"]["mean"] == ""
    assert (by_lang["uk"]["n"], by_lang["ru"]["n"]) == ("30", "25")
    overall = cells(idx, wave="W1", group_variable="all")[0]
    # total minus the visible groups is 15: the 3 in `be` cannot be told apart from the 12 in `na`
    assert int(overall["n"]) - int(by_lang["uk"]["n"]) - int(by_lang["ru"]["n"]) == 15
    sizes = {r["option_id"]: r for r in cells(agg, question_id="lang")}
    assert sizes["be"]["count"] == "" and sizes["na"]["count"] == "" and sizes["uk"]["count"] == "30"
    for r in cells(agg, group_variable="lang", group_value="be"):
        assert (r["count"], r["share"], r["suppressed"]) == ("", "", P)
    for r in cells(agg, group_variable="lang", group_value="na"):
        assert (r["count"], r["suppressed"]) == ("", COMPLEMENTARY)
    assert summary.suppressed_primary > 0 and summary.suppressed_complementary > 0
    assert summary.suppressed_cells == summary.suppressed_primary + summary.suppressed_complementary
    reasons = Counter(r["suppressed"] for r in agg + idx if r["suppressed"])
    assert reasons == {P: summary.suppressed_primary, COMPLEMENTARY: summary.suppressed_complementary}


def test_complementary_group_is_never_revealed_by_the_reasons():
    # `a` (1 person) is small; `b` has exactly K. Hiding `a` and `b` is not enough: a reader knows
    # a is 1..9 (primary), b is >= 10 (complementary) and a + b = 11, so a = 1 and b = 10.
    labels = _partition({"a": 1, "b": 10, "c": 50}, {"a": P},
                        lambda g, lab: (1, K - 1) if lab == P else (K, 10**9), K)
    assert labels == {"a": P, "b": COMPLEMENTARY, "c": COMPLEMENTARY}
    # two small groups together below K: a third group is needed as well
    labels = _partition({"a": 3, "b": 4, "c": 40, "d": 60}, {"a": P, "b": P},
                        lambda g, lab: (1, K - 1) if lab == P else (K, 10**9), K)
    assert labels == {"a": P, "b": P, "c": COMPLEMENTARY}
    assert _partition({"a": 20, "b": 30}, {}, lambda g, lab: (0, 0), K) == {}


def test_option_cell_complementary_suppression(tmp_path, mini):
    rows = []
    for lang, counts in {"uk": {"a": 20, "b": 2, "c": 18}, "ru": {"a": 15, "b": 12, "c": 13}}.items():
        for option, n in counts.items():
            rows += make(mini, "W1", n, lang=lang, area="city", q3=option)
    _, agg, _, _ = report(tmp_path, rows, mini)
    table = {(r["group_value"], r["option_id"]): r
             for r in cells(agg, group_variable="lang", question_id="q3")}
    hidden = {key: r["suppressed"] for key, r in table.items() if r["suppressed"]}
    # the 2 is primary; in its row and in its column a second cell goes, and the fourth corner
    # closes the cycle, so every row and column of hidden cells has two unknowns
    assert hidden == {("uk", "b"): P, ("uk", "c"): COMPLEMENTARY, ("ru", "b"): COMPLEMENTARY,
                      ("ru", "c"): COMPLEMENTARY}
    overall = {r["option_id"]: int(r["count"]) for r in cells(agg, group_variable="all", question_id="q3")}
    assert overall == {"a": 35, "b": 14, "c": 31}  # the overall row stays fully visible
    visible_b = [int(r["count"]) for (g, o), r in table.items() if o == "b" and r["count"]]
    assert overall["b"] - sum(visible_b) == 14  # = 2 + 12: not the hidden 2
    uk = [r for (g, _), r in table.items() if g == "uk"]
    answered = round(int(uk[0]["count"]) / float(uk[0]["share"]))
    assert answered - sum(int(r["count"]) for r in uk if r["count"]) == 20  # = 2 + 18


def test_question_answered_by_few_is_suppressed_overall(tmp_path, mini):
    rows = make(mini, "W1", 20, lang="uk", area="city", q3="a")
    rows += make(mini, "W1", 4, lang="uk", area="city", q4=["x"])  # only 4 answered q4
    _, agg, _, _ = report(tmp_path, rows, mini)
    q4 = cells(agg, question_id="q4")
    assert q4 and all(r["group_variable"] == "all" and r["suppressed"] == P and r["count"] == "" for r in q4)


def test_wave_below_k_is_left_out(tmp_path, mini):
    rows = make(mini, "W1", 40, week="2026-W10", lang="uk", area="city", q1="5", q2="1")
    rows += make(mini, "W0", 6, week="2026-W01", lang="uk", area="city", q1="1", q2="5")
    summary, agg, idx, out = report(tmp_path, rows, mini)
    assert summary.waves == ["W0", "W1"]  # ordered by their first week, not by name or input
    assert not cells(agg, wave="W0")
    assert cells(idx, wave="W0") == [{"wave": "W0", "group_variable": "all", "group_value": "all", "n": "",
                                      "mean": "", "ci_low": "", "ci_high": "", "suppressed": P}]
    assert {r["wave"] for r in read_csv(out / "answers.csv")} == {"W1"}
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<b>40</b>responses in the waves shown" in html
    assert any("W0" in note and "not published" in note for note in summary.notes)


# ------------------------------------------------------------------------------ the index
def test_index_interval_hand_computed(tmp_path, mini):
    rows = []
    # q1 = s and q2 = 6 - s give each person the index (s - 1) * 25: 0, 25, 50, 75, 100, twice each
    for s in range(1, 6):
        rows += make(mini, "W1", 2, lang="uk", area="city", q1=str(s), q2=str(6 - s))
    rows += make(mini, "W1", 1, lang="uk", area="city", q3="a")  # no index: not in n
    _, _, idx, _ = report(tmp_path, rows, mini)
    overall = cells(idx, wave="W1", group_variable="all")[0]
    # mean 50; sd = sqrt(2 * (50² + 25² + 0 + 25² + 50²) / 9) = 37.268; 1.96 * 37.268 / sqrt(10) = 23.10
    assert (overall["n"], overall["mean"], overall["ci_low"], overall["ci_high"]) == ("10", "50", "27", "73")


def test_index_numbers_round_and_clip():
    stats = aggregate.IndexStats(n=4, total=4 * 97.5, squares=2 * 95**2 + 2 * 100**2)
    mean, low, high = index_numbers(stats)
    assert (mean, high) == (98, 100)  # 97.5 rounds up; the interval is clipped at 100
    assert 92 <= low < 97
    assert index_numbers(aggregate.IndexStats()) is None


def test_report_index_matches_the_definition(tmp_path):
    survey = load_survey(PROJECT_ROOT / "content" / "surveys" / "belonging.yaml")
    rows = random_rows(survey, 400, seed=5)
    _, _, idx, _ = report(tmp_path, rows, survey, k=3)
    for wave in ("2026-Q1", "2026-Q2"):
        values = []
        for row in rows:
            if row.wave == wave:
                by_id = {key.split("@")[0]: v for key, v in row.answers.items()}
                if (v := belonging_index(by_id, survey)) is not None:
                    values.append(v)
        overall = cells(idx, wave=wave, group_variable="all")[0]
        assert int(overall["n"]) == len(values)
        assert int(overall["mean"]) == int(sum(values) / len(values) + 0.5)


# ------------------------------------------------------------------------------ answers.csv
def test_answers_csv_hides_rare_profile_combinations(tmp_path, mini):
    rows = []
    for lang, area, n in (("uk", "city", 15), ("uk", "rural", 7), ("ru", "city", 10), ("ru", "rural", 10)):
        rows += make(mini, "W1", n, lang=lang, area=area, q1="3", q3="a", q4=["y", "x"])
    random.Random(1).shuffle(rows)
    _, _, _, out = report(tmp_path, rows, mini)
    text = (out / "answers.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    q1, q3, q4 = (mini.question(q).key for q in ("q1", "q3", "q4"))
    assert lines[0] == f"wave,{q1},{q3},{q4},lang,area"  # no week, no q2 (nobody answered it)
    data = read_csv(out / "answers.csv")
    assert len(data) == 42
    assert {r[q4] for r in data} == {"x;y"}  # options in definition order
    combos = Counter((r["lang"], r["area"]) for r in data)
    # (uk, rural) has 7 < K rows; 7 suppressed rows alone would be a handful, so the smallest
    # visible combination (10 rows) goes too
    assert ("uk", "rural") not in combos
    assert combos[("suppressed", "suppressed")] == 17
    assert all(n >= K for combo, n in combos.items())
    # ordered by a hash of the line, not by input order
    body = [line.encode() for line in lines[1:]]
    assert [zlib.crc32(b) for b in body] == sorted(zlib.crc32(b) for b in body)
    # and the same rows in another order give the same file
    random.Random(2).shuffle(rows)
    write_report(rows, mini, tmp_path / "again", k=K)
    assert (tmp_path / "again" / "answers.csv").read_text(encoding="utf-8") == text


def test_answers_csv_never_shows_a_suppressed_group(tmp_path, mini):
    rows = small_group_rows(mini)
    rows += make(mini, "W1", 20, lang="uk", area="rural", q1="5")
    _, _, _, out = report(tmp_path, rows, mini)
    data = read_csv(out / "answers.csv")
    assert not [r for r in data if r["lang"] in {"be", "na"}]  # be (3) and its complement na
    assert Counter(r["lang"] for r in data)["suppressed"] == 15


# ------------------------------------------------------------------------------ versions and html
def test_wording_change_is_reported(tmp_path, mini):
    old = dataclasses.replace(mini.question("q3"), text=dict(mini.question("q3").text, en="Choose one"))
    new = mini.question("q3")
    rows = [AnswerRow("W1", "2026-W01", {old.key: "a"}) for _ in range(20)]
    rows += [AnswerRow("W2", "2026-W14", {new.key: "b"}) for _ in range(20)]
    _, agg, _, out = report(tmp_path, rows, mini)
    versions = {(r["wave"], r["question_version"]) for r in cells(agg, question_id="q3")}
    assert versions == {("W1", old.version), ("W2", new.version)}
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Pick one (q3): wording changed in wave W2: compare with care" in html


def test_report_html(tmp_path, mini):
    summary, _, _, out = report(tmp_path, small_group_rows(mini), mini)
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<script" not in html and "http" not in html and "<link" not in html
    assert "Mini &lt;b&gt;survey&lt;/b&gt; &amp; co" in html and "<b>survey</b>" not in html
    assert html.count("<svg") == 1 + 4 + 2  # index chart, 4 questions, 2 profile questions
    assert "<circle" in html and "<rect" in html  # the index point and answer bars
    assert "Belonging index by wave" in html and "Answers in wave W1" in html
    assert f"<b>{summary.suppressed_cells:,}</b> cells" in html
    assert f"K = {K}" in html
    assert "Belarusian</td><td class=\"num muted\" colspan=\"3\">hidden (fewer than 10 people)" in html


def test_report_html_in_the_readers_language(tmp_path, mini):
    summary, _, _, out = report(tmp_path, small_group_rows(mini), mini, lang="pl")
    html = (out / "report.html").read_text(encoding="utf-8")
    assert '<html lang="pl">' in html
    assert "Wskaźnik przynależności według edycji" in html and "Odpowiedzi w edycji W1" in html
    assert f"W tym raporcie ukryto <b>{summary.suppressed_cells}</b> komórek" in html
    assert "ukryte (mniej niż 10 osób)" in html and "Belong" not in html
    assert "<h1>Mini</h1>" in html  # the survey's own Polish title
    assert "Belonging index" not in html and "hidden" not in html


def test_progress_every_chunk(tmp_path, mini, monkeypatch):
    monkeypatch.setattr(aggregate, "CHUNK", 10)
    seen = []
    write_report(make(mini, "W1", 25, lang="uk", q1="3"), mini, tmp_path / "p", k=K, progress=seen.append)
    assert seen == [10, 20, 25]


def test_focus_wave_must_exist(tmp_path, mini):
    with pytest.raises(ValueError, match="no answers in wave W9"):
        write_report(make(mini, "W1", 12, lang="uk"), mini, tmp_path / "w", k=K, wave="W9")
    with pytest.raises(ValueError, match=r"K \(the smallest group shown\) must be at least 3"):
        write_report([], mini, tmp_path / "w", k=2)


# ------------------------------------------------------------------------------ suppression holds
def random_rows(survey, n, seed):
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        wave = rng.choice(["2026-Q1", "2026-Q2"])
        answers = {}
        for q in survey.questions:
            if rng.random() < 0.1:
                continue
            options = [o.id for o in q.options]
            weights = [3 ** -i for i in range(len(options))]
            if q.kind == "multi":
                answers[q.key] = sorted({rng.choices(options, weights)[0] for _ in range(rng.randint(1, 3))})
            else:
                answers[q.key] = rng.choices(options, weights)[0]
        rows.append(AnswerRow(wave, "2026-W0" + wave[-1], answers))
    return rows


@pytest.mark.parametrize("seed,n,k", [(1, 150, 10), (2, 400, 5), (3, 80, 3)])
def test_no_published_sum_has_a_single_unknown(tmp_path, seed, n, k):
    """Every published sum (group sizes, a single-choice row, an option column across the groups of
    one variable) has no suppressed part or at least two; group sizes also pass the interval test a
    reader can do with the reasons (primary: 1..K-1, complementary: K or more). The exact check, over
    all relations at once, needs an integer solver; it was run offline (see suppression.py)."""
    survey = load_survey(PROJECT_ROOT / "content" / "surveys" / "belonging.yaml")
    summary, agg, _, _ = report(tmp_path, random_rows(survey, n, seed), survey, k=k)
    assert summary.suppressed_cells > 0
    primary = f"primary: n<{k}"
    profile = {q.id for q in survey.profile()}
    kinds = {q.id: q.kind for q in survey.questions}
    for wave in {r["wave"] for r in agg}:
        rows = cells(agg, wave=wave)
        for var in profile:
            sizes = cells(rows, group_variable="all", question_id=var)
            hidden = [r for r in sizes if r["suppressed"]]
            assert len(hidden) != 1, (wave, var)
            if not hidden:
                continue
            visible = [r for r in sizes if r["count"] not in ("", "0")]
            n_all = round(int(visible[0]["count"]) / float(visible[0]["share"]))
            residual = n_all - sum(int(r["count"]) for r in visible)
            lo = [1 if r["suppressed"] == primary else k for r in hidden]
            hi = [k - 1 if r["suppressed"] == primary else n_all for r in hidden]
            for i in range(len(hidden)):
                low = max(lo[i], residual - (sum(hi) - hi[i]))
                high = min(hi[i], residual - (sum(lo) - lo[i]))
                assert low < high, (wave, var, hidden[i]["option_id"], low, high)
        groups = {(r["group_variable"], r["group_value"]) for r in rows}
        for qid in {r["question_id"] for r in rows} - profile:
            q_rows = cells(rows, question_id=qid)
            for version in {r["question_version"] for r in q_rows}:
                table = cells(q_rows, question_version=version)
                overall = {r["option_id"]: r for r in table if r["group_variable"] == "all"}
                for var, group in groups:
                    row = [r for r in table if (r["group_variable"], r["group_value"]) == (var, group)]
                    known = [r for r in row if r["count"] not in ("", "0")]
                    if kinds[qid] != "multi" and known and sum(1 for r in row if r["suppressed"]) == 1:
                        # `answered` is published through the shares; a lone hidden cell is only
                        # allowed where nothing is left over: a zero implied by the published total
                        answered = round(int(known[0]["count"]) / float(known[0]["share"]))
                        assert answered == sum(int(r["count"]) for r in known), (wave, qid, var, group)
                for var in {v for v, _ in groups} - {"all"}:
                    for option, top in overall.items():
                        column = [r for r in table if r["group_variable"] == var and r["option_id"] == option]
                        if not top["suppressed"] and sum(1 for r in column if r["suppressed"]) == 1:
                            left = int(top["count"]) - sum(int(r["count"]) for r in column if r["count"])
                            assert left == 0, (wave, qid, var, option)


def test_same_answers_in_any_order_give_the_same_files(tmp_path, mini):
    rows = random_rows(mini, 300, seed=7)
    shuffled = list(rows)
    random.Random(1).shuffle(shuffled)
    first = tmp_path / "a"
    second = tmp_path / "b"
    write_report(rows, mini, first, k=5)
    write_report(shuffled, mini, second, k=5)
    for name in ("aggregates.csv", "index.csv", "answers.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
