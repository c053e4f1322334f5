"""The FAQ answers added for issue 11 are found by what people type, and fit a phone screen.

The bundled content is imported into a real SQLite file through `ContentStore`, the way
the bot loads it, and each question below goes through the same search the bot runs for
a free-text message. The expected answer must be the first hit: the bot shows the top
hits as buttons, and a topic that only comes second behind an unrelated answer is one a
person under stress will not open.
"""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.config import LANGUAGES, PROJECT_ROOT
from bot.content.search import SearchIndex
from bot.content.service import ContentStore
from bot.content.yaml_io import MAX_FIRST_SCREEN, load_dir, visible_length
from bot.db.engine import create_engine, create_session_factory
from bot.db.migrate import upgrade_async

CONTENT = PROJECT_ROOT / "content"

# (expected answer, language, what a person types). The "uk" rows include Russian and
# Ukrainian in Latin letters: both are typed into the Ukrainian interface.
QUERIES: list[tuple[str, str, str]] = [
    ("legal-stay-pesel-no-meldunek", "pl", "jak dostać pesel bez meldunku"),
    ("legal-stay-pesel-no-meldunek", "uk", "як отримати песель без прописки"),
    ("legal-stay-pesel-no-meldunek", "uk", "песель без прописки"),
    ("legal-stay-pesel-no-meldunek", "en", "PESEL without a registered address"),
    ("legal-stay-ua-consulate", "pl", "konsulat Ukrainy w Gdańsku"),
    ("legal-stay-ua-consulate", "uk", "консульство україни в гданську"),
    ("legal-stay-ua-consulate", "uk", "консульство украины гданьск загранпаспорт"),
    ("legal-stay-ua-consulate", "uk", "konsulstvo ukrainy gdansk"),
    ("legal-stay-ua-consulate", "en", "Ukrainian consulate in Gdansk"),
    ("work-minimum-wage", "pl", "ile wynosi płaca minimalna 2026"),
    ("work-minimum-wage", "uk", "яка мінімальна зарплата в польщі"),
    ("work-minimum-wage", "uk", "минимальная зарплата"),
    ("work-minimum-wage", "en", "minimum wage 2026"),
    ("work-contract-types", "pl", "umowa zlecenie czy umowa o prace"),
    ("work-contract-types", "uk", "що дає договір доручення"),
    ("work-contract-types", "uk", "umowa o dzielo"),
    ("work-contract-types", "en", "mandate contract or employment contract"),
    ("work-pit-tax-return", "pl", "jak rozliczyć PIT-37"),
    ("work-pit-tax-return", "uk", "як подати податкову декларацію"),
    ("work-pit-tax-return", "uk", "налоговая декларация возврат налога"),
    ("work-pit-tax-return", "en", "how to file my tax return"),
    ("education-preschool", "pl", "zapisy do przedszkola"),
    ("education-preschool", "pl", "zerowka dla szesciolatka"),
    ("education-preschool", "uk", "як записати дитину в садочок"),
    ("education-preschool", "uk", "записать ребенка в садик"),
    ("education-preschool", "uk", "sadochok"),
    ("education-preschool", "en", "kindergarten for my child"),
    ("social-help-bank-mobywatel", "pl", "jak założyć konto w banku"),
    ("social-help-bank-mobywatel", "pl", "aplikacja mObywatel"),
    ("social-help-bank-mobywatel", "uk", "як відкрити рахунок у банку"),
    ("social-help-bank-mobywatel", "uk", "застосунок mobywatel"),
    ("social-help-bank-mobywatel", "en", "open a bank account"),
    ("legal-stay-driving-licence", "pl", "wymiana prawa jazdy"),
    ("legal-stay-driving-licence", "uk", "обмін водійських прав"),
    ("legal-stay-driving-licence", "uk", "водительские права украина"),
    ("legal-stay-driving-licence", "en", "exchange my driving licence"),
    ("work-sick-leave", "pl", "zwolnienie lekarskie L4"),
    ("work-sick-leave", "uk", "лікарняний"),
    ("work-sick-leave", "uk", "больничный"),
    ("work-sick-leave", "uk", "likarnianyi"),
    ("work-sick-leave", "en", "sick leave"),
    ("work-parental-leave", "pl", "urlop macierzyński"),
    ("work-parental-leave", "uk", "декретна відпустка"),
    ("work-parental-leave", "uk", "декретный отпуск"),
    ("work-parental-leave", "en", "maternity leave"),
    ("legal-stay-sworn-translator", "pl", "tłumacz przysięgły"),
    ("legal-stay-sworn-translator", "uk", "присяжний перекладач"),
    ("legal-stay-sworn-translator", "uk", "присяжный переводчик документов"),
    ("legal-stay-sworn-translator", "en", "sworn translator"),
    ("legal-stay-permanent", "pl", "pobyt stały"),
    ("legal-stay-permanent", "pl", "rezydent długoterminowy UE"),
    ("legal-stay-permanent", "uk", "постійне проживання"),
    ("legal-stay-permanent", "uk", "пмж в польше"),
    ("legal-stay-permanent", "en", "permanent residence"),
    ("health-dentist", "pl", "dentysta na NFZ"),
    ("health-dentist", "uk", "стоматолог безкоштовно"),
    ("health-dentist", "uk", "болит зуб"),
    ("health-dentist", "en", "dentist"),
    ("health-vaccinations", "pl", "szczepienia dziecka"),
    ("health-vaccinations", "uk", "щеплення дитині"),
    ("health-vaccinations", "uk", "прививки"),
    ("health-vaccinations", "uk", "shcheplennia dytyni"),
    ("health-vaccinations", "en", "vaccinations for children"),
    ("housing-winter-shelters", "pl", "noclegownia Gdańsk"),
    ("housing-winter-shelters", "uk", "нічліжка"),
    ("housing-winter-shelters", "uk", "где спать зимой ночлежка"),
    ("housing-winter-shelters", "en", "night shelter"),
    ("housing-winter-shelters", "en", "homeless in winter"),
    ("work-non-ukrainian", "pl", "praca dla obywatela Gruzji"),
    ("work-non-ukrainian", "uk", "робота для громадян Молдови"),
    ("work-non-ukrainian", "uk", "работа для граждан Грузии"),
    ("work-non-ukrainian", "en", "work in Poland for citizens of Georgia"),
    ("emergency-trafficking", "pl", "handel ludźmi"),
    ("emergency-trafficking", "uk", "забрали паспорт на роботі"),
    ("emergency-trafficking", "uk", "торговля людьми"),
    ("emergency-trafficking", "uk", "torhivlia liudmy"),
    ("emergency-trafficking", "en", "human trafficking"),
    ("social-help-free-legal-aid", "pl", "nieodpłatna pomoc prawna"),
    ("social-help-free-legal-aid", "uk", "безоплатна правнича допомога"),
    ("social-help-free-legal-aid", "en", "free state legal aid"),
    ("social-help-free-legal-aid", "pl", "darmowy prawnik"),
    ("social-help-free-legal-aid", "uk", "безкоштовний юрист"),
    ("social-help-free-legal-aid", "en", "free lawyer"),
]
TOPICS = sorted({slug for slug, _, _ in QUERIES})


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> SearchIndex:
    """The search index of the bundled content, imported into a real SQLite database."""

    async def load() -> SearchIndex:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('topics') / 'content.db'}"
        await upgrade_async(url)
        engine = create_engine(url)
        try:
            store = ContentStore(create_session_factory(engine), refresh_seconds=0)
            await store.import_dir(CONTENT)
            await store.reload()
            return store.index
        finally:
            await engine.dispose()

    return asyncio.run(load())


