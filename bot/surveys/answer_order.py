"""answers.csv's lines for the columnar paths, in the row path's order, computed column-wise.

The row path (`report._row_lines`) orders the published lines by the CRC-32 (zlib's) of each
line's UTF-8 bytes, equal CRCs by the bytes. Hashing a million lines one `zlib.crc32` call at a
time cost 0.27 s of the 1.1 s answers.csv stage (bench, 1,000,000 rows), plus 0.08 s to hand
the lines to Python as bytes; Polars has no CRC-32 of its own.

A line is the fields of a few dozen distinct texts each, joined by commas, and CRC-32 is affine
over GF(2): `crc32(b, acc) = L_len(b)(acc) ^ crc32(b)`, where `L_n` is linear and depends only
on the length n. So the CRC of a line is built field by field in Polars, on the rows' integer
codes: start from the first field's CRC, and for each next field XOR its CRC with `L_n` of the
running value, looked up per byte of it (four tables of 256 entries per length n). Python
computes only the distinct fields' CRCs and one table per distinct length; runs of fields with
few combinations are hashed as one field (fewer steps). The rows are then sorted by that CRC as
integers; the lines themselves are never built: Polars writes the fields with `,` between them,
which are the same bytes. Only rows whose CRC equals a different line's (234 of the bench's
million) are joined into lines to be sorted by their bytes.

Measured on the bench's million rows (load 3.5-4 on 2 cores, median of 5 interleaved, including
the write): answers.csv 1.14 s before (lines joined, a `zlib.crc32` call each, sorted by CRC and
line) and 0.69 s now; the CRCs alone 0.07 s against 0.27 s. Equal to zlib's on every line (the
bench and tests/test_survey_columnar.py compare the files byte by byte).
"""

from __future__ import annotations

import itertools
import zlib
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from bot.surveys.columnar import Counted

_JOINED = 4096  # most combinations of consecutive fields hashed together as one field


def answer_lines(counted: Counted, keys: list[str], texts: list[list[str]], before: list[str],
                 after: list[str], dropped: list[bool]) -> pl.DataFrame:
    """The published lines of answers.csv as a frame of their fields (written with `,` between
    them, nothing quoted), ordered as the row path orders them (see `report.write_answers`): by
    CRC-32 of the line's UTF-8 bytes, equal CRCs by the bytes."""
    ctx = pl.col("ctx")
    fields = [(ctx, before), *((pl.col(f"c{n}"), text) for n, text in enumerate(texts)), (ctx, after)]
    columns = [counted.contexts.alias("ctx"),
               *(counted.codes[key].alias(f"c{n}") for n, key in enumerate(keys))]
    kept = pl.lit(pl.Series(dropped, dtype=pl.Boolean).not_()).gather(ctx)
    rows = _with_crc(pl.DataFrame(columns).lazy().filter(kept), fields).sort("crc").collect()
    # Equal CRCs of different lines (a few hundred rows in a million) go by the line's bytes:
    # only those rows are joined into lines, sorted, and put back where their CRCs stand.
    crc = rows["crc"]
    codes = [c for c in rows.columns if c != "crc"]
    other = rows.select(pl.any_horizontal([pl.col(c).ne_missing(pl.col(c).shift(1)) for c in codes]))
    clash = crc.is_in(crc.filter((crc == crc.shift(1)) & other.to_series()).unique().implode())
    if clash.any():
        line = pl.concat_str([pl.lit(pl.Series(text, dtype=pl.String)).gather(col) for col, text in fields],
                             separator=",")
        fixed = rows.filter(clash).with_columns(line=line).sort(["crc", "line"]).drop("line")
        where = clash.arg_true()
        rows = rows.with_columns(**{c: rows[c].scatter(where, fixed[c]) for c in codes})
    return rows.select([pl.lit(pl.Series(text, dtype=pl.String)).gather(col).alias(f"f{n}")
                        for n, (col, text) in enumerate(fields)])


def _with_crc(frame: pl.LazyFrame, fields: list[tuple[pl.Expr, list[str]]]) -> pl.LazyFrame:
    """`frame` with a column "crc": zlib's CRC-32 of each row's ",".join(text[index]) over
    `fields` (per field: the expression of its index into its texts, and the texts)."""
    joined: list[tuple[pl.Expr, list[str]]] = []
    for col, text in fields:
        if joined and len(joined[-1][1]) * len(text) <= _JOINED:
            first, texts = joined[-1]
            joined[-1] = (first * len(text) + col, [f"{a},{b}" for a in texts for b in text])
        else:
            joined.append((col.cast(pl.UInt32), text))
    tables: list[list[int]] = []
    where: dict[int, int] = {}  # length n: where its table of L_n starts

    def shift(n: int) -> int:
        if n not in where:
            zeros = bytes(n)
            empty = zlib.crc32(zeros)
            where[n] = 1024 * len(tables)
            tables.append([zlib.crc32(zeros, x << 8 * j) ^ empty for j in range(4) for x in range(256)])
        return where[n]

    steps = []
    for n, (col, text) in enumerate(joined):
        data = [(t + ("," if n < len(joined) - 1 else "")).encode() for t in text]
        steps.append((col, pl.Series([zlib.crc32(d) for d in data], dtype=pl.UInt32),
                      pl.Series([shift(len(d)) for d in data], dtype=pl.UInt32)))
    table = pl.lit(pl.Series(list(itertools.chain.from_iterable(tables)), dtype=pl.UInt32))
    (col, crc, _), *rest = steps
    frame = frame.with_columns(crc=pl.lit(crc).gather(col))
    acc, at = pl.col("crc"), pl.col("at")
    for col, crc, base in rest:
        frame = frame.with_columns(at=pl.lit(base).gather(col)).with_columns(
            crc=pl.lit(crc).gather(col)
            .xor(table.gather(at + (acc & 255)))
            .xor(table.gather(at + 256 + (acc // 256 & 255)))
            .xor(table.gather(at + 512 + (acc // 65536 & 255)))
            .xor(table.gather(at + 768 + acc // 16777216)))
    return frame.drop("at", strict=False)
