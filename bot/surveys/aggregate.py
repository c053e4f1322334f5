"""Counting a million answers in one pass, in seconds, in pure Python.

The problem: a report needs, per wave, the answer counts of every question overall and by each
profile variable, the belonging index per group, and a row-level export, from an iterable of
rows that may be far too large to keep as Python objects. The trick is to stay out of the
per-answer Python loop: rows are read in chunks of `CHUNK`, every answer is turned into a small
integer code column by column with C-level `map`/`zip`/`Counter`, and a row's wave and four
profile answers become one *context* code. Counts are kept per (context, answer code), so the
roll-up to "all" and to every profile group runs over a few thousand distinct contexts, not over
the rows. The only per-row state kept is one code per column (two bytes) for the export.
"""

from __future__ import annotations

import re
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import compress, islice, repeat
from operator import add, attrgetter, lshift, methodcaller
from typing import Any, Protocol

from bot.surveys.definition import PREFER_NOT_TO_SAY, SCALE_POINTS, Question, Survey, item_score

CHUNK = 50_000
ALL = "all"


class Row(Protocol):
    wave: str
    week: str
    answers: Mapping[str, Any]


def split_key(key: str) -> tuple[str, str]:
    qid, _, version = key.partition("@")
    return qid, version


@dataclass
class Column:
    """One question version (`key`) of a core question: a code per row, codes per context."""

    key: str
    question: Question
    codes: dict[Any, int] = field(default_factory=lambda: {None: 0})
    values: list[tuple[str, ...] | None] = field(default_factory=lambda: [None])
    data: array = field(default_factory=lambda: array("H"))
    counts: Counter = field(default_factory=Counter)  # context << 16 | code -> responses

    @property
    def version(self) -> str:
        return split_key(self.key)[1]

    def code(self, raw: Any) -> int:
        """Register a raw answer value; a multi answer may arrive as list, tuple or 'a;b'."""
        if raw is None or raw == "" or raw == [] or raw == ():
            value: tuple[str, ...] | None = None
        elif isinstance(raw, str):
            value = tuple(raw.split(";")) if self.question.kind == "multi" else (raw,)
        elif isinstance(raw, list | tuple):
            value = tuple(str(v) for v in raw)
        else:
            value = (str(raw),)
        if value is not None and self.question.kind == "multi":
            order = {o.id: n for n, o in enumerate(self.question.options)}
            value = tuple(sorted(set(value), key=lambda v: (order.get(v, len(order)), v)))
        if value is None:
            return 0
        if value not in self.values:
            if len(self.values) >= 0xFFFF:
                raise ValueError(f"{self.key}: too many distinct answers")
            self.values.append(value)
        return self.values.index(value)


@dataclass
class Family:
    """One question version in one wave: counts per (group variable, group value) and option."""

    question: Question
    version: str
    options: list[str]
    counts: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    answered: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.question.id}@{self.version}"


@dataclass
class IndexStats:
    n: int = 0
    total: float = 0.0
    squares: float = 0.0


@dataclass
class WaveData:
    name: str
    n: int
    groups: dict[str, dict[str, int]]  # variable -> value -> respondents; ALL -> {ALL: n}
    families: list[Family]  # core questions, then profile questions (their ALL row only)
    index: dict[str, dict[str, IndexStats]]


