"""Random input to the staff panel's forms, as one logged-in admin, on one database.

Content texts, details, add and move, retire; announcements and survey launches; accounts;
feedback replies; password change; pages of ids that do not exist. Fields hold random
unicode, markup, 200,000 characters, numbers where text belongs and text where numbers do,
repeated keys; some are missing; most forms are valid or one field away from it, so the
state changes as staff would change it. After each example: no request ended in a 5xx (or
an exception), a refused form (400) says what was wrong, and the state is sound: the content
tree page loads and every screen the bot would send from the catalog is HTML Telegram
accepts and fits one message. Every fifth example and at the end, also with the catalog a
fresh ContentStore loads (as the bot process does), and the tree exports to YAML that
imports again without a problem.

FUZZ_PANEL_FORMS sets how many forms are posted (default 200).
"""

from __future__ import annotations

import asyncio
import os
import string
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.channels.telegram.identity import telegram_contact
from bot.config import LANGUAGES
from bot.content.model import FaqCatalog
from bot.content.service import ContentStore
from bot.content.yaml_io import REVIEW_STATUSES, dump_dir, load_dir
from bot.db.models import FaqNode
from bot.fake_telegram.html_check import HtmlParseError, parse_html, utf16_len
from bot.users import UserDirectory
from dialogs.faq.render import answer_html, section_html
from tests import fuzz_updates as fz
from tests.panel_client import CSRF_RE, PASSWORD, build_env

FORMS = int(os.environ.get("FUZZ_PANEL_FORMS", "200"))
PER_EXAMPLE = 8
SLOW_EVERY = 5
ADMIN = "fuzz-admin-0@example.org"  # the forms may disable it, demote it, reset it
T = TypeVar("T")
# Starlette's form parser refuses a field over 1 MB before the page sees it.
STARLETTE_REFUSALS = {"Field exceeded maximum size of 1024KB."}

index = st.integers(0, 10_000)
huge = st.builds(fz.repeat_to, fz.short_texts, st.just(200_000))
numbers = st.sampled_from(["0", "-1", "1", "7", "60", "61", "99999999999999999999", "1e9", "²",
                           "٣", "1.5", " 3 ", "NaN", "0x10"])
dates = st.sampled_from(["2030-01-01", "2026-02-30", "9999-12-31", "0001-01-01", "2030-1-1",
                         "01.02.2030", "yesterday"])
times = st.sampled_from(["09:30", "25:61", "9", "00:00", "23:59:59", "noon"])
crons = st.sampled_from(["0 9 * * 1", "* * * * *", "*/0 * * * *", "61 25 32 13 8", "@reboot",
                         "0 9 * * 1 extra", "0 9 L * *", "0 9 * * MON-FRI"])
junk = st.one_of(fz.short_texts, fz.short_texts, fz.long_texts, numbers, huge, st.sampled_from([
    "", " ", "<b>x</b>", "<b>x", "<a href='javascript:alert(1)'>x</a>", "<script>x</script>",
    "&", "&amp", "<tg-spoiler>x</tg-spoiler>", "null", "[]", "{}", "on", "1", "true"]))


