"""Ukrainian, Russian and Polish (and their transliterations): one vocabulary ("sl") and its
rules. People mix the three ("мені не платить pracodawca"), and the folded forms of the three
rarely clash. See bot/safety/patterns/__init__.py for how entries and rules are written."""

from __future__ import annotations

from bot.safety.patterns import common as guard
from bot.safety.patterns.common import (
    DYING_TO,
    IDIOM,
    LIVING_PLACE,
    ONLINE,
    TOPIC,
    cue,
    near,
    seq,
    unless,
)

FILLERS_SL = """я ja ж же то вже уже już дуже очень bardzo зовсім совсем wcale просто prostu
    навіть даже nawet більше больше więcej im am збираюсь збираюся собираюсь zamierzam планую
    планирую planuję думаю думала думав myślę myślałam myślałem про о o об"""

# "в детстве отчим меня бил, есть психологи?": told of a childhood, not happening now
TOLD_OF_CHILDHOOD = unless("CHILDHOOD", window=6)
# short of breath for a month, asked to find a doctor: not choking now
FOR_WEEKS = unless("LONG_AGO|CHILDHOOD|давно|dawno|часто|często", window=8)
# "душить мене ця оренда", "він мене вбиває своїми питаннями": rent, loans or questions
# that "strangle" or "kill" (hold-out 15's first run)
AS_A_BURDEN = unless("""оренд*|аренд*|кредит*|іпотек*|ипотек*|czynsz*|kredyt*|податк*|налог*
    |podatk*|своїми|своими|swoimi|питанн*|вопрос*|pytani*""".replace("\n", "").replace(" ", ""),
    window=3)
# "коліно досі синє": a bruise, not a child turning blue
A_BRUISE = unless("""коліно|колено|коліна|колена|kolano|kolana|нога|ногу|ноги|рука|руку|руки
    |noga|nogę|ręka|rękę|синяк*|siniak*|палець|палец|LONG_AGO|EVERYDAY""".replace("\n", "").replace(
    " ", ""), window=4)

# "pracodawca chce trzymać kopię paszportu" (hold-out 18): "kopię" is matched as typed (`COPY`,
# it folds to "kopie", kicks), so the shared guard's folded words never see it
A_COPY_PL = unless("COPY", window=3)

