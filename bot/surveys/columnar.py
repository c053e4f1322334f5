"""Counting the stored answers column-wise in Polars, from their codes or from their JSON text.

Two readers turn the stored answers into the same `Columns` (per question key, per row, the id of
the answer's value), and one back end (`_count`) counts those into the `Tally`. The report reads
the codes (`surveys.codes`, read by `surveys.coded`) whenever every answer in scope has them,
and the JSON text (below) otherwise.

Why codes (measured on the bench's million responses, SQLite, 2 cores): the text path spends
4.0 s of its 6.8 s reading ~435 MB of JSON out of SQLite and cutting it; the report needs only
the few hundred distinct (key, value) pairs. Tried for the coded reader, on 100,000 rows under
load: fixed-width base-36 codes split in Polars (`extract_all` 1.5 s a million rows, `str.slice`
per position 1.1 s) and spaces turned into lines per row in SQL (a CASE/GLOB/substr/replace per
row: reading 0.20 s against 0.066 s for the bare column) lost to storing one code a line and
reading groups of (wave, week) from a covering index with `group_concat` (0.036 s, no sort, no
table row, no JSON) parsed by Polars' CSV reader (15 million integers in 0.3 s). The whole
report over the million (bench, median of 3, load 3-4): text path 7.7 s, coded path 4.3 s, of
which reading the codes 0.6 s and turning them into columns 1.1 s.
answers.csv (1.1 s of it) was then cut to ~0.7 s by computing its CRC-32 order column-wise
(`surveys.answer_order`); in "pairs into columns" (coded, 1M, load 5-6) the codes query takes
~0.6 s, the pairs ~0.4 s, the list runs ~0.3-0.5 s and placing ~0.15 s. A lookup table instead
of `replace_strict` per list position in `coded._lists` measured no difference and was left out.

The text path:

The problem: the row path (`aggregate.Tally.add`) needs every response as a Python dict, and
building a million dicts (the store decodes each row's JSON, then the report reads them key by
key) costs far more than the report itself. Polars' own JSON readers are no faster here: a
generic decoder builds a struct of every known key for every row. What makes this fast is that
the text has few distinct pieces: `json.dumps` writes `{"key": value, "key": value}`, so cutting
each row at `": ` (which, in JSON without a backslash, occurs only right after a key) leaves
pieces like `"3", "belong_region@8e4b63d2`: a value and the next key. There are a few thousand
distinct pieces in a million rows. Polars cuts the text and numbers the pieces (one pass in
Rust); Python decodes each distinct piece once with `json.loads`, and registers waves, keys,
values and contexts through the same `Tally` methods the row path uses; Polars then counts per
(context, answer code), and `answer_order` builds answers.csv.

Chosen by measurement (200,000 stored rows, CPU seconds, load average 6 on 2 cores): Polars
`read_ndjson` with an explicit schema of all 28 keys 0.63, `str.json_decode` 1.10, `json.loads`
per row 2.10; cutting at '": ' 0.10 and numbering the pieces 0.05. SQLite's own JSON functions
were left out: `json_extract` parses the whole text again for each of the ~15 keys of a row
(SQLite 3.40 keeps no parsed copy), and `json_each` makes 15 million rows to group.

Anything the cut cannot read exactly (a backslash anywhere, i.e. an escape; another JSON layout;
a value that is neither a string nor a list) raises `Unsupported`, and the caller counts those
answers with the row path instead: slower, never different.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    from bot.surveys.aggregate import Column, Tally
    from bot.surveys.store import StoredAnswers

_CUT = '": '
_BATCH = 16  # blobs cut at a time: about 27 MB of text with the store's 256 blobs a million rows
_NONE = 0xFFFFFFFF


class Unsupported(Exception):
    """The stored text is not in the layout the columnar path reads; use the row path."""


@dataclass
class Counted:
    """What the columnar count leaves besides the Tally: a code per row for answers.csv."""

    contexts: pl.Series  # per row: its context (UInt32)
    codes: dict[str, pl.Series]  # per core question key: per row, the code of its answer (UInt16)


@dataclass
class _Piece:
    value: int  # id of the value this piece starts with (ending the pair before), or _NONE
    key: int  # id of the key this piece ends with (its value starts the next piece), or _NONE
    starts: list[int]  # the rows that start in this piece: the id of each one's (wave id, week)


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise Unsupported("unexpected JSON layout") from None


class _Values:
    """Distinct answer values (decoded JSON), numbered in the order met."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.values: list[Any] = []

    def id(self, text: str) -> int:
        n = self.ids.get(text)
        if n is None:
            value = _loads(text)
            if not (value is None or isinstance(value, str) or (
                    isinstance(value, list) and all(isinstance(v, str) for v in value))):
                raise Unsupported("an answer that is neither text nor a list of texts")
            n = self.ids[text] = len(self.values)
            self.values.append(value)
        return n


