"""Free-text search over the FAQ answers, for people who type however they can.

The problem: a question arrives as "praca w gdansku", "zameldowanei", "likar simejnyi",
"работа" or a whole paragraph with emoji, and should land on the right answer in the
person's language (pl, uk or en) within a few milliseconds, for thousands of answers.
Misses matter more than precision: the bot offers the top few answers as buttons, and a
query that matches nothing is counted as a content gap instead.

How matching works:

* Every word of an answer (title, keywords, ancestor section titles, body with HTML
  stripped) and of the query is reduced to a Latin skeleton (see `normalize`): diacritics
  dropped, Cyrillic transliterated, zh/sh/ch/kh/h/g/y/j spellings folded. So "swiadczenie"
  equals "świadczenie", "zhytlo" equals "житло", and Russian "квартира" equals Ukrainian
  "квартира". Stop words of the language (plus Russian for Ukrainian) are dropped.
* An inverted index maps each skeleton word to the answers containing it (as the bits of
  an int), grouped by the best field it occurs in: title 1.0, keywords 0.95, body
  0.55-0.65 (more with repetition), section titles 0.4.
* Each query word expands to vocabulary words, never by scanning answers: exact (quality
  1.0); same stem, found through a prefix table (a shared prefix of 4+ letters and short
  endings, the way Polish and Ukrainian inflect: "lekarza" ~ "lekarz", 0.75-0.9); and,
  only for a word not in the vocabulary, typos (optimal string alignment distance, where a
  swap is one edit: 1 edit up to 4 letters, 2 from 5; at most 0.74). Typo candidates come
  from a deletion-neighbourhood table over the vocabulary (see `_LangIndex._near`) and are
  checked with rapidfuzz.
* An answer scores, per query word, the best quality x field weight among that word's
  expansions; scores are summed for all answers at once with big-int bit slices. The sum
  is scaled to 0..100 by the number n of query words that matched anything (n for one or
  two words, 1 + n/2 beyond; words unknown to the whole corpus cannot tell answers apart and
  are ignored). Hits under MIN_SCORE are dropped; ties go to shorter titles.
* Work per query is bounded: 300 characters, 12 distinct words, typo lookups for the 4
  longest unknown words, 24 expansions per word. Nothing loops over the answers.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter

from rapidfuzz import process
from rapidfuzz.distance import OSA, Levenshtein

from bot.content.normalize import strip_html, terms

MIN_SCORE = 36.0  # below this a hit is noise ("qwzx", an unrelated word)
MAX_QUERY_CHARS = 300
MAX_QUERY_TERMS = 12  # distinct content words of a query that are looked up
MAX_TYPO_TERMS = 4  # of those, words not in the vocabulary looked up as typos (longest)
MAX_EXPANSIONS = 24  # vocabulary words a query word may expand to

W_TITLE = 1.0
W_KEYWORD = 0.95
W_BODY = (0.55, 0.6, 0.65)  # a body word seen once, twice, three or more times
W_SECTION = 0.4

STEM_MIN = 4  # a shared prefix at least this long ...
STEM_TAIL = 5  # ... after which neither word has more than this many letters ...
STEM_SHORT_TAIL = 2  # ... and the shorter ending has at most this many (1 if prefix is 4)
HALVES_MIN = 5  # words this long are found for typos by their halves (see _near)
FUZZY_MAX_QUALITY = 0.74  # a typo match never beats a stem match (>= 0.75)


@dataclass(frozen=True, slots=True)
class SearchDoc:
    slug: str  # answer slug
    lang: str  # "pl" | "uk" | "en"
    title: str
    body: str  # Telegram HTML (<b>, <i>, <a href>); tags are stripped before indexing
    keywords: tuple[str, ...] = ()
    path: tuple[str, ...] = ()  # slugs from the root topic down to this answer (inclusive)
    section_titles: tuple[str, ...] = ()  # titles of ancestor sections, same language


@dataclass(frozen=True, slots=True)
class SearchHit:
    slug: str
    path: tuple[str, ...]
    title: str
    score: float  # 0..100, higher is better


def _dels(s: str) -> set[str]:
    """`s` and every string made by deleting one of its letters."""
    return {s, *(s[:i] + s[i + 1 :] for i in range(len(s)))}


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


def _mask(ids: list[int]) -> int:
    """A set of answer numbers as the bits of an int (bit i set = answer i)."""
    if not ids:
        return 0
    buf = bytearray((max(ids) >> 3) + 1)
    for i in ids:
        buf[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(buf, "little")


def _bits(mask: int) -> Iterator[int]:
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


# Scores are added as integers in bit-sliced form: slice j is an int whose bit i is bit j
# of answer i's score. Adding a query word to all answers at once, or finding the best k,
# then costs a few dozen big-int operations instead of a Python loop over the answers.
_UNIT = 100  # a query word's value (quality x field weight, 0..1) in hundredths
_VALUE_BITS = (_UNIT * MAX_QUERY_TERMS).bit_length()
_TIE_BITS = 4  # low bits: shorter titles win ties (15 - title words)
_SLICES = _TIE_BITS + _VALUE_BITS
_SET_BITS = [tuple(j for j in range(v.bit_length()) if v >> j & 1) for v in range(_UNIT + 1)]


def _top(slices: list[int], universe: int, k: int) -> int:
    """The k answers of `universe` with the largest bit-sliced values (lowest number on ties)."""
    if universe.bit_count() <= k:
        return universe
    winners, tied = 0, universe
    for sl in reversed(slices):
        x = winners | (tied & sl)
        c = x.bit_count()
        if c > k:
            tied &= sl
        elif c < k:
            winners, tied = x, tied & ~sl
        else:
            return x
    for i in _bits(tied):
        if winners.bit_count() >= k:
            break
        winners |= 1 << i
    return winners


class _LangIndex:
    """The index of the answers in one language."""

    __slots__ = ("docs", "dup_slugs", "lengths", "near", "postings", "stems", "tie")

    def __init__(self, lang: str, docs: Sequence[SearchDoc]) -> None:
        self.docs = docs
        self.dup_slugs = len(docs) - len({d.slug for d in docs})
        title_short: list[int] = []
        lists: defaultdict[tuple[str, float], list[int]] = defaultdict(list)
        body_weight = dict(enumerate(W_BODY, start=1))
        for i, doc in enumerate(docs):
            weights = dict.fromkeys((t for text in doc.section_titles for t in terms(text, lang)), W_SECTION)
            body = Counter(terms(strip_html(doc.body), lang))
            weights.update({t: body_weight.get(n, W_BODY[-1]) for t, n in body.items()})
            weights.update(dict.fromkeys((t for text in doc.keywords for t in terms(text, lang)), W_KEYWORD))
            title = set(terms(doc.title, lang))
            weights.update(dict.fromkeys(title, W_TITLE))
            title_short.append(max(0, (1 << _TIE_BITS) - 1 - len(title)))
            for term_weight in weights.items():
                lists[term_weight].append(i)
        by_term: defaultdict[str, list[tuple[float, int]]] = defaultdict(list)
        for (t, w), ids in lists.items():
            by_term[t].append((w, _mask(ids)))
        self.tie = [_mask([i for i, v in enumerate(title_short) if v >> j & 1]) for j in range(_TIE_BITS)]
        # term -> ((field weight, answers as bits), ...), best field first
        self.postings: dict[str, tuple[tuple[float, int], ...]] = {
            t: tuple(sorted(levels, reverse=True)) for t, levels in by_term.items()
        }
        # prefix -> words that start with it and continue for at most STEM_TAIL letters
        stems: defaultdict[str, list[str]] = defaultdict(list)
        # Typo candidates (see _near): a word of up to HALVES_MIN - 1 letters is filed under
        # itself and each one-letter deletion of it; a longer word under each deletion of
        # its first half ("v<m", m = its length) and of its second half ("m>v").
        near: defaultdict[str, list[str]] = defaultdict(list)
        for t in self.postings:
            if not t.isalpha():
                continue  # numbers ("800", "2025") only match exactly
            n = len(t)
            for k in range(max(STEM_MIN, n - STEM_TAIL), n + 1):
                stems[t[:k]].append(t)
            if n < HALVES_MIN:
                for v in _dels(t):
                    near[v].append(t)
            else:
                h = (n + 1) // 2
                for v in _dels(t[:h]):
                    near[f"{v}<{n}"].append(t)
                if n - h >= 4:  # short second halves are mostly endings shared by many words
                    for v in _dels(t[h:]):
                        near[f"{n}>{v}"].append(t)
        # Tuples of strings are not tracked by the garbage collector; hundreds of thousands
        # of lists would make every full collection (and so some queries) slower.
        self.stems = {k: tuple(v) for k, v in stems.items()}
        self.near = {k: tuple(v) for k, v in near.items()}
        self.lengths = frozenset(len(t) for t in self.postings if t.isalpha())

    def _near(self, q: str, k: int) -> set[str]:
        """Vocabulary words that may be within `k` <= 2 edits of `q` (a superset).

        Words of up to four letters: deleting at most one letter from the word and at most
        k from `q` makes them equal. Longer words: with at most two edits, one half of the
        word has at most one (a swap across the middle counts in both), so that half is
        within one deletion on each side of the start or the end of `q`, give or take a
        letter in length. This finds every word within two edits from five letters on,
        except five-letter words with both edits in their first three letters.
        """
        get, n, out = self.near.get, len(q), set()
        if n - k < HALVES_MIN:  # a short word may be near
            probes = _dels(q)
            if k > 1:
                probes = {v for p in probes for v in _dels(p)}
            for v in probes:
                out.update(get(v, ()))
        for m in range(max(HALVES_MIN, n - k), n + k + 1):
            if m not in self.lengths:
                continue
            h = (m + 1) // 2
            for d in (-1, 0, 1):
                if 0 < h + d <= n:
                    for v in _dels(q[: h + d]):
                        out.update(get(f"{v}<{m}", ()))
                if m - h >= 4 and 0 < m - h + d <= n:
                    for v in _dels(q[n - (m - h + d) :]):
                        out.update(get(f"{m}>{v}", ()))
        return out

    def expand(self, q: str, typos: bool = True) -> dict[str, float]:
        """Vocabulary words that the query word may stand for, with match quality."""
        out: dict[str, float] = {}
        exact = q in self.postings
        if exact:
            out[q] = 1.0
        if not q.isalpha():
            return out
        n = len(q)
        seen: set[str] = set()
        for k in range(max(STEM_MIN, n - STEM_TAIL), n + 1):
            for t in self.stems.get(q[:k], ()):
                if t in seen or t == q:
                    continue
                seen.add(t)
                p = _common_prefix(q, t)
                tail_q, tail_t = n - p, len(t) - p
                short = min(tail_q, tail_t)
                if max(tail_q, tail_t) > STEM_TAIL or short > STEM_SHORT_TAIL:
                    continue
                if p == STEM_MIN and short > 1:
                    continue
                out[t] = max(0.75, 0.6 + 0.3 * p / max(n, len(t)))
        if typos and not exact and n >= 3:
            k = 1 if n <= 4 else 2
            cands = self._near(q, k)
            for t, dist, _ in process.extract(
                q, list(cands), scorer=OSA.distance, score_cutoff=k, limit=None
            ):
                if not dist:
                    continue
                if max(n, len(t)) <= 3 and Levenshtein.distance(q, t) == 1:
                    continue  # in three letters only a swap is a typo; "car" is not "cal"
                # A typo in an inflected form: "шокла" vs "школи" is one swap plus the
                # ending; compared without the last letter, it is just the swap.
                if dist > 1 and min(n, len(t)) >= 5:
                    dist = min(dist, 0.5 + OSA.distance(q[:-1], t[:-1]))
                quality = min(FUZZY_MAX_QUALITY, 0.95 - 1.5 * dist / max(n, len(t)))
                if quality > out.get(t, 0.0):
                    out[t] = quality
        if len(out) > MAX_EXPANSIONS:
            out = dict(heapq.nlargest(MAX_EXPANSIONS, out.items(), key=itemgetter(1)))
        return out

    def search(self, q_terms: list[str], limit: int) -> list[SearchHit]:
        # Typo lookups are the costly part: a long message gets them for its longest words.
        unknown = [t for t in q_terms if t not in self.postings and t.isalpha() and len(t) >= 3]
        typos = set(sorted(unknown, key=len, reverse=True)[:MAX_TYPO_TERMS])
        expansions = [e for t in q_terms if (e := self.expand(t, typos=t in typos))]
        if not expansions:
            return []
        acc = [0] * _SLICES
        matched = 0
        postings = self.postings
        for exp in expansions:
            pairs = sorted(
                ((round(_UNIT * quality * w), bits) for t, quality in exp.items()
                 for w, bits in postings[t]),
                key=itemgetter(0), reverse=True,
            )  # fmt: skip
            seen = 0
            add = [0] * _VALUE_BITS
            for value, bits in pairs:  # each answer takes its best value for this word
                new = bits & ~seen if seen else bits
                if not new or not value:
                    continue
                seen |= new
                for j in _SET_BITS[value]:
                    add[j] |= new
            matched |= seen
            carry = 0
            for j in range(_VALUE_BITS):  # ripple-carry addition, all answers at once
                a, b = acc[_TIE_BITS + j], add[j]
                acc[_TIE_BITS + j] = a ^ b ^ carry
                carry = (a & b) | (carry & (a ^ b))
        for j in range(_TIE_BITS):
            acc[j] = self.tie[j] & matched
        # Scale to 0..100: all words matched in titles is 100 for one or two words; beyond
        # two, each further word counts half, so a long question that matches a few of its
        # words well is not pushed under MIN_SCORE.
        n = len(expansions)
        scale = 100.0 / _UNIT / (n if n <= 2 else 1 + n / 2)
        ranked = []
        for i in _bits(_top(acc, matched, limit + self.dup_slugs)):
            value = sum(1 << j for j, sl in enumerate(acc) if sl >> i & 1)
            score = (value >> _TIE_BITS) * scale
            if score >= MIN_SCORE:
                ranked.append((value, -i))
        ranked.sort(reverse=True)
        hits: list[SearchHit] = []
        slugs: set[str] = set()
        for value, neg_i in ranked:
            doc = self.docs[-neg_i]
            if doc.slug not in slugs and len(hits) < limit:
                slugs.add(doc.slug)
                score = round(min(100.0, (value >> _TIE_BITS) * scale), 2)
                hits.append(SearchHit(doc.slug, doc.path, doc.title, score))
        return hits


class SearchIndex:
    """Immutable search index over answers in all languages; build once per content version."""

    __slots__ = ("_langs", "_size")

    def __init__(self, langs: dict[str, _LangIndex], size: int) -> None:
        self._langs = langs
        self._size = size

    @classmethod
    def build(cls, docs: Iterable[SearchDoc]) -> SearchIndex:
        by_lang: defaultdict[str, list[SearchDoc]] = defaultdict(list)
        for doc in docs:
            by_lang[doc.lang].append(doc)
        langs = {lang: _LangIndex(lang, lang_docs) for lang, lang_docs in by_lang.items()}
        return cls(langs, sum(len(d) for d in by_lang.values()))

    def search(self, query: str, lang: str, limit: int = 5) -> list[SearchHit]:
        """Best answers in `lang` for `query`, best first, at most `limit`, one per slug."""
        index = self._langs.get(lang)
        if index is None or limit <= 0 or not query:
            return []
        q_terms = list(dict.fromkeys(terms(query[:MAX_QUERY_CHARS], lang)))
        if not q_terms:
            return []
        return index.search(q_terms[:MAX_QUERY_TERMS], limit)

    def __len__(self) -> int:
        return self._size
