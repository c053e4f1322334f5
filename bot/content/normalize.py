"""Text normalisation for the FAQ search: tokens and their Latin "skeleton".

People write to the bot in Polish without diacritics, in Ukrainian typed in Latin letters
(each in their own transliteration), in Russian, with typos and emoji. Instead of guessing
what they meant, both the indexed text and the query are reduced to the same coarse form:

1. NFC, lower case, words are runs of letters/digits (apostrophes inside a word are kept
   and then dropped, so "сім'я" stays one word);
2. Cyrillic (Ukrainian and Russian letters) is transliterated to Latin, Latin diacritics
   are dropped ("ś" -> "s", "ł" -> "l");
3. spellings that different transliterations disagree on are folded together: zh/ż -> z,
   sh/sz -> s, shch/szcz/sch -> s, ch/cz/ts -> c, kh/h -> g (so Ukrainian г = h and
   Russian г = g meet), w -> v, y/j -> i, an "i" before a vowel is dropped (so є/ye/je/ie,
   ю/yu/ju/iu, я/ya/ja/ia meet), and doubled letters are collapsed. English text only
   gets steps 1-2 and the collapsing of doubled letters.

The result is not meant to be read; it is only compared: "zhytlo", "житло" and "zhitlo"
all become "zitlo"; "работа" becomes "rabota", one letter away from "robota" (робота).
"""

from __future__ import annotations

import html
import re
import unicodedata

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ye",
    "ж": "zh", "з": "z", "и": "y", "і": "i", "ї": "yi", "й": "y", "к": "k", "л": "l",
    "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ь": "", "ю": "yu",
    "я": "ya", "ё": "e", "ы": "y", "э": "e", "ъ": "", "ў": "u",
}  # fmt: skip
_LATIN_SPECIAL = {"ł": "l", "đ": "d", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i"}
_APOSTROPHES = "'’ʼ`´‘"


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {ord(c): "" for c in _APOSTROPHES}
    for code in range(0xC0, 0x250):  # Latin-1 Supplement and Latin Extended-A/B
        ch = chr(code)
        base = unicodedata.normalize("NFKD", ch)[:1]
        if base.isascii() and base.isalpha() and base != ch:
            table[code] = base.lower()
    for src, dst in {**_LATIN_SPECIAL, **_CYRILLIC}.items():
        table[ord(src)] = dst
    return table


_TABLE = _build_table()
# Applied in this order; longer spellings first.
_FOLDS = (
    ("shch", "s"), ("szcz", "s"), ("sch", "s"),
    ("zh", "z"), ("sh", "s"), ("sz", "s"), ("ch", "c"), ("cz", "c"),
    ("kh", "h"), ("ts", "c"), ("tz", "c"),
    ("h", "g"), ("w", "v"), ("x", "ks"), ("q", "k"), ("y", "i"), ("j", "i"),
)  # fmt: skip
_DOUBLE_RE = re.compile(r"([a-z])\1+")
_I_BEFORE_VOWEL_RE = re.compile(r"i(?=[aeou])")
_WORD_RE = re.compile(r"[^\W_]+(?:[" + _APOSTROPHES + r"][^\W_]+)*")
_TAG_RE = re.compile(r"<[^>]*>")

_LIGHT_LANGS = frozenset({"en"})  # only transliterated, de-accented and de-doubled
_CACHE_LIMIT = 100_000  # words remembered per language (then forgotten all at once)
_caches: dict[str, dict[str, str]] = {}


def skeleton(word: str, lang: str = "uk") -> str:
    """The folded Latin form of one lower-case word.

    English keeps its spelling (only accents and doubled letters go): the Slavic folds
    would make an English typo ("studetns") differ from its word by more than one letter.
    """
    s = word.translate(_TABLE)
    if lang not in _LIGHT_LANGS:
        for src, dst in _FOLDS:
            if src in s:
                s = s.replace(src, dst)
        s = _DOUBLE_RE.sub(r"\1", s)
        s = _I_BEFORE_VOWEL_RE.sub("", s)
    return _DOUBLE_RE.sub(r"\1", s)


def strip_html(text: str) -> str:
    """Telegram HTML to plain text (tags dropped, entities decoded)."""
    return html.unescape(_TAG_RE.sub(" ", text))


def words(text: str) -> list[str]:
    """Lower-case words of `text`; punctuation, emoji and symbols separate words."""
    return _WORD_RE.findall(unicodedata.normalize("NFC", text).lower())


def terms(text: str, lang: str) -> list[str]:
    """Skeletons of the words of `text`, without stop words and one-letter words."""
    cache = _caches.setdefault(lang, {})
    ws = words(text)
    found = list(map(cache.get, ws))
    if None in found:  # first sight of some words: remember what they become ("" = drop)
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        stop = STOP_WORDS.get(lang, frozenset())
        for i, w in enumerate(ws):
            if found[i] is None:
                s = skeleton(w, lang)
                found[i] = cache[w] = s if (len(s) >= 2 or s.isdigit()) and s not in stop else ""
    return [t for t in found if t]


_STOP_WORDS = {
    "pl": """a aby albo ale bardzo być by ci co czy czym dla do dobry dzień dziękuję gdy
        gdzie go i ich ile ja jak jaka jaki jakie je jego jej jest jeszcze jeśli jeżeli już
        ją kiedy która które który lub ma mają mam mi mnie może można mój moja moje mu my
        na nie o od on ona oni oraz po pod pan pani proszę przez przy się są ta tak też te
        tego tej ten to tu tylko u w we witam wy z za ze że żeby chcę chce chciałbym
        chciałabym cześć sobie""",
    "uk": """а або але б без би був буде будь був бути в вам вас ви від він вона вони все
        вже вітаю де день для до добрий дуже є з за зі із й і її їх коли котрий ласка мене
        мені ми мій мого моя моє мої на не ні по при про привіт саме себе собі та так також
        те тебе ти то той треба тут у хочу це цей ці ця чи чому що щоб як яка яке який які
        його потрібно можна скільки тільки ще""",
    "ru": """а без бы был быть в вам вас вы где день для до добрый его ее её если есть
        ещё еще же за здравствуйте и из или их к как какая какие какой когда который ли
        мне меня мой моя мои мы на надо не нет но нужно о об он она они от очень по
        пожалуйста почему привет про с себе себя сколько со так также то только тоже ты
        у уже хочу что чтобы это эти я""",
    "en": """a about am an and are as at be been but by can could do does for from get
        has have he hello hi how i if in into is it its me my need no not of on or please
        she should so that the their there these they this those to want was we what when
        where which who why will with would you your""",
}


def _stop_set(lang: str, *lists: str) -> frozenset[str]:
    return frozenset(skeleton(w, lang) for name in lists for w in words(_STOP_WORDS[name]))


# Russian is what many Ukrainian speakers type, so it shares the Ukrainian list. Stop words
# are compared as skeletons, so none may fold like a content word: Russian "да" (yes) is left
# out because "Дія" and "Diia" fold to the same "da".
STOP_WORDS: dict[str, frozenset[str]] = {
    "pl": _stop_set("pl", "pl"),
    "uk": _stop_set("uk", "uk", "ru"),
    "en": _stop_set("en", "en"),
}