WORDS: dict[str, str] = {
    # English negations too: "suicidal" also matches the Slavic stem (suicyd*, суицид*).
    "NEG": "не ні нет ніколи никогда nie nigdy ne not never dont",
    "NONE": "нема немає нету нет brak без bez ma",  # "nie ma" = NEG + ma
    "FILLER": FILLERS_SL,
    # -- suicide and self-harm
    "WANT": """хочу хочеться хочется хотілося хотілось хотелось хотів хотіла хотел хотела хачу
        хочю хачю
        хочемо прагну мрію мечтаю marzę chcę chce chciałabym chciałbym chciałam chciałem
        hochu hocu""",
    "CAN": "можу могу mogę moge можемо можу могу",
    "LIVE": "жити жить żyć жыть існувати существовать istnieć",
    # "!житті": folded, "в житті" (in life) is "жити" (to live)
    "LIFE": "життя життям !житті жизнь жизни жизнью życie życia życiem życiu",
    "DIE": """померти вмерти умерти умереть помереть умирать помирати вмирати сдохнуть
        здохнути umrzeć umierać zdechnąć zniknąć зникнути исчезнуть""",
    "DIED": "помер померла умер умерла umarł umarła умерла вмер вмерла",
    "SELF": "себе себя się",
    "SELF2": "собою собой sobą сабой собой",
    "KILL": """вбити убити убить вбивати убивать вб'ю убью вб'є убьет zabić zabije zabiję zabijam
        застрелитися застрелиться повіситися повеситься powiesić""",
    "FINISH": "покінчити покончить покінчу покончу skończyć skończę закінчити покончила",
    "SUICIDE": """суїцид* суицид* самогубств* самогуб* самоубийств* samobój* suicyd*
        =samobojstwo""",
    "CUT": "ріжу режу порізати порезать порізала порезала різати резать tnę ciąć pociąć pocięłam",
    "VEINS": "вени вены żyły вени",
    "MEANING": "сенс* смысл* sens",
    "TIRED": "втомилася втомився втомилась устала устал zmęczona zmęczony dość",
    "BETTER": "краще лучше lepiej легше легче łatwiej простіше проще",
    "WITHOUT_ME": "мене меня mnie",
    # -- violence at home, sexual violence
    "ABUSER": """чоловік чоловіка чоловіком муж мужа мужем mąż męża mężem партнер* partner*
        хлопець хлопця парень парня chłopak* бойфренд* співмешкан* сожител* konkubent*
        колишній колишнього бывший бывшего były byłego вітчим* отчим* ojczym* свекор свекруха
        свекр* teść teściowa батько тато отец папа ojciec tata мама мати матір mama matka
        брат brat син сын syn дружина жена żona батьки родители rodzice""",
    "PARENTS": "батьки батько мати родители rodzice ojciec matka вітчим* отчим* ojczym*",
    "HE": "він він он on вона она ona вони они oni",
    "ME": "мене меня mnie нас nas мені мне mi",
    "HIT": """б'є б'ють бьет бьют бил била бив побив побила побил избил избила избива* skopał
        kopnął
        збива* бити бить bije biją bił biła pobił pobiła uderz* вдарив вдарила ударил ударила
        штовхає толкает popycha kopie копает душить душив душил dusi dusił знуща* издева*
        znęca* кривдить krzywdzi лупить лупит катує пытает
        =избит* =избитый =побитий =побита =побиті =побитая =pobity =pobita =pobite =pobitego
        =pobici""",
    "THREATEN": """погрожує погрожують погрожував погрожувала пригрозив пригрозила угрожает
        угрожают угрожал пригрозил grozi grożą groził zagroził zagroziła шантаж* szantaż*""",
    "HURT": "побити побить pobić покалічити покалечить зарізати зарезать",
    "FEAR": "боюся боюсь boję boje страшно strach лякаюсь",
    "HOME": "додому домой domu вдома дома",
    "FLAT": "квартиру квартиры квартири mieszkania",
    "RAPE": """зґвалтув* згвалтув* ґвалтує гвалтує изнасил* насилует насилувал zgwałc* zgwalc*
        gwałci* =gwałt""",
    "MOLEST": """molestuje molestował molestowanie молестує домагається домогается домогательств*
        пристає пристает пристают приставав приставал приставала""",
    "DV": "домашн* domow*",
    "VIOLENCE_N": "насильств* насили* przemoc*",
    "KNIFE": "ніж ножем нож ножом nóż nożem сокир* топор* siekier* пістолет* пистолет* broń",
    "LOCKED": """замкнули замкнула замкнув замкнул заперли запер заперла запирает зачинили зачинив
        зачинила zamknęli
        zamknął zamknęła zamyka""",
    # -- children
    "CHILD": """дит* діт* дітей дітям ребен* ребён* дети детей детям dziec* син сина сину сын
        сына syn syna synem донька доньку доньки доньці донечка дочка дочку дочки дочці дочь
        дочери córka córkę córką córki
        малий малыш малюк немовля младенец niemowl*
        хлопчик* мальчик* мальчишк* дівчинк* девочк* chłopczyk* chłopiec chłopca dziewczynk*
        trzylat* czterolat* pięciolat* трирічн* трехлетн* трёхлетн* пятилетн* п'ятирічн*
        племінниц* племянниц* siostrzenic* bratanic* сином сыном донькою дочкою дочкой дочерью""",
    "MISSING": """зник зникла зникли зникло пропав пропала пропали пропал zaginął zaginęła
        загубилося потерялось
        zaginęło zaginęli загубився загубилася потерялся потерялась zgubił zgubiła""",
    "ALONE": """сам сама самі самих саму самого одна один одні одни одних одну одного sam sama
        same sami samo samych samego samą""",
    "LEFT": """залишили залишила залишив залишає залишають кинула кинули кидає кидають
        оставили оставила оставил оставляет бросила бросили бросает zostawił zostawiła
        zostawili zostawia porzucił porzuciła""",
    # -- trafficking, forced labour
    "TAKE": """забрав забрала забрали забрал забирає забирають забирает забирают отобрал*
        відібра* відняв zabrał zabrała zabrali zabiera zabierają odebrał odebrała odebrali""",
    "KEEP": "тримає тримають держит держат trzyma trzymają",
    "GIVEBACK": """віддає віддають віддати отдает отдают отдать oddaje oddają oddać oddac
        повертає повертають возвращает возвращают zwraca zwracają""",
    "DOCS": "паспорт* paszport* документ* dokument* ID карту kartę",
    "LETGO": """відпускають відпускає випускають випускає отпускают отпускает выпускают
        выпускает wypuszczają wypuszcza puszczają""",
    "ALLOW": "дають дає дают дает pozwalają pozwala",
    "LEAVE": "піти уйти вийти выйти wyjść wyjechać поїхати уехать виїхати выехать odejść",
    "FORCE": """змушують змушує змусили змусив примушують примушує заставляют заставляет
        примусив примусила примушував принудил принудила
        заставили заставил zmuszają zmusza zmusili zmusił""",
    "WORK": """працювати работать pracować pracy роботу работу працювать жебрак* попрошайн*
        żebra*""",
    "PROSTITUTION": "проститу* prostytu* секс* seks*",
    "EMPLOYER": """роботодав* работодател* pracodaw* бос босс шеф szef* бригадир* brygadzist*
        хазяїн хозяин власник agencj* агентств* агенці* координатор* koordynator* менеджер*""",
    "DEBT": "борг* долг* dług*",
    "WORKOFF": "відпрац* отрабат* отработ* odprac* odrobi* odrabia*",
    # an employer who threatens to report a worker's status: "зганяє на депортацію"
    "DENOUNCE": """zgłosi zadzwoni doniesie powie сдаст здасть здаст донесе донесет повідомить
        сообщит розповість расскажет скаже скажет зателефонує позвонит""",
    "ILLEGAL": """нелегал* nielegal* незаконн* deport* депорт* straż* граничн* пограничн*
        міграц* миграц* imigrac*""",
    # -- medical
    "BREATHE": "дихає дихають дихати дышит дышат дышать oddycha oddychają oddychać",
    "STOPPED": "перестав перестала перестал перестала przestał przestała",
    "HARD": "важко тяжело ciężko trudno",
    "SUFFOCATE": "задихає* задихаю* задыха* dławi",
    "CONSCIOUS": "свідом* сознани* przytomn*",
    "LOST": "втратив втратила втратили потерял потеряла stracił straciła",
    "RESPOND": "реагує реагирует reaguje реагують",
    "ANSWERS": "відповідає отвечает odpowiada",
    "CANT_GET_UP": "встати встать wstać підвестися подняться",
    "FELL_DOWN": "впала впав упала упал upadła upadł przewróciła przewrócił",
    "ENDED": "скінчилося закінчилося закончилось закончилося skończyło прекратилось",
    "BLUE": "посинів посиніла синіє синеет посинел посинела sinieje zsiniał zsiniała",
    "STAND": """стою стоїть стоит stoję stoi сиджу сижу siedzę встал встала стала став стояла стояв
        стоял stałam stałem stanęłam stanąłem""",
    "WILL_BE": "буде будет będzie",
    "NO_POINT": "незачем",
    "ATE": "з'їв з'їла зʼїв зʼїла съел съела zjadł zjadła zjadło наївся наелся",
    "WAKE": "прокидається прокидаеться просыпается budzi",
    "WAKE_UP": """прокидатися прокидатись прокинутися прокинутись просыпаться проснуться
        budzić obudzić""",
    "EARLY": """рано ранку утра rano школ* szkoł* робот* работ* prac* будильник* budzik*
        годин* часов godzin*""",
    "GO_LEAVE": "піти уйти odejść піду уйду odejdę",
    "FROM": "з із зі из z ze",
    "OUT_GO": "виходити выходить wychodzić виїжджати выезжать wyjeżdżać",
    "ALLOWED": "можна можно wolno",
    "FACE": "обличчя обличчям лице лицо twarz twarzy",
    "DROOP": """перекосило перекосилось перекошене перекошено опустилося опустилась skrzywiła
        skrzywiło opadła opadł""",
    # Polish "był", "była", "byli" and Russian "был", "была", "были" (was, were) fold to the
    # skeletons of "bił", "biła", "бил", "били" (beat): matched as typed, they are only what
    # they are ("w szkole był wykład o przemocy", "сын был в школе").
    "WAS_PL": "!był !była !byli !byl !byla !был !была !были",
    # "на работе завал" (a pile of work) folds to Polish "zawał" (heart attack): matched as
    # typed, it is only what it is (hold-out 18's false card "к вечеру я просто труп")
    "WORKLOAD": "!завал !завалу !завалі !завале !завалом !завали",
    # "kopię paszportu" (a copy) folds to "kopie" (kicks)
    "COPY": "!kopię !kopii !kopia",
    # Everyday Polish words one typo from a crisis word, found by running every Polish word of
    # the ordinary development text through the vocabulary: "karta pobytu" (residence card) was
    # "побить" (to beat: "grozi mi utratą pobytu" was a threat to kill), "mail" a child,
    # "zabawki" "забрав", "prania" "парня", "marznie" "zarżnie", "zmarzł" "zmarł"; the same
    # over Ukrainian and Russian: "карта побиту/побыту", "мазь" (ointment) "mąż", "коліні"
    # (knee) "колишні" (ex).
    "STAY": """!pobyt !pobytu !pobycie !pobytem !pobytowy !pobytowa !pobytową !pobytowe
        !pobytowej !pobytowego !побиту !побыту !побыт !побыта !побыте !побыті""",
    "EVERYDAY": """!мазь !мазі !мазью !коліні !коліно !колено !колени !неможливо !повіті
        !інсулін !інсуліну !інсуліном !инсулин !инсулина !инсулином !insulina !insuliny !insulinę""",
    # "тікає" (runs away) is one letter from "стікає" (bleeds out): "героїня тікає від
    # чоловіка" was a haemorrhage (hold-out 15)
    "RUNS_AWAY": "!тікає !тікаю !тікати !тікала !тікав !утікає !втікає !тікають",
    "MAIL": "!mail !maila !mailem !maile !mailu !email !emaila !emailem",
    "PLAY": "!zabawa !zabawy !zabawę !zabawie !zabawki !zabawek !zabaw",
    "LAUNDRY": "!pranie !prania !praniu",
    # Ukrainian "питає" (asks) folds to Russian "пытает" (tortures), "подав" (filed, handed
    # in) is one letter from "продав" (sold): "донька питає", "роботодавець подав на мене
    # повідомлення" were a child hit and "sold me" (hold-out 19's false cards)
    "ASKS_UK": "!питає !питаю !питаєш !питав !питала !питали !питають !питати",
    "FILED": "!подав !подала !подали !подало",
    "FREEZING": "!marznie !marzną !marznę !zmarzł !zmarzła !zmarzło !zmarzli",
    # a week or longer ago: "на прошлой неделе", "w zeszłym roku", "минулого місяця"
    "LONG_AGO": """тиждень тижня тижні тижнів неделе неделю недели недель tydzień tygodniu
        tygodnia tygodni рік року году roku rok місяць місяця місяців месяц месяце месяца
        месяцев miesiąc miesiącu miesiąca miesięcy""",
    "CHILDHOOD": """дитинств* детств* dzieciństw* малечку змалку маленьким маленькой маленькою
        =малим =малою""",
    # a contract not renewed, a bonus cut: a labour dispute, not a threat that holds someone
    "CONTRACT": """договір договору договор договора контракт контракту umowa umowy umowę
        umowe kontrakt kontraktu премію премии премия premię premii""",
    "ERRAND": """kolejk* черг* очеред* urzęd* urząd* офіс* офис* бюрократ* biurokrac* papier*
        папер* бумаг* документ* dokument* formularz* egzamin* іспит* экзамен*""",
    "INSTITUTION": """адміністрац* администрац* administracj* управлінн* управлени* urząd urzęd*
        spółdziel* кооператив* власник* хозяин* właściciel* landlord* поліці* полици* polic*
        офіс* офис* biur* firma firmy фірм* фирм* агентств* agencj* ЖЕК ЖЭК ОСББ ТСЖ""",
    "CHRONIC": """тиждень тижня тижні тижнів неделю недели недель tydzień tygodnia tygodni
        місяць місяця місяців месяц месяца месяцев miesiąc miesiąca miesięcy днів дней dni
        давно dawno часто często іноді иногда czasem кашл* kaszl* кашл*""",
    "DOCTOR": "лікар* врач* lekarz* записат* записа* zapis* прийом* прием* wizyt* терапевт*",
    "ACUTE": """сильн* silny silne онімі* оніміл* онемел* drętwie* задиха* задыха* дихати дышать oddychać
        швидк* скор* karetk* pogotowi* 112""",
    "IDIOM_OF": "від від от od з зі із со с z ze",
    "SELFHURT": """вдарився вдарилася вдарилась вдарилося вдарилось ударился ударилась ударилось
        забився забилася забилась ушибся ушиблась упав упала упал впав впала uderzył uderzyła
        uderzyło przewrócił przewróciła""",
    # Words one typo away from a crisis word that mean something ordinary: listed exactly, so
    # they are never read as the crisis word ("поміняти" is not "померти", "робити" is not
    # "побити", "забрати документи" is the asker taking their own papers).
    "PLAIN": """поміняти поменять поміняю поменяю змінити изменить робити делать zrobić robić
        забрати забрать zabrać odebrać виселити выселить виселяють выселяют""",
    "THEY_WILL": "стане станет",
    "SWALLOWED": """проковтнув проковтнула проковтнуло ковтнув ковтнула проглотил проглотила
        połknęłam połknąłem
        проглотило połknął połknęła połknęło""",
    "OBJECT": "батарейк* bateri* магніт* магнит* magnes* монет* moneta monetę",
    "JUMP": """стрибнути стрибну прыгнуть прыгну skoczyć skoczę вистрибнути выпрыгнуть wyskoczyć
        стрибати прыгать skakać skok skoku стрибок стрибка прыжок прыжке""",
    "WHY": "навіщо нащо зачем",
    "STILL_HERE": "тут здесь живу живий живой",
    "USELESS": "користі толку пользы pożytku",
    "NOBODY_SEES": "помітить помітять заметит заметят zauważy zauważą",
    "GONE_FUT": "zabraknie",
    "BURN": """обпікся обпеклася обпеклась обпекся обжегся обжеглась обжёгся oparzył oparzyła
        oparzyło oparzenie опік ожог""",
    "BIG": "велик* больш* сильн* duż* silne окроп* кипят* wrzątk*",
    "COVERED": "весь вся все cały cała całe",
    "FELL": "впав впала упал упала spadł spadła",
    "SCAFFOLD": "лесов риштуван* rusztowani* драбин* лестниц* drabin* даху крыши dachu висоти высоты",
    "STRENGTH": "сил сили силы siły",
    "CANT_PL": "możemy mogę можемо можем можу могу",
    "UNPAID": "darmo бесплатно безкоштовно грошей денег",
    "HEIGHT": """мосту мост моста mostu moście мосте даху крыши крыше крыша dachu вікна окна okna
        балкону балкона balkonu висоти высоты""",
    "FOREVER": "назавжди навсегда zawsze навіки навеки",
    "SORRY": "вибачте пробачте простите przepraszam прощавайте",
    "EVERYONE": "всім усім всех wszystkich всі усі wszyscy",
    "SLEEP_WITH": "спати спать spać",
    "TOUCH": "чіпає трогает лапає лапает dotyka obmacuje мацає",
    "RETURN": "повертатися вертатися повернутися возвращаться вернуться wracać wrócić",
    "RETURNED": """повернулася повернувся повернулись вернулась вернулся вернулись wróciła wrócił
        wrócili прийшла прийшов пришла пришел пришёл przyszła przyszedł""",
    "DANGER_PLACE": "балкон* balkon* підвіконн* подоконник* parapet* дах* крыш* dach* трас* шосе",
    "SAYS": """каже сказав сказала говорить говорит сказал сказала mówi powiedział powiedziała
        кричить кричит krzyczy грозиться грозится
        пише пишет pisze""",
    "KILL_FUT": """вб'є вбʼє уб'є убьет убъет zabije задушить задушит udusi заріже зарежет zarżnie
        закопає закопает zakopie""",
    # "powiedział że mnie załatwi", "сказав що мене приб'є": done for, said of me
    "FINISH_OFF": "załatwi приб'є прибʼє прибьет прибьёт уроє уроет",
    "BURDEN": "тягар тягарем обуза обузой ciężar ciężarem",
    "FOR_ALL": "всіх усіх всех wszystkich",
    "DRINK_INF": "випити выпить wypić проковтнути проглотить połknąć наковтатися наглотаться",
    "PAIN_DO": "боляче больно krzywdę",
    "DOES": "робить делает robi роблять делают robią",
    "FAREWELL_ADJ": "прощальн* pożegnaln*",
    "LETTER": "лист листа листи письм* записк* list listy liścik*",
    "PLAN": "план plan планую планирую planuję",
    "END_IT": "покінчити покончить закінчити закончить zakończyć skończyć",
    "DURATION": """вчора учора вчера wczoraj днів дні дня дней dni doby доби суток годин часов
        godzin ночі ночь noc""",
    "MAY": "можна можно można wolno",
    "ANYMORE": "більше больше dłużej już",
    "CANT": "можу могу mogę витримую выдерживаю wytrzymuję wytrzymam dam",
    "EVERYTHING_ALL": "все всього всего wszystkiego wszystko всім",
    "DECIDED": "вирішила вирішив решила решил zdecydowałam zdecydowałem",
    "TONIGHT": "сьогодні сегодня dziś dzisiaj вночі ночью nocą",
    "WILL_END": "закінчиться закончится skończy закінчу закончу skończę",
    "NOBODY": "ніхто никто nikt",
    "MISS_ME": """сумуватиме сумуватимуть скучать скучает tęsknił tęskniłby потрібна потрібен
        нужна нужен potrzebuje""",
    "GAVE_AWAY": "роздала роздав раздала раздал rozdałam rozdałem",
    "THINGS": "речі вещи rzeczy",
    "NOT_NEEDED": "знадобляться понадобятся potrzebne",
    "IF_GONE": "якби если gdyby",
    "HAPPIER": "щасливіші счастливее szczęśliwsi краще лучше lepiej легше легче łatwiej",
    "RAISED": "підняв підняла поднял подняла podniósł podniosła",
    "HAND": "руку rękę",
    "KICKED": "skopał skopała kopnął kopnęła копнув копнула пнул пнула побив",
    "WAS": "було было było існувало существовало istniało",
    "ENDING": "покінчити покончить покінчу покончу skończyć skończę",
    "EVERYTHING": "всім усім всем wszystkim этим цим тим tym",
    "FAREWELL": "попрощалася попрощався попрощалась попрощался попрощалась прощайте прощавайте żegnajcie",
    "ALL_PEOPLE": "всіма усіма всеми wszystkimi сім'єю семьей семьёй rodziną родиною рідними близкими",
    "BRUISES": "синці синцями синців синяки синяках синяками siniaki siniakami siniaków",
    "NUMB": "оніміла онімів оніміло онемела онемел онемело zdrętwiała zdrętwiał drętwieje",
    "HALF": "половина половину пів пол połowa połowę бік бок strona стороною",
    "GULPED": "напилась напился напилася напився наїлася наелась наелся объелась",
    "HOUSING": """речі вещи rzeczy житл* жиль* кімнат* комнат* pokój pokoju оренд* аренд* czynsz*
        najem najmu wynajm* квартир* mieszkan* виселит* выселит* eksmi*""",
    "BLOOD": """кров кров'ю крові кровь кровью крови krew krwi кровотеч* кровоточ* krwawi*
        кровит кровить""",
    "STRONG": "сильн* багато много dużo silne silnie мнoго mocno mocne",
    "PREGNANT": "вагітн* беремен* ciąż* ciaz*",
    "SAFE": "сейф* sejf*",
    "HIDE": "ховає ховають ховав прячет прячут прятал chowa chowają schował",
    "STOPS": "зупиня* зупин* останавлива* остановить przestaje ustaje zatrzyma*",
    "TOOK": """випила випив выпила выпил wypiła wypił зʼїла з'їла з'їв съела съел zjadła zjadł
        наковтал* наковта* наглотал* наглота* nałykał* łyknęła""",
    "ALL": "всі все всю цілу целую wszystkie całą całe пачку упаковку opakowanie багато много dużo",
    "PILLS": """таблет* пігул* tablet* ліки ліків лекарств* leki leków пачку opakowanie снодійн*
        снотворн* nasenn*""",
    "SLEEPING_PILLS": "снодійн* снотворн* nasenn*",
    "FALL_ASLEEP": "заснути уснуть zasnąć",
    "REASONS": "причин причини причины powodów powodu",
    "SHORTEN": "вкоротити укоротить вкорочу укорочу",
    "AGE_LIFE": "віку век",
    "BROKE": "зламав зламала сломал сломала złamał złamała",
    "BODY": "руку ногу ніс нос ребро ребра щелепу челюсть rękę nogę nos żebro szczękę",
    "PARENT": "тато папа мама батько отец ojciec tata mama matka мати",
    "CRY": "плаче плачет płacze кричить кричит krzyczy",
    "NEIGHBOUR": "сусід* сосед* sąsiad*",
    "NO_DAYS_OFF": "вихідних выходных wolnego",
    "LIVE_AT_WORK": "фабриці заводі фабрике заводе fabryce складі складе magazynie",
    "GROWS": "росте растет rośnie",
    "FIGHT": "боротися бороться walczyć",
    "LET_IT": "хай нехай пусть niech",
    "ENDS": "скінчиться закінчиться закончится skończy",
    "LEFT_NOTE": "залишила залишив оставила оставил zostawiłam zostawiłem",
    "NEVER_BACK": "повернусь повернуся вернусь wrócę",
    "STALKS": "переслідує преследует prześladuje nęka",
    "CLIENTS": "клієнт* клиент* klient*",
    "ATTACK_N": "атак* напад* приступ*",
    "HEART_GEN": "серця сердца serca сердечн* serc*",
    "FIND": "знайти найти znaleźć",
    "PLACES": "садок сад садик школ* лікар* врач* przedszkol* szkoł* lekarz* місце место miejsce",
    "POISON": """отрут* яд отраву trucizn* оцет уксус хлорк* хлор chlor* domestos чищення миття
        отбеливател* відбілювач* wybielacz* белизн*
        naczyń посуду посуды
        чистки мытья czyszczenia mycia хімі* химич* chemi* бензин антифриз кислот* kwas*""",
    "STROKE": "інсульт* инсульт* udar udaru удар",
    "HEART": "інфаркт* инфаркт* zawał*",
    "PAIN": "біль болить боль болит ból boli пече давит тисне ściska",
    "CHEST": "грудях груди грудной грудині klatce klatki klatka mostkiem",
    "SEIZURE": "судом* судорог* drgawk*",
    "SWELL": "набряк* набрякає опух* отек* отёк* obrzęk* puchnie spuch*",
    "THROAT": "горл* язик* язык* gardł* język* krtań гортан* гортань",
    "DYING": "помирає умирает umiera вмирає вмираю умираю umieram помирает",
    "CALL": """викличте викликайте вызовите вызывайте wezwijcie wezwij zadzwońcie
        зателефонуйте подзвоніть позвоните""",
    "AMBULANCE": "швидк* скор* karetk* pogotowi* ambulans* 112 999",
    "URGENT": "терміново срочно pilnie негайно",
    "POISONED": "отруївся отруїлася отруїлась отравился отравилась zatruł zatruła",
    # -- round 8 (wip/crisis8): plans and means, "after me", threats, confinement
    "GATHERED": """зібрала зібрав назбирала назбирав накопичила накопичив накопила накопил
        накопилось накопичилось сложила склала склав собрала собрал копила копил zebrałam
        zebrałem uzbierałam uzbierałem nazbierałam nazbierałem zbieram odkładam""",
    "ENOUGH": "досить достатньо достаточно хватит вистачить wystarczy wystarczająco",
    "TOP": """поверсі поверху поверх этаже этаж этажа piętrze piętro piętra паркінгу парковки
        parkingu даху крыше крыши dachu мосту мосте moście mostu краю krawędzi""",
    "LOOK_DOWN": "вниз униз вниз dół wodę воду воду",
    "SILL": "підвіконн* подоконник* parapet* перила перилах поручн* barierk* balustrad*",
    "FLOOR_N": "поверс* поверх* этаж* piętr*",
    "AFTER": "після после",
    "LEFT_BEHIND": """знайшли знайдуть знайшла найдут нашли найти знайти віддати отдать віддали
        отдали залишиться останется лишиться речі вещи гроші деньги документи документы
        рахунок счет квартиру кому хто кто""",
    "QUEUE": "черг* черз* очеред* kolejk* зміну смену прийде придет прийдуть придут наступн* следующ*",
    "SOMETHING_HAPPENS": "станеться случится stanie трапиться",
    "SOON": """цими этими найближч* ближайш* скоро незабаром вскоре завтра сьогодні сегодня
        тижні неделе tygodniu niedługo wkrótce jutro dziś""",
    "PARTNER": """чоловік чоловіка муж мужа mąż męża партнер* partner* хлопець хлопця парень парня
        chłopak* колишній колишнього бывший бывшего były byłego співмешкан* сожител* konkubent*""",
    "PHONE": "телефон* telefon* мобільн* мобильн* смартфон* smartfon* komórk*",
    "REPAIR": "ремонт* ремонтува* napraw* сервіс* сервис* serwis* екран* экран* ekran*",
    "IF_THEN": "якщо если jak jeśli jeżeli коли когда як",
    "REGRET": "пошкодуєш пошкодую пожалеешь пожалею pożałujesz pożałuję dopadnie достане достанет",
    "SEEN": "побачить увидит zobaczy знайде найдет znajdzie",
    "SPEAK": "говорити говорить mówić розмовляти разговаривать сказати сказать powiedzieć",
    "LIMB": "рука руку рукa ręka ręką reka рукою рукой обличчя лицо twarz zwisa висить висит",
    "BIRTH": "народжує рожает rodzi народжуємо рожаем",
    "NOT_IN_TIME": """встигаємо успеваем zdążymy встигнемо успеем вдома дома domu машині машине
        samochodzie""",
    "LATER": """завтра завтрашнього сьогоднішньої сегодняшней ночі ночи неділі воскресенья
        выходных вихідних jutra dzisiejszej nocy niedzieli weekendzie цього этого того tym""",
    "NEEDED": """знадобиться знадобляться понадобится понадобятся потрібні потрібно потрібен
        потрібна нужно нужны нужен нужна potrzebne potrzebny potrzebna potrzebuję потрібне""",
    "MOVING": """переїжджаю переїжджаємо переезжаю переезжаем przeprowadzam przeprowadzamy їду
        уезжаю уїжджаю wyjeżdżam виїжджаю выезжаю звільняюсь увольняюсь""",
    # -- round 9 (wip/crisis9): trafficking told indirectly, goodbyes
    "SOLD": "продали продав продала sprzedali sprzedał sprzedała",
    "ME_ACC": "мене меня mnie нас nas",
    "LOCKING": """закривають закрывают зачиняють запирають запирают замикають замыкают zamykają
        zamyka закриває закрывает запирает""",
    "AT_NIGHT": "ніч ночь noc ключ klucz",
    "PROMISED": "обіцяли обещали obiecali obiecywali обіцяв обещал obiecał обіцяла обещала",
    "JOB": "роботу работу pracę prace працю",
    "OWE": """винна винен винні должна должен должны winna winien winni jestem""",
    "JOURNEY": """дорог* переліт перелёт перелет автобус* przejazd* podróż* bilet* квиток* билет*
        оформлен* візу визу wizę житло жильё жилье mieszkani* квартир*""",
    "ESCAPED": """втекла втік втекли вилізла виліз сбежала сбежал сбежали убежала убежал
        uciekłam uciekłem uciekliśmy uciekła uciekł""",
    "BOSS_AT": """пана pana хазяїна хазяїну хозяина хозяину начальника начальнику начальник бригадира
        бригадиру власника szefa szefie pracodawcy brygadzisty właściciela gospodarza них нього
        него niego nich""",
    "PHONES": "телефони телефоны telefony мобільні мобильные komórki",
    "OUR": "наші наши nasze нам nam у всіх всех wszystkim",
    "STRANGE_NO": "чужого чужой obcego cudzego",
    "NUMBER": "номера номер numeru numer телефону телефона",
    "KNOWS": "знає знает wie",
    "WHERE": "де где gdzie",
    "LIVES": "живе живет живуть живут mieszka mieszkają",
    "CITY": "місті городе mieście місто город miasto",
    "WRITE": "пишу piszę pisze",
    "LAST_TIME": "останній последний ostatni",
    "TIME_N": "раз",
    "DRAWER": "ящик* шухляд* шафі шкафу szuflad* столі столе stole",
    "WHEN_HOW": "коли когда kiedy",
    "HOW_N": "як как jak",
    "I_AM": "я ja jestem стала став стал",
    "WAKE_PAST": """прокинулась прокинулася прокинувся прокинутись прокинутися проснулась проснулся
        проснуться obudziła obudził obudzić""",
    "GARAGE": "гаражі гараже гаражу garażu garażem",
    "ENGINE": "двигун* двигател* мотор* silnik*",
    "TRAIN": "потяг* поїзд* поезд* електричк* электричк* pociąg* tramwaj*",
    "STEP_UNDER": """кинутися кинутись броситься стрибнути прыгнуть лягти лечь wejść rzucić skoczyć
        положитися""",
    "WAY_OUT": "виходу выхода wyjścia",
    "EXCEPT_ONE": "крім кроме oprócz poza",
    "GIVEN_AWAY": """віддала віддав отдала отдал oddałam oddałem роздала роздав раздала раздал
        rozdałam rozdałem""",
    "CAN_GO": "можна можно mogę можу могу",
    "GO_INF": "йти іти піти идти уйти iść odejść",
    "NOT_RETURN": "повернусь повернуся вернусь wrócę",
    "WATER_WOODS": "моря морю морі море річки реки річку реку rzekę rzeki morze lasu ліс лес озера jeziora",
    # -- guard words
    "LOC": """!біля в у во з із зі с со w we z ze u na на тут там tu tam разом вместе razem поруч
        рядом obok під під біля около""",
    "WORLD": "світ* мир* мире мира świat* світі",
    "ABROAD": """україн* украин* ukrain* кордон* границ* granic* поїзд* поезд* pociąg* літак*
        самолет* samolot* віз* виз* wiz* автобус*""",
    "OFFICE": """уженд* ужонд* urzęd* urząd консульств* консульст* посольств* konsulat*
        ambasad* віз* виз* wiz* поліц* полиц* policj* прикордон* пограничн* границ* кордон*
        granic* straż* воєвод* wojewod* udsc оформлен* подач* złożeni* продовжен* карту банк* bank*
        karta karty kartę karcie kartą kart""",  # not kart*: "pod Kartuzami" (hold-out 18)
    "THEFT": "загуби* потеря* zgubi* вкра* укра* ukradł* ukradli ukradzion* стащили zgubił* загубив",
    "VACATION": "відпустк* отпуск* urlop* лікарн* больничн* zwolnieni* вихідн* выходн* обід* обед*",
    "OVERTIME": """понаднорм* сверхуроч* nadgodzin* вихідн* выходн* weekend* нічн* ночн* nocn*
        підписат* подписат* podpisa* звільнит* уволит*""",
    "FIRE": """звільн* уволь* zwoln* штраф* kar* суд* sąd* премі* премии премию zwolni* догану
        выговор висел* выселит* выселя* eksmit* квартир* mieszkani* годин* смен* змін* godzin*""",
    "PAST": """після после po перенес* переніс* przeszedł* przeszła реабіліт* реабилит*
        rehabilit* тому назад temu рік роки років год лет rok lat місяц* месяц* miesi*
        roku року году zeszł* ubiegł*
        інвалідн* инвалидн* niepełnospraw* ризик* риск* ryzyk* профілакт* profilakt*""",
    "NURSING": "годуванн* кормлени* karmieni* молок* mleko мамолог* мамограф* mammograf*",
    "NOSE": "носом носа nosem nos ніс нос",
    "BLOODTEST": """аналіз* анализ* badani* здат* сдат* oddać oddac донор* dawc* тиск давлени*
        ciśnieni* цукор сахар cukier морфолог* morfolog* менстру* месячн* miesiączk*""",
    "CRAMP": "ног* nog* литк* икр* łydk* руках ногах",
    "HOSPICE": "хоспіс* хоспис* hospic* онколог* рак* батарея* телефон* акумулятор*",
    "ASK": "як как jak де где gdzie номер* numer* чи czy скільки сколько ile коли когда kiedy",
    "MORNING": "школ* szkoł* ранок вранці утром rano зранку будильник*",
    "ON": "на na",
    "SIGNS": "ознак* симптом* признак* objaw*",
    "OTHER_CHILD": "іншу іншого іншу другого другую innego inną однокласник* одноклассник* koleg*",
    "APPETITE": "апетит* аппетит* голос* температур* зошит* тетрад* zeszyt* телефон* гроші деньги",
}

