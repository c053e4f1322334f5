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
  equals "świadczenie", "zhytlo" equals "житло", and Russian "квартира" equals "квартира".
  Stop words of the language (plus Russian for Ukrainian) are dropped.
* An inverted index maps each skeleton word to the answers containing it, grouped by the
  best field it occurs in: title 1.0, keywords 0.95, body 0.55-0.65 (more with repetition),
  section titles 0.35.
* Each query word expands to vocabulary words, never by scanning answers:
  exact (quality 1.0); same stem (a shared prefix of 4+ letters with short endings, the way
  Polish and Ukrainian inflect: "lekarza" ~ "lekarz", 0.75-0.9); and, only when the word is
  not in the vocabulary, typos (optimal-string-alignment distance, so a swap is one edit:
  1 edit for 3-4 letters, 2 for 5+; at most 0.74). Typo candidates come from a trigram
  index over the vocabulary (keyed by word length) and are checked with rapidfuzz.
* An answer scores, per query word, the best quality x field weight among that word's
  expansions; the sum over query words is scaled to 0..100 by the number of query words
  that matched anything at all (words unknown to the whole corpus cannot tell answers
  apart and are ignored). Results below MIN_SCORE are dropped; ties go to shorter titles.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.content.normalize import STOP_WORDS, strip_html, terms

MIN_SCORE = 36.0  # below this a hit is noise ("qwzx", an unrelated word)
MAX_QUERY_CHARS = 300
MAX_QUERY_TERMS = 12  # distinct content words of a query that are looked up
MAX_EXPANSIONS = 24  # vocabulary words a query word may expand to

W_TITLE = 1.0
W_KEYWORD = 0.95
W_BODY = (0.55, 0.6, 0.65)  # a body word seen once, twice, three or more times
W_SECTION = 0.35

STEM_MIN = 4  # a shared prefix at least this long ...
STEM_TAIL = 5  # ... after which neither word has more than this many letters ...
STEM_SHORT_TAIL = 2  # ... and the shorter ending has at most this many (1 if prefix is 4)
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


def _grams(term: str) -> set[str]:
    padded = f"^^{term}$$"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


class _LangIndex:
    """The index of the answers in one language."""

    __slots__ = ("docs", "grams", "postings", "stems", "title_len")

    def __init__(self, lang: str, docs: Sequence[SearchDoc]) -> None:
        stop = STOP_WORDS.get(lang, frozenset())
        self.docs = docs
        self.title_len: list[int] = []
        by_term: defaultdict[str, defaultdict[float, list[int]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for i, doc in enumerate(docs):
            weights: dict[str, float] = {
                t: W_BODY[min(n, len(W_BODY)) - 1]
                for t, n in Counter(terms(strip_html(doc.body), stop)).items()
            }
            fields = (
                (W_SECTION, doc.section_titles),
                (W_KEYWORD, doc.keywords),
                (W_TITLE, (doc.title,)),
            )
            for weight, texts in fields:
                for text in texts:
                    for t in terms(text, stop):
                        if weights.get(t, 0.0) < weight:
                            weights[t] = weight
            self.title_len.append(len(set(terms(doc.title, stop))))
            for t, w in weights.items():
                by_term[t][w].append(i)

        # term -> ((field weight, answers), ...), best field first
        self.postings: dict[str, tuple[tuple[float, frozenset[int]], ...]] = {
            t: tuple(sorted(((w, frozenset(ids)) for w, ids in levels.items()), reverse=True,
                            key=itemgetter(0)))
            for t, levels in by_term.items()
        }  # fmt: skip
        # prefix -> words that start with it and continue for at most STEM_TAIL letters
        stems: defaultdict[str, list[str]] = defaultdict(list)
        # (trigram, word length) -> words; padded with ^^ and $$ so short words have grams
        grams: defaultdict[tuple[str, int], list[str]] = defaultdict(list)
        for t in self.postings:
            if not t.isalpha():
                continue  # numbers ("800", "2025") only match exactly
            n = len(t)
            for k in range(max(STEM_MIN, n - STEM_TAIL), n + 1):
                stems[t[:k]].append(t)
            for g in _grams(t):
                grams[(g, n)].append(t)
        self.stems = dict(stems)
        self.grams = dict(grams)

    def expand(self, q: str) -> dict[str, float]:
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
        if not exact and n >= 3:
            k = 1 if n <= 4 else 2
            q_grams = _grams(q)
            get = self.grams.get
            lists = [
                ws for length in range(n - k, n + k + 1) for g in q_grams
                if (ws := get((g, length)))
            ]  # fmt: skip
            # q-gram lemma: each edit destroys at most 3 grams (a swap at most 4)
            need = max(1, len(q_grams) - 4 * k)
            if need == 1:
                cands: Iterable[str] = set(chain.from_iterable(lists))
            else:
                counts = Counter(chain.from_iterable(lists))
                cands = [t for t, c in counts.items() if c >= need]
            for t, dist, _ in process.extract(
                q, list(cands), scorer=OSA.distance, score_cutoff=k, limit=None
            ):
                quality = min(FUZZY_MAX_QUALITY, 0.95 - 1.5 * dist / max(n, len(t)))
                if dist and quality > out.get(t, 0.0):
                    out[t] = quality
        if len(out) > MAX_EXPANSIONS:
            out = dict(heapq.nlargest(MAX_EXPANSIONS, out.items(), key=itemgetter(1)))
        return out

    def search(self, q_terms: list[str], limit: int) -> list[SearchHit]:
        expansions = [e for e in map(self.expand, q_terms) if e]
        if not expansions:
            return []
        acc: dict[int, float] = {}
        get = acc.get
        postings = self.postings
        for exp in expansions:
            pairs = sorted(
                ((quality * w, ids) for t, quality in exp.items() for w, ids in postings[t]),
                key=itemgetter(0),
                reverse=True,
            )
            seen: set[int] = set()
            for value, ids in pairs:  # best value per answer for this query word
                new = ids - seen if seen else ids
                if not new:
                    continue
                seen |= new
                for d in new:
                    acc[d] = get(d, 0.0) + value
        scale = 100.0 / len(expansions)
        floor = MIN_SCORE / scale - 1e-9
        title_len = self.title_len
        ranked = sorted(
            ((s, -title_len[d], -d) for d, s in acc.items() if s >= floor), reverse=True
        )
        hits: list[SearchHit] = []
        slugs: set[str] = set()
        for s, _, neg_d in ranked:
            doc = self.docs[-neg_d]
            if doc.slug in slugs:
                continue
            slugs.add(doc.slug)
            hits.append(SearchHit(doc.slug, doc.path, doc.title, round(min(100.0, s * scale), 2)))
            if len(hits) >= limit:
                break
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
        stop = STOP_WORDS.get(lang, frozenset())
        q_terms = list(dict.fromkeys(terms(query[:MAX_QUERY_CHARS], stop)))
        if not q_terms:
            return []
        return index.search(q_terms[:MAX_QUERY_TERMS], limit)

    def __len__(self) -> int:
        return self._size