class Tally:
    """Feed rows with `add`, then read `waves()`; `columns`/`contexts` back the row export."""

    def __init__(self, survey: Survey) -> None:
        self.survey = survey
        self.profile = survey.profile()
        self.items = survey.index_items()
        self.by_id = {q.id: q for q in survey.questions}
        self.n = 0
        self.wave_codes: dict[str, int] = {}
        self.wave_names: list[str] = []
        self.first_week: dict[str, str] = {}
        # profile values per variable; None (skipped) is the same group as "prefer not to say"
        self.pcodes: list[dict[Any, int]] = [{None: 0, PREFER_NOT_TO_SAY: 0} for _ in self.profile]
        self.pvalues: list[list[str]] = [[PREFER_NOT_TO_SAY] for _ in self.profile]
        self.contexts: dict[tuple, int] = {}  # (wave code, raw profile answers...) -> context
        self.canonical: dict[tuple[int, ...], int] = {}  # (wave code, profile value codes...) -> context
        self.context_keys: list[tuple[int, ...]] = []
        self.context_col = array("I")
        self._context_counts: Counter = Counter()
        self.known: set[str] = set()  # every question key seen
        self.keys: dict[str, list[str]] = defaultdict(list)  # question id -> its keys seen
        self.columns: dict[str, Column] = {}
        self.profile_keys: set[tuple[int, str]] = set()  # (wave code, key) answered
        # context << 16 | (score total * (items + 1) + items answered) -> responses
        self.index_counts: Counter = Counter()
        self.ignored: set[str] = set()

    def add(self, rows: Iterable[Row], progress: Callable[[int], None] | None = None) -> None:
        it = iter(rows)
        while chunk := list(islice(it, CHUNK)):
            self._chunk(chunk)
            self.n += len(chunk)
            if progress is not None:
                progress(self.n)

    # ------------------------------------------------------------------ one chunk
    def _chunk(self, chunk: list[Row]) -> None:
        m = len(chunk)
        waves = list(map(attrgetter("wave"), chunk))
        for wave, week in set(zip(waves, map(attrgetter("week"), chunk), strict=True)):
            self.register_wave(wave, week)
        wcodes = list(map(self.wave_codes.__getitem__, waves))
        answers = list(map(attrgetter("answers"), chunk))
        got: dict[str, list[Any]] = {}

        def values(key: str) -> list[Any]:
            if key not in got:
                try:
                    got[key] = list(map(dict.get, answers, repeat(key)))
                except TypeError:  # a Mapping that is not a dict
                    got[key] = list(map(methodcaller("get", key), answers))
            return got[key]

        # New question keys are rare: look for them only when the known ones do not account for
        # every answer in the chunk (a full key union costs as much as reading two columns).
        seen = sum(m - values(key).count(None) for key in self.known)
        if seen != sum(map(len, answers)):
            for key in set().union(*answers) - self.known:
                self.register_key(key)
        keys = self.keys

        pcols = []
        for q in self.profile:
            merged: list[Any] = [None] * m
            for n, key in enumerate(sorted(keys.get(q.id, ()))):
                vals = values(key)
                self.profile_keys.update((w, key) for w in set(compress(wcodes, vals)))
                merged = vals if n == 0 else [a if a is not None else b
                                              for a, b in zip(merged, vals, strict=True)]
            pcols.append(merged)
        # Contexts are looked up by the raw (wave, profile answers) tuple; new tuples are rare.
        tuples = list(zip(wcodes, *pcols, strict=True))
        try:
            new = set(tuples) - self.contexts.keys()
        except TypeError:
            raise ValueError("profile answers must be option ids") from None
        for raw in new:
            self.context_of(raw)
        contexts = list(map(self.contexts.__getitem__, tuples))
        self.context_col.extend(contexts)
        if not self.items:
            self._context_counts.update(contexts)
        # Counting (context, code) pairs as one int is about three times faster than as tuples.
        shifted = list(map(lshift, contexts, repeat(16)))

        seen_cols = set()
        index = [0] * m  # per row: score total * (items + 1) + items answered
        for q in self.survey.core(retired=True):
            for key in keys.get(q.id, ()):
                col = self.columns.get(key)
                if col is None:
                    col = self.column(key, q)
                    col.data.frombytes(bytes(2 * self.n))
                vals = values(key)
                if q.kind == "multi":  # lists are not hashable
                    vals = [v if v is None or v.__class__ is str else tuple(v) for v in vals]
                raw_codes = col.codes
                try:
                    new = set(vals) - raw_codes.keys()
                except TypeError:
                    raise ValueError(f"answers to {key!r} must be option ids") from None
                for raw in new:
                    raw_codes[raw] = col.code(raw)
                codes = list(map(raw_codes.__getitem__, vals))
                col.data.extend(codes)
                col.counts.update(map(add, shifted, codes))
                seen_cols.add(key)
                if q.index:
                    table = [self._contribution(q, value) for value in col.values]
                    index = list(map(add, index, map(table.__getitem__, codes)))
        for key, col in self.columns.items():
            if key not in seen_cols:
                col.data.frombytes(bytes(2 * m))

        if self.items:
            self.index_counts.update(map(add, shifted, index))

    # ------------------------------------------------------------------ shared with `columnar`
    # The columnar path counts in Polars but registers waves, keys, contexts and answer codes
    # through these, so both paths give the same Tally for the same answers.
    def register_wave(self, wave: str, week: Any) -> None:
        if wave not in self.wave_codes:
            self.wave_codes[wave] = len(self.wave_names)
            self.wave_names.append(wave)
        if week and (wave not in self.first_week or str(week) < self.first_week[wave]):
            self.first_week[wave] = str(week)

    def register_key(self, key: str) -> None:
        if key in self.known:
            return
        self.known.add(key)
        qid = split_key(key)[0]
        if qid in self.by_id:
            self.keys[qid].append(key)
        else:
            self.ignored.add(key)

    def context_of(self, raw: tuple) -> int:
        """The context of a raw (wave code, profile answers...) tuple, registered if new."""
        ctx = self.contexts.get(raw)
        if ctx is None:
            canonical = (raw[0], *(self._profile_code(var, value) for var, value in enumerate(raw[1:])))
            ctx = self.canonical.get(canonical)
            if ctx is None:
                ctx = self.canonical[canonical] = len(self.context_keys)
                self.context_keys.append(canonical)
            self.contexts[raw] = ctx
        return ctx

    def column(self, key: str, q: Question) -> Column:
        # Grouped by version: each key is its own column, labelled as it was asked.
        col = self.columns[key] = Column(key, self.survey.version(key) or q)
        return col

    def _contribution(self, q: Question, value: tuple[str, ...] | None) -> int:
        score = item_score(q, value[0]) if value is not None and len(value) == 1 else None
        if score is None:
            return 0
        return round(score * (SCALE_POINTS - 1) / 100) * (len(self.items) + 1) + 1

    def _profile_code(self, var: int, value: Any) -> int:
        codes = self.pcodes[var]
        if value not in codes:
            codes[value] = len(self.pvalues[var])
            self.pvalues[var].append(str(value))
        return codes[value]

    @property
    def context_counts(self) -> Counter:
        """Responses per context; with index items, read off the index counts (every row is there)."""
        if self.items and not self._context_counts:
            for key, n in self.index_counts.items():
                self._context_counts[key >> 16] += n
        return self._context_counts

    # ------------------------------------------------------------------ roll-up
    def wave_order(self) -> list[str]:
        return sorted(self.wave_names, key=lambda w: (self.first_week.get(w, "~"), _natural(w)))

    def context_groups(self, ctx: int) -> tuple[str, list[tuple[str, str]]]:
        wcode, *pv = self.context_keys[ctx]
        pairs = [(ALL, ALL)] + [(q.id, self.pvalues[i][c]) for i, (q, c) in enumerate(zip(self.profile, pv,
                                                                                           strict=True))]
        return self.wave_names[wcode], pairs

    def waves(self) -> list[WaveData]:
        groups_of = [self.context_groups(ctx) for ctx in range(len(self.context_keys))]
        order = self.wave_order()
        sizes: dict[str, dict[str, Counter]] = {w: defaultdict(Counter) for w in order}
        for ctx, n in self.context_counts.items():
            wave, pairs = groups_of[ctx]
            for var, group in pairs:
                sizes[wave][var][group] += n
        families: dict[str, list[Family]] = {w: [] for w in order}
        for col in self.columns.values():
            self._roll_column(col, groups_of, sizes, families)
        index: dict[str, dict[str, dict[str, IndexStats]]] = {
            w: defaultdict(lambda: defaultdict(IndexStats)) for w in order}
        need = len(self.items)
        for key, n in self.index_counts.items():
            ctx, (total, answered) = key >> 16, divmod(key & 0xFFFF, need + 1)
            if answered == 0 or 2 * answered < need:
                continue
            value = total / answered * 100 / (SCALE_POINTS - 1)
            wave, pairs = groups_of[ctx]
            for var, group in pairs:
                stats = index[wave][var][group]
                stats.n += n
                stats.total += value * n
                stats.squares += value * value * n
        out = []
        for wave in order:
            groups = {var: self._ordered(var, counter) for var, counter in sizes[wave].items()}
            fams = self._sorted_families(families[wave])
            fams.extend(self._profile_families(wave, groups))
            out.append(WaveData(wave, groups[ALL][ALL], groups, fams,
                                {v: dict(g) for v, g in index[wave].items()}))
        return out

    def _roll_column(self, col: Column, groups_of, sizes, families) -> None:
        q = col.question
        options = [o.id for o in q.options]
        extra = sorted({v for value in col.values if value for v in value} - set(options), key=_natural)
        options += extra
        position = {o: n for n, o in enumerate(options)}
        slots = [None if value is None else [position[v] for v in value] for value in col.values]
        width = len(options)
        per_context: dict[int, list[int]] = {}  # options..., answered
        for key, n in col.counts.items():
            code = key & 0xFFFF
            if code == 0:
                continue
            vec = per_context.get(key >> 16)
            if vec is None:
                vec = per_context[key >> 16] = [0] * (width + 1)
            for slot in slots[code]:
                vec[slot] += n
            vec[width] += n
        by_wave: dict[str, dict[str, dict[str, list[int]]]] = {}
        for ctx, vec in per_context.items():
            wave, pairs = groups_of[ctx]
            table = by_wave.get(wave)
            if table is None:
                table = by_wave[wave] = {var: {g: [0] * (width + 1) for g in counter}
                                         for var, counter in sizes[wave].items()}
            for var, group in pairs:
                row = table[var][group]
                row[:] = map(add, row, vec)
        for wave, table in by_wave.items():
            fam = Family(q, col.version, options)
            fam.counts = {var: {g: row[:width] for g, row in rows.items()} for var, rows in table.items()}
            fam.answered = {var: {g: row[width] for g, row in rows.items()} for var, rows in table.items()}
            families[wave].append(fam)

    def _sorted_families(self, fams: list[Family]) -> list[Family]:
        rank = {q.id: n for n, q in enumerate(self.survey.questions)}
        current = {q.id: q.version for q in self.survey.questions}
        return sorted(fams, key=lambda f: (rank[f.question.id], f.version == current[f.question.id],
                                           f.version))

    def _profile_families(self, wave: str, groups: dict[str, dict[str, int]]) -> list[Family]:
        """A profile question is published only as its overall distribution: the group sizes."""
        out = []
        wcode = self.wave_codes[wave]
        for q in self.profile:
            seen = sorted(k for (w, k) in self.profile_keys if w == wcode and split_key(k)[0] == q.id)
            version = "+".join(split_key(k)[1] for k in seen) or q.version
            options = [o.id for o in q.options] + [g for g in groups[q.id] if q.option(g) is None]
            fam = Family(q, version, options)
            fam.counts[ALL] = {ALL: [groups[q.id].get(o, 0) for o in options]}
            fam.answered[ALL] = {ALL: groups[ALL][ALL]}
            out.append(fam)
        return out

    def _ordered(self, var: str, counter: Counter) -> dict[str, int]:
        if var == ALL:
            return dict(counter)
        q = self.by_id[var]
        known = [o.id for o in q.options if o.id in counter]
        extra = sorted((g for g in counter if q.option(g) is None), key=_natural)
        return {g: counter[g] for g in known + extra}


def _natural(text: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", str(text)))
