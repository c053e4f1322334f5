"""Counting the stored answers column-wise in Polars, from the JSON text as the database holds it.

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
(context, answer code) and builds answers.csv.

Anything the cut cannot read exactly (a backslash anywhere, i.e. an escape; another JSON layout;
a value that is neither a string nor a list) raises `Unsupported`, and the caller counts those
answers with the row path instead: slower, never different.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    from bot.surveys.aggregate import Column, Tally
    from bot.surveys.store import StoredAnswers

_CUT = '": '
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
    first: bool  # starts a row: "<wave id>\t<week>\t{" ...
    prefix: tuple[int, str] | None  # (wave id, week) of a first piece
    value: int  # id of the value this piece ends a pair with, or _NONE
    key: str | None  # the key this piece opens (its value is in the next piece)


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


def _piece(text: str, last: bool, values: _Values) -> _Piece:
    """Read one distinct piece of a row cut at '": '."""
    first = "\t" in text  # JSON text never holds a raw tab, so only the row's own prefix does
    prefix = None
    body = text
    if first:
        parts = text.split("\t")
        if len(parts) != 3 or not parts[0].isdigit():
            raise Unsupported("unexpected row prefix")
        prefix = (int(parts[0]), parts[1])
        body = parts[2]
        if last:  # a row of no answers
            if body != "{}":
                raise Unsupported("unexpected JSON layout")
            return _Piece(True, prefix, _NONE, None)
        if not body.startswith('{"'):
            raise Unsupported("unexpected JSON layout")
        return _Piece(True, prefix, _NONE, _key(body[1:]))
    if last:
        if not body.endswith("}"):
            raise Unsupported("unexpected JSON layout")
        return _Piece(False, None, values.id(body[:-1]), None)
    # `value, "key`: the value of the pair before and the next key
    value_text, sep, key_text = body.rpartition(', "')
    if not sep:
        raise Unsupported("unexpected JSON layout")
    return _Piece(False, None, values.id(value_text), _key(key_text and '"' + key_text))


def _key(text: str) -> str:
    key = _loads(text + '"')
    if not isinstance(key, str):
        raise Unsupported("unexpected JSON layout")
    return key


def count(tally: Tally, stored: StoredAnswers, progress: Callable[[int], None] | None = None,
          stage: Callable[[str], None] = lambda name: None) -> Counted:
    """Count every stored answer into `tally`; returns the per-row codes answers.csv needs.
    `stage` is called with a name after each stage (the benchmark times them)."""
    blobs = pl.Series("b", stored.blobs, dtype=pl.String)
    if blobs.str.contains("\\", literal=True).any():
        raise Unsupported("escaped text")
    lines = blobs.str.split("\n").explode()
    n = lines.len()
    if n != stored.count:
        raise Unsupported("a line break inside a row")
    if n == 0:
        return Counted(pl.Series("ctx", [], dtype=pl.UInt32), {})

    stage("lines")
    # ---- cut every row at '": ' and read each distinct piece once
    cut = lines.str.split(_CUT).to_frame("t").with_row_index("r").explode("t")
    del lines
    rows = cut["r"]
    pieces = cut["t"].cast(pl.Categorical)
    del cut
    last = rows.ne(rows.shift(-1)).fill_null(True)
    combo = (pieces.to_physical().cast(pl.UInt64) * 2 + last.cast(pl.UInt64)).alias("combo")
    distinct = pl.DataFrame({"combo": combo, "t": pieces}).unique("combo")
    values = _Values()
    combos, texts = distinct["combo"].to_list(), distinct["t"].cast(pl.String).to_list()
    read = [_piece(t, bool(c & 1), values) for c, t in zip(combos, texts, strict=True)]
    stage("cut and number the pieces")
    keys = sorted({p.key for p in read if p.key is not None})
    key_ids = {key: n for n, key in enumerate(keys)}
    prefixes = sorted({p.prefix for p in read if p.prefix is not None})
    prefix_ids = {p: n for n, p in enumerate(prefixes)}

    key_after, value_in, firsts = (
        combo.replace_strict(combos, column, return_dtype=pl.UInt32) for column in (
        [key_ids[p.key] if p.key is not None else _NONE for p in read],
        [p.value for p in read],
        [prefix_ids[p.prefix] if p.prefix is not None else _NONE for p in read]))
    del combo, pieces

    # Each row starts with exactly one first piece, in row order.
    row_prefix = firsts.filter(firsts.ne(_NONE))
    if row_prefix.len() != n:
        raise Unsupported("unexpected JSON layout")
    # A pair is a key (opened at the end of one piece) and the value the next piece starts with.
    pairs = pl.DataFrame({"r": rows, "key": key_after, "value": value_in.shift(-1)}).filter(
        pl.col("key").ne(_NONE))
    del rows, key_after, value_in, firsts
    if pairs["value"].eq(_NONE).any() or pairs["value"].is_null().any():
        raise Unsupported("unexpected JSON layout")
    # One column per key: slot key * n + row holds the value id + 1 (0: not answered).
    slots = pl.zeros(len(keys) * n, pl.UInt32, eager=True).scatter(
        pairs["key"].cast(pl.UInt64) * n + pairs["r"].cast(pl.UInt64), pairs["value"] + 1)
    if slots.ne(0).sum() != pairs.height:
        raise Unsupported("a key given twice in one answer")
    del pairs
    null = values.ids.get("null")
    if null is not None:  # `"key": null` registers the key, like the row path, but answers nothing
        slots = slots.zip_with(slots.ne(null + 1), pl.zeros(slots.len(), pl.UInt32, eager=True))
    stage("pairs into columns")
    if progress is not None:
        progress(n // 2)

    # ---- waves and keys, registered as the row path does
    waves = stored.waves
    for wave_id, week in prefixes:
        if wave_id not in waves:
            raise Unsupported("an answer of an unknown wave")
        tally.register_wave(waves[wave_id], week)
    for key in keys:
        tally.register_key(key)
    wave_of_prefix = [tally.wave_codes[waves[w]] for w, _ in prefixes]
    wcodes = row_prefix.replace_strict(list(range(len(prefixes))), wave_of_prefix, return_dtype=pl.UInt32)

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
            ids = sorted(col_data.unique().to_list())
            code_of = [_code(col, q.kind, raw[i], key) for i in ids]
            coded = col_data.replace_strict(ids, code_of, return_dtype=pl.UInt16)
            codes[key] = coded
            col.counts.update(_counts(shifted + coded))
            if q.index:
                contribution = [tally._contribution(q, value) for value in col.values]
                term = coded.replace_strict(list(range(len(contribution))), contribution,
                                            return_dtype=pl.UInt64)
                index = term if index is None else index + term
    if tally.items:
        total = shifted + (index if index is not None else 0)
        tally.index_counts.update(_counts(total))
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
    return dict(values.value_counts(sort=False).sort(values.name).iter_rows())


# ------------------------------------------------------------------------------ answers.csv
def answer_lines(counted: Counted, keys: list[str], texts: list[list[str]], before: list[str],
                 after: list[str], dropped: list[bool]) -> pl.Series:
    """The published lines of answers.csv, ordered as the row path orders them (see
    `report.write_answers`): by CRC-32 of the line's UTF-8 bytes, equal CRCs by the bytes."""
    ctx = counted.contexts
    fields = [pl.Series(before, dtype=pl.String).gather(ctx)]
    for key, text in zip(keys, texts, strict=True):
        fields.append(pl.Series(text, dtype=pl.String).gather(counted.codes[key]))
    fields.append(pl.Series(after, dtype=pl.String).gather(ctx))
    kept = pl.Series(dropped, dtype=pl.Boolean).gather(ctx).not_()
    frame = pl.DataFrame([f.alias(f"f{n}") for n, f in enumerate(fields)]).filter(kept)
    lines = frame.select(pl.concat_str(pl.all(), separator=",").alias("line"))["line"]
    # CRC-32 is zlib's, as in the row path; Polars has no CRC of its own, and zlib's is the same
    # on every machine and version. One call per line, but only on bytes, no Python strings.
    crc = pl.Series("crc", list(map(zlib.crc32, lines.cast(pl.Binary).to_list())), dtype=pl.UInt32)
    return pl.DataFrame([crc, lines]).sort(["crc", "line"])["line"]
