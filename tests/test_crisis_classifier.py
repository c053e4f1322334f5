"""The crisis classifier's behaviour on the cases its design is about: spellings, word
distance, negation, guard words, glued negations, long texts, the learned scorer beside
the rules."""

from __future__ import annotations

import pytest

from bot.safety.crisis import CATEGORIES, CrisisSignal, classify, combine
from bot.safety.scorer import FORMAT, HEADS, Model, Scores, features


@pytest.mark.parametrize(("text", "category"), [
    ("не хочу жити", "suicide"),
    ("ne khochu zhyty", "suicide"),  # Ukrainian in Latin letters
    ("ne hochu zhit", "suicide"),  # Russian in Latin letters
    ("nie chce zyc", "suicide"),  # Polish without diacritics
    ("нехочу жить", "suicide"),  # a glued negation
    ("я вже зовсім не хочу далі жити", "suicide"),  # words in between
    ("жить не хочется", "suicide"),  # another word order
    ("нема сенсу жити", "suicide"),  # indirect
    ("не хочу жити в цьому світі", "suicide"),  # "in" + world is not about housing
    ("думаю про самагубство", "suicide"),  # a typo
    ("I want to kill myself", "suicide"),
    ("мене б'є чоловік", "violence"),
    ("чоловік мене б'є", "violence"),
    ("boję się wrócić do domu", "violence"),
    ("he took my passport", "trafficking"),
    ("роботодавець забрав паспорт і не віддає", "trafficking"),
    ("дитина зникла", "child"),
    ("he is not breathing", "medical"),
    ("сильна кровотеча, кров не зупиняється", "medical"),
])
def test_crisis_is_found(text, category):
    signal = classify(text)
    assert category in signal.categories, (text, signal)


@pytest.mark.parametrize("text", [
    "не хочу жити в гуртожитку, де знайти квартиру",  # housing
    "не думаю про самогубство, просто питаю про психолога",  # negated
    "I'm not suicidal, I need a family doctor",
    "чоловік мене не б'є, але кричить",  # negated
    "як викликати швидку",  # how emergency services work: the search answers it
    "how to call an ambulance",
    "my boss did not pay me",  # a labour issue without coercion
    "шеф погрожує звільненням",  # a threat to fire, not coercion
    "I lost my passport",
    "консульство забрало паспорт на візу",  # an office keeps it
    "мама перенесла інсульт рік тому, реабілітація",  # a past event
    "дитина хворіє, температура 38",
    "",
    "   ",
])
def test_ordinary_is_not_flagged(text):
    assert not classify(text), (text, classify(text))


@pytest.mark.parametrize("text", [
    # a word or two, chit-chat and test messages: too little for the learned scorer to judge
    "hej", "one", "two", "anyone?", "original", "dropped", "добрий вечір", "siema",
    "zzqx nothing matches this",
    "секретне питання про житло",  # житло (housing) shares letters with жити (to live)
])
def test_short_and_everyday_text_gets_neither_card_nor_note(text):
    signal = classify(text)
    assert not signal and not signal.note, (text, signal)


@pytest.mark.parametrize("text", [
    # everyday trouble in words the crisis messages also use ("missing", "not", "blocked")
    # (still a card, not asserted: "my parcel is missing", "the baby is not sleeping well"
    # from the scorer, "my son is missing school because of illness" from a rule)
    "the website is not working", "I missed the bus", "my bank card was blocked",
    "I lost my keys", "I am stuck at the border",
    "zablokowali mi konto", "пропав лист з ужонду", "у мене закінчилась віза",
])
def test_everyday_trouble_gets_no_card(text):
    assert not classify(text), (text, classify(text))


def test_negation_does_not_reach_past_the_clause():
    assert classify("не знаю, що робити. хочу померти").categories == {"suicide"}


def test_signal_lists_categories_in_a_fixed_order():
    signal = classify("чоловік б'є дитину, вона не дихає")
    assert signal.ordered() == [c for c in CATEGORIES if c in signal.categories]
    assert {"child", "medical"} <= signal.categories
    assert not CrisisSignal()


