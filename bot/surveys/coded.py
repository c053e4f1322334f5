"""Reading the coded answers (`surveys.codes`) into the columns `columnar` counts.

The store hands over the codes of one (wave, week) at a time as one string of integers, one a
line: "-1" starts a row, its codes follow (`SurveyService._codes`). Polars' CSV reader turns a
batch of them into one integer column in native code, with no Python object per row or per
code; everything after is column arithmetic, and Python sees only the few hundred distinct codes
and multiple-choice combinations. Anything not in that layout raises `columnar.Unsupported`, and
the report reads the text instead.

Where its time goes on the bench's million rows (14 million codes; 2 cores at load 5-6, so
roughly double a quiet machine's): parsing the codes ~1.1 s with the reading, then the codes
query ~0.6 s, the pairs ~0.4 s, the list runs (`_lists`) ~0.3-0.5 s, placing them ~0.15 s.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

import polars as pl

from bot.surveys.codes import is_element
from bot.surveys.columnar import Columns, Unsupported, _Values, place

if TYPE_CHECKING:
    from bot.surveys.codes import Codebook
    from bot.surveys.store import StoredAnswers

_BATCH = 16  # groups parsed at a time, while the store reads the next ones


def _numbers(stored: StoredAnswers) -> tuple[pl.Series, list[tuple[int, str]], list[int]]:
    """The integers of every group; the groups' (wave id, week) and rows."""
    parts, prefixes, rows, batch = [], [], [], []

    def parse() -> None:
        data = "\n".join(batch).encode("ascii", "replace")
        batch.clear()
        try:
            parts.append(pl.read_csv(data, has_header=False, schema={"c": pl.Int64})["c"])
        except pl.exceptions.PolarsError:
            raise Unsupported("unexpected layout of the codes") from None

    for n, codes, wave_id, week in stored.blobs:
        prefixes.append((wave_id, week))
        rows.append(n)
        batch.append(codes)
        if len(batch) == _BATCH:
            parse()
    if batch:
        parse()
    return (pl.concat(parts) if parts else pl.Series("c", [], dtype=pl.Int64)), prefixes, rows


def columns(stored: StoredAnswers, codebook: Codebook, stage: Callable[[str], None]) -> Columns | None:
    numbers, prefixes, rows = _numbers(stored)
    stage("read the codes")
    total = sum(rows)
    if total == 0:
        return None
    if numbers.null_count():
        raise Unsupported("unexpected layout of the codes")
    starts = numbers.lt(0)
    if int(starts.sum()) != total or not starts[0] or int(numbers.min()) != -1:  # type: ignore[arg-type]
        raise Unsupported("rows and codes do not match")
    row_prefix = pl.concat([pl.repeat(p, n, dtype=pl.UInt32, eager=True) for p, n in enumerate(rows)])

    # Per code (tables indexed by code): its key, whether it is one element of a list
    # (`codes.is_element`), the id of its value (for all but elements).
    size = len(codebook.entries) and max(codebook.entries) + 1
    if numbers.len() > total and int(numbers.max()) >= size:  # type: ignore[arg-type]
        raise Unsupported("a code not in the codebook")
    if len(codebook.entries) != size:
        raise Unsupported("a gap in the codebook")
    book_keys = sorted({key for key, _ in codebook.entries.values()})
    key_number = {key: k for k, key in enumerate(book_keys)}
    entries = [codebook.entries[c] for c in range(size)]
    values = _Values()
    value_of, refused = _value_table(values, entries)
    key_of = pl.Series([key_number[k] for k, _ in entries], dtype=pl.UInt32)
    element_of = pl.Series([is_element(v) for _, v in entries], dtype=pl.Boolean)
    c = pl.col("c")
    # One lazy query, so Polars fuses the passes over the ~14 million codes.
    codes = (pl.DataFrame({"c": numbers}).lazy()
             .with_columns(row=(c.lt(0).cum_sum() - 1).cast(pl.UInt32))
             .filter(c.ge(0))
             .with_columns(k=pl.lit(key_of).gather(c), e=pl.lit(element_of).gather(c))
             ).collect()
    met = codes["k"].unique().sort().to_list()
    keys = [book_keys[k] for k in met]
    local = pl.zeros(len(book_keys), pl.UInt32, eager=True).scatter(met, list(range(len(met))))
    # A pair of the row is one code, or the consecutive element codes of one list; it goes to
    # slot key * rows + row (`columnar.Columns`).
    slot = pl.lit(local).gather(pl.col("k")).cast(pl.UInt64) * total + pl.col("row")
    pairs = codes.lazy().filter(pl.col("e").not_()).select(
        slot=slot, v=pl.lit(value_of).gather(c) + 1, refused=pl.lit(refused).gather(c)).collect()
    if pairs["refused"].any():
        raise Unsupported("an answer that is neither text nor a list of texts")
    pairs = pairs.drop("refused")
    elements = codes.filter(pl.col("e"))
    if elements.height:
        row, key, code = elements["row"], elements["k"], elements["c"]
        first = (row.ne(row.shift(1)) | key.ne(key.shift(1))).fill_null(True)
        at = first.arg_true().cast(pl.Int64)
        ids = _lists(values, codebook, code, first, code.unique().sort(), at)
        lists = elements.filter(first).select(slot=slot, v=ids + 1)
        pairs = pl.concat([pairs, lists])
    slots = place(len(keys) * total, pairs["slot"], pairs["v"])
    return Columns(total, keys, values, slots, row_prefix, prefixes)


def _value_table(values: _Values, entries: list[tuple[str, str]]) -> tuple[pl.Series, pl.Series]:
    """By code, the value id of every code but elements, and whether its value is refused."""
    ids, refused = [0] * len(entries), [False] * len(entries)
    for code, (_, text) in enumerate(entries):
        if not is_element(text):
            try:
                ids[code] = values.id(text)
            except Unsupported:
                refused[code] = True
    return pl.Series(ids, dtype=pl.UInt32), pl.Series(refused, dtype=pl.Boolean)


def _lists(values: _Values, codebook: Codebook, codes: pl.Series, first: pl.Series,
           elements: pl.Series, at: pl.Series) -> pl.Series:
    """Per list run (starting at `at`), the value id of the whole list, in the order ticked: the
    run's codes are the digits (1.. in base `elements` + 1) of one number, distinct per list."""
    base = elements.len() + 1
    old, new = elements.to_list(), list(range(1, base))
    last = codes.len() - 1
    number = pl.zeros(at.len(), pl.Int64, eager=True)
    here = pl.repeat(True, at.len(), dtype=pl.Boolean, eager=True)  # the run has a p-th code
    p = 0
    while here.any():
        if base ** (p + 1) >= 2 ** 62:
            raise Unsupported("too many options ticked to count exactly")
        where = (at + p).clip(upper_bound=last)
        digit = codes.gather(where).replace_strict(old, new, default=0, return_dtype=pl.Int64)
        number = number + digit * here.cast(pl.Int64) * base ** p
        p += 1
        here = here & (at + p).le(last) & first.gather((at + p).clip(upper_bound=last)).not_()
    digits = old
    distinct = number.unique().sort().to_list()
    ids = []
    for combination in distinct:
        picked = []
        while combination:
            combination, digit = divmod(combination, base)
            picked.extend(json.loads(codebook.entries[digits[digit - 1]][1]))
        ids.append(values.id(json.dumps(picked)))
    return number.replace_strict(distinct, ids, return_dtype=pl.UInt32)