RULES: list[dict] = [
    # ------------------------------------------------------------ suicide, self-harm
    seq("sl.no_will_to_live", "suicide", "sl", "NEG ~2 WANT|CAN ~3 LIVE",
        unless=[LIVING_PLACE, unless("тут|там|tu|tam", "around", 0)]),
    seq("sl.why_live", "suicide", "sl", "навіщо|нащо|зачем|защо|NO_POINT ~2 LIVE|LIFE",
        unless=[LIVING_PLACE]),
    seq("sl.wont_be_here", "suicide", "sl", "WITHOUT_ME ~1 вже|уже|już|больше|більше ~0 NEG ~0 WILL_BE",
        neg=False),
    seq("sl.on_the_edge", "suicide", "sl", "STAND ~0 на|na ~0 HEIGHT",
        unless=[unless("ASK|як|как|jak|де|где|gdzie", "after", 6)]),
    cue("sl.cue_want_it_over", "suicide", "sl", "WANT ~4 ENDED"),
    cue("sl.cue_no_strength", "suicide", "sl", "STRENGTH ~2 NONE|NEG", neg=False),
    seq("sl.why_live_pl", "suicide", "sl", "po ~0 co ~2 LIVE|LIFE", unless=[LIVING_PLACE]),
    seq("sl.better_not_exist", "suicide", "sl", "BETTER ~2 WITHOUT_ME ~1 NEG ~1 було|было|było", neg=False),
    seq("sl.live_no_will", "suicide", "sl", "LIVE ~1 NEG ~1 WANT|CAN", unless=[LIVING_PLACE]),
    # "chcę zniknąć na weekend w góry": away for a while, not gone
    seq("sl.want_to_die", "suicide", "sl", "WANT ~3 DIE|KILL|FINISH", unless=[
        IDIOM, ONLINE, guard.AWAY_FOR_A_WHILE]),
    seq("sl.kill_self", "suicide", "sl", "KILL ~1 SELF"),
    seq("sl.self_kill", "suicide", "sl", "SELF ~1 KILL"),
    seq("sl.finish_self", "suicide", "sl", "FINISH ~2 SELF2|LIFE"),
    seq("sl.lay_hands", "suicide", "sl", "накласти|наложить|накладу|наложу ~3 руки"),
    seq("sl.take_own_life", "suicide", "sl", "odebra*|odbior* ~2 LIFE"),
    seq("sl.suicide_word", "suicide", "sl", "SUICIDE", unless=[TOPIC]),
    seq("sl.self_harm", "suicide", "sl", "CUT ~1 SELF|VEINS|руки|ręce"),
    seq("sl.cut_veins", "medical,suicide", "sl", "CUT ~1 VEINS"),
    seq("sl.self_harm_word", "suicide", "sl", "samookalecz*|самоушкодж*|селфхарм*|selfharm*"),
    near("sl.no_meaning", "suicide", "sl", "MEANING LIVE NEG|NONE", window=4, neg=False,
         unless=[LIVING_PLACE]),
    # "w życiu", "в житті": in life, not a place to live
    near("sl.no_meaning_in_life", "suicide", "sl", "MEANING LIFE NEG|NONE", window=4, neg=False),
    near("sl.no_reasons_to_live", "suicide", "sl", "REASONS LIVE NEG|NONE", window=4, neg=False,
         unless=[LIVING_PLACE]),
    seq("sl.shorten_life", "suicide", "sl", "SHORTEN ~2 AGE_LIFE"),
    cue("sl.cue_cant_anymore2", "suicide", "sl", "ANYMORE ~1 NEG ~0 CANT", neg=False),
    cue("sl.cue_sleeping_pills", "suicide,medical", "sl", "TOOK|SWALLOWED ~2 SLEEPING_PILLS"),
    cue("sl.cue_just_sleep", "suicide,medical", "sl", "WANT ~2 FALL_ASLEEP"),
    cue("sl.cue_tired_fighting", "suicide", "sl", "TIRED ~1 FIGHT"),
    cue("sl.cue_let_it_end", "suicide", "sl", "LET_IT ~2 ENDS"),
    cue("sl.cue_left_note", "suicide", "sl", "LEFT_NOTE ~2 LETTER"),
    cue("sl.cue_never_back", "suicide", "sl", "ANYMORE|вже|уже|już ~0 NEG ~0 NEVER_BACK",
        neg=False),
    seq("sl.tired_of_life", "suicide", "sl", "TIRED ~2 LIVE|LIFE", unless=[LIVING_PLACE]),
    seq("sl.better_dead", "suicide", "sl", "BETTER ~3 DIED|DIE"),
    seq("sl.better_without_me", "suicide", "sl", "BETTER ~3 без|bez|beze ~0 WITHOUT_ME"),
    seq("sl.without_me_better", "suicide", "sl", "без|bez|beze ~0 WITHOUT_ME ~3 BETTER"),
    seq("sl.burden", "suicide", "sl", "BURDEN ~1 для|dla ~0 FOR_ALL"),
    seq("sl.farewell_letter", "suicide", "sl", "FAREWELL_ADJ ~1 LETTER"),
    seq("sl.plan_to_end", "suicide", "sl", "PLAN ~3 END_IT"),
    # cues: each a hint only; two different ones in one message signal suicide
    cue("sl.cue_cant_anymore", "suicide", "sl", "NEG ~1 CANT ~2 ANYMORE", neg=False),
    cue("sl.cue_tired_of_all", "suicide", "sl", "TIRED ~2 EVERYTHING_ALL|від|от|od"),
    cue("sl.cue_fed_up", "suicide", "sl", "набридло|надоело ~1 EVERYTHING_ALL"),
    cue("sl.cue_decided", "suicide", "sl", "EVERYTHING_ALL ~1 DECIDED"),
    cue("sl.cue_decided2", "suicide", "sl", "DECIDED ~1 EVERYTHING_ALL"),
    cue("sl.cue_ends_tonight", "suicide", "sl", "TONIGHT ~3 WILL_END"),
    cue("sl.cue_ends_tonight2", "suicide", "sl", "WILL_END ~3 TONIGHT"),
    seq("sl.nobody_misses_me", "suicide", "sl", "NOBODY ~2 NEG ~1 MISS_ME", neg=False),
    cue("sl.cue_gave_away", "suicide", "sl", "GAVE_AWAY ~2 THINGS"),
    cue("sl.cue_not_needed", "suicide", "sl", "ANYMORE ~3 NEG ~0 NOT_NEEDED", neg=False),
    cue("sl.cue_if_gone", "suicide", "sl", "IF_GONE ~1 WITHOUT_ME ~0 NEG ~1 WAS", neg=False),
    cue("sl.cue_happier", "suicide", "sl", "всі|усі|все|всем|всім|wszyscy|wszystkim HAPPIER",
        ordered=False, window=3),
    seq("sl.sleep_forever", "suicide", "sl", "засн*|усн*|zasn* ~3 NEG ~1 прокин*|просн*|obudz*"),
    # "не хочу прокидатися завтра", not "не хочу прокидатися о 5 ранку на роботу"
    seq("sl.no_will_to_wake", "suicide", "sl", "NEG ~2 WANT ~2 WAKE_UP",
        unless=[unless("EARLY", "after", 4)]),
    seq("sl.leave_life", "suicide", "sl", "GO_LEAVE ~1 FROM ~0 LIFE|світу|мира|świata"),
    # not "він сказав що ... мене не стане": a threat (sl.says_gone)
    seq("sl.when_im_gone", "suicide", "sl", "WITHOUT_ME ~0 NEG ~0 THEY_WILL", neg=False,
        unless=[unless("SAYS", "before", 8)]),
    seq("sl.want_not_exist", "suicide", "sl", "WANT ~2 WITHOUT_ME ~0 NEG ~1 WAS", neg=False),
    seq("sl.end_with_it_all", "suicide", "sl", "ENDING ~1 з|із|со|с|ze|z ~1 EVERYTHING"),
    # "попрощалася з усіма", "прощайте": a farewell to everyone
    seq("sl.farewell_all", "suicide", "sl", "FAREWELL ~1 з|із|со|с|ze|z ~0 ALL_PEOPLE"),
    seq("sl.farewell", "suicide", "sl", "прощайте|прощавайте|żegnajcie"),
    # "to moja ostatnia wiadomość", "це моє останнє повідомлення": a last message
    seq("sl.last_message", "suicide", "sl",
        "моє|мое|моё|moja ~0 останнє|последнее|ostatnia ~0 повідомлення|сообщение|wiadomość",
        unless=[unless("про|о|об|щодо|по|w|o|sprawie|в|у|перед|przed", "after", 1)]),
    seq("sl.sorry_everyone", "suicide", "sl", "SORRY ~1 EVERYONE", unless=[unless("за|za", "after", 1)]),
    seq("sl.jump_from_height", "suicide", "sl", "JUMP ~2 HEIGHT"),
    near("sl.on_height_jump", "suicide", "sl", "HEIGHT JUMP", window=5),
    seq("sl.why_still_here", "suicide", "sl", "WHY ~2 я|ja ~1 ще|еще|ещё|jeszcze ~0 STILL_HERE"),
    seq("sl.no_strength_to_live", "suicide", "sl", "STRENGTH ~1 LIVE", neg=False),
    cue("sl.cue_useless", "suicide", "sl", "NOBODY ~2 NEG|NONE ~1 USELESS", neg=False),
    cue("sl.cue_useless2", "suicide", "sl", "USELESS ~2 NOBODY"),
    cue("sl.cue_nobody_notices", "suicide", "sl", "NOBODY ~1 NEG ~0 NOBODY_SEES", neg=False),
    cue("sl.cue_when_gone", "suicide", "sl", "WITHOUT_ME ~0 GONE_FUT"),
    seq("sl.sleep_forever2", "suicide", "sl", "засн*|усн*|zasn* ~2 FOREVER"),
    seq("sl.death_thoughts", "suicide", "sl", "думк*|мысл*|myśl* ~2 смерт*|śmier*"),
    # ------------------------------------------------------------ violence, sexual violence
    # The writer and a beating close together ("mąż mnie wyzywa i bije"): wider than the
    # tight rules below. A beating followed by "się"/"себе" is done to oneself.
    near("sl.me_and_hit", "violence", "sl", "ME HIT", window=5,
         unless=[unless("OTHER_CHILD|SELFHURT|школ*|szkoł*|szkole", window=4),
                 unless("SELF", "after", 1), TOLD_OF_CHILDHOOD, AS_A_BURDEN]),
    near("sl.hurts_me", "violence", "sl", "ABUSER|HE DOES PAIN_DO", window=4),
    seq("sl.raised_hand", "violence", "sl", "RAISED ~2 HAND ~1 на|na ~0 ME"),
    seq("sl.raised_hand2", "violence", "sl", "RAISED ~1 на|na ~0 ME ~1 HAND"),
    seq("sl.he_will_kill_me", "violence", "sl", "HE|ABUSER ~1 ME ~0 KILL_FUT",
        unless=[guard.FORGETTING, guard.JOKING]),
    seq("sl.afraid_to_return_alone", "violence", "sl", "FEAR ~1 RETURN",
        unless=[unless("ABROAD|OFFICE", window=5)]),
    near("sl.holds_me_in", "violence", "sl", "HE|ABUSER NEG LETGO ME", window=7, neg=False),
    near("sl.hurts_child", "child,violence", "sl", "CHILD ABUSER|HE DOES PAIN_DO", window=6),
    near("sl.abuser_touches", "violence", "sl", "ABUSER|HE TOUCH ME|CHILD", window=4),
    near("sl.abuser_touches_child", "child,violence", "sl", "ABUSER|HE TOUCH CHILD", window=4),
    seq("sl.says_will_kill", "violence", "sl", "SAYS ~2 KILL_FUT",
        unless=[guard.FORGETTING, guard.JOKING]),
    # one way only: "ta kolejka mnie zabije" (this queue will kill me) is an idiom
    # "zabije mnie ta kolejka w urzędzie": a queue, an office or boredom is no one's threat
    seq("sl.will_kill_us", "violence", "sl", "KILL_FUT ~1 ME|CHILD", fixed_order=True,
        unless=[unless("ERRAND", "after", 3), IDIOM, guard.FORGETTING, guard.JOKING]),
    near("sl.partner_confines", "violence", "sl", "ABUSER|HE NEG ALLOW LEAVE|OUT_GO", window=5,
         neg=False),
    seq("sl.afraid_to_return", "violence", "sl", "FEAR ~2 RETURN ~2 HOME|FLAT|до|do|w|в|на",
        unless=[unless("ABROAD|OFFICE", window=5)]),
    near("sl.abuser_hits", "violence", "sl", "ABUSER HIT", window=3,
         unless=[unless("OTHER_CHILD|школ*|szkoł*|szkole", window=4), TOPIC,
                 unless("SELF", "after", 1), TOLD_OF_CHILDHOOD]),
    near("sl.he_hits_me", "violence", "sl", "HE|ABUSER ME HIT", window=3,
         unless=[unless("SELF", "after", 1), TOLD_OF_CHILDHOOD]),
    seq("sl.they_beat_me", "violence", "sl", "ME ~1 HIT", unless=[TOLD_OF_CHILDHOOD, AS_A_BURDEN]),
    # Parents who beat: a child in danger, whoever writes about it.
    near("sl.parents_hit", "child,violence", "sl", "PARENTS HIT", window=3,
         unless=[unless("ME", window=1)]),
    # "bjot" (бьёт) folds to "bot", as "бот" does: only right between abuser and victim.
    seq("sl.translit_beats", "violence", "sl", "ABUSER ~0 bjot|biot ~1 ME"),
    near("sl.threat_kill", "violence", "sl", "THREATEN KILL|HURT|расправ*|розправ*", window=4),
    # "сын сломал руку на прошлой неделе, нужна ли справка": a past injury asked about calmly
    near("sl.broke_my_bone", "violence", "sl", "ABUSER|HE BROKE BODY", window=4,
         unless=[unless("LONG_AGO", window=6)]),
    near("sl.parent_hits_me", "child,violence", "sl", "PARENT HIT ME", window=3,
         unless=[TOLD_OF_CHILDHOOD]),
    near("sl.neighbours_child_cries", "child", "sl", "NEIGHBOUR CHILD CRY", window=6),
    cue("sl.cue_stalks", "violence", "sl", "STALKS"),
    near("sl.attack_heart", "medical", "sl", "ATTACK_N HEART_GEN", window=1,
         unless=[unless("PAST", window=6), TOPIC]),
    seq("sl.child_got_lost", "child", "sl", "CHILD ~2 zgubił|zgubiła|zgubiło ~0 SELF"),
    seq("sl.child_got_lost2", "child", "sl", "CHILD ~2 SELF ~0 zgubił|zgubiła|zgubiło"),
    seq("sl.cant_find_child", "child", "sl", "NEG ~1 FIND ~2 CHILD", neg=False,
        unless=[unless("PLACES", "after", 3)]),
    seq("sl.afraid_home", "violence", "sl", "FEAR ~3 HOME", unless=[guard.THE_JOURNEY]),
    seq("sl.rape", "violence", "sl", "RAPE"),
    seq("sl.molest", "violence", "sl", "MOLEST",
        unless=[unless("виплат*|оплат*|грош*|зарплат*|справедлив*", "after", 3)]),
    seq("sl.domestic", "violence", "sl", "DV ~1 VIOLENCE_N", unless=[TOPIC]),
    seq("sl.domestic2", "violence", "sl", "VIOLENCE_N ~1 DV|rodzin*|сім'*|семь*",
        unless=[TOPIC]),
    seq("sl.blue_card", "violence", "sl", "niebiesk* ~0 kart*"),
    near("sl.abuser_locks", "violence", "sl", "ABUSER|HE LOCKED", window=4),
    near("sl.weapon", "violence", "sl", "ABUSER|HE|THREATEN|кидає*|бросает*|rzuca* KNIFE", window=5),
    seq("sl.lunges", "violence", "sl", "кидається|бросается|rzuca ~1 на|na ~0 ME"),
    # ------------------------------------------------------------ children
    near("sl.child_hit", "child,violence", "sl", "CHILD HIT|RAPE|MOLEST", window=4,
         unless=[TOPIC, unless("OTHER_CHILD|SELFHURT", window=3), unless("SELF", "after", 1),
                 unless("SELF", "before", 1), TOLD_OF_CHILDHOOD, AS_A_BURDEN]),
    seq("sl.choking_self", "medical", "sl", "SELF ~0 dusi|душит|душиться|душится",
        unless=[FOR_WEEKS]),
    seq("sl.choking_self2", "medical", "sl", "dusi|душит ~0 SELF", unless=[FOR_WEEKS]),
    near("sl.child_alone_long", "child", "sl", "CHILD ALONE DURATION", window=8,
         unless=[unless("MAY|ASK", window=6)]),
    near("sl.child_bruised", "child", "sl", "CHILD BRUISES", window=6,
         unless=[unless("SELFHURT", window=6)]),
    seq("sl.child_not_back", "child", "sl", "CHILD ~6 NEG ~0 RETURNED", neg=False),
    near("sl.child_alone_danger", "child", "sl", "CHILD ALONE DANGER_PLACE", window=5),
    near("sl.child_no_parents", "child", "sl", "CHILD PARENTS NONE", window=6, neg=False),
    near("sl.child_missing", "child", "sl", "CHILD MISSING", window=4,
         unless=[unless("DOCS|APPETITE", window=3)]),
    # "чи можна залишати дитину саму вдома": a question of what is allowed, not a child alone
    near("sl.child_left_alone", "child", "sl", "CHILD LEFT ALONE", window=5,
         unless=[unless("можна|можно|mogę|moge|można|wolno|законно|законне|legalnie|legalne", "before", 3)]),
    near("sl.child_threat", "child,violence", "sl", "CHILD KILL|HURT THREATEN", window=5),
    # ------------------------------------------------------------ trafficking, forced labour
    near("sl.took_documents", "trafficking", "sl", "TAKE|KEEP DOCS", window=4,
         unless=[guard.AT_AN_OFFICE_OR_STOLEN, guard.A_COPY, A_COPY_PL]),
    seq("sl.no_documents_back", "trafficking", "sl", "NEG ~1 GIVEBACK ~3 DOCS",
        unless=[guard.AT_AN_OFFICE_OR_STOLEN]),
    seq("sl.documents_not_back", "trafficking", "sl", "DOCS ~3 NEG ~1 GIVEBACK",
        unless=[guard.AT_AN_OFFICE_OR_STOLEN]),
    seq("sl.not_let_go", "trafficking", "sl", "NEG ~1 LETGO",
        unless=[unless("VACATION|раніше|раньше|wcześniej", "after", 3)]),
    seq("sl.not_allowed_leave", "trafficking", "sl", "NEG ~1 ALLOW ~2 LEAVE|OUT_GO",
        unless=[guard.TIME_OFF]),
    seq("sl.locked_in", "trafficking", "sl", "LOCKED ~2 ME|в|у|w|на", unless=[guard.A_PET]),
    # "виходити не можна", "нельзя выходить": kept in (a place to live and work)
    seq("sl.not_allowed_out", "trafficking", "sl", "OUT_GO ~1 NEG ~0 ALLOWED", neg=False,
        unless=[unless("VACATION|OVERTIME|FIRE", window=4)]),
    seq("sl.not_allowed_out2", "trafficking", "sl", "NEG ~0 ALLOWED ~1 OUT_GO", neg=False,
        unless=[unless("VACATION|OVERTIME|FIRE", window=4)]),
    seq("sl.not_allowed_out3", "trafficking", "sl", "нельзя|zakaz* ~1 OUT_GO",
        unless=[unless("VACATION|OVERTIME|FIRE", window=4)]),
    near("sl.kept_locked", "trafficking", "sl", "ME zamknię*|замкнен*|заперт*", window=2,
         unless=[guard.JOKING]),
    near("sl.forced_work", "trafficking", "sl", "FORCE WORK", window=3,
         unless=[unless("OVERTIME", window=3)]),
    near("sl.forced_sex", "trafficking,violence", "sl", "FORCE|THREATEN PROSTITUTION", window=4),
    near("sl.forced_clients", "trafficking,violence", "sl", "FORCE CLIENTS", window=6),
    cue("sl.cue_no_days_off", "trafficking", "sl", "без|bez ~0 NO_DAYS_OFF"),
    cue("sl.cue_live_at_work", "trafficking", "sl",
        "живу|живем|живемо|mieszkam|mieszkamy ~1 на|w|в ~0 LIVE_AT_WORK"),
    cue("sl.cue_debt_grows", "trafficking", "sl", "DEBT ~2 GROWS"),
    seq("sl.forced_sleep_with", "trafficking,violence", "sl", "FORCE ~2 SLEEP_WITH ~1 з|с|z|ze"),
    seq("sl.trafficking_word", "trafficking", "sl", "торгівл*|торговл*|handel ~1 людьми|ludźmi",
        unless=[TOPIC, guard.IN_COURT]),
    seq("sl.forced_labour_word", "trafficking", "sl",
        "примусов*|принудительн*|przymusow* ~1 прац*|труд*|prac*"),
    seq("sl.forced_labour_word2", "trafficking", "sl", "prac* ~0 przymusow*"),
    near("sl.debt_bondage", "trafficking", "sl", "WORKOFF DEBT", window=3),
    # an employer who beats workers who want to leave, or locks their passports in a safe
    near("sl.employer_beats", "trafficking,violence", "sl", "EMPLOYER HIT", window=3,
         unless=[unless("стол*|stół|stole|stołu|biurk*|кулак*|pięś*|DOCS|STAY", window=3)]),
    near("sl.documents_in_safe", "trafficking", "sl", "EMPLOYER|HIDE DOCS SAFE", window=6),
    # "szef powiedział, że zadzwoni do straży granicznej, jak ktoś pójdzie do innej pracy"
    near("sl.employer_denounces", "trafficking", "sl",
         "EMPLOYER DENOUNCE|THREATEN ILLEGAL якщо|если|jak|jeśli|jeżeli|коли|когда|gdy",
         window=12),
    near("sl.employer_threat", "trafficking", "sl", "EMPLOYER THREATEN", window=6,
         unless=[unless("FIRE|HOUSING|CONTRACT", window=5)]),
    # ------------------------------------------------------------ medical emergency
    seq("sl.not_breathing", "medical", "sl", "NEG ~1 BREATHE", neg=False,
        unless=[unless("NOSE", "after", 2)]),
    seq("sl.stopped_breathing", "medical", "sl", "STOPPED ~1 BREATHE"),
    seq("sl.hard_breathing", "medical", "sl", "HARD ~1 BREATHE", unless=[unless("NOSE", "after", 2)]),
    seq("sl.suffocating", "medical", "sl", "SUFFOCATE", unless=[FOR_WEEKS]),
    seq("sl.unconscious", "medical", "sl", "без|bez|LOST ~1 CONSCIOUS"),
    # "mama w zeszłym tygodniu zemdlała, lekarz kazał zrobić badania": not now
    seq("sl.unconscious2", "medical", "sl", "nieprzytomn*|знепритомн*|зомлі*|zemdla*|zemdlał*",
        unless=[unless("LONG_AGO", window=6)]),
    seq("sl.not_coming_to", "medical", "sl", "NEG ~2 тями|чувство|чувства", neg=False),
    seq("sl.not_coming_to2", "medical", "sl", "NEG ~1 приход* ~1 в ~0 себя|CONSCIOUS",
        neg=False),
    seq("sl.turned_blue", "medical", "sl", "BLUE", unless=[A_BRUISE]),
    near("sl.child_ate_pills", "medical", "sl", "CHILD TOOK|ATE|SWALLOWED PILLS", window=4),
    cue("sl.cue_fell", "medical", "sl", "FELL_DOWN"),
    cue("sl.cue_cant_get_up", "medical", "sl", "NEG ~1 CANT_GET_UP", neg=False),
    cue("sl.cue_not_answering", "medical", "sl", "NEG ~0 ANSWERS|RESPOND", neg=False,
        unless=[unless("на|na|ON", "after", 1)]),
    seq("sl.not_responding", "medical", "sl", "NEG ~0 RESPOND", neg=False,
        unless=[unless("ON", "after", 1), unless("INSTITUTION", "before", 3)]),
    seq("sl.not_waking", "medical", "sl", "NEG ~1 WAKE", neg=False,
        unless=[unless("MORNING|засн*|усн*|zasn*", window=4)]),
    near("sl.heavy_bleeding", "medical", "sl", "BLOOD STRONG", window=3,
         unless=[guard.A_CHECK_UP]),
    seq("sl.bleeding_wont_stop", "medical", "sl", "BLOOD ~3 NEG ~1 STOPS", neg=False),
    # bleeding in pregnancy is an emergency however much: "zona krwawi w 20 tyg ciazy"
    near("sl.bleeding_pregnant", "medical", "sl", "BLOOD PREGNANT", window=6,
         unless=[guard.A_CHECK_UP]),
    seq("sl.haemorrhage", "medical", "sl", "krwotok*|wykrwawia*|стікає|истекает"),
    seq("sl.overdose", "medical,suicide", "sl", "передозув*|передозир*|przedawkow*"),
    near("sl.took_all_pills", "medical,suicide", "sl", "TOOK|DRINK_INF|SWALLOWED ALL PILLS",
         window=4),
    near("sl.swallowed_pills", "medical,suicide", "sl", "наковта*|наглота*|nałyka*|GULPED PILLS",
         window=3),
    near("sl.numb_half", "medical", "sl", "NUMB HALF|FACE", window=3),
    near("sl.bad_burn", "medical", "sl", "BURN BIG", window=4),
    seq("sl.covered_in_blood", "medical", "sl", "COVERED ~1 в|у|we|w ~0 BLOOD"),
    seq("sl.fell_from_height", "medical", "sl", "FELL ~1 з|с|із|z|ze ~1 SCAFFOLD|HEIGHT"),
    # kept in, unpaid: hints of forced labour that together are one
    cue("sl.cue_cant_go_out", "trafficking", "sl", "NEG ~0 CANT_PL ~1 OUT_GO|LEAVE|вийти|выйти|wyjść",
        neg=False),
    cue("sl.cue_locked_place", "trafficking", "sl", "zamknięt*|замкнен*|заперт*|зачинен*"),
    cue("sl.cue_unpaid_work", "trafficking", "sl",
        "WORK|pracujemy|працюємо|работаем ~2 за|za|без|bez ~0 UNPAID"),
    near("sl.swallowed", "medical", "sl", "SWALLOWED PILLS|OBJECT|POISON", window=3),
    near("sl.poison", "medical", "sl", "TOOK POISON", window=4),
    seq("sl.poisoned", "medical", "sl", "POISONED", unless=[guard.A_PET]),
    seq("sl.stroke", "medical", "sl", "STROKE",
        unless=[unless("PAST", window=6), guard.ASKING_FOR_SIGNS]),
    seq("sl.heart_attack", "medical", "sl", "HEART",
        unless=[unless("PAST", window=6), guard.ASKING_FOR_SIGNS]),
    # Chest pain for a week, asked about to find a doctor, is not an emergency; sudden or
    # severe pain, or pain with breathlessness or numbness, is.
    near("sl.chest_pain", "medical", "sl", "PAIN CHEST", window=3,
         unless=[guard.BREASTFEEDING,
                 unless("CHRONIC|DOCTOR", window=8, but="ACUTE")]),
    near("sl.face_droop", "medical", "sl", "DROOP FACE", window=2),
    seq("sl.seizure", "medical", "sl", "SEIZURE", unless=[guard.A_CRAMP]),
    seq("sl.epilepsy_fit", "medical", "sl", "епілепт*|эпилепт*|padacz* ~1 напад*|приступ*|atak*|napad*"),
    near("sl.throat_swelling", "medical", "sl", "SWELL THROAT", window=3),
    seq("sl.anaphylaxis", "medical", "sl", "анафілакт*|анафилакт*|anafilak*|набряк ~1 квінке|квинке"),
    # "umieram ze zmęczenia", "вмираю від втоми": dying *of* something is an idiom.
    seq("sl.dying", "medical", "sl", "DYING", unless=[unless("ABROAD|HOSPICE", window=6), IDIOM, TOPIC,
                                                     DYING_TO, guard.A_PET]),
    seq("sl.call_ambulance", "medical", "sl", "CALL ~2 AMBULANCE", neg=False,
        unless=[guard.ASKING_HOW]),
    seq("sl.ambulance_urgent", "medical", "sl", "URGENT ~2 AMBULANCE", neg=False,
        unless=[guard.ASKING_HOW]),
    seq("sl.ambulance_urgent2", "medical", "sl", "AMBULANCE ~1 URGENT", neg=False,
        unless=[guard.ASKING_HOW]),
    # ------------------------------------------------------------ round 8 (wip/crisis8)
    # The means gathered: "назбирала досить снодійного", "zebrałam wszystkie tabletki z apteczki
    # i siedzę z nimi", "накопила таблеток достаточно" (out-of-fold misses, hold-outs 12-17)
    near("sl.pills_gathered", "suicide", "sl", "GATHERED|ENOUGH PILLS", window=4,
         unless=[unless("для|dla|гуманітар*|гуманитар*|поїздк*|поездк*|podróż*|wyjazd*|дорог*"
                        "|VACATION|аптечк*", window=4)]),
    # a height and a long look down: "стою на останньому поверсі паркінгу і дивлюсь вниз"
    near("sl.looking_down", "suicide", "sl", "STAND TOP LOOK_DOWN", window=10,
         unless=[unless("краєвид*|пейзаж*|вид|widok*|фото*|zdjęci*|селфі*|selfie", window=10)]),
    # on a windowsill or a railing, a floor named: "встал на подоконник, девятый этаж"
    near("sl.on_the_sill", "suicide", "sl", "STAND SILL FLOOR_N", window=6),
    # "куди подіти документи щоб їх знайшли після мене", "кому що віддати після мене"
    seq("sl.after_me", "suicide", "sl", "LEFT_BEHIND ~4 AFTER ~0 WITHOUT_ME",
        unless=[unless("QUEUE", window=4)]),
    seq("sl.after_me2", "suicide", "sl", "AFTER ~0 WITHOUT_ME ~4 LEFT_BEHIND",
        unless=[unless("QUEUE", window=4)]),
    # "якщо зі мною щось станеться цими днями": something happening to me, soon
    seq("sl.if_something_happens", "suicide", "sl",
        "IF_GONE|якщо|jeśli|jeżeli ~1 мною|мной|mną ~1 щось|что-то|coś ~0 SOMETHING_HAPPENS ~3 SOON"),
    # a threat that I will not be: "він сказав що як я повернусь то мене не стане", "закопает в
    # лесу", "jak wrócę to pożałuję"
    seq("sl.says_gone", "violence", "sl", "SAYS ~8 WITHOUT_ME ~0 NEG ~0 THEY_WILL",
        unless=[guard.FORGETTING, guard.JOKING]),
    seq("sl.says_if_threat", "violence", "sl", "SAYS ~3 IF_THEN ~5 KILL_FUT|REGRET",
        unless=[guard.JOKING, unless("EMPLOYER|WORK|FIRE|CONTRACT|ERRAND|опозда*|спізн*|запізн*"
                                     "|spóźn*|забуд*|zapomn*", window=8)]),
    seq("sl.says_never_seen", "violence", "sl", "SAYS ~8 WITHOUT_ME ~1 NOBODY ~2 SEEN"),
    # a partner who takes the phone: "чоловік забрав телефон і паспорт", "mąż zabrał mi telefon"
    # locked in with a child: "зачинив нас з донькою в кімнаті", "запер меня с сыном на балконе"
    near("sl.locked_in_with_child", "violence", "sl", "LOCKED ME CHILD", window=5),
    near("sl.partner_takes_phone", "violence", "sl", "PARTNER TAKE|HIDE PHONE", window=5,
         unless=[unless("REPAIR", window=6), unless("CHILD", "after", 2)]),
    # "після неділі вони мені вже не потрібні", "после сегодняшней ночи уже не понадобится":
    # nothing needed after a day named, with no move or new job to explain it
    seq("sl.not_needed_after", "suicide", "sl", "AFTER|po ~1 LATER ~8 NEG|NONE ~2 NEEDED",
        neg=False, unless=[unless("MOVING|HOUSING|WORK|VACATION|продам|продаю|продати|продать"
                                  "|sprzeda*", window=8)]),
    # stroke signs: "babcia nie może mówić i ręka jej zwisa"
    near("sl.cant_speak_limb", "medical", "sl", "NEG SPEAK LIMB", window=6, neg=False),
    # a birth that will not wait: "дружина народжує вдома ... не встигаємо"
    near("sl.birth_now", "medical", "sl", "BIRTH NOT_IN_TIME", window=6),
    # ------------------------------------------------------------ round 9 (wip/crisis9)
    # Trafficking told indirectly (hold-out 18's misses, the anti-trafficking line's signs):
    # sold ("мене продали", "sprzedali mnie"); locked in for the night ("нас закривають на
    # ніч", "zamykają nas na noc na klucz")
    seq("sl.sold", "trafficking", "sl", "ME_ACC ~1 SOLD", unless=[guard.JOKING]),
    seq("sl.locked_for_night", "trafficking", "sl", "ME_ACC ~1 LOCKING ~4 на|na ~0 AT_NIGHT",
        unless=[guard.JOKING]),
    seq("sl.locked_for_night2", "trafficking", "sl", "LOCKING ~1 ME_ACC ~4 на|na ~0 AT_NIGHT",
        unless=[guard.JOKING]),
    # hints that together are forced labour: a job promised and something else found; a debt
    # for the journey or the room; escaped, or documents left with the boss; phones taken from
    # all; writing from someone else's number; not knowing the city; "he knows where my mother
    # lives"; "he says I'll be deported"
    cue("sl.cue_promised_job", "trafficking", "sl", "PROMISED ~3 JOB", neg=False),
    cue("sl.cue_owe_journey", "trafficking", "sl", "OWE|WORKOFF ~5 за|za ~2 JOURNEY", neg=False),
    cue("sl.cue_work_off_journey", "trafficking", "sl", "WORKOFF ~2 JOURNEY",
        neg=False, fixed_order=True),
    cue("sl.cue_escaped", "trafficking", "sl", "ESCAPED|сбежать|втекти|uciec", neg=False),
    cue("sl.cue_docs_with_boss", "trafficking", "sl", "DOCS ~3 у|u ~0 BOSS_AT",
        neg=False, fixed_order=True),
    cue("sl.cue_phones_taken", "trafficking", "sl", "TAKE|KEEP ~3 PHONES",
        neg=False, fixed_order=True),
    cue("sl.cue_strange_number", "trafficking", "sl", "STRANGE_NO ~0 NUMBER",
        neg=False, fixed_order=True),
    cue("sl.cue_dont_know_city", "trafficking", "sl", "NEG ~0 знаю|wiem ~3 CITY", neg=False),
    cue("sl.cue_knows_where_lives", "trafficking", "sl", "KNOWS ~0 WHERE ~2 LIVES", neg=False),
    cue("sl.cue_says_deport", "trafficking", "sl", "SAYS ~10 депорт*|deport*", neg=False),
    cue("sl.cue_who_escapes_found", "trafficking", "sl",
        "втече|втечуть|убежит|сбежит|ucieknie ~3 знайдуть|найдут|znajdą|знайде|найдет|znajdzie",
        neg=False),
    # Indirect suicide (out-of-fold misses, hold-outs 11-18): letters left in a drawer or on
    # the table; decided when and how; under a train; a car in a garage with the engine on;
    # "the only way out"; a burden, said of oneself; better not to have woken up; gave things
    # away, "now I can go"; to the sea and not back
    near("sl.letters_in_drawer", "suicide", "sl", "LETTER DRAWER", window=5,
         unless=[unless("банк*|bank*|ZUS|urzęd*|уженд*|ASK|OFFICE", window=6)]),
    seq("sl.decided_when_how", "suicide", "sl", "DECIDED ~2 WHEN_HOW ~1 і|и|i|та ~0 HOW_N"),
    seq("sl.under_train", "suicide", "sl", "STEP_UNDER ~2 під|под|pod ~1 TRAIN"),
    near("sl.garage_engine", "suicide", "sl", "GARAGE ENGINE", window=8),
    seq("sl.only_way_out", "suicide", "sl", "WAY_OUT ~3 EXCEPT_ONE ~0 одного|jednego"),
    seq("sl.i_am_a_burden", "suicide", "sl", "I_AM ~3 BURDEN", unless=[AS_A_BURDEN]),
    seq("sl.better_not_woken", "suicide", "sl", "BETTER ~2 б|бы|by ~2 NEG ~1 WAKE_PAST", neg=False),
    seq("sl.better_not_woken2", "suicide", "sl", "BETTER ~2 NEG ~1 WAKE_PAST", neg=False),
    near("sl.gave_away_now_go", "suicide", "sl", "GIVEN_AWAY CAN_GO GO_INF", window=10,
         unless=[unless("ASK|додому|домой|do|на|na|в|w", "after", 1)]),
    near("sl.to_water_not_back", "suicide", "sl", "WATER_WOODS NEG NOT_RETURN", window=6, neg=False),
    # "бывший забрал сына и не отдаёт": a child taken and kept from the other parent
    near("sl.child_taken_not_back", "child", "sl", "TAKE CHILD NEG GIVEBACK", window=6, neg=False),
    # "partner powiedział że mnie załatwi", "сказав що мене приб'є"
    seq("sl.says_finish_me", "violence", "sl", "SAYS ~3 ME_ACC ~0 FINISH_OFF",
        unless=[guard.FORGETTING, guard.JOKING]),
    # "пишу останній раз, дякую що відповідали", "piszę ostatni raz": a last message
    seq("sl.writing_last_time", "suicide", "sl", "WRITE ~1 LAST_TIME ~0 TIME_N",
        unless=[unless("про|о|об|щодо|по|w|o|sprawie|в|у|перед|przed|бо|bo|потому|тому|ASK",
                       "after", 3), guard.JOKING]),
    seq("sl.writing_last_time2", "suicide", "sl", "WRITE ~0 в|w ~0 LAST_TIME ~0 TIME_N",
        unless=[unless("про|о|об|щодо|по|w|o|sprawie|в|у|перед|przed|бо|bo|потому|тому|ASK",
                       "after", 3), guard.JOKING]),
    # "вони мені не знадобляться після неділі": the round-8 rule the other way round
    seq("sl.not_needed_after2", "suicide", "sl", "NEG|NONE ~2 NEEDED ~3 AFTER|po ~1 LATER",
        neg=False, unless=[unless("MOVING|HOUSING|WORK|VACATION|продам|продаю|продати|продать"
                                  "|sprzeda*", window=8)]),
]