@pytest.fixture(scope="module")
def answers() -> dict:
    roots, errors = load_dir(CONTENT)
    assert errors == []
    found = {}
    stack = list(roots)
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        if node.kind == "answer":
            found[node.slug] = node
    return found


QUERY_IDS = [f"{slug}-{lang}-{n}" for n, (slug, lang, _) in enumerate(QUERIES)]


@pytest.mark.parametrize(("slug", "lang", "query"), QUERIES, ids=QUERY_IDS)
def test_topic_is_the_first_hit(index: SearchIndex, slug: str, lang: str, query: str) -> None:
    hits = index.search(query, lang)
    assert hits, f"{query!r} found nothing"
    assert hits[0].slug == slug, f"{query!r} ({lang}) -> {[h.slug for h in hits]}"


def test_every_topic_is_asked_in_every_language() -> None:
    for slug in TOPICS:
        asked = {lang for s, lang, _ in QUERIES if s == slug}
        assert asked >= set(LANGUAGES), (slug, asked)


@pytest.mark.parametrize("slug", TOPICS)
def test_topic_answer_fits_a_phone_screen_and_is_sourced(answers: dict, slug: str) -> None:
    answer = answers[slug]
    for lang in LANGUAGES:
        assert answer.titles.get(lang), (slug, lang)
        body = answer.bodies.get(lang)
        assert body, (slug, lang)
        assert visible_length(body) <= MAX_FIRST_SCREEN == 600, (slug, lang, visible_length(body))
        assert answer.details.get(lang) or not answer.details, (slug, lang)
        assert answer.keywords.get(lang), (slug, lang)
    assert answer.sources and all(s.startswith(("https://", "http://")) for s in answer.sources)
    assert answer.reviewed == dt.date(2026, 12, 7)
    if answer.review_status == "check":
        assert answer.review_note
