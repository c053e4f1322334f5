"""One voice in every translated string: formal, gender-neutral Polish and Ukrainian.

The catalogs drifted into informal Polish ("Ty") once; these checks keep every msgstr in the
voice locales/GLOSSARY.md describes, and the glossary's one-term-per-thing choices in use.
Button commands to the app ("Anuluj", "Wyślij", "Pomiń") are the usual Polish UI form and are
not flagged; sentences addressed to a person are.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

LOCALES = Path(__file__).resolve().parent.parent / "locales"

# Polish: second person singular (pronouns, possessives, present-tense verbs, imperatives used in
# sentences) and first/second person past tense with a gender ending.
PL_INFORMAL = [
    r"\bty\b", r"\bcię\b", r"\bci\b", r"\bciebie\b", r"\btobie\b", r"\btobą\b",
    r"\btw(ój|oja|oje|ojego|ojej|oim|oją|oich|oimi|oi)\b",
    r"\bjesteś\b", r"\bmasz\b", r"\bmożesz\b", r"\bchcesz\b", r"\bdostajesz\b", r"\bwiesz\b",
    r"\bnapiszesz\b", r"\bwłączysz\b", r"\bwybierzesz\b", r"\bzrobisz\b", r"\bpomożesz\b",
    # any other 2nd person singular present ("mieszkasz", "pochodzisz"); "nasz" is "our",
    # "Wycisz" and "Zapisz" are buttons (a button label is a command, as in every Polish app)
    r"\b(?!nasz\b|wasz\b|wycisz\b|zapisz\b)\w{2,}(esz|isz|ysz|asz)\b",
    r"\bwybierz\b", r"\bnapisz\b", r"\bspróbuj\b", r"\bsprawdź\b", r"\bzobacz\b", r"\bpoczekaj\b",
    r"\bdzwoń\b", r"\bzadzwoń\b", r"\bpowiedz\b", r"\bpoproś\b", r"\bwpisz\b", r"\botwórz\b",
    r"\bskróć\b", r"\bodpowiedz\b", r"\bnaciśnij\b", r"\bstuknij\b", r"\bdotknij\b", r"\bzaznacz\b",
    r"\bpotwierdź\b", r"\bużyj\b", r"\bwyślij\s+\w",  # "✅ Wyślij" alone is a button
    r"\b\w+(łeś|łaś|łbyś|łabyś)\b",
    r"\bpan(i)?\b", r"\bpaństw(o|a)\b",  # never "Pan/Pani" mixed into an impersonal voice
]
# The bot talks about itself in the present ("Rozumiem tylko tekst"), never in a gendered past.
PL_GENDERED_SELF = [r"\b\w+(ałem|ałam|iłem|iłam|yłem|yłam|ąłem|ęłam|złem|złam|ogłem|ogłam|edłem|szłam)\b"]
# Ukrainian: "ти" and its forms, "твій", 2nd person singular imperatives and present forms.
UK_INFORMAL = [
    r"\bти\b", r"\bтебе\b", r"\bтобі\b", r"\bтобою\b",
    r"\bтв(ій|оя|оє|ої|ого|оєї|оїй|оїм|оєю|оїми|оїх)\b",
    r"\bобери\b", r"\bвибери\b", r"\bнапиши\b", r"\bспробуй\b",
    r"\bперевір\b", r"\bнадішли\b", r"\bнатисни\b", r"\bзачекай\b", r"\bтелефонуй\b",
    r"\bскажи\b", r"\bпопроси\b", r"\bвідкрий\b", r"\bскористайся\b", r"\bвідповідай\b",
    r"\bможеш\b", r"\bхочеш\b", r"\bмаєш\b", r"\bотримуєш\b", r"\bпишеш\b",
    # "я шукав", "ви зробила": a gendered singular past with "я" or "ви" (with "ви" it is plural)
    r"\bя\s+(\w+\s+)?\w+(ав|ив|ів|ла)\b", r"\bви\s+(\w+\s+)?\w+(ав|ив|ів|ла)\b",
]
# "зробив/ла", "otrzymałeś/aś", "згоден(-на)": one neutral form instead of a slash pair.
SLASH_GENDER = [
    r"\w(ł|l)(eś|aś|em|am)?\s*/\s*(ła|łaś|łam|a|aś)\b",
    r"\w+\((а|а?ся|ла|ла?ся|a|aś|am)\)",
    r"\b\w+/\w*(ла|на|ка|ая|a)\b",
]
# One term per thing (GLOSSARY.md): a survey wave is "edycja" / "етап", staff is "zespół".
PL_TERMS = [r"\brund\w*\b", r"\bpracowni\w*\b"]
UK_TERMS = [r"\bраунд\w*\b", r"\bміськ\w* рад\w*\b", r"\bвибра\w*\b", r"\bпрацівник\w*\b"]


def _messages(lang: str) -> list[tuple[str, str]]:
    with (LOCALES / lang / "LC_MESSAGES" / "bot.po").open("rb") as f:
        catalog = read_po(f)
    out = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        out.extend((msgid, s) for s in strings)
    return out


def _offences(lang: str, patterns: list[str]) -> list[str]:
    found = []
    for msgid, text in _messages(lang):
        # Commands and placeholders are not words of the voice.
        words = re.sub(r"/\w+|\{\w+\}|<[^>]+>", " ", text)
        for pattern in patterns:
            for match in re.finditer(pattern, words, flags=re.IGNORECASE):
                found.append(f"{match.group(0)!r} in {msgid[:50]!r}")
    return found


def test_every_string_is_translated():
    for lang in ("pl", "uk"):
        missing = [msgid[:60] for msgid, text in _messages(lang) if not text.strip()]
        assert missing == [], f"{lang}: untranslated {missing}"


@pytest.mark.parametrize(("lang", "patterns"), [
    ("pl", PL_INFORMAL), ("pl", PL_GENDERED_SELF), ("pl", SLASH_GENDER), ("pl", PL_TERMS),
    ("uk", UK_INFORMAL), ("uk", SLASH_GENDER), ("uk", UK_TERMS),
], ids=["pl-informal", "pl-gendered-self", "pl-slash", "pl-terms", "uk-informal", "uk-slash",
        "uk-terms"])
def test_catalog_keeps_one_voice(lang, patterns):
    assert _offences(lang, patterns) == []


def test_the_checks_catch_what_they_are_for():
    """Each family of patterns flags a sentence that has the problem and passes its fix."""
    def hits(patterns: list[str], text: str) -> bool:
        return any(re.search(p, text, flags=re.IGNORECASE) for p in patterns)

    assert hits(PL_INFORMAL, "Możesz wybrać temat.")
    assert hits(PL_INFORMAL, "Twoja wiadomość jest pusta.")
    assert hits(PL_INFORMAL, "Wybierz temat albo napisz pytanie.")
    assert hits(PL_INFORMAL, "Czy Pan lub Pani chce pomóc?")
    assert hits(PL_INFORMAL, "Czy otrzymałeś odpowiedź?")
    assert hits(PL_INFORMAL, "Jak długo mieszkasz w Polsce?")
    assert not hits(PL_INFORMAL, "Ruszyła nowa edycja naszej ankiety; nasz zespół. 🔕 Wycisz wszystko")
    assert not hits(PL_INFORMAL, "Proszę wybrać temat albo napisać pytanie.")
    assert not hits(PL_INFORMAL, "✅ Wyślij")
    assert hits(PL_GENDERED_SELF, "Nic nie znalazłem.")
    assert not hits(PL_GENDERED_SELF, "Nic nie znaleziono. Kontakt z zespołem.")
    assert hits(UK_INFORMAL, "Ти можеш обрати тему.")
    assert hits(UK_INFORMAL, "Твій запит: напиши ще раз.")
    assert hits(UK_INFORMAL, "Тому я шукав лише початок.")
    assert hits(UK_INFORMAL, "Ви вже пройшла опитування.")
    assert not hits(UK_INFORMAL, "Ви можете обрати тему. Напишіть ще раз. Ви вже пройшли його.")
    assert hits(SLASH_GENDER, "Ви зробили/зробила це.")
    assert hits(SLASH_GENDER, "Czy otrzymałeś/aś odpowiedź?")
    assert hits(SLASH_GENDER, "Я згоден(на).") or hits(SLASH_GENDER, "Я згоден(а).")
    assert not hits(SLASH_GENDER, "Оцінки (👍/👎) і /settings")
    assert hits(UK_TERMS, "Раунд опитування") and not hits(UK_TERMS, "Етап опитування")
    assert hits(UK_TERMS, "у міській раді") and not hits(UK_TERMS, "у міському управлінні")
    assert hits(PL_TERMS, "Runda ankiety") and not hits(PL_TERMS, "Edycja ankiety")


def test_survey_texts_keep_the_same_voice():
    """The bundled surveys speak with the bot's voice too (history/ keeps old wordings as asked)."""
    from bot.config import PROJECT_ROOT
    from bot.surveys.definition import load_surveys

    found = []
    for survey in load_surveys(PROJECT_ROOT / "content" / "surveys").values():
        texts = [survey.title, survey.intro]
        if survey.headline:
            texts.append(survey.headline["text"])
        for q in survey.core() + survey.profile():
            texts.append(q.text)
            texts.extend(o.label for o in q.options)
        for text in texts:
            for lang, patterns in (("pl", PL_INFORMAL + PL_GENDERED_SELF + SLASH_GENDER + PL_TERMS),
                                   ("uk", UK_INFORMAL + SLASH_GENDER + UK_TERMS)):
                for pattern in patterns:
                    if re.search(pattern, text[lang], flags=re.IGNORECASE):
                        found.append(f"{survey.slug}: {pattern} in {text[lang]!r}")
    assert found == []


