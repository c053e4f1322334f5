"""answers.csv's order computed column-wise (bot/surveys/answer_order.py) against the row path's
rule: by zlib's CRC-32 of each line's UTF-8 bytes, equal CRCs by the bytes. Lines of fields of
any length and script, and two different lines with the same CRC-32."""

from __future__ import annotations

import random
import zlib

import polars as pl

from bot.surveys.answer_order import answer_lines
from bot.surveys.columnar import Counted


def _written(counted: Counted, keys, texts, before, after, dropped) -> list[str]:
    frame = answer_lines(counted, keys, texts, before, after, dropped)
    return frame.write_csv(include_header=False, quote_style="never").splitlines()


def _expected(contexts, codes, texts, before, after, dropped) -> list[str]:
    lines = [",".join([before[c], *(t[col[i]] for t, col in zip(texts, codes, strict=True)), after[c]])
             for i, c in enumerate(contexts) if not dropped[c]]
    return sorted(lines, key=lambda line: (zlib.crc32(line.encode()), line.encode()))


def _counted(contexts, codes) -> Counted:
    return Counted(pl.Series(contexts, dtype=pl.UInt32),
                   {f"k{n}": pl.Series(col, dtype=pl.UInt16) for n, col in enumerate(codes)})


def test_order_is_the_crc_of_each_line_for_any_texts():
    rnd = random.Random(14)
    alphabet = "abcxyz019 ;\"'ąćęłńóśźżієїґАБВ€"

    def text() -> str:
        return "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(0, 12)))

    texts = [[text() for _ in range(rnd.randrange(1, 40))] for _ in range(5)]
    before = [text() for _ in range(30)]
    after = [",".join(text() for _ in range(3)) for _ in range(30)]
    dropped = [rnd.random() < 0.2 for _ in range(30)]
    contexts = [rnd.randrange(30) for _ in range(3000)]
    codes = [[rnd.randrange(len(t)) for _ in contexts] for t in texts]
    keys = [f"k{n}" for n in range(len(texts))]
    lines = _written(_counted(contexts, codes), keys, texts, before, after, dropped)
    assert lines == _expected(contexts, codes, texts, before, after, dropped)
    assert len(lines) == sum(not dropped[c] for c in contexts)


def _collision() -> tuple[str, str]:
    rnd = random.Random(32)
    seen: dict[int, str] = {}
    for _ in range(1_000_000):  # a birthday search: found after some 80,000 on average
        text = f"{rnd.getrandbits(64):016x}"
        crc = zlib.crc32(f"w,{text},p".encode())
        if crc in seen:
            return seen[crc], text
        seen[crc] = text
    raise AssertionError("no CRC-32 collision found")


def test_equal_crcs_of_different_lines_go_by_their_bytes_whatever_the_order_read():
    a, b = _collision()
    assert zlib.crc32(f"w,{a},p".encode()) == zlib.crc32(f"w,{b},p".encode()) and a != b
    texts = [[b, a, "y"]]
    for codes in ([0, 1, 2, 0, 1], [1, 0, 2, 1, 0]):
        lines = _written(_counted([0] * 5, [codes]), ["k0"], texts, ["w"], ["p"], [False])
        assert lines == _expected([0] * 5, [codes], texts, ["w"], ["p"], [False])
        assert lines.index(f"w,{min(a, b)},p") < lines.index(f"w,{max(a, b)},p")