def field(plausible: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    """A form value: plausible, junk, or the key repeated with several values."""
    return st.one_of(plausible, plausible, junk, st.lists(st.one_of(plausible, junk),
                                                           min_size=2, max_size=3))


def form(**fields: tuple[st.SearchStrategy[str], st.SearchStrategy[str]]
         ) -> st.SearchStrategy[dict[str, Any]]:
    """Each field is (valid values, other plausible ones). A form as the browser sends it;
    the same with one field wrong; or any subset of the fields, some junk, plus now and then
    one the form does not have."""
    valid = st.fixed_dictionaries({name: ok for name, (ok, _other) in fields.items()})
    one_wrong = st.tuples(valid, st.sampled_from(sorted(fields)),
                          st.one_of(junk, *(field(other) for _ok, other in fields.values())))
    chaos = st.fixed_dictionaries({}, optional={
        **{name: field(st.one_of(ok, other)) for name, (ok, other) in fields.items()},
        "unexpected": junk})
    return st.one_of(valid, one_wrong.map(lambda t: {**t[0], t[1]: t[2]}), chaos)


PICK = "\x00a slug that exists"  # replaced by one when the request is made
words = st.text(string.ascii_letters + "ąęłśżźćńóĄŁŚŻ іїєґ абв ", min_size=1, max_size=40)
bodies = st.one_of(
    st.builds("{} {}".format, words, st.sampled_from(
        ["", "<b>Ważne</b>.", "<i>x</i>\nline", 'See <a href="https://gov.pl">gov.pl</a>.',
         "&amp; &lt;", "🆘 112"])),
    # Up to the limits of one body: with the rest of the screen, more than one message.
    st.builds(fz.repeat_to, st.sampled_from(["😀", "ż", "<b>a</b> "]),
              st.sampled_from([2040, 2990])))
texts_form = form(**{f"{kind}_{lang}": s for lang in LANGUAGES for kind, s in (
    ("title", (words, fz.short_texts)), ("body", (bodies, fz.texts)),
    ("details", (bodies, fz.texts)), ("keywords", (words, fz.short_texts)),
    ("confirm", (st.just("1"), st.just("0"))))})
details_form = form(
    sources=(st.sampled_from(["https://gov.pl/a", "\n".join(
        f"https://urzad-{i}.gdansk.gov.pl/{'x' * 60}" for i in range(80))]),
        st.sampled_from(["https://a.pl\nhttps://b.pl", "ftp://x", "https://" + "x" * 3000])),
    reviewed=(st.just("2026-01-15"), dates), review_every_days=(st.just("180"), numbers),
    review_status=(st.sampled_from(["ok"]), st.sampled_from([*REVIEW_STATUSES, "OK", ""])),
    review_note=(st.just(""), fz.short_texts),
    icon=(st.sampled_from(["🆘", ""]), st.sampled_from(["👨‍👩‍👧‍👦", "x" * 17, "<b>"])),
    source_lang=(st.sampled_from(LANGUAGES), st.sampled_from(["ru", ""])))
slugs = st.one_of(st.from_regex(r"[a-z0-9][a-z0-9-]{0,45}", fullmatch=True), fz.short_texts)
new_slugs = st.from_regex(r"fz-[a-z0-9]{1,12}", fullmatch=True)
add_form = form(
    parent=(st.just(PICK), slugs), slug=(new_slugs, slugs),
    kind=(st.sampled_from(["answer", "section"]), st.sampled_from(["root", ""])),
    lang=(st.sampled_from(LANGUAGES), st.sampled_from(["ru", ""])), title=(words, fz.short_texts),
    body=(bodies, fz.texts), sources=(st.just("https://gov.pl"), st.just("x")),
    position=(st.sampled_from(["", "1", "3"]), numbers))
campaign_form = form(
    name=(words, fz.short_texts), text_pl=(words, fz.texts), text_uk=(words, fz.texts),
    text_en=(words, fz.texts),
    faq_slug=(st.sampled_from(["", "work-who-may-work"]), st.sampled_from(["work", "nope"])),
    topic=(st.sampled_from(["general", "work"]), st.sampled_from(["nope", ""])),
    languages=(st.sampled_from(["pl", "uk", "en"]), st.just("ru")),
    date=(st.just("2030-01-01"), dates), time=(st.just("09:30"), times),
    cron=(st.just(""), crons), quiet_hours=(st.sampled_from(["on", "off"]), junk),
    action=(st.sampled_from(["create", "preview"]), junk))
survey_form = form(
    survey=(st.just("belonging"), st.sampled_from(["nope", ""])),
    remind_after_days=(st.sampled_from(["0", "7", "60"]), numbers),
    new_wave=(st.sampled_from(["on", ""]), junk), date=(st.just(""), dates),
    time=(st.just(""), times), cron=(st.sampled_from(["", "0 10 1 1,4,7,10 *"]), crons),
    quiet_hours=(st.sampled_from(["on", ""]), junk))
emails = (st.one_of(new_slugs.map(lambda s: f"{s}@example.org"),
                    st.sampled_from(["editor@example.org", "analyst@example.org"])),
          st.one_of(st.sampled_from([ADMIN, "NEW@EXAMPLE.ORG", "a@b", "@", ""]),
                    fz.short_texts.map(lambda t: f"{t}@example.org")))
roles = (st.sampled_from(["editor", "analyst", "admin"]), st.sampled_from(["root", ""]))
new_password = PASSWORD + " 2"
password_form = form(old_password=(st.just(PASSWORD), st.just("wrong")),
                     new_password=(st.just(new_password), st.sampled_from(["short", "x" * 10_000])),
                     new_password_repeat=(st.just(new_password), st.just("short")))
ids = st.one_of(index, st.sampled_from([0, -1, 2**63, 10**30]))


def _request(kind: str, *parts: st.SearchStrategy[Any]) -> st.SearchStrategy[tuple]:
    return st.tuples(st.just(kind), *parts)


requests = st.one_of(
    _request("texts", index, texts_form), _request("texts", index, texts_form),
    _request("details", index, details_form), _request("details", index, details_form),
    _request("move", index, form(parent=(st.just(PICK), slugs),
                                 position=(st.sampled_from(["", "1", "2"]), numbers)), index),
    _request("retire", index, st.booleans()),
    _request("add", add_form, index),
    _request("campaign", campaign_form), _request("campaign", campaign_form),
    _request("survey", survey_form),
    _request("cancel", ids, st.booleans()),
    _request("account", form(email=emails, role=roles)),
    _request("account_action", st.sampled_from(["reset", "disable", "enable", "role"]),
             form(email=emails, role=roles)),
    _request("reply", ids, form(reply=(words, fz.texts))),
    _request("ticket_status", ids, st.booleans()),
    _request("password", password_form),
    _request("bogus_page", st.sampled_from(["/content/node/{s}", "/feedback/{n}",
                                            "/campaigns/{n}", "/results/{s}",
                                            "/feedback/{n}/photo/{n}", "/content/add?parent={s}",
                                            "/data/audit-entry/details/{n}",
                                            "/data/campaign/details/{s}",
                                            "/data/content-gap/list?page={n}&search={s}",
                                            "/data/audit-entry/list?sortBy={s}&pageSize={n}",
                                            "/audit?page={n}&action={s}&since={s}",
                                            "/results/belonging?wave={s}",
                                            "/results/{s}/report.html",
                                            "/results/belonging/{s}",
                                            "/content/translations?lang={s}",
                                            "/preview?lang={s}",
                                            "/feedback?status={s}"]),
             slugs, ids),
)


# Now and then the form comes as multipart with one field sent as a file: the page gets an
# UploadFile where it expects text.
uploads = st.one_of(st.none(), st.none(), st.none(), st.none(), st.none(), st.none(), index)


def pick(items: Sequence[T], i: int) -> T:
    return items[i % len(items)]


class PanelFuzz:
    def __init__(self, env: Any, tmp: Path) -> None:
        self.env, self.tmp = env, tmp
        self.client: httpx.AsyncClient | None = None
        self.token = ""
        self.problems: list[str] = []
        self.trace: list[str] = []
        self.checks = 0
        self.logins = 0
        self.admin = ADMIN

    async def log_in(self) -> None:
        """(Again) as an admin: a new account, whatever the forms did to the last one."""
        self.admin = f"fuzz-admin-{self.logins}@example.org"  # the first is ADMIN
        self.logins += 1
        await self.env.account(self.admin, "admin")
        if self.client is not None:
            await self.client.aclose()
        self.client = self.env.client()
        page = await self.client.get("/panel/login")
        self.token = CSRF_RE.search(page.text).group(1)
        response = await self.client.post("/panel/login", data={
            "email": self.admin, "password": PASSWORD, "csrf_token": self.token})
        assert response.status_code == 303, response.text[:500]
        token = await self._token()
        assert token is not None, "logged in, but no CSRF token on the home page"
        self.token = token

    async def refresh_token(self) -> None:
        """The session's CSRF token; logged in anew if the session is gone (a password
        change may end it)."""
        token = await self._token()
        if token is None:
            await self.log_in()
        else:
            self.token = token

    async def _token(self) -> str | None:
        assert self.client is not None
        page = await self.client.get("/panel/")
        found = CSRF_RE.search(page.text) if page.status_code == 200 else None
        return found.group(1) if found else None

    async def slugs(self, kind: str | None = None) -> list[str]:
        """Every item (or every section), retired ones too."""
        query = select(FaqNode.slug).order_by(FaqNode.slug)
        if kind is not None:
            query = query.where(FaqNode.kind == kind)
        async with self.env.panel.sessions() as session:
            return list((await session.scalars(query)).all())

    async def play(self, requests: list[tuple[tuple, int | None]]) -> None:
        if self.client is None or (await self.client.get("/panel/accounts")).status_code != 200:
            await self.log_in()
        for request, upload in requests:
            method, url, data = await self.build(request)
            self.trace.append(f"{method} {url} {str(data)[:200]} upload={upload}")
            try:
                response = await self.send(method, url, data, upload)
            except Exception as exc:  # the ASGI transport raises what the app did not handle
                self.problems.append(f"{method} {url}: {type(exc).__name__}: {exc}"[:500])
                continue
            status = response.status_code
            if url == "/panel/password" and status == 303:  # a new session, a new CSRF token
                await self.refresh_token()
            if status >= 500:
                self.problems.append(f"{method} {url}: {status}")
            elif method == "POST" and status == 400 and "flash-error" not in response.text \
                    and response.text not in STARLETTE_REFUSALS:
                self.problems.append(f"{method} {url}: 400 without a message: "
                                     f"{response.text[:300]!r}")
        await self.check_state()

    async def send(self, method: str, url: str, data: dict[str, Any],
                   upload: int | None = None) -> httpx.Response:
        assert self.client is not None
        if method == "GET":
            return await self.client.get(url)
        files = None
        if upload is not None:
            name = pick(sorted(data) or ["file"], upload)
            value = data.pop(name, "")
            files = {name: ("x.txt", str(value).encode(), "text/plain")}
        return await self.client.post(url, data={**data, "csrf_token": self.token}, files=files)

    async def build(self, request: tuple) -> tuple[str, str, dict[str, Any]]:
        kind, *args = request
        slugs = await self.slugs()
        node = "/panel/content/node/"
        if kind in ("texts", "details"):
            return "POST", f"{node}{pick(slugs, args[0])}/{kind}", args[1]
        if kind == "move":
            data = {k: pick(["", *slugs], args[2]) if v == PICK else v for k, v in args[1].items()}
            return "POST", f"{node}{pick(slugs, args[0])}/move", data
        if kind == "retire":
            return "POST", f"{node}{pick(slugs, args[0])}/{'retire' if args[1] else 'unretire'}", {}
        if kind == "add":
            sections = await self.slugs("section")
            data = {k: pick(["", *sections], args[1]) if v == PICK else v
                    for k, v in args[0].items()}
            return "POST", "/panel/content/add", data
        if kind == "campaign":
            return "POST", "/panel/campaigns/new", args[0]
        if kind == "survey":
            return "POST", "/panel/campaigns/survey", args[0]
        if kind == "cancel":
            number = args[0] % 40 if args[0] < 10_000 else args[0]  # mostly ids that exist
            return "POST", f"/panel/campaigns/{'schedules/' if args[1] else ''}{number}/cancel", {}
        if kind == "account":
            return "POST", "/panel/accounts", args[0]
        if kind == "account_action":
            return "POST", f"/panel/accounts/{args[0]}", args[1]
        if kind == "reply":
            return "POST", f"/panel/feedback/{args[0] % 4}/reply", args[1]
        if kind == "ticket_status":
            return "POST", f"/panel/feedback/{args[0] % 4}/{'close' if args[1] else 'reopen'}", {}
        if kind == "password":
            return "POST", "/panel/password", args[0]
        template, slug, number = args
        return "GET", "/panel" + template.format(s=quote(slug, safe=""), n=number), {}

    async def check_state(self) -> None:
        """What the forms must never break: the tree page, the bot's catalog and its screens,
        the YAML round trip."""
        assert self.client is not None
        if (await self.client.get("/panel/accounts")).status_code != 200:
            await self.log_in()
        tree = await self.client.get("/panel/content")
        if tree.status_code != 200:
            self.problems.append(f"the content tree answered {tree.status_code}")
        self.check_screens(await self.env.panel.content.current())
        self.checks += 1
        if self.checks % SLOW_EVERY == 0:
            await self.check_fresh_load()

    def check_screens(self, catalog: FaqCatalog) -> None:
        if not catalog.roots:
            self.problems.append("the bot's catalog has no topics")
        for node in catalog.by_slug.values():
            for lang in LANGUAGES:
                screens = ([answer_html(node, lang), answer_html(node, lang, more=True)]
                           if node.is_answer else [section_html(node, lang)])
                for html in screens:
                    try:
                        plain, _ = parse_html(html)
                    except HtmlParseError as exc:
                        self.problems.append(f"{node.slug} ({lang}): Telegram would refuse: {exc}")
                        continue
                    if utf16_len(plain) > 4096:
                        self.problems.append(f"{node.slug} ({lang}): {utf16_len(plain)} characters"
                                             " on one screen, more than Telegram sends")

    async def check_fresh_load(self) -> None:
        """Slower (a new store builds its search index; YAML is pure Python): not always.
        What another process (the bot) loads from the database, and the YAML round trip."""
        store = ContentStore(self.env.panel.sessions, refresh_seconds=0.0)
        await store.reload()
        self.check_screens(store.catalog)
        out = self.tmp / f"export-{self.checks}"
        dump_dir(store.catalog.roots, out)
        _roots, errors = load_dir(out)
        self.problems += [f"the exported YAML does not import: {e}" for e in errors[:5]]

    def verdict(self) -> None:
        problems, self.problems = self.problems, []
        assert not problems, "\n".join(dict.fromkeys(problems)) + "\n\nlast requests:\n" + \
            "\n".join(self.trace[-12:])


@pytest.fixture
async def env(db_path, tmp_path):
    env = await build_env(db_path, tmp_path)
    directory = UserDirectory(env.panel.sessions)
    for tg_id, lang in ((501, "uk"), (502, "pl"), (503, "en")):
        person = await directory.seen(telegram_contact(tg_id), lang)
        await env.panel.extra["tickets"].open(person.user_id, lang, f"Pytanie {tg_id} <b>?</b>")
    for role in ("editor", "analyst"):
        await env.account(f"{role}@example.org", role)
    yield env
    await env.engine.dispose()


async def test_random_forms_never_break_the_panel(env, tmp_path):
    fuzz = PanelFuzz(env, tmp_path)
    loop = asyncio.get_running_loop()

    # As in test_fuzz_webhook: Hypothesis in a thread of its own, the panel on this loop.
    @settings(max_examples=max(FORMS // PER_EXAMPLE, 1), deadline=None, database=None,
              phases=[Phase.generate],
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
    @given(st.lists(st.tuples(requests, uploads), min_size=PER_EXAMPLE, max_size=PER_EXAMPLE))
    def example(batch: list[tuple]) -> None:
        asyncio.run_coroutine_threadsafe(fuzz.play(batch), loop).result(timeout=600)
        fuzz.verdict()

    try:
        await asyncio.to_thread(example)
        await fuzz.check_fresh_load()
        fuzz.verdict()
    finally:
        if fuzz.client is not None:
            await fuzz.client.aclose()