def test_long_text_is_read_up_to_its_bound():
    # Speed is measured in bench/bench_crisis.py (p50/p99 per message), not asserted here.
    ticket = ("Доброго дня, я працюю на складі в Гданську, маю питання щодо договору. " * 60)
    assert len(ticket) > 4000
    assert not classify(ticket[:3000])
    assert classify(ticket[:3000] + " хочу померти").categories == {"suicide"}
    assert not classify(ticket + " хочу померти")  # past MAX_CHARS: not read


def test_rules_alone_and_the_learned_scorer_beside_them():
    rules_only = classify("не хочу жити", learned=False)
    assert rules_only.categories == {"suicide"} and rules_only.score == 0.0
    both = classify("не хочу жити")
    assert both.categories >= {"suicide"} and both.any_help and not both.note
    assert 0.0 < both.score <= 1.0


def test_scorer_features_meet_across_scripts():
    """Ukrainian in Cyrillic and in Latin letters share most of their character grams."""
    cyrillic = set(features("не хочу жити"))
    latin = {f for f in features("ne khochu zhyty") if not f.startswith("E")}
    assert len(cyrillic & latin) >= len(cyrillic) // 2
    # English words also get their English spelling: "be" is not only Ukrainian "б'є"
    assert "Ew:be" in features("I would rather be dead")
    assert not any(f.startswith("E") for f in features("мене б'є чоловік"))


def test_the_note_is_only_for_signals_without_a_card():
    assert not CrisisSignal(frozenset({"suicide"}), note=False).note
    weak = CrisisSignal(note=True)
    assert not weak and weak.any_help


@pytest.mark.parametrize(("one_hint", "two_hints"), [
    ("I'm tired of everything at work", "I'm tired of everything. I can't take it anymore"),
    ("не можу більше чекати на карту", "не можу більше, набридло все"),
    ("rozdałam rzeczy po dzieciach", "rozdałam swoje rzeczy, dziś wszystko się skończy"),
])
def test_one_hint_is_no_crisis_two_different_hints_are(one_hint, two_hints):
    assert not classify(one_hint)
    assert "suicide" in classify(two_hints).categories


@pytest.mark.parametrize(("one_hint", "two_hints"), [
    ("обещали работу на складе, а дали на кухне", "обещали работу на складе, а теперь говорят, что "
     "мы должны отработать перелёт"),
    ("i ran away from the rain into a cafe", "i ran away from the farm, they still have my "
     "passport"),
    ("ми з хлопцями втекли з нудної лекції", "ми втекли з ферми, паспорти лишилися у власника"),
])
def test_hints_of_forced_labour_take_two(one_hint, two_hints):
    assert not classify(one_hint, learned=False)
    assert "trafficking" in classify(two_hints, learned=False).categories


@pytest.mark.parametrize("text", [
    "мене б'є чоловік, діти все бачать",
    "mąż mnie bije, dzieci płaczą w pokoju",
    "my husband beats me and the kids are in the next room",
])
def test_violence_where_a_child_is_named_gets_the_child_line_too(text):
    # The rules alone, so no model can add the line: the card needs 116 111 beside
    # Niebieska Linia (issue 11: a line for every category the message is about).
    assert classify(text, learned=False).categories >= {"violence", "child"}, text


@pytest.mark.parametrize("text", ["мене б'є чоловік", "my husband beats me"])
def test_violence_without_a_child_gets_no_child_line(text):
    assert classify(text, learned=False).categories == {"violence"}, text


def _model(**thresholds) -> Model:
    """A model without features, only its decision thresholds."""
    return Model({"format": FORMAT, "heads": list(HEADS), "bias": [0.0] * len(HEADS),
                  "step": 0.01, "features": "", "weights": [[] for _ in HEADS],
                  "thresholds": thresholds})


def _scores(crisis: float, **heads: float) -> Scores:
    return Scores(crisis, {c: heads.get(c, 0.01) for c in CATEGORIES})