# The FAQ answers (content/*.yaml) speak with the same voice. Their Polish uses more imperatives
# than the UI does ("Idź", "Zapytaj", "Zabierz"), and slash pairs there are written "/-a".
PL_FAQ_IMPERATIVES = [
    r"(?<!\w)(idź|jedź|zapytaj|zabierz|przygotuj|znajdź|zacznij|skorzystaj|naucz|przyjdź|zbieraj"
    r"|zapisuj|upewnij|dodaj|pamiętaj|zachowaj|uważaj|szukaj|podaj|pokaż|weź|zgłoś|złóż"
    r"|zwlekaj|czekaj|podpisuj|wpłacaj|pracuj|zbierz|zaloguj|pytaj|proś|odkładaj|odpowiadaj|ustal|powiadom)(?!\w)",
]
SLASH_GENDER_FAQ = [r"\w\s*/\s*-\s*(a|aś|ła|łaś|na|ла|на)\b"]
# In the FAQ "państwo" is the state ("inne państwo Schengen") and "pracownik" / "працівник" is an
# employee in labour law, not the Belong team, so those two checks stay with the catalogs.
PL_FAQ = ([p for p in PL_INFORMAL if "państw" not in p] + PL_GENDERED_SELF + SLASH_GENDER
          + SLASH_GENDER_FAQ + PL_FAQ_IMPERATIVES)
