"""The survey report: four files from the anonymous answers, with small cells suppressed.

`write_report(rows, survey, out)` writes, into `out`:

* aggregates.csv: counts and shares per wave, group (`all` or a profile variable and value),
  question version and option. A count is the number of responses in the group that answered the
  question with that option (multi-select: that ticked it); share = count / answered.
* index.csv: the belonging index (see `definition`) per wave and group: n (responses with an
  index), mean and a 95% interval, mean ± 1.96·sd/√n (sd with n-1), clipped to 0..100 and
  rounded to whole points.
* answers.csv: one row per response, anonymised. Kept: the wave (no week: finer than needed and
  a re-identification aid), one column per question version, the four profile bands. A row's
  profile columns read `suppressed` when in its wave its combination of profile answers occurs
  fewer than K times or one of its profile values is a group hidden in the tables (else counting
  rows would undo that); if that leaves 1..K-1 such rows in a wave, the smallest visible
  combinations are hidden too. Waves below K are left out. Rows are ordered by a hash of what is
  published in them, so a row's position tells neither input order nor a hidden value.
* report.html: the same for people: charts, the index by group, wording changes, suppression.

The suppression rules and why they hold are in `suppression`; the one-pass counting in
`aggregate`. This module knows nothing of Telegram or of the database: rows come from any
iterable, e.g. the answer store streaming them. Everything per row runs column-wise in C (`map`,
`zip`, `Counter`, `str.join`, `list.sort`).
"""

from __future__ import annotations

import csv
import gc
import math
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import compress
from operator import eq, not_
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.i18n import Refusal, _, gettext_, lazy
from bot.surveys.aggregate import ALL, Family, IndexStats, Tally, WaveData
from bot.surveys.definition import Survey
from bot.surveys.html import Bar, Distribution, GroupIndex, IndexPoint, ReportData, render
from bot.surveys.suppression import COMPLEMENTARY, TableLabels, WaveLabels, protect_wave

if TYPE_CHECKING:
    from bot.surveys.columnar import Counted

AGGREGATE_COLUMNS = ["wave", "group_variable", "group_value", "question_id", "question_version",
                     "option_id", "count", "share", "suppressed"]
INDEX_COLUMNS = ["wave", "group_variable", "group_value", "n", "mean", "ci_low", "ci_high", "suppressed"]


class ReportRefused(Refusal, ValueError):
    """No report for what was asked (an unknown wave, too small a K); `text(lang)` says why."""


@dataclass(frozen=True)
class AnswerRow:
    wave: str
    week: str  # ISO week, e.g. "2026-W48"; used only to order the waves
    answers: Mapping[str, Any]  # question key (id@version) -> option id, or list of ids (multi)


@dataclass
class ReportSummary:
    responses: int
    waves: list[str]
    suppressed_cells: int
    suppressed_primary: int
    suppressed_complementary: int
    files: list[Path]
    notes: list[str] = field(default_factory=list)  # what was left out entirely, and why


def whole(x: float) -> int:
    return math.floor(x + 0.5)


def index_numbers(stats: IndexStats) -> tuple[int, int, int] | None:
    """(mean, ci_low, ci_high) in whole points, or None without any index."""
    if stats.n == 0:
        return None
    mean = stats.total / stats.n
    if stats.n > 1:
        variance = max(0.0, (stats.squares - stats.n * mean * mean) / (stats.n - 1))
        half = 1.96 * math.sqrt(variance) / math.sqrt(stats.n)
    else:
        half = 0.0
    return whole(mean), whole(max(0.0, mean - half)), whole(min(100.0, mean + half))


