"""Benchmark of the FAQ search on a synthetic tree of 3,000 answers per language.

Run from the project root:  python bench/bench_search.py  [--answers N] [--queries N]

It generates pl/uk/en answers (deterministic seed) from word lists with inflected forms and
a long tail of rare words (names, streets), builds the index, times ~2,000 mixed queries
and, for a subset, a naive linear rapidfuzz scan over all answers of the language.
Target: p99 under 5 ms per query.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rapidfuzz import fuzz, process

from bot.content.normalize import strip_html
from bot.content.search import SearchDoc, SearchIndex

SEED = 20261126
TARGET_P99_MS = 5.0

WORDS = {
    "pl": """praca pracodawca umowa zlecenie zezwolenie oświadczenie powiadomienie urząd
        wojewoda gmina miasto zameldowanie meldunek pobyt karta wiza paszport pesel profil
        lekarz przychodnia szpital pogotowie recepta apteka ubezpieczenie składka zasiłek
        świadczenie dziecko rodzina szkoła przedszkole żłobek nauczyciel kurs język egzamin
        certyfikat mieszkanie najem kaucja czynsz właściciel rachunek podatek konto bank
        kierowca prawo samochód autobus bilet tramwaj pociąg telefon numer wniosek formularz
        dokument tłumacz termin wizyta kolejka okienko pomoc ośrodek schronisko przemoc
        policja straż konsulat ambasada granica ochrona status obywatel cudzoziemiec student
        uczelnia stypendium emerytura renta ciąża poród szczepienie dentysta psycholog
        wsparcie infolinia porada prawnik sąd skarga inspekcja wynagrodzenie pensja urlop
        zwolnienie choroba wypadek bezrobotny staż szkolenie zawód kwalifikacje dyplom
        uznanie tłumaczenie adres poczta opłata przelew gotówka rodzinny prywatny publiczny
        bezpłatny czasowy stały ukraiński polski miejski wojewódzki zdrowotny socjalny
        społeczny wychowawczy mieszkaniowy pracowniczy""",
    "uk": """робота роботодавець договір доручення дозвіл повідомлення управління воєвода
        гміна місто реєстрація перебування карта віза паспорт песель профіль лікар
        поліклініка лікарня швидка рецепт аптека страхування внесок допомога виплата дитина
        сім'я школа садочок ясла вчитель курс мова іспит сертифікат квартира житло оренда
        застава оплата власник рахунок податок банк водій права автомобіль автобус квиток
        трамвай потяг телефон номер заява бланк документ перекладач термін візит черга
        віконце центр притулок насильство поліція консульство посольство кордон захист
        статус громадянин іноземець студент університет стипендія пенсія інвалідність
        вагітність пологи щеплення стоматолог психолог підтримка лінія порада юрист суд
        скарга інспекція зарплата відпустка лікарняний хвороба випадок безробітний
        стажування навчання професія кваліфікація диплом визнання переклад адреса пошта
        переказ готівка сімейний приватний державний безкоштовний тимчасовий постійний
        український польський міський воєводський медичний соціальний""",
    "en": """work employer contract permit statement notification office voivode municipality
        city registration residence card visa passport pesel profile doctor clinic hospital
        ambulance prescription pharmacy insurance contribution allowance benefit child
        family school kindergarten nursery teacher course language exam certificate flat
        apartment rent deposit landlord bill tax account bank driver licence car bus ticket
        tram train phone number application form document translator appointment visit
        queue counter help centre shelter violence police consulate embassy border
        protection status citizen foreigner student university scholarship pension
        disability pregnancy birth vaccination dentist psychologist support hotline advice
        lawyer court complaint inspection salary wage leave sickness accident unemployed
        internship training profession qualification diploma recognition translation
        address post payment transfer cash private public free temporary permanent
        ukrainian polish local regional medical social""",
}
FILLER = {
    "pl": "i w na z do o że się nie jest to jak czy lub oraz przez przy dla po od jeśli "
          "można trzeba musisz zwykle także tylko już też",
    "uk": "і в на з до про що не це як чи або та через при для по від якщо можна треба "
          "потрібно зазвичай також тільки вже теж",
    "en": "and in on with to about that not is this how whether or the a for by from if "
          "can must usually also only already you your",
}  # fmt: skip
SYLLABLES = {
    "pl": "ka po rze szy ści wo ło ża dę mi ną cho ow ski ek ce ni ta brze gro ść la ba "
          "do ku le my pa ro su te wa zy",
    "uk": "ка по ре ши ці во ло жа де мі на хо ов ськ ек це ні та бре гро ля ба до ку ле "
          "ми па ро су те ва зи ї є ю я",
    "en": "ka po re shi ti wo lo za de mi na cho ow sk ek ce ni ta bre gro la ba do ku le "
          "my pa ro su te wa zy th er",
}  # fmt: skip


def inflect(word: str, lang: str) -> list[str]:
    """A handful of plausible inflected forms (not grammatical, but shaped like them)."""
    if lang == "en":
        return [word, word + "s", word + "ed", word + "ing"]
    if lang == "pl":
        if word.endswith(("y", "i")):
            stem = word[:-1]
            return [word, stem + "a", stem + "e", stem + "ego", stem + "ej", stem + "ych"]
        if word.endswith("a"):
            stem = word[:-1]
            return [word, stem + "y", stem + "ę", stem + "ą", stem + "ami", stem + "ach"]
        if word.endswith("e"):
            return [word, word[:-1] + "a", word[:-1] + "u", word[:-1] + "em"]
        return [word, word + "u", word + "a", word + "em", word + "ów", word + "ami"]
    if word.endswith("ий"):
        stem = word[:-2]
        return [word, stem + "ого", stem + "ому", stem + "им", stem + "а", stem + "их"]
    if word.endswith(("а", "я")):
        stem = word[:-1]
        return [word, stem + "и", stem + "у", stem + "ою", stem + "ам", stem + "ах"]
    return [word, word + "у", word + "а", word + "ом", word + "і", word + "ів"]


class Corpus:
    def __init__(self, rng: random.Random, answers_per_lang: int) -> None:
        self.rng = rng
        self.docs: list[SearchDoc] = []
        self.forms = {lang: [f for w in WORDS[lang].split() for f in inflect(w, lang)]
                      for lang in WORDS}  # fmt: skip
        self.tail = {lang: self._tail(lang, 30_000) for lang in WORDS}
        self.cum_weights: dict[str, list[float]] = {}
        for lang, forms in self.forms.items():  # Zipf-like: a few forms are everywhere
            total, cum = 0.0, []
            for rank in range(len(forms)):
                total += 1 / (rank + 1) ** 0.9
                cum.append(total)
            self.cum_weights[lang] = cum
        topics, sections = 8, 25
        per_section = -(-answers_per_lang // (topics * sections))
        n = 0
        for t in range(topics):
            for s in range(sections):
                for a in range(per_section):
                    if n >= answers_per_lang:
                        break
                    n += 1
                    slug = f"t{t}-s{s}-a{a}"
                    path = (f"t{t}", f"t{t}-s{s}", slug)
                    for lang in WORDS:
                        section_titles = (self._title(lang, 1), self._title(lang, 2))
                        self.docs.append(SearchDoc(
                            slug=slug, lang=lang, title=self._title(lang, 4),
                            body=self._body(lang), keywords=tuple(self._words(lang, 2)),
                            path=path, section_titles=section_titles,
                        ))  # fmt: skip

    def _tail(self, lang: str, n: int) -> list[str]:
        syl = SYLLABLES[lang].split()
        rng = random.Random(SEED + len(lang))
        return ["".join(rng.choice(syl) for _ in range(rng.randint(2, 4))) for _ in range(n)]

    def _words(self, lang: str, k: int) -> list[str]:
        return self.rng.choices(self.forms[lang], cum_weights=self.cum_weights[lang], k=k)

    def _title(self, lang: str, k: int) -> str:
        words = self.rng.sample(self.forms[lang], k=self.rng.randint(max(1, k - 1), k + 1))
        return " ".join(words).capitalize()

    def _body(self, lang: str) -> str:
        rng, filler, out, size = self.rng, FILLER[lang].split(), [], 0
        while size < 800:
            sentence = []
            for _ in range(rng.randint(8, 14)):
                r = rng.random()
                if r < 0.3:
                    sentence.append(rng.choice(filler))
                elif r < 0.85:
                    sentence.append(self._words(lang, 1)[0])
                else:
                    sentence.append(rng.choice(self.tail[lang]))
            if rng.random() < 0.3:
                sentence[1] = f"<b>{sentence[1]}</b>"
            text = " ".join(sentence).capitalize() + "."
            out.append(text)
            size += len(text) + 1
        return " ".join(out)


def strip_diacritics(text: str) -> str:
    text = text.replace("ł", "l").replace("Ł", "L")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


TRANSLIT = {
    "а": ["a"], "б": ["b"], "в": ["v", "w"], "г": ["h", "g"], "ґ": ["g"], "д": ["d"],
    "е": ["e"], "є": ["ye", "je", "ie"], "ж": ["zh", "z"], "з": ["z"], "и": ["y", "i"],
    "і": ["i"], "ї": ["yi", "ji", "i"], "й": ["y", "j", "i"], "к": ["k"], "л": ["l"],
    "м": ["m"], "н": ["n"], "о": ["o"], "п": ["p"], "р": ["r"], "с": ["s"], "т": ["t"],
    "у": ["u"], "ф": ["f"], "х": ["kh", "h"], "ц": ["ts", "c"], "ч": ["ch"],
    "ш": ["sh"], "щ": ["shch", "sch"], "ь": ["", "'"], "ю": ["yu", "ju", "iu"],
    "я": ["ya", "ja", "ia"], "'": ["", "'"],
}  # fmt: skip
RUSSIFY = {"і": "и", "и": "ы", "є": "е", "ї": "и", "ґ": "г"}


def translit(text: str, rng: random.Random) -> str:
    return "".join(rng.choice(TRANSLIT.get(c, [c])) for c in text.lower())


def typo(word: str, rng: random.Random, edits: int) -> str:
    for _ in range(edits):
        i = rng.randrange(1, len(word) - 1)
        kind = rng.choice(("swap", "drop", "replace"))
        if kind == "swap":
            word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        elif kind == "drop":
            word = word[:i] + word[i + 1 :]
        else:
            letters = "аеиоуктрсн" if "\u0400" <= word[i] <= "\u04ff" else "aeioukrstn"
            word = word[:i] + rng.choice(letters) + word[i + 1 :]
    return word


def make_queries(corpus: Corpus, rng: random.Random, n: int) -> list[tuple[str, str, str, str]]:
    """(category, lang, query, expected slug or '') tuples."""
    by_lang: dict[str, list[SearchDoc]] = {}
    for d in corpus.docs:
        by_lang.setdefault(d.lang, []).append(d)
    plan = {"exact": 0.22, "typo": 0.2, "no-diacritics": 0.12, "translit": 0.12,
            "russified": 0.08, "nonsense": 0.12, "long": 0.08, "long-typos": 0.06}  # fmt: skip
    out = []
    for cat, share in plan.items():
        for _ in range(round(n * share)):
            lang = {"no-diacritics": "pl", "translit": "uk", "russified": "uk"}.get(
                cat, rng.choice(("pl", "uk", "en"))
            )
            doc = rng.choice(by_lang[lang])
            words = doc.title.split()
            k = rng.randint(2, min(3, len(words))) if len(words) > 1 else 1
            start = rng.randrange(len(words) - k + 1)
            q = " ".join(words[start : start + k])
            expected = doc.slug
            if cat == "typo":
                ws = q.split()
                i = max(range(len(ws)), key=lambda j: len(ws[j]))
                if len(ws[i]) >= 4:
                    ws[i] = typo(ws[i], rng, 1 if len(ws[i]) < 8 else rng.randint(1, 2))
                q = " ".join(ws)
            elif cat == "no-diacritics":
                q = strip_diacritics(q)
            elif cat == "translit":
                q = translit(q, rng)
            elif cat == "russified":
                q = "".join(RUSSIFY.get(c, c) for c in q.lower())
            elif cat == "nonsense":
                q = " ".join("".join(rng.choice("qwxzvbnmkjhgfdsaptyu") for _ in range(
                    rng.randint(4, 9))) for _ in range(rng.randint(1, 2)))  # fmt: skip
                expected = ""
            elif cat == "long":
                body = strip_html(doc.body).split()
                s = rng.randrange(max(1, len(body) - 60))
                q = "🙂 " + q.upper() + "!!! " + " ".join(body[s : s + 60])
            elif cat == "long-typos":  # a long message, every longer word misspelt
                body = strip_html(doc.body).split()
                s = rng.randrange(max(1, len(body) - 40))
                rest = [typo(w, rng, rng.randint(1, 2)) if len(w) >= 5 else w
                        for w in body[s : s + 40]]  # fmt: skip
                q = q + ", " + " ".join(rest)
            out.append((cat, lang, q, expected))
    rng.shuffle(out)
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def row(name: str, ms: list[float], extra: str = "") -> str:
    return (f"{name:<16}{len(ms):>6}{pct(ms, 50):>9.3f}{pct(ms, 95):>9.3f}{pct(ms, 99):>9.3f}"
            f"{max(ms):>9.3f}  {extra}")  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--answers", type=int, default=3000, help="answers per language")
    ap.add_argument("--queries", type=int, default=2000)
    ap.add_argument("--baseline", type=int, default=100, help="queries for the naive scan")
    args = ap.parse_args()
    rng = random.Random(SEED)

    t0 = time.perf_counter()
    corpus = Corpus(rng, args.answers)
    gen_s = time.perf_counter() - t0
    chars = sum(len(d.body) for d in corpus.docs) / len(corpus.docs)
    t0 = time.perf_counter()
    index = SearchIndex.build(corpus.docs)
    build_s = time.perf_counter() - t0
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    vocab = {lang: len(ix.postings) for lang, ix in index._langs.items()}

    print(f"corpus: {len(index)} docs ({args.answers} answers x 3 languages), "
          f"mean body {chars:.0f} chars, generated in {gen_s:.2f} s")  # fmt: skip
    print("vocabulary (skeleton words): " + ", ".join(f"{k} {v}" for k, v in vocab.items()))
    print(f"index build: {build_s:.2f} s    max RSS of this process: {rss_mb:.0f} MB")
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; one thread, GC on")

    queries = make_queries(corpus, rng, args.queries)
    for _, lang, q, _ in queries[:50]:  # warm-up
        index.search(q, lang)
    times: dict[str, list[float]] = {}
    found: dict[str, list[bool]] = {}
    for cat, lang, q, expected in queries:
        t = time.perf_counter_ns()
        hits = index.search(q, lang)
        ms = (time.perf_counter_ns() - t) / 1e6
        times.setdefault(cat, []).append(ms)
        ok = (not hits) if not expected else expected in [h.slug for h in hits]
        found.setdefault(cat, []).append(ok)

    print()
    print(f"{'indexed search':<16}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}"
          "  result check")  # fmt: skip
    print("-" * 78)
    for cat, ms in times.items():
        ok = found[cat]
        what = "returned []" if cat == "nonsense" else "answer in top 5"
        print(row(cat, ms, f"{100 * sum(ok) / len(ok):5.1f}% {what}"))
    every = [m for ms in times.values() for m in ms]
    print("-" * 78)
    p99 = pct(every, 99)
    verdict = "MET" if p99 < TARGET_P99_MS else "MISSED"
    print(row("all", every, f"target p99 < {TARGET_P99_MS:.0f} ms: {verdict}"))

    texts = {}
    for d in corpus.docs:
        texts.setdefault(d.lang, []).append((d.title + " " + strip_html(d.body)).lower())
    subset = [q for q in queries if not q[0].startswith("long")][: args.baseline]
    naive = []
    for _, lang, q, _ in subset:
        t = time.perf_counter_ns()
        process.extract(q.lower(), texts[lang], scorer=fuzz.WRatio, limit=5)
        naive.append((time.perf_counter_ns() - t) / 1e6)
    indexed = []
    for _, lang, q, _ in subset:
        t = time.perf_counter_ns()
        index.search(q, lang)
        indexed.append((time.perf_counter_ns() - t) / 1e6)
    print()
    print(f"{'baseline':<16}{'n':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    print("-" * 78)
    print(row("naive scan", naive, "rapidfuzz WRatio over every answer of the language"))
    print(row("indexed", indexed, "the same queries"))
    ratio = statistics.median(naive) / max(statistics.median(indexed), 1e-9)
    print(f"median speed-up of the index over the naive scan: {ratio:.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