def test_a_cancelled_rule_leaves_the_card_to_a_very_sure_scorer():
    model = _model(card=0.6, note=0.3, category=0.1, cancelled=0.9)
    # A rule's words were there but a guard cancelled it ("не вижу смысла жить *в* этом всём")
    cancelled = CrisisSignal(cancelled=True)
    assert combine(cancelled, _scores(0.95, suicide=0.9), model).categories == {"suicide"}
    middling = combine(cancelled, _scores(0.8, suicide=0.9), model)
    assert not middling and middling.note  # above the card threshold, below the cancelled one
    assert combine(CrisisSignal(), _scores(0.8, suicide=0.9), model).categories == {"suicide"}
    # A negation cancelled it ("чоловік мене не б'є"): the scorer does not see negations.
    negated = CrisisSignal(cancelled=True, negated=True)
    assert not combine(negated, _scores(0.99, violence=0.9), model)


@pytest.mark.parametrize("text", [
    "у нас вчора знову був обстріл, мама в порядку",
    "мене вб'ють вдома якщо я забуду купити хліб",
    "my father used to hit me",
    "ojciec był dla nas surowy, ale to dawno było, wszystko w porządku",
    "в детстве отчим нас бил, сейчас хочу пойти к психологу",
    # said outright that no harm is meant (wip/crisis8)
    "не хвилюйся, я нічого з собою не зроблю, просто скажи де психолог",
    "I don't want to die, I just want to know how to get a GP appointment",
    "nic sobie nie zrobię, szukam tylko terapeuty",
])
def test_told_calmly_the_scorer_alone_gives_the_note_not_the_card(text):
    model = _model(card=0.6, note=0.3, category=0.1, cancelled=0.9)
    calm = classify(text, learned=False)
    assert not calm and calm.calm, text
    signal = combine(calm, _scores(0.95, violence=0.9), model)
    assert not signal and signal.note, text


@pytest.mark.parametrize(("text", "category"), [
    ("він давно мене б'є", "violence"),  # "давно" here: for a long time, and still
    ("мама в порядку, але я не хочу жити", "suicide"),
    ("my husband used to hit me and now he beats our son", "violence"),
])
def test_a_rules_card_stands_when_told_calmly(text, category):
    signal = classify(text)
    assert category in signal.categories, (text, signal)


def test_the_scorers_card_stands_without_calm_words():
    model = _model(card=0.6, note=0.3, category=0.1, cancelled=0.9)
    signal = combine(classify("у нас вчора знову був обстріл, мама плаче", learned=False),
                     _scores(0.95, violence=0.9), model)
    assert signal.categories == {"violence"}


def test_a_rules_card_names_the_categories_the_scorer_finds_likely():
    model = _model(card=0.6, note=0.3, category=0.1, rule_category=0.3)
    rules = CrisisSignal(frozenset({"violence"}), ("a rule",))
    # the scorer below its card threshold still names the lines the card needs
    assert combine(rules, _scores(0.4, violence=0.9, trafficking=0.5), model).categories == {
        "violence", "trafficking"}
    assert combine(rules, _scores(0.4, violence=0.9, trafficking=0.2), model).categories == {
        "violence"}