def write_report(rows: Iterable[Any], survey: Survey, out: Path, *, k: int = 10, wave: str | None = None,
                 progress: Callable[[int], None] | None = None, lang: str = "en",
                 stage: Callable[[str], None] | None = None) -> ReportSummary:
    """Read `rows` (AnswerRow-like: wave, week, answers by question key) once and write the report.

    `rows` may also be the store's `StoredAnswers` (the JSON text as stored), counted in Polars
    (`columnar`); the files are the same. That raises `columnar.Unsupported` for text it cannot
    read exactly: `SurveyService.write_report` then reads the rows and comes back here.

    `wave` picks the wave the charts of answers and the index-by-group table describe (default:
    the latest published one); the CSV files always hold every wave. `progress` is called with
    the number of rows read, every 50,000 rows. report.html is written in `lang` (the
    reader's language; the CSV files keep their column names, which scripts read). `stage`, if
    given, is called with a name after each stage of the work (the benchmark times them).
    """
    if k < 3:
        raise ReportRefused(_("K (the smallest group shown) must be at least 3."))
    # Counting creates and drops millions of small objects; with the cyclic collector on, each of
    # its full passes walks every live object (the caller may hold a million rows) again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _write_report(rows, survey, Path(out), k, wave, progress, lang, stage or (lambda name: None))
    finally:
        if collecting:
            gc.enable()


def _write_report(rows: Iterable[Any], survey: Survey, out: Path, k: int, wave: str | None,
                  progress: Callable[[int], None] | None, lang: str,
                  stage: Callable[[str], None]) -> ReportSummary:
    tally = Tally(survey)
    counted = None
    if hasattr(rows, "blobs"):  # StoredAnswers: the JSON text as stored, counted column-wise
        from bot.surveys.columnar import count

        counted = count(tally, rows, progress, stage)
    else:
        tally.add(rows, progress)
        stage("count")
    out.mkdir(parents=True, exist_ok=True)
    waves = tally.waves()
    stage("roll-up")
    names = [w.name for w in waves]
    if wave is not None and wave not in names:
        raise ReportRefused(_("There are no answers in wave {wave} (waves: {waves})."),
                            wave=wave, waves=names or lazy("none"))
    variables = [q.id for q in survey.profile()]
    labels = {w.name: protect_wave(w, variables, k) for w in waves}
    stage("suppression")
    notes = _notes(waves, labels, survey, k)
    if tally.ignored:
        notes.append(f"answers to {len(tally.ignored)} question key(s) not in the current definition of "
                     f"{survey.slug!r} were ignored: {', '.join(sorted(tally.ignored)[:5])}")

    agg = list(_aggregate_rows(waves, labels, variables, k))
    idx = list(_index_rows(waves, labels, variables, k))
    files = [out / "aggregates.csv", out / "index.csv", out / "answers.csv", out / "report.html"]
    _write_csv(files[0], AGGREGATE_COLUMNS, agg)
    _write_csv(files[1], INDEX_COLUMNS, idx)
    stage("aggregates.csv, index.csv")
    hidden_profiles = write_answers(files[2], tally, waves, labels, k, counted)
    stage("answers.csv")
    reasons = [r[-1] for r in agg] + [r[-1] for r in idx]
    complementary = sum(1 for r in reasons if r == COMPLEMENTARY)
    primary = sum(1 for r in reasons if r and r != COMPLEMENTARY)
    focus = wave or _latest(waves, labels)
    data = _report_data(survey, waves, labels, variables, k, focus, agg, idx, notes, lang)
    data.suppressed_primary, data.suppressed_complementary = primary, complementary
    data.answers_profile_hidden = hidden_profiles
    files[3].write_text(render(data, lang), encoding="utf-8")
    stage("report.html")
    return ReportSummary(tally.n, names, primary + complementary, primary, complementary, files, notes)