class _Reader:
    """Reads the distinct pieces; numbers keys and row prefixes in the order met."""

    def __init__(self) -> None:
        self.values = _Values()
        self.keys: dict[str, int] = {}
        self.prefixes: dict[tuple[int, str], int] = {}

    def piece(self, text: str) -> _Piece:
        if "\n" not in text:  # `value, "key`: within a row
            value_text, sep, key_text = text.rpartition(', "')
            if not sep:
                raise Unsupported("unexpected JSON layout")
            return _Piece(self.values.id(value_text), self._key('"' + key_text), [])
        # Row boundaries: `value}` (the end of the row before, empty at the start of a piece of
        # text), rows with no answers at all, then the start of the next row, `prefix{"key`
        # (empty at the end of a piece of text, which ends with a line break).
        tail, *rows, head = text.split("\n")
        value = _NONE
        if tail:
            if not tail.endswith("}"):
                raise Unsupported("unexpected JSON layout")
            value = self.values.id(tail[:-1])
        starts = []
        for row in rows:
            prefix, body = self._prefix(row)
            if body != "{}":
                raise Unsupported("unexpected JSON layout")
            starts.append(prefix)
        key = _NONE
        if head:
            prefix, body = self._prefix(head)
            if not body.startswith('{"'):
                raise Unsupported("unexpected JSON layout")
            starts.append(prefix)
            key = self._key(body[1:])
        return _Piece(value, key, starts)

    def _prefix(self, row: str) -> tuple[int, str]:
        parts = row.split("\t")  # JSON text never holds a raw tab: only the prefix does
        if len(parts) != 3 or not parts[0].isdigit():
            raise Unsupported("unexpected row prefix")
        prefix = (int(parts[0]), parts[1])
        if prefix not in self.prefixes:
            self.prefixes[prefix] = len(self.prefixes)
        return self.prefixes[prefix], parts[2]

    def _key(self, text: str) -> int:
        key = _loads(text + '"')
        if not isinstance(key, str):
            raise Unsupported("unexpected JSON layout")
        if key not in self.keys:
            self.keys[key] = len(self.keys)
        return self.keys[key]


@dataclass
class Columns:
    """The answers as columns, however they were read (from the text here, or `coded`)."""

    n: int  # rows
    keys: list[str]  # the question keys met, by key id
    values: _Values  # the answer values met, by value id
    slots: pl.Series  # slot key id * n + row: the value id + 1 of the row's answer, 0 if none
    row_prefix: pl.Series  # per row: its prefix id
    prefixes: list[tuple[int, str]]  # by prefix id: (wave id, week)


def count(tally: Tally, stored: StoredAnswers, progress: Callable[[int], None] | None = None,
          stage: Callable[[str], None] = lambda name: None) -> Counted:
    """Count every stored answer into `tally`; returns the per-row codes answers.csv needs.
    `stage` is called with a name after each stage (the benchmark times them)."""
    if stored.codebook is not None:
        from bot.surveys.coded import columns

        read = columns(stored, stored.codebook, stage)
    else:
        read = _text_columns(stored, stage)
    if read is None:
        return Counted(pl.Series("ctx", [], dtype=pl.UInt32), {})
    return _count(tally, stored.waves, read, progress, stage)