@pytest.mark.parametrize(("text", "category"), [
    ("żona mocno krwawi, jest w 30 tygodniu ciąży", "medical"),  # bleeding in pregnancy
    ("вагітна, почалася кровотеча", "medical"),
    ("she is pregnant and bleeding", "medical"),
    ("brygadzista bije tych, którzy chcą odejść", "trafficking"),  # an employer who beats
    ("бригадир бьёт тех, кто хочет уйти", "violence"),
    ("szef schował nasze paszporty do sejfu", "trafficking"),
    ("шеф каже, якщо підемо, то здасть нас як нелегалів", "trafficking"),
    ("the manager says he'll report us to immigration if we quit", "trafficking"),
    ("син нипришов зі школи", "child"),  # "ни" glued for "не", typed in a hurry
    ("mój syn nie przyszedł ze szkoły", "child"),
    ("ребенок был избит отчимом", "child"),  # "был" (was) is no longer "бил", "избит" is
    ("dziecko jest pobite", "child"),
    # a last message; a baby crying for days behind a door (wip/crisis6)
    ("to moja ostatnia wiadomość, dziękuję wam", "suicide"),
    ("this is my last message, please look after my mum", "suicide"),
    ("the neighbours kid has been crying for three days and nobody answers the door", "child"),
    # the guards of wip/crisis6 leave these as they were
    ("мій чоловік мене душить", "violence"),  # not rent that "strangles"
    ("мама стікає кров'ю", "medical"),  # "стікає" (bleeds out), not "тікає" (runs away)
    # plans and means, "after me", threats and confinement (wip/crisis8)
    ("накопичила достатньо снодійного, сиджу з ним у ванній", "suicide"),
    ("zebrałem wszystkie leki z domu i siedzę z nimi w samochodzie", "suicide"),
    ("стою на крыше девятиэтажки и смотрю вниз уже полчаса", "suicide"),
    ("кому віддати ключі і гроші після мене", "suicide"),
    ("please give my cat to my sister after i'm gone", "suicide"),
    ("i can't pay rent next month but i won't be around by then anyway", "suicide"),
    ("він сказав що як я піду то мене не стане", "violence"),
    ("he told me if i call the police he'll break my neck", "violence"),
    ("chłopak zabrał mi telefon i nie wypuszcza z domu", "violence"),
    ("сожитель запер меня с дочкой в ванной", "violence"),
    ("dziadek nie może mówić, ręka mu zwisa", "medical"),
    ("соседский мальчик весь в синяках и боится идти домой", "child"),
    # trafficking told indirectly, plans and goodbyes (wip/crisis9)
    ("нас продали якомусь чоловіку, забрали телефони", "trafficking"),
    ("zamykają nas na noc na klucz w baraku", "trafficking"),
    ("i was sold to a man who keeps us in a flat", "trafficking"),
    ("бывший забрал дочку и не отдаёт уже неделю", "child"),
    ("mąż powiedział że mnie załatwi, jak wrócę", "violence"),
    ("письма детям лежат в ящике стола, ключи у соседки", "suicide"),
    ("вже вирішив коли і як, просто скажіть мамі що я її любив", "suicide"),
    ("sitting in my car in the garage, the engine is running", "suicide"),
    ("jestem ciężarem dla całej rodziny", "suicide"),
    ("piszę ostatni raz, dziękuję za pomoc z kartą", "suicide"),
    ("i won't need my bank card after this sunday, how do i close the account", "suicide"),
    # the past and "all right now" are not enough when it is not over (wip/crisis10)
    ("минулого року він мене вже бив, а зараз знову погрожує, що вб'є", "violence"),
    ("w zeszłym roku zabrał mi paszport i dalej go trzyma, nie mogę wyjść", "trafficking"),
    ("my father had a stroke a year ago, now he can't speak again and his face droops", "medical"),
])
def test_the_rules_find_crisis(text, category):
    signal = classify(text, learned=False)
    assert category in signal.categories, (text, signal)


