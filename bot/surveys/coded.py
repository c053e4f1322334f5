"""Reading the coded answers (`surveys.codes`) into the columns `columnar` counts.

The store hands over the codes of one (wave, week) at a time as one string of integers, one a
line: "-1" starts a row, its codes follow (`SurveyService._codes`). Polars' CSV reader turns a
batch of them into one integer column in native code, with no Python object per row or per
code; everything after is column arithmetic, and Python sees only the few hundred distinct codes
and multiple-choice combinations. Anything not in that layout raises `columnar.Unsupported`, and
the report reads the text instead.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

import polars as pl

from bot.surveys.codes import is_element
from bot.surveys.columnar import Columns, Unsupported, _Values, scatter

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
    within = starts.not_()
    row = (starts.cum_sum() - 1).cast(pl.UInt32).filter(within)
    codes = numbers.filter(within)
    row_prefix = pl.concat([pl.repeat(p, n, dtype=pl.UInt32, eager=True) for p, n in enumerate(rows)])

    # per code: its key and whether it is one element of a list (`codes.is_element`)
    size = len(codebook.entries) and max(codebook.entries) + 1
    if codes.len() and (int(codes.min()) < 0 or int(codes.max()) >= size):  # type: ignore[arg-type]
        raise Unsupported("a code not in the codebook")
    book_keys = sorted({key for key, _ in codebook.entries.values()})
    key_number = {key: k for k, key in enumerate(book_keys)}
    entry = [codebook.entries.get(c) for c in range(size)]
    if None in entry:
        raise Unsupported("a gap in the codebook")
    key = pl.Series([key_number[e[0]] for e in entry], dtype=pl.UInt32).gather(codes)  # type: ignore[index]
    element = pl.Series([is_element(e[1]) for e in entry], dtype=pl.Boolean).gather(codes)  # type: ignore[index]

    # A pair of the row is a run: one code, or the consecutive element codes of one list.
    first = (row.ne(row.shift(1)) | key.ne(key.shift(1)) | element.not_() | element.shift(1).not_()
             ).fill_null(True)
    run_key, run_row, run_code = key.filter(first), row.filter(first), codes.filter(first)
    values = _Values()
    value = _scalars(values, codebook, run_code, size)
    lists = element.filter(first)
    if lists.any():
        at = (first & element).arg_true().cast(pl.Int64)
        combined = _lists(values, codebook, codes, first, codes.filter(element).unique().sort(), at)
        value = value.scatter(lists.arg_true(), combined)

    met = run_key.unique().sort().to_list()
    keys = [book_keys[k] for k in met]
    local = pl.zeros(len(book_keys), pl.UInt32, eager=True).scatter(
        met, list(range(len(met)))).gather(run_key)
    slots = scatter(len(keys), total, local, run_row, value)
    return Columns(total, keys, values, slots, row_prefix, prefixes)


def _scalars(values: _Values, codebook: Codebook, run_code: pl.Series, size: int) -> pl.Series:
    """Per run, the value id of its first code's value (right for every run but lists): looked
    up in a table of every code, cheaper than finding the few distinct ones among millions."""
    ids, refused = [0] * size, [False] * size
    for code, (_, text) in codebook.entries.items():
        if not is_element(text):
            try:
                ids[code] = values.id(text)
            except Unsupported:
                refused[code] = True
    if any(refused) and pl.Series(refused, dtype=pl.Boolean).gather(run_code).any():
        raise Unsupported("an answer that is neither text nor a list of texts")
    return pl.Series(ids, dtype=pl.UInt32).gather(run_code)


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