def _text_columns(stored: StoredAnswers, stage: Callable[[str], None]) -> Columns | None:
    # ---- cut the text at '": ' and number the pieces, a batch of blobs at a time (the store may
    # still be reading the next ones: both Polars and SQLite work without the GIL). Categorical
    # codes are global to the process, so equal pieces get equal codes in every batch.
    codes_parts, distinct_parts = [], []
    total = 0
    batch: list[str] = []

    def cut() -> None:
        blobs = pl.Series("b", batch, dtype=pl.String)
        batch.clear()
        if blobs.str.contains("\\", literal=True).any():
            raise Unsupported("escaped text")
        pieces = blobs.str.split(_CUT).explode().cast(pl.Categorical)
        codes_parts.append(pieces.to_physical())
        distinct_parts.append(pieces.unique())

    for rows_in, blob in stored.blobs:
        total += rows_in
        batch.append(blob)
        if len(batch) == _BATCH:
            cut()
    if batch:
        cut()
    if total == 0:
        return None
    codes = pl.concat(codes_parts)
    distinct = pl.concat(distinct_parts).unique()
    codes_parts.clear()
    stage("cut the text into pieces")
    reader = _Reader()
    read = list(map(reader.piece, distinct.cast(pl.String).to_list()))
    stage("read the distinct pieces")

    # Per piece, its value, its key and how many rows start in it, looked up by its code.
    size = int(distinct.to_physical().max()) + 1  # type: ignore[arg-type]
    where = distinct.to_physical()

    def lookup(column: list[int], codes: pl.Series) -> pl.Series:
        return pl.zeros(size, pl.UInt32, eager=True).scatter(where, column).gather(codes)

    value_in = lookup([p.value for p in read], codes)
    key_after = lookup([p.key for p in read], codes)
    started = lookup([len(p.starts) for p in read], codes)
    n = int(started.sum())
    if n != total:
        raise Unsupported("a line break inside a row")
    begins = started.ne(0)
    row_prefix = pl.Series([p.starts for p in read], dtype=pl.List(pl.UInt32)).gather(
        pl.zeros(size, pl.UInt32, eager=True).scatter(where, range(len(read))).gather(
            codes.filter(begins))).explode()
    rows = (started.cum_sum() - 1).cast(pl.UInt32)
    del codes, started, begins
    # A pair is a key (which ends one piece) and the value the next piece starts with.
    pairs = pl.DataFrame({"r": rows, "key": key_after, "value": value_in.shift(-1)}).filter(
        pl.col("key").ne(_NONE))
    if pairs.height != value_in.ne(_NONE).sum() or pairs["value"].eq(_NONE).any():
        raise Unsupported("unexpected JSON layout")
    del rows, key_after, value_in
    slots = scatter(len(reader.keys), n, pairs["key"], pairs["r"], pairs["value"])
    return Columns(n, list(reader.keys), reader.values, slots, row_prefix, list(reader.prefixes))


def scatter(keys: int, n: int, key: pl.Series, row: pl.Series, value: pl.Series) -> pl.Series:
    """One column per key: slot key * n + row holds the value id + 1 (0: not answered)."""
    return place(keys * n, key.cast(pl.UInt64) * n + row.cast(pl.UInt64), value.cast(pl.UInt32) + 1)


def place(size: int, slot: pl.Series, stored: pl.Series) -> pl.Series:
    """`size` slots holding `stored` (value ids + 1) at `slot`, 0 elsewhere."""
    slots = pl.zeros(size, pl.UInt32, eager=True).scatter(slot, stored)
    if slots.ne(0).sum() != slot.len():
        raise Unsupported("a key given twice in one answer")
    return slots