@pytest.mark.parametrize("text", [
    # past events and others' events told calmly, idioms, questions (wip/crisis5)
    "córka złamała rękę w zeszłym roku, czy potrzebne jest zaświadczenie",
    "дочь сломала ногу на прошлой неделе, гипс уже сняли",
    "tata miał udar w zeszłym roku, jak załatwić rehabilitację",
    "дідусь задихається при ходьбі вже місяць, до якого лікаря",
    "w dzieciństwie ojciec mnie bił, szukam terapeuty",
    "в дитинстві вітчим мене бив, чи є психолог українською",
    "zabije mnie ta biurokracja, czwarty raz ten sam formularz",
    "курси самооборони для підлітків у Гдині",
    "чи можна подзвонити на 112 без сім-картки",
    "адміністрація гуртожитку не реагує на скарги",
    "w szkole był wykład o przemocy w rodzinie",  # "był" (was) is not "bił" (beat)
    "pracodawca chce kopię paszportu",  # "kopię" (a copy) is not "kopie" (kicks)
    "szef bije pięścią w stół, kiedy się złości",
    "chcę zniknąć na weekend nad morze",
    "mama zemdlała w zeszłym tygodniu, lekarz zlecił badania",
    # everyday Polish words that fold to a crisis word's skeleton
    "urząd grozi mi utratą pobytu, co robić",  # "pobytu" is not "побити" (to beat)
    "dziecko zmarzło na spacerze, ma katar",  # "zmarzło" is not "zmarło" (died)
    "мені погрожують відмовою в карті побиту",  # "побиту" (pobytu), not "побити" (to beat)
    "сын был в школе на экскурсии, нужна справка",  # "был" (was) is not "бил" (beat)
    "чи можна дитині самій їздити автобусом до школи",  # "їздити" is not "избит"
    # heavy words used innocently (hold-out 15's false cards, wip/crisis6)
    "наш кіт помирає, де недорога ветклініка",  # a pet
    "my cat is dying, is there a cheap vet open on sunday",
    "душить мене цей кредит, як знайти дешевшу квартиру",  # a loan that "strangles"
    "у фільмі героїня тікає від чоловіка-тирана, чи є він з українськими субтитрами",
    "на каком сроке нужно делать первое узи",  # "сроке" (term) is not "stroke"
    "работодатель держит копию паспорта у себя в папке",  # a copy
    "my dad will kill me if i forget to call him on sunday",
    "this is my last message about the refund, please answer",
    "синє коліно після падіння з велосипеда, чи треба рентген",  # a bruise
    "бригадир грозит не продлить договор, если откажемся от сверхурочных",
    "my father used to hit me, now i want to talk to someone about it",
    # heavy words used innocently (hold-outs 16 and 17's false cards, wip/crisis8)
    "мама сказала що вб'є мене якщо я знову забуду ключі, ахах",
    "my mom will kill me if i don't call her tonight haha",
    "хочу исчезнуть из города на выходные, куда поехать",
    "i want to disappear for the weekend, any quiet lake nearby",
    "read about a trafficking case in court in gdynia, how do i check an agency",
    "когда я был маленьким отец меня бил, хочу понять как воспитывать сына иначе",
    "pracodawca chce kopie paszportu, to normalne?",  # "kopie" typed without "ę": a copy
    "як продовжити рецепт на інсулін без візиту",  # "інсулін" is not "інсульт"
    "після мене в черзі ще двоє людей, скільки чекати",  # after me in a queue
    "my husband took my phone to the shop to fix the screen",
    "муж забрал телефон у сына, потому что тот сидит в нём до ночи",
    "we were standing on the bridge looking down at the boats, lovely view",
    "зібрала всі ліки для мами в аптечку для поїздки",
    "who will water my plants when i'm gone on holiday",
    # heavy words used innocently (hold-out 18's false cards, dev19, wip/crisis9)
    "в новинах писали, що в Гдині затримали торговців людьми, як перевірити агенцію",
    "на работе завал, прихожу домой никакая, где искать другую работу",
    "pracodawca chce trzymać kopię paszportu w aktach",
    "jak dojechać do Kartuz, zabrali mi dokumenty do urzędu na wymianę",
    "мені продали зламаний телефон, як повернути гроші",
    "they sold me a broken bike, can i get my money back",
    # one hint, once in each word order: a cue and its mirror are not two hints
    "борг за кредит росте щомісяця, а тепер ще й росте борг за світло, куди звернутися",
    "оренда стала для нас тягарем, де шукати дешевше житло",
    "my plants keep dying on the balcony, too cold?",
    "I want to end my gym membership",
    "the school says my son is missing a vaccination",
    "i won't need my flat after this friday because i'm moving to berlin",
    # over and done with, folding clashes, a pet (hold-out 19's false cards, wip/crisis10)
    "два роки тому власник ферми тримав мій паспорт, зараз я в іншому місці і все добре, куди скаржитись",
    "w zeszłym miesiącu szef zabrał mi dowód na dwa dni, już oddał i teraz jest dobrze, czy to legalne",
    "минулого року брат упав з риштувань, вже одужав, чи можна отримати компенсацію",
    "який строк подачі документів на карту побуту",
    "подала заяву на карту побиту, мама питає коли буде відповідь",
    "кіт після стерилізації, судоми і напад хвилину тому, яка ветклініка працює вночі",
])
def test_the_rules_leave_past_events_idioms_and_questions(text):
    assert not classify(text, learned=False), (text, classify(text, learned=False))
