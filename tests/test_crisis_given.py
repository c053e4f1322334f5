"""An edit of a message that got crisis help gets no more of the same (bot/safety/given.py),
in one process (memory) and across the processes sharing one Redis."""

from __future__ import annotations

import asyncio
import logging
import shutil

import pytest

from bot.safety.crisis import CrisisSignal
from bot.safety.given import CARD, NOTE, NOTHING, TTL, HelpGiven, SharedHelpGiven
from bot.shared_limits import redis_client
from tests.workers_env import redis_server

CRISIS = CrisisSignal(frozenset({"suicide"}), ("a rule",))
WEAK = CrisisSignal(note=True)
ORDINARY = CrisisSignal()
SECRET = b"the same secret in every worker"
OLENA = 4_815_162_342  # a Telegram chat id
TARAS = "+48601000099"  # a Signal number


async def test_new_messages_always_get_their_help():
    given = HelpGiven()
    assert await given.due("olena", 1, CRISIS) == CARD
    assert await given.due("olena", 2, CRISIS) == CARD  # another message, another card
    assert await given.due("olena", 3, WEAK) == NOTE
    assert await given.due("olena", 4, ORDINARY) == NOTHING


async def test_an_edit_gets_only_more_than_its_message_got():
    given = HelpGiven()
    assert await given.due("olena", 1, WEAK) == NOTE
    assert await given.due("olena", 1, WEAK, edit_of=1) == NOTHING
    assert await given.due("olena", 1, CRISIS, edit_of=1) == CARD  # the note, then the card
    assert await given.due("olena", 1, CRISIS, edit_of=1) == NOTHING
    assert await given.due("olena", 1, WEAK, edit_of=1) == NOTHING
    # per person: the same message id of someone else is another message
    assert await given.due("taras", 1, CRISIS, edit_of=1) == CARD


async def test_versions_with_their_own_ids_are_traced_to_the_first():
    """Signal: each edit has its own timestamp and names the version it replaces."""
    given = HelpGiven()
    assert await given.due("olena", 100, ORDINARY) == NOTHING
    assert await given.due("olena", 200, CRISIS, edit_of=100) == CARD
    assert await given.due("olena", 300, CRISIS, edit_of=200) == NOTHING
    assert await given.due("olena", 400, CRISIS, edit_of=100) == NOTHING


async def test_the_oldest_messages_are_forgotten_first():
    given = HelpGiven(limit=2)
    for message in (1, 2, 3):
        await given.due("olena", message, CRISIS)
    assert await given.due("olena", 3, CRISIS, edit_of=3) == NOTHING
    assert await given.due("olena", 1, CRISIS, edit_of=1) == CARD  # forgotten: the safe side


# ---------------------------------------------------------------- shared through Redis

@pytest.fixture
def redis_url():
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (CI installs it)")
    with redis_server() as url:
        yield url


@pytest.fixture
async def workers(redis_url):
    """Two workers' records, each on its own Redis client, as two bot processes have."""
    clients = [redis_client(redis_url) for _ in range(2)]
    try:
        yield [SharedHelpGiven(c, SECRET, "telegram") for c in clients]
    finally:
        for client in clients:
            await client.aclose()


async def test_an_edit_on_another_worker_gets_no_second_card(workers):
    one, other = workers
    assert await one.due(OLENA, 7, CRISIS) == CARD
    assert await other.due(OLENA, 7, CRISIS, edit_of=7) == NOTHING
    assert await one.due(OLENA, 7, WEAK, edit_of=7) == NOTHING  # no note after the card
    # The same message id in another person's chat is another message.
    assert await other.due(OLENA + 1, 7, CRISIS, edit_of=7) == CARD