def _count(tally: Tally, waves: dict[int, str], read: Columns, progress: Callable[[int], None] | None,
           stage: Callable[[str], None]) -> Counted:
    n, values, keys, slots = read.n, read.values, read.keys, read.slots
    key_ids = {key: k for k, key in enumerate(keys)}
    prefixes, row_prefix = read.prefixes, read.row_prefix
    null = values.ids.get("null")
    if null is not None:  # `"key": null` registers the key, like the row path, but answers nothing
        slots = slots.zip_with(slots.ne(null + 1), pl.zeros(slots.len(), pl.UInt32, eager=True))
    stage("pairs into columns")
    if progress is not None:
        progress(n // 2)

    # ---- waves and keys, registered as the row path does
    for wave_id, week in prefixes:
        if wave_id not in waves:
            raise Unsupported("an answer of an unknown wave")
        tally.register_wave(waves[wave_id], week)
    for key in keys:
        tally.register_key(key)
    wave_of_prefix = [tally.wave_codes[waves[w]] for w, _ in prefixes]
    wcodes = pl.Series(wave_of_prefix, dtype=pl.UInt32).gather(row_prefix)

    def column(key: str) -> pl.Series:
        k = key_ids[key]
        return slots.slice(k * n, n)

    raw = [None, *values.values]  # by value id + 1

    # ---- contexts: the wave and the profile answers (the first key, by name, that has one)
    pcols = []
    for var, q in enumerate(tally.profile):
        merged = None
        for key in sorted(tally.keys.get(q.id, ())):
            col = column(key)
            ids = col.unique().to_list()
            if any(isinstance(raw[i], list) for i in ids):
                raise ValueError("profile answers must be option ids")
            answered = [i for i in ids if raw[i]]  # what the row path's `compress` keeps
            present = wcodes.filter(col.is_in(answered)).unique().to_list() if answered else []
            tally.profile_keys.update((w, key) for w in present)
            merged = col if merged is None else merged.zip_with(merged.ne(0), col)
        pcols.append((merged if merged is not None else pl.zeros(n, pl.UInt32, eager=True)).alias(f"p{var}"))
    frame = pl.DataFrame([wcodes.alias("w"), *pcols])
    combos_ctx = frame.unique(maintain_order=False).sort(frame.columns)
    ctx = [tally.context_of((w, *(raw[i] for i in ps))) for w, *ps in combos_ctx.iter_rows()]
    contexts = frame.join(combos_ctx.with_columns(pl.Series("ctx", ctx, dtype=pl.UInt32)),
                          on=frame.columns, how="left", maintain_order="left")["ctx"]
    del frame, pcols
    shifted = contexts.cast(pl.UInt64) * 65536

    stage("contexts")
    # ---- answer codes per core question key, their counts, the index
    codes: dict[str, pl.Series] = {}
    index = None
    for q in tally.survey.core(retired=True):
        for key in tally.keys.get(q.id, ()):
            col_data = column(key)
            col = tally.columns.get(key) or tally.column(key, q)
            code_of = [0] * len(raw)  # by value id + 1
            for i in sorted(col_data.unique().to_list()):
                code_of[i] = _code(col, q.kind, raw[i], key)
            coded = pl.Series(code_of, dtype=pl.UInt16).gather(col_data)
            codes[key] = coded
            col.counts.update(_counts(shifted + coded))
            if q.index:
                contribution = [tally._contribution(q, value) for value in col.values]
                term = pl.Series(contribution, dtype=pl.UInt64).gather(coded)
                index = term if index is None else index + term
    if tally.items:
        tally.index_counts.update(_counts(shifted + (index if index is not None else 0)))
    else:
        tally._context_counts.update(_counts(contexts))
    tally.n += n
    stage("codes and counts")
    if progress is not None:
        progress(tally.n)
    return Counted(contexts, codes)


def _code(col: Column, kind: str, value: Any, key: str) -> int:
    if isinstance(value, list):
        if kind != "multi":  # the row path cannot hash a list either
            raise ValueError(f"answers to {key!r} must be option ids")
        value = tuple(value)
    if value in col.codes:
        return col.codes[value]
    code = col.codes[value] = col.code(value)
    return code


def _counts(values: pl.Series) -> dict[int, int]:
    # In key order, so that the roll-up adds (float) index sums in the same order every time.
    counted = values.value_counts(sort=False).sort(values.name)
    return dict(zip(counted[:, 0].to_list(), counted[:, 1].to_list(), strict=True))

