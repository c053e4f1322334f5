"""Trains the learned crisis scorer (bot/safety/scorer.py) and writes bot/safety/crisis_model.json.

Run from the project root:  python -m bench.train_crisis  [--folds 4] [--dry-run]

Trains only on the development part of bench/crisis_set (bench/bench_crisis.py `DEV`), never
on a hold-out, plus ordinary short text (see `extra_ordinary`). The decision thresholds come
from cross-validation over the development part, grouped by file: each fold leaves whole
files out, as a fresh hold-out would be, and the out-of-fold scores of the ordinary messages set
* `card`: the lowest threshold whose out-of-fold false alarms stay <= CARD_FALSE_ALARMS
  (the rules add their own on fresh text: 0-2 % on past first runs, so the scorer gets 1 %);
* `note`: the same for the one-line 🆘 note over a normal answer, <= NOTE_FALSE_ALARMS
  (a stray note costs a line, a stray card hides the answer).
Then the final model is trained on the whole development part. Deterministic (fixed seed).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml

from bench.bench_crisis import DEV, Sample, load, load_many
from bot.safety.crisis import default_rulebook
from bot.safety.scorer import HEADS, MIN_FEATURES, MODEL_PATH, features

CARD_FALSE_ALARMS = 0.01
NOTE_FALSE_ALARMS = 0.05
EPOCHS = 30
RATE = 2.0
L2 = 1e-4
MIN_DF = 2
SEED = 11


def extra_ordinary() -> list[Sample]:
    """Ordinary text beyond the development part, for training only (never a measure):
    short messages people send (bench/crisis_set/short_ordinary.tsv: greetings, "ok",
    "question"), the titles and keywords of the FAQ content (content/*.yaml without the
    emergency topic), which are what people type as search words, and the sentences of its
    answers. Without them everyday words the scorer never saw in an ordinary message
    ("hej", "житло", "missing", "not working") could score high."""
    out = load("short_ordinary.tsv")
    root = Path(__file__).resolve().parent.parent / "content"
    for path in sorted(root.glob("*.yaml")):
        if path.stem == "emergency":
            continue
        found: list[tuple[str, str]] = []
        _titles(yaml.safe_load(path.read_text(encoding="utf-8")), found)
        out += [Sample(lang, frozenset(), "content", text) for lang, text in found]
    return out


def _titles(node, out: list[tuple[str, str]]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("title", "keywords") and isinstance(value, dict):
                for lang, x in value.items():
                    out.extend((lang, y) for y in (x if isinstance(x, list) else [x])
                               if isinstance(y, str))
            elif key == "body" and isinstance(value, dict):
                for lang, x in value.items():
                    if isinstance(x, str):
                        out.extend((lang, line) for line in _sentences(x))
            else:
                _titles(value, out)
    elif isinstance(node, list):
        for value in node:
            _titles(value, out)


def _sentences(body: str) -> list[str]:
    """Plain sentences of an FAQ answer, without those the rules flag (an answer may say "if
    someone hurts you, call 112": not an ordinary message to learn from)."""
    book = default_rulebook()
    text = re.sub(r"<[^>]+>", " ", body)
    out = []
    for part in re.split(r"(?<=[.!?:])\s+|\n+", text):
        part = part.strip(" •–-\t")
        if len(part.split()) >= 3 and not book.match(part):
            out.append(part)
    return out


def labels(sample: Sample) -> list[int]:
    return [int(bool(sample.categories))] + [int(c in sample.categories) for c in HEADS[1:]]


def train(samples: list[Sample]) -> tuple[list[float], dict[str, list[float]]]:
    """Logistic regression, one head per entry of HEADS, by stochastic gradient descent:
    "crisis" over every message, each category head over the crisis messages only (given
    a crisis, is it this category)."""
    docs = [features(s.text) for s in samples]
    df = Counter(f for d in docs for f in d)
    vocab = {f: i for i, f in enumerate(sorted(f for f, n in df.items() if n >= MIN_DF))}
    rows = []
    for d, s in zip(docs, samples, strict=True):
        idx = [vocab[f] for f in d if f in vocab]
        rows.append((idx, 1.0 / math.sqrt(max(len(d), MIN_FEATURES)), labels(s)))
    nh = len(HEADS)
    w = [[0.0] * len(vocab) for _ in range(nh)]
    b = [0.0] * nh
    rng = random.Random(SEED)
    order = list(range(len(rows)))
    for epoch in range(EPOCHS):
        rng.shuffle(order)
        lr = RATE / (1 + 0.3 * epoch)
        for k in order:
            idx, v, y = rows[k]
            for h in range(nh):
                if h and not y[0]:
                    continue  # category heads learn which crisis, from crisis messages only
                wh = w[h]
                z = b[h]
                for i in idx:
                    z += wh[i] * v
                p = 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
                g = p - y[h]
                b[h] -= lr * g
                step = lr * g * v
                shrink = 1.0 - lr * L2
                for i in idx:
                    wh[i] = wh[i] * shrink - step
    names = sorted(vocab, key=vocab.__getitem__)
    weights = {f: [w[h][i] for h in range(nh)] for i, f in enumerate(names)}
    return b, weights


def score(bias: list[float], weights: dict[str, list[float]], text: str) -> float:
    every = features(text)
    z = bias[0]
    if every:
        v = 1.0 / math.sqrt(max(len(every), MIN_FEATURES))
        z += sum(weights[f][0] for f in every if f in weights) * v
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def threshold(ordinary_scores: list[float], rate: float) -> float:
    """The lowest threshold (halfway between two scores) with false alarms <= rate."""
    ranked = sorted(ordinary_scores, reverse=True)
    allowed = int(rate * len(ranked))  # this many ordinary messages may score above it
    hi = ranked[allowed - 1] if allowed else 1.0
    lo = ranked[allowed]
    return (hi + lo) / 2 if allowed else min(1.0, lo + 1e-6)


def cross_validate(folds: int) -> tuple[list[tuple[Sample, float, bool]], list[str]]:
    """Out-of-fold scores, grouped by file: (sample, score, rules fired)."""
    files = list(DEV)
    groups = [files[i::folds] for i in range(folds)]
    book = default_rulebook()
    out = []
    for g, held in enumerate(groups):
        train_files = [f for f in files if f not in held]
        t0 = time.perf_counter()
        bias, weights = train([s for part in load_many(train_files) for s in part]
                              + extra_ordinary())
        print(f"  fold {g + 1}/{folds}: held out {[c for c, _ in held]} "
              f"({time.perf_counter() - t0:.0f} s)")
        for part in load_many(held):
            for s in part:
                out.append((s, score(bias, weights, s.text), bool(book.match(s.text))))
    return out, [c for c, _ in files]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--dry-run", action="store_true", help="do not write the model")
    args = parser.parse_args()
    print(f"cross-validation over the development part, {args.folds} folds of whole files")
    oof, _ = cross_validate(args.folds)
    ordinary = [sc for s, sc, _ in oof if not s.categories]
    crisis = [(s, sc, fired) for s, sc, fired in oof if s.categories]
    card = threshold(ordinary, CARD_FALSE_ALARMS)
    note = min(card, threshold(ordinary, NOTE_FALSE_ALARMS))
    cv = {}
    for name, t in (("card", card), ("note", note)):
        fa = sum(sc >= t for sc in ordinary)
        found = sum(sc >= t for _, sc, _ in crisis)
        indirect = [(sc >= t) for s, sc, _ in crisis if s.style == "indirect"]
        cv[name] = {"threshold": round(t, 4),
                    "scorer_recall": f"{found}/{len(crisis)}",
                    "scorer_recall_indirect": f"{sum(indirect)}/{len(indirect)}",
                    "false_alarms": f"{fa}/{len(ordinary)}"}
        print(f"  {name:<5} threshold {t:.3f}: out-of-fold scorer alone recall "
              f"{found}/{len(crisis)} ({100 * found / len(crisis):.1f} %), indirect "
              f"{sum(indirect)}/{len(indirect)}, false alarms {fa}/{len(ordinary)} "
              f"({100 * fa / len(ordinary):.1f} %)")
    if args.dry_run:
        return
    t0 = time.perf_counter()
    crisis_dev, ordinary_dev = load_many(DEV)
    bias, weights = train([*crisis_dev, *ordinary_dev, *extra_ordinary()])
    print(f"final model: {len(weights)} features ({time.perf_counter() - t0:.0f} s)")
    kept = {f: [round(x, 4) for x in ws] for f, ws in weights.items()
            if max(abs(x) for x in ws) >= 0.01}
    data = {
        "heads": list(HEADS),
        "bias": [round(x, 4) for x in bias],
        "thresholds": {"card": round(card, 4), "note": round(note, 4)},
        "meta": {
            "command": "python -m bench.train_crisis",
            "trained_on": [f for pair in DEV for f in pair],
            "also_ordinary": ["short_ordinary.tsv", "content/*.yaml titles, keywords and "
                              "answer sentences the rules do not flag (not emergency.yaml)"],
            "cross_validation": cv,
            "epochs": EPOCHS, "rate": RATE, "l2": L2, "min_df": MIN_DF, "seed": SEED,
        },
        "weights": kept,
    }
    MODEL_PATH.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":"),
                                     sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {MODEL_PATH} ({len(kept)} features, "
          f"{MODEL_PATH.stat().st_size // 1024} KiB)")


if __name__ == "__main__":
    main()