UK_FAQ = UK_INFORMAL + SLASH_GENDER + SLASH_GENDER_FAQ
# Proper names quoted as they are written (a gov.pl service), not words addressed to the reader.
FAQ_PROPER_NAMES = ["Twój e-PIT"]


def _faq_texts() -> list[tuple[str, str, str, str]]:
    from bot.config import PROJECT_ROOT
    from bot.content.yaml_io import load_dir

    roots, errors = load_dir(PROJECT_ROOT / "content")
    assert errors == []
    out: list[tuple[str, str, str, str]] = []

    def walk(node) -> None:
        for field, values in (("title", node.titles), ("body", node.bodies),
                              ("details", node.details)):
            for lang in ("pl", "uk"):
                if values.get(lang):
                    out.append((node.slug, field, lang, values[lang]))
        for child in node.children:
            walk(child)

    for root in roots:
        walk(root)
    return out


def test_faq_answers_keep_the_same_voice():
    texts = _faq_texts()
    assert len(texts) > 500  # every answer's pl/uk title, body and details were read
    found = []
    for slug, field, lang, text in texts:
        # Markup, addresses (with or without https://) and e-mails are not words of the voice.
        words = re.sub(r"<[^>]+>|https?://\S+|[\w.+-]+@[\w.-]+|\b[\w-]+(\.[\w-]+)+/\S*", " ", text)
        for name in FAQ_PROPER_NAMES:
            words = words.replace(name, " ")
        for pattern in PL_FAQ if lang == "pl" else UK_FAQ:
            for match in re.finditer(pattern, words, flags=re.IGNORECASE):
                found.append(f"{slug} {field} {lang}: {match.group(0)!r}")
    assert found == []


def test_the_faq_checks_catch_what_they_are_for():
    def hits(patterns: list[str], text: str) -> bool:
        return any(re.search(p, text, flags=re.IGNORECASE) for p in patterns)

    assert hits(PL_FAQ, "Możesz iść do dowolnego punktu. Zadzwoń do Twojego lekarza.")
    assert hits(PL_FAQ, "Zachorowałeś/-aś w nocy? Idź do punktu i zapytaj o receptę.")
    assert hits(PL_FAQ, "Jeśli jesteś zarejestrowany/-a jako bezrobotny/-a")
    assert hits(PL_FAQ, "Zabierz paszport.") and hits(PL_FAQ, "Nie czekaj na infolinię.")
    assert not hits(PL_FAQ, "Można iść do dowolnego punktu. Proszę zadzwonić do lekarza.")
    assert not hits(PL_FAQ, "Proszę zabrać paszport i zapytać o receptę; nie czekać na infolinię.")
    assert not hits(PL_FAQ, "Wiza wydana przez inne państwo Schengen; prawa pracownika.")
    assert hits(UK_FAQ, "Якщо ви захворіли/-ла, телефонуй 112.")
    assert not hits(UK_FAQ, "Якщо ви захворіли, телефонуйте 112.")
