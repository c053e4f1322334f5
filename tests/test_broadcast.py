"""The sender against the sandbox Bot API: faults, audiences, languages, quiet hours, stops."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools

import pytest

from bot.broadcast.clock import QuietHours
from tests.broadcast_env import (
    NIGHT,
    NOON,
    add_users,
    internal_id,
    is_blocked,
    ledger,
    push_env,
    sent_counts,
)

FAQ_ANSWER = "legal-stay-mos"


@pytest.fixture
async def env(db_path, sandbox):
    environment = await push_env(db_path, sandbox)
    yield environment
    await environment.close()


async def test_exactly_once_with_429_403_500_network_and_latency(env, sandbox):
    ids = await add_users(env, sandbox, 40)
    gone = (await add_users(env, None, 1, start=9000))[0]  # no chat: "chat not found"
    sandbox.latency = 0.01
    throttled, flaky, dropped, blocker, hopeless = ids[3], ids[7], ids[11], ids[15], ids[19]
    sandbox.inject("sendMessage", 429, retry_after=1, chat_id=throttled, times=2)
    sandbox.inject("sendMessage", 500, chat_id=flaky, times=2)
    sandbox.fail_network("sendMessage", times=1, chat_id=dropped)
    sandbox.inject("sendMessage", 403, chat_id=blocker, times=None)
    sandbox.inject("sendMessage", 502, chat_id=hopeless, times=None)
    campaign = await env.service.create_announcement("news", {"uk": "Привіт", "en": "Hi"})

    result = await env.broadcaster.run_campaign(campaign.id)

    assert result.status == "done"
    counts = sent_counts(sandbox)
    delivered = set(ids) - {blocker, hopeless}
    assert {chat: n for chat, n in counts.items() if n != 1} == {}
    assert set(counts) == delivered
    rows = await ledger(env, campaign.id)
    assert rows[blocker] == "blocked" and rows[gone] == "blocked"
    assert rows[hopeless] == "failed"
    assert all(rows[i] == "sent" for i in delivered)
    assert await is_blocked(env, blocker) and await is_blocked(env, gone)
    status = await env.service.status(campaign.id)
    assert (status.sent, status.pending, status.failed, status.blocked) == (38, 0, 1, 2)
    assert status.campaign.status == "done"
    # Each retry of the throttled chat came after its retry_after and the per-chat spacing.
    times = [c.timestamp for c in sandbox.calls
             if c.method == "sendMessage" and int(c.params["chat_id"]) == throttled]
    assert len(times) == 3 and all(b - a >= 0.9 for a, b in itertools.pairwise(times))
    # Nothing more is pushed to the blocked person.
    again = await env.service.create_announcement("more news", {"uk": "Ще"})
    await env.broadcaster.run_campaign(again.id)
    assert blocker not in await ledger(env, again.id)


async def test_each_recipient_gets_their_own_language(env, sandbox):
    pl = await add_users(env, sandbox, 2, start=100, language="pl", survey_pushes=True)
    uk = await add_users(env, sandbox, 2, start=200, language="uk", survey_pushes=True)
    en = await add_users(env, sandbox, 2, start=300, language="en", survey_pushes=True)
    unset = await add_users(env, sandbox, 1, start=400, language=None, survey_pushes=True)
    launch = await env.service.launch_survey("belonging", remind_after_days=0)
    assert (await env.broadcaster.run_campaign(launch.invitation.id)).status == "done"
    news = await env.service.create_announcement(
        "news", {"pl": "Urząd zamknięty", "uk": "Офіс зачинено", "en": "Office closed"},
        faq_slug=FAQ_ANSWER)
    assert (await env.broadcaster.run_campaign(news.id)).status == "done"

    def texts(chat: int) -> list[str]:
        return sandbox.chat(chat).bot_texts()

    for chat in pl:
        invite, announcement = texts(chat)
        assert "Jak się tu żyje?" in invite and "ankiet" in invite
        assert announcement.startswith("Urząd zamknięty")
        assert sandbox.chat(chat).buttons()[0][0].startswith("📖 ")
    for chat in uk:
        invite, announcement = texts(chat)
        assert "Як вам тут живеться?" in invite and "опитуван" in invite
        assert announcement.startswith("Офіс зачинено")
    for chat in [*en, *unset]:  # the default language is en
        invite, announcement = texts(chat)
        assert "How do you feel here?" in invite and "survey" in invite
        assert announcement.startswith("Office closed")
    buttons = sandbox.chat(pl[0]).messages[0].buttons()
    assert buttons == [["📝 Wypełnij ankietę"]]


async def test_audience_respects_opt_in_mute_block_topic_and_language(env, sandbox):
    invited = await add_users(env, sandbox, 3, start=100, survey_pushes=True)
    await add_users(env, sandbox, 2, start=200, survey_pushes=False)
    await add_users(env, sandbox, 2, start=300, survey_pushes=True, muted=True)
    await add_users(env, sandbox, 2, start=400, survey_pushes=True, blocked=True)
    work = await add_users(env, sandbox, 2, start=500, topics=("work",), language="pl")
    pl_general = await add_users(env, sandbox, 2, start=600, topics=("general",), language="pl")
    await add_users(env, sandbox, 2, start=700, topics=(), language="pl")

    launch = await env.service.launch_survey("belonging", remind_after_days=0)
    await env.broadcaster.run_campaign(launch.invitation.id)
    assert set(await ledger(env, launch.invitation.id)) == set(invited)

    topics = [root.slug for root in (await env.content.current()).roots]
    topic = "work" if "work" in topics else topics[0]
    if topic != "work":
        pytest.skip("the bundled content has no 'work' topic")
    to_work = await env.service.create_announcement("jobs", {"pl": "Praca"}, topic="work")
    await env.broadcaster.run_campaign(to_work.id)
    assert set(await ledger(env, to_work.id)) == set(work)
    polish = await env.service.create_announcement("pl only", {"pl": "Cześć", "uk": "Привіт"},
                                                   languages=["pl"])
    await env.broadcaster.run_campaign(polish.id)
    assert set(await ledger(env, polish.id)) == set(pl_general)


async def test_reminder_only_to_those_who_have_not_completed(env, sandbox):
    done, opted_out, waiting = await add_users(env, sandbox, 3, start=100, survey_pushes=True)
    launch = await env.service.launch_survey("belonging", remind_after_days=3)
    reminder = launch.reminder
    assert reminder is not None and reminder.due_at == launch.invitation.due_at + dt.timedelta(3)

    env.clock.now = NOON + dt.timedelta(days=4)
    early = await env.broadcaster.run_campaign(reminder.id)
    assert early.status == "waiting"  # the invitation has not gone out yet
    env.clock.now = NOON
    await env.broadcaster.run_campaign(launch.invitation.id)
    assert (await env.broadcaster.run_campaign(reminder.id)).status == "waiting"  # not due

    survey = env.surveys.surveys["belonging"]
    answers = {q.key: q.options[0].id for q in survey.questions if q.kind != "multi"}
    await env.surveys.complete(await internal_id(env, done), launch.wave_id, answers)
    await env.surveys.set_pushes(await internal_id(env, opted_out), False)
    late = await add_users(env, sandbox, 1, start=900, survey_pushes=True)  # joined later
    env.clock.now = NOON + dt.timedelta(days=3, minutes=1)
    assert (await env.broadcaster.run_campaign(reminder.id)).status == "done"
    assert set(await ledger(env, reminder.id)) == {waiting}
    assert sent_counts(sandbox) == {done: 1, opted_out: 1, waiting: 2}
    assert late[0] not in sent_counts(sandbox)
    assert "Нагадуємо" in sandbox.chat(waiting).bot_texts()[-1]


async def test_quiet_hours_wait_and_pause(env, sandbox):
    quiet = QuietHours.parse("21:00-09:00")
    assert quiet.is_quiet(NIGHT) and not quiet.is_quiet(NOON)
    assert quiet.next_end(NIGHT) == dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)  # 09:00 CET
    ids = await add_users(env, sandbox, 30)

    env.clock.now = NIGHT
    evening = dt.datetime(2026, 11, 26, 19, 30, tzinfo=dt.UTC)  # 20:30 in Warsaw
    campaign = await env.service.create_announcement("news", {"uk": "Новини"}, due_at=evening)
    result = await env.broadcaster.run_campaign(campaign.id)
    assert result.status == "paused" and result.resume_at == quiet.next_end(NIGHT)
    assert sent_counts(sandbox) == {}
    urgent = await env.service.create_announcement("urgent", {"uk": "Терміново"},
                                                   quiet_hours=False)
    assert (await env.broadcaster.run_campaign(urgent.id)).status == "done"

    # Starts at 20:59; quiet hours begin after a few sends: it pauses with nothing in flight.
    env.clock.now = dt.datetime(2026, 11, 26, 19, 59, tzinfo=dt.UTC)
    sandbox.latency = 0.01
    env.broadcaster.concurrency = 2
    seen = 0

    def tick(count: int) -> None:
        nonlocal seen
        seen += count
        if seen >= 6:
            env.clock.now = NIGHT

    result = await env.broadcaster.run_campaign(campaign.id, progress=tick)
    assert result.status == "paused"
    status = await env.service.status(campaign.id)
    assert 6 <= status.sent < 30 and status.in_flight == 0 and status.pending == 30 - status.sent
    env.clock.now = result.resume_at + dt.timedelta(minutes=1)
    assert (await env.broadcaster.run_campaign(campaign.id)).status == "done"
    counts = sent_counts(sandbox)
    assert all(counts[i] == 2 for i in ids)  # the urgent one and the news, once each


async def test_graceful_stop_then_resume_is_exactly_once(env, sandbox):
    ids = await add_users(env, sandbox, 60)
    sandbox.latency = 0.02
    env.broadcaster.concurrency = 4
    campaign = await env.service.create_announcement("news", {"uk": "Новини"})
    stop = asyncio.Event()
    seen = 0

    def tick(count: int) -> None:
        nonlocal seen
        seen += count
        if seen >= 10:
            stop.set()

    result = await env.broadcaster.run_campaign(campaign.id, stop, progress=tick)
    assert result.status == "stopped"
    status = await env.service.status(campaign.id)
    assert status.in_flight == 0 and 10 <= status.sent < 60
    assert sum(sent_counts(sandbox).values()) == status.sent
    assert (await env.broadcaster.run_campaign(campaign.id)).status == "done"
    assert sent_counts(sandbox) == {i: 1 for i in ids}


async def test_cancel_stops_a_campaign(env, sandbox):
    await add_users(env, sandbox, 40)
    # Slow enough that the whole campaign (about 4 s) outlasts the sender's status check
    # (every 0.5 s) many times over, however loaded the machine is.
    sandbox.latency = 0.2
    env.broadcaster.concurrency = 2
    campaign = await env.service.create_announcement("news", {"uk": "Новини"})
    cancelled = False

    def tick(count: int) -> None:
        nonlocal cancelled
        if not cancelled:
            cancelled = True
            asyncio.get_running_loop().create_task(env.service.cancel(campaign.id))

    result = await env.broadcaster.run_campaign(campaign.id, progress=tick)
    assert result.status == "cancelled"
    status = await env.service.status(campaign.id)
    assert status.sent < 40 and status.in_flight == 0
    assert (await env.broadcaster.run_campaign(campaign.id)).status == "cancelled"


async def test_announcement_formatting_reaches_telegram_as_html(env, sandbox):
    [chat] = await add_users(env, sandbox, 1, start=500, language="pl")
    news = await env.service.create_announcement("formatted", {
        "pl": 'Biuro <b>zamknięte</b> w <i>piątek</i>. <a href="https://gdansk.uw.gov.pl">'
              "Szczegóły</a> &amp; więcej"})  # Telegram shows the address with a final /
    assert (await env.broadcaster.run_campaign(news.id)).status == "done"
    [message] = sandbox.chat(chat).bot_messages()
    assert message.text.startswith("Biuro zamknięte w piątek. Szczegóły & więcej")
    kinds = {(e["type"], message.text[e["offset"]:e["offset"] + e["length"]], e.get("url"))
             for e in message.entities}
    assert {("bold", "zamknięte", None), ("italic", "piątek", None),
            ("text_link", "Szczegóły", "https://gdansk.uw.gov.pl/")} <= kinds


@pytest.mark.parametrize(("text", "problem"), [
    ("<u>under</u>", "Text (Polish): the tag <u> is not allowed; only <b>, <i>, "
                     '<a href="https://..."> are.'),
    ('<a href="http://example.org">x</a>', 'a link must be written <a href="https://...">; '
                                            "found: http://example.org."),
    ("<b>not closed", "Telegram would refuse it"),
    ("1 < 2", "Write < as &lt;"),
    ('<b style="x">y</b>', "the tag <b> takes no attributes."),
])
async def test_formatting_other_than_bold_italic_https_links_is_refused(env, text, problem):
    from bot.broadcast.campaigns import CampaignError

    with pytest.raises(CampaignError) as refused:
        await env.service.create_announcement("x", {"pl": text})
    assert problem in str(refused.value)


async def test_invalid_campaigns_are_refused(env):
    from bot.broadcast.campaigns import CampaignError

    with pytest.raises(CampaignError, match="text in at least one language"):
        await env.service.create_announcement("x", {"pl": "  "})
    with pytest.raises(CampaignError, match="There is no FAQ answer “no-such-answer”"):
        await env.service.create_announcement("x", {"pl": "a"}, faq_slug="no-such-answer")
    with pytest.raises(CampaignError, match="Unknown topic “no-such-topic”"):
        await env.service.create_announcement("x", {"pl": "a"}, topic="no-such-topic")
    with pytest.raises(CampaignError, match="Unknown language “de”: it must be pl, uk, or en"):
        await env.service.create_announcement("x", {"pl": "a"}, languages=["pl", "de"])
    with pytest.raises(CampaignError, match="“every monday” is not a valid cron rule"):
        await env.service.create_schedule("x", "survey", "every monday", survey="belonging")
    with pytest.raises(CampaignError, match="Unknown survey “nope”"):
        await env.service.launch_survey("nope")
    preview = await env.service.preview_text(
        await env.service.create_announcement("x", {"pl": "<b>a</b> & b"}), "uk")
    assert preview.startswith("<b>a</b> & b")
    # A plain text saved before formatting was allowed still goes out as it was written.
    from bot.broadcast.render import render_push

    old = render_push("announcement", "pl", default_language="en", texts={"pl": "1 < 2 <u>"})
    assert old.text.startswith("1 &lt; 2 &lt;u&gt;")


async def test_no_invitation_or_reminder_for_a_closed_wave(env, sandbox):
    await add_users(env, sandbox, 2, survey_pushes=True)
    launch = await env.service.launch_survey("belonging", remind_after_days=1)
    await env.surveys.close_wave("belonging")
    assert (await env.broadcaster.run_campaign(launch.invitation.id)).status == "cancelled"
    env.clock.now = NOON + dt.timedelta(days=2)
    assert (await env.broadcaster.run_campaign(launch.reminder.id)).status == "cancelled"
    assert sent_counts(sandbox) == {}