def _write_csv(path: Path, header: list[str], rows: list[tuple]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _latest(waves: list[WaveData], labels: dict[str, WaveLabels]) -> str | None:
    published = [w.name for w in waves if not labels[w.name].withheld]
    return published[-1] if published else (waves[-1].name if waves else None)


def _table_vars(fam: Family, wl: WaveLabels, tl: TableLabels, variables: list[str]) -> list[str]:
    if fam.question.profile:
        return [ALL]
    return [ALL] + [v for v in variables if v not in wl.vars_dropped and v not in tl.vars_dropped]


def _aggregate_rows(waves: list[WaveData], labels: dict[str, WaveLabels], variables: list[str], k: int):
    for w in waves:
        wl = labels[w.name]
        if wl.withheld:
            continue
        for fam in w.families:
            tl = wl.tables[fam.key]
            if tl.dropped:
                continue
            qid, version = fam.question.id, fam.version
            if tl.withheld:
                reason = f"primary: n<{k}"
                for option in fam.options:
                    yield (w.name, ALL, ALL, qid, version, option, "", "", reason)
                continue
            for var in _table_vars(fam, wl, tl, variables):
                by_group = fam.counts.get(var, {})
                # The wave's group order (options as defined, then others by name), not the
                # order the answers happened to arrive in.
                order = [g for g in w.groups.get(var, {}) if g in by_group]
                order += sorted((g for g in by_group if g not in set(order)), key=str)
                for group in order:
                    counts = by_group[group]
                    answered = fam.answered[var][group]
                    for n, option in enumerate(fam.options):
                        label = tl.label((var, group), n)
                        if label:
                            yield (w.name, var, group, qid, version, option, "", "", label)
                        else:
                            share = f"{counts[n] / answered:.4f}" if answered else ""
                            yield (w.name, var, group, qid, version, option, counts[n], share, "")


def _index_rows(waves: list[WaveData], labels: dict[str, WaveLabels], variables: list[str], k: int):
    p = f"primary: n<{k}"
    for w in waves:
        wl = labels[w.name]
        if wl.withheld:
            yield (w.name, ALL, ALL, "", "", "", "", p)
            continue
        overall = w.index.get(ALL, {}).get(ALL, IndexStats())
        if wl.index_withheld:
            yield (w.name, ALL, ALL, "", "", "", "", p)
            continue
        yield (w.name, ALL, ALL, overall.n, *(index_numbers(overall) or ("", "", "")), "")
        if overall.n < k:
            continue
        for var in variables:
            if var in wl.vars_dropped or var in wl.index_vars_dropped:
                continue
            for group in w.groups.get(var, {}):
                label = wl.index.get((var, group), "")
                stats = w.index.get(var, {}).get(group, IndexStats())
                if label:
                    yield (w.name, var, group, "", "", "", "", label)
                else:
                    yield (w.name, var, group, stats.n, *(index_numbers(stats) or ("", "", "")), "")


def _notes(waves: list[WaveData], labels: dict[str, WaveLabels], survey: Survey, k: int) -> list[str]:
    notes = []
    for w in waves:
        wl = labels[w.name]
        if wl.withheld:
            notes.append(f"wave {w.name}: fewer than {k} responses, not published")
            continue
        for var in sorted(wl.vars_dropped):
            notes.append(f"wave {w.name}: the breakdown by {var} is not published (small groups could "
                         "not be protected)")
        if wl.index_withheld:
            notes.append(f"wave {w.name}: fewer than {k} responses with a belonging index; index not shown")
        for var in sorted(wl.index_vars_dropped):
            notes.append(f"wave {w.name}: the index by {var} is not published (small groups)")
        for key, tl in wl.tables.items():
            if tl.dropped and not survey.question(key.split("@")[0]).profile:
                notes.append(f"wave {w.name}: question {key} is not published (small counts)")
            for var in sorted(tl.vars_dropped):
                notes.append(f"wave {w.name}: question {key} by {var} is not published (small counts)")
    return notes


def wording_changes(waves: list[WaveData], survey: Survey) -> list[tuple[str, str]]:
    """(question id, wave) where the version(s) asked differ from the previous wave's."""
    changes = []
    for q in survey.questions:
        previous: set[str] | None = None
        for w in waves:
            versions = {f.version for f in w.families if f.question.id == q.id}
            if not versions:
                continue
            if previous is not None and versions != previous:
                changes.append((q.id, w.name))
            previous = versions
    return changes


REVERSED = _("(reversed: agreeing counts as less belonging)")


def _in(texts: dict[str, str], lang: str, default: str) -> str:
    """A survey text in the report's language, else English, else `default`."""
    return texts.get(lang) or texts.get("en") or default


def _report_data(survey: Survey, waves: list[WaveData], labels: dict[str, WaveLabels],
                 variables: list[str], k: int, focus: str | None, agg: list[tuple], idx: list[tuple],
                 notes: list[str], lang: str = "en") -> ReportData:
    by_row = {(r[0], r[1], r[2]): r for r in idx}
    published = [w for w in waves if not labels[w.name].withheld]
    series = []
    for w in waves:
        r = by_row.get((w.name, ALL, ALL))
        ok = r is not None and not r[-1] and r[4] != ""
        series.append(IndexPoint(w.name, r[3] if ok else None, r[4] if ok else None,
                                 r[5] if ok else None, r[6] if ok else None))
    groups = []
    if focus is not None:
        for var in variables:
            q = survey.question(var)
            for group in next((w.groups.get(var, {}) for w in waves if w.name == focus), {}):
                r = by_row.get((focus, var, group))
                if r is None:
                    continue
                option = q.option(group)
                name = _in(option.label, lang, group) if option else group
                numbers = (None if v == "" else v for v in r[3:7])
                groups.append(GroupIndex(_in(q.text, lang, var), name, *numbers, r[7]))
    dists = []
    cells: dict[tuple[str, str], list[tuple]] = {}
    for r in agg:
        if r[0] == focus and r[1] == ALL:
            cells.setdefault((r[3], r[4]), []).append(r)
    for (qid, version), rows in cells.items():
        q = survey.version(f"{qid}@{version}") or survey.question(qid)  # as this version was worded
        bars = []
        for r in rows:
            option = q.option(r[5])
            bars.append(Bar(_in(option.label, lang, r[5]) if option else r[5],
                            None if r[6] == "" else int(r[6]), None if r[7] == "" else float(r[7]), r[8]))
        dists.append(Distribution(_in(q.text, lang, qid), qid, version, q.kind, q.profile, bars))
    changes = [gettext_("{question} ({qid}): wording changed in wave {wave}: compare with care",
                        lang, question=_in(survey.question(qid).text, lang, qid), qid=qid,
                        wave=wave) for qid, wave in wording_changes(waves, survey)]
    return ReportData(
        title=_in(survey.title, lang, survey.slug), slug=survey.slug, k=k, focus=focus,
        responses=sum(w.n for w in published),
        waves=[(w.name, None if labels[w.name].withheld else w.n) for w in waves],
        series=series, groups=groups, distributions=dists, wording=changes, notes=notes,
        index_items=[_in(q.text, lang, q.id) + (" " + gettext_(REVERSED, lang) if q.reverse else "")
                     for q in survey.index_items()])


# ------------------------------------------------------------------------------ answers.csv
SUPPRESSED = "suppressed"


def _crc(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


def hidden_contexts(tally: Tally, labels: dict[str, WaveLabels], k: int) -> tuple[list[bool], list[bool]]:
    """Per context (wave + profile combination): (left out, profile suppressed)."""
    dropped, hidden = [], []
    for ctx in range(len(tally.context_keys)):
        wave, pairs = tally.context_groups(ctx)
        wl = labels[wave]
        dropped.append(wl.withheld)
        hidden.append(tally.context_counts[ctx] < k
                      or any(var in wl.vars_dropped or wl.groups.get((var, g)) for var, g in pairs[1:]))
    per_wave: dict[str, list[int]] = defaultdict(list)
    for ctx in range(len(hidden)):
        if not dropped[ctx]:
            per_wave[tally.context_groups(ctx)[0]].append(ctx)
    for contexts in per_wave.values():
        count = sum(tally.context_counts[c] for c in contexts if hidden[c])
        # Ties go by the profile values, never by input order: the same answers in another
        # order must give the same file.
        visible = sorted((tally.context_counts[c], tally.context_groups(c)[1], c)
                         for c in contexts if not hidden[c])
        while 0 < count < k and visible:
            n, _, ctx = visible.pop(0)
            hidden[ctx] = True
            count += n
    return dropped, hidden


def answer_columns(tally: Tally, waves: list[WaveData]) -> list[str]:
    first: dict[str, int] = {}
    for n, wave in enumerate(waves):
        for fam in wave.families:
            first.setdefault(fam.key, n)
    rank = {q.id: n for n, q in enumerate(tally.survey.questions)}
    keys = [key for key in tally.columns if key in first]
    return sorted(keys, key=lambda key: (rank[tally.columns[key].question.id], first[key], key))


def _field(text: str) -> str:
    """A CSV field: quoted only when it must be (option ids never need it)."""
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_answers(path: Path, tally: Tally, waves: list[WaveData], labels: dict[str, WaveLabels],
                  k: int, counted: Counted | None = None) -> int:
    """Write answers.csv; returns the number of rows whose profile columns were suppressed.

    The rows come from the row path's per-row codes (`tally.context_col`, `Column.data`), or
    from `counted` when the columnar path counted them (`answer_order.answer_lines`).
    """
    dropped, hidden = hidden_contexts(tally, labels, k)
    keys = answer_columns(tally, waves)
    profile = [q.id for q in tally.profile]
    before, after = [], []  # per context: the wave field, the profile fields
    for ctx in range(len(tally.context_keys)):
        wave, pairs = tally.context_groups(ctx)
        bands = [SUPPRESSED] * len(profile) if hidden[ctx] else [g for _, g in pairs[1:]]
        before.append(_field(wave))
        after.append(",".join(map(_field, bands)))
    texts = [[_field("" if v is None else ";".join(v)) for v in tally.columns[key].values] for key in keys]
    with path.open("wb") as f:
        f.write(",".join(map(_field, ["wave", *keys, *profile])).encode() + b"\n")
        if counted is not None:
            from bot.surveys.answer_order import answer_lines

            f.flush()
            answer_lines(counted, keys, texts, before, after, dropped).write_csv(
                f, include_header=False, quote_style="never")  # the fields as they are, each line + "\n"
        else:
            rows = _row_lines(tally, keys, texts, before, after, dropped)
            if rows:
                f.write(b"\n".join(rows))
                f.write(b"\n")
    return sum(n for ctx, n in tally.context_counts.items() if hidden[ctx] and not dropped[ctx])


def _row_lines(tally: Tally, keys: list[str], texts: list[list[str]], before: list[str], after: list[str],
               dropped: list[bool]) -> list[bytes]:
    datas = [tally.columns[key].data for key in keys]
    contexts = tally.context_col
    fields = zip(map(before.__getitem__, contexts),
                 *(map(t.__getitem__, d) for t, d in zip(texts, datas, strict=True)),
                 map(after.__getitem__, contexts), strict=True)
    kept = compress(fields, map(not_, map(dropped.__getitem__, contexts)))
    lines = list(map(str.encode, map(",".join, kept)))
    # Ordered by a hash of the published line: equal lines end up together, and the position of a
    # row says nothing about when it was given or about a suppressed profile value. Two different
    # lines with the same CRC (some dozens in a million rows) go by their bytes, so the order does
    # not depend on the order the rows were read in either.
    lines.sort(key=zlib.crc32)
    crcs = list(map(zlib.crc32, lines))
    clash = [i for i in compress(range(1, len(lines)), map(eq, crcs[1:], crcs))
             if lines[i] != lines[i - 1]]
    for i in clash:
        start = end = i
        while start > 0 and crcs[start - 1] == crcs[i]:
            start -= 1
        while end < len(lines) and crcs[end] == crcs[i]:
            end += 1
        lines[start:end] = sorted(lines[start:end])
    return lines
