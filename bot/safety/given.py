"""Which messages already got crisis help, so that editing one does not send the card again.

The problem: every channel reads an edited message again (a crisis typed as a correction of
an earlier question must still get the 🆘 card), but a person who fixes a typo in "I don't
want to live" three times got three identical cards. Per person, the help a message got (the
card, or the one-line note) is remembered by the message's id; an edit of it gets only what
is more than that: no second card, no note after a card, but the card when an ordinary
message (or one that got only the note) is edited into a crisis.

Telegram keeps a message's id through its edits; Signal gives every version its own
timestamp and names the version it replaces (`edit_of`), so each version is traced back to
the first one.

Two records with one interface (`await record.due(...)`), built by `help_record()`:

- `HelpGiven`, the default: in memory, bounded, per process.
- `SharedHelpGiven` when Redis is configured (REDIS_URL, several workers): an edit may land
  on another worker than its message, and a restart must not forget, so the record is in
  Redis, shared by every process. The compare-and-set is one Lua script per message, so two
  workers handling two versions of one message at once give one card, not two. Key names
  are an HMAC of (channel, person, message id) under a secret the processes share
  (`record_secret`): a Redis dump shows no chat id or phone number; the value is only the
  help's rank. Each key expires `TTL` after the help was given (7 days: edits come within
  minutes or hours of a message; an edit after a week gets the card again, the safe side,
  and the keys of a person erased by /delete are gone within a week without a lookup).
  If Redis cannot be reached, the process decides from its own memory meanwhile (and logs
  it, without ids): the card is sent unless this very process gave it, the safe side.

No text is kept, only ids (hashed in Redis).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections import OrderedDict
from collections.abc import Hashable
from typing import TYPE_CHECKING, Protocol

from redis.exceptions import RedisError

from bot.safety.crisis import CrisisSignal
from bot.shared_limits import warn_unreachable

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from bot.config import Settings

log = logging.getLogger(__name__)

CARD, NOTE, NOTHING = "card", "note", ""
_RANK = {NOTHING: 0, NOTE: 1, CARD: 2}
_BY_RANK = {rank: kind for kind, rank in _RANK.items()}
LIMIT = 20_000  # messages remembered in memory (the oldest are forgotten first)
TTL = 7 * 86400  # seconds a message's record stays in Redis
PREFIX = "belong:crisis:"


class HelpRecord(Protocol):
    async def due(self, person: Hashable, message: int, signal: CrisisSignal,
                  edit_of: int | None = None) -> str: ...


def wanted(signal: CrisisSignal) -> str:
    return CARD if signal else NOTE if signal.note else NOTHING


class HelpGiven:
    """The crisis help each message got, by (person, message id), in this process."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self._given: OrderedDict[tuple[Hashable, int], str] = OrderedDict()
        self._first: OrderedDict[tuple[Hashable, int], int] = OrderedDict()  # version -> first

    async def due(self, person: Hashable, message: int, signal: CrisisSignal,
                  edit_of: int | None = None) -> str:
        """What to show for `message` now (CARD, NOTE or NOTHING), remembered as given.

        `edit_of`: the id of the message (or earlier version) this one replaces; for
        Telegram, whose edits keep the id, the message's own id."""
        first = message
        if edit_of is not None:
            first = self._first.get((person, edit_of), edit_of)
            if first != message:
                _put(self._first, (person, message), first, self.limit)
        want = wanted(signal)
        key = (person, first)
        before = self._given.get(key, NOTHING) if edit_of is not None else NOTHING
        if _RANK[want] <= _RANK[before]:
            return NOTHING
        _put(self._given, key, want, self.limit)
        return want


def _put(table: OrderedDict, key, value, limit: int) -> None:
    table[key] = value
    table.move_to_end(key)
    while len(table) > limit:
        table.popitem(last=False)


# KEYS[1]: the first version's record; KEYS[2]: this version's link to the first (only for
# a version with its own id). ARGV: the rank wanted, 1 for an edit (compare with what was
# given) or 0 for a new message, the TTL, and the first version's id to link to.
_GIVE = """
local ttl = tonumber(ARGV[3])
if KEYS[2] then redis.call('SET', KEYS[2], ARGV[4], 'EX', ttl) end
local wanted = tonumber(ARGV[1])
if wanted == 0 then return 0 end
if ARGV[2] == '1' and wanted <= tonumber(redis.call('GET', KEYS[1]) or '0') then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl)
return wanted
"""


class SharedHelpGiven:
    """HelpGiven kept in Redis for every process of one channel (`scope`)."""

    def __init__(self, redis: Redis, secret: bytes, scope: str, *, ttl: int = TTL,
                 prefix: str = PREFIX) -> None:
        self.redis, self.scope, self.ttl = redis, scope, ttl
        self._secret, self._prefix = secret, prefix
        self._script = redis.register_script(_GIVE)
        self._local = HelpGiven()  # while Redis cannot be reached
        self._warned = 0.0

    def _key(self, kind: str, person: Hashable, message: int) -> str:
        digest = hmac.new(self._secret, f"{self.scope}\0{person}\0{message}".encode(),
                          hashlib.sha256).hexdigest()[:32]
        return f"{self._prefix}{kind}:{digest}"

    async def due(self, person: Hashable, message: int, signal: CrisisSignal,
                  edit_of: int | None = None) -> str:
        """As HelpGiven.due, atomically for every process sharing the Redis."""
        try:
            first, link = message, []
            if edit_of is not None and edit_of != message:  # a version with its own id
                found = await self.redis.get(self._key("version", person, edit_of))
                first = int(found) if found is not None else edit_of
                link = [self._key("version", person, message)]
            rank = await self._script(
                keys=[self._key("help", person, first), *link],
                args=[_RANK[wanted(signal)], int(edit_of is not None), self.ttl, first])
        except (RedisError, OSError) as exc:
            self._warned = warn_unreachable(self._warned, exc, log,
                                            "crisis help decided by this process alone")
            return await self._local.due(person, message, signal, edit_of)
        return _BY_RANK[int(rank)]


def record_secret(settings: Settings, token: str | None = None) -> bytes:
    """The key of the Redis key names: derived from the bot token, the same in every worker
    of the Telegram bot and across restarts; a Signal-only process without a token uses the
    panel secret (PANEL_SECRET, or the one generated once in DATA_DIR)."""
    if token is None and settings.bot_token is not None:
        token = settings.bot_token.get_secret_value()
    if token is None:
        from bot.web.panel.security import session_secret

        token = session_secret(settings)
    return hmac.new(token.encode(), b"belong crisis help given", hashlib.sha256).digest()


def help_record(redis: Redis | None, settings: Settings, scope: str,
                token: str | None = None) -> HelpRecord:
    """The record a channel's crisis check uses: shared in Redis when there is one."""
    if redis is None:
        return HelpGiven()
    return SharedHelpGiven(redis, record_secret(settings, token), scope)