async def test_an_edit_into_a_crisis_on_another_worker_gets_the_card_once(workers):
    one, other = workers
    assert await one.due(OLENA, 8, ORDINARY) == NOTHING
    assert await other.due(OLENA, 8, CRISIS, edit_of=8) == CARD
    assert await one.due(OLENA, 8, CRISIS, edit_of=8) == NOTHING
    # The note first, then the card when the edit says more.
    assert await one.due(OLENA, 9, WEAK) == NOTE
    assert await other.due(OLENA, 9, WEAK, edit_of=9) == NOTHING
    assert await other.due(OLENA, 9, CRISIS, edit_of=9) == CARD


async def test_signal_versions_are_traced_across_workers(redis_url):
    clients = [redis_client(redis_url) for _ in range(2)]
    one, other = (SharedHelpGiven(c, SECRET, "signal") for c in clients)
    try:
        assert await one.due(TARAS, 100, CRISIS) == CARD
        assert await other.due(TARAS, 200, ORDINARY, edit_of=100) == NOTHING
        assert await one.due(TARAS, 300, CRISIS, edit_of=200) == NOTHING  # 300 -> 200 -> 100
        assert await other.due(TARAS, 500, ORDINARY) == NOTHING
        assert await one.due(TARAS, 600, CRISIS, edit_of=500) == CARD
    finally:
        for client in clients:
            await client.aclose()


async def test_the_record_survives_a_restart(redis_url):
    client = redis_client(redis_url)
    try:
        assert await SharedHelpGiven(client, SECRET, "telegram").due(OLENA, 10, CRISIS) == CARD
    finally:
        await client.aclose()
    client = redis_client(redis_url)  # the process started again: a new client, a new record
    try:
        restarted = SharedHelpGiven(client, SECRET, "telegram")
        assert await restarted.due(OLENA, 10, CRISIS, edit_of=10) == NOTHING
    finally:
        await client.aclose()


async def test_two_versions_of_one_message_at_once_give_one_card(workers):
    one, other = workers
    for message in range(20, 60):  # many rounds: a check-then-set would let both through
        assert await one.due(OLENA, message, ORDINARY) == NOTHING
        got = await asyncio.gather(one.due(OLENA, message, CRISIS, edit_of=message),
                                   other.due(OLENA, message, CRISIS, edit_of=message))
        assert sorted(got) == [NOTHING, CARD]


async def test_keys_carry_no_ids_and_expire(workers, redis_url):
    one, other = workers
    await one.due(OLENA, 11, CRISIS)
    await other.due(TARAS, 1_765_000_000_123, WEAK)
    await other.due(TARAS, 1_765_000_000_456, CRISIS, edit_of=1_765_000_000_123)
    keys = [k.decode() for k in await one.redis.keys("*")]
    # One record per message that got help (the edit raised Taras's note to the card) and
    # one link from the edit's own id to the message it replaces.
    assert len(keys) == 3
    for key in keys:
        assert key.startswith("belong:crisis:")
        for clear in (str(OLENA), TARAS, TARAS.lstrip("+"), "1765000000"):
            assert clear not in key
        assert 0 < await one.redis.ttl(key) <= TTL
    values = sorted([await one.redis.get(k) for k in keys if ":help:" in k])
    assert values == [b"2", b"2"]  # the help's rank (2: the card), nothing else


async def test_without_redis_the_card_is_sent_and_the_warning_names_no_one(workers, caplog):
    one, _ = workers
    assert await one.due(OLENA, 12, CRISIS) == CARD
    # A worker whose Redis cannot be reached does not know the card was given: it sends it.
    away = redis_client("redis://127.0.0.1:1/0")  # nothing listens there
    try:
        cut_off = SharedHelpGiven(away, SECRET, "telegram")
        with caplog.at_level(logging.WARNING):
            assert await cut_off.due(OLENA, 12, CRISIS, edit_of=12) == CARD
            assert await cut_off.due(OLENA, 13, WEAK) == NOTE
            assert await cut_off.due(OLENA, 14, CRISIS) == CARD
    finally:
        await away.aclose()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "Redis unreachable" in warnings[0]  # once, not per message
    assert not any(str(OLENA) in w or "12" in w for w in warnings)
