"""answers.csv: one row per response, anonymised, written from the code columns of a `Tally`.

Kept: the wave (no week: finer than needed and a re-identification aid), one column per question
version, and the four profile bands. The profile columns of a row read `suppressed` when, in its
wave, its combination of the four profile answers occurs fewer than K times, or one of its
profile values is a group hidden in the tables (otherwise counting rows would undo that); if that
leaves 1..K-1 such rows in a wave, the smallest visible combinations are hidden too, so the
suppressed rows of a wave are never a handful. Waves with fewer than K responses are left out.

Rows are ordered by a hash of what is published in them, so neither input order nor a hidden
profile value can be read from the position of a row. Everything runs column-wise in C (`map`,
`zip`, `str.join`, `list.sort`): a million rows take about as long as writing them at all.
"""

from __future__ import annotations

import zlib
from collections import defaultdict
from itertools import compress
from operator import not_
from pathlib import Path

from bot.surveys.aggregate import Tally, WaveData
from bot.surveys.suppression import WaveLabels

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
        visible = sorted((tally.context_counts[c], c) for c in contexts if not hidden[c])
        while 0 < count < k and visible:
            n, ctx = visible.pop(0)
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
                  k: int) -> int:
    """Write answers.csv; returns the number of rows whose profile columns were suppressed."""
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
    datas = [tally.columns[key].data for key in keys]
    contexts = tally.context_col
    fields = zip(map(before.__getitem__, contexts),
                 *(map(t.__getitem__, d) for t, d in zip(texts, datas, strict=True)),
                 map(after.__getitem__, contexts), strict=True)
    kept = compress(fields, map(not_, map(dropped.__getitem__, contexts)))
    lines = list(map(str.encode, map(",".join, kept)))
    # Ordered by a hash of the published line: equal lines end up together, and the position of a
    # row says nothing about when it was given or about a suppressed profile value.
    lines.sort(key=zlib.crc32)
    with path.open("wb") as f:
        f.write(",".join(map(_field, ["wave", *keys, *profile])).encode() + b"\n")
        if lines:
            f.write(b"\n".join(lines))
            f.write(b"\n")
    return sum(n for ctx, n in tally.context_counts.items() if hidden[ctx] and not dropped[ctx])
