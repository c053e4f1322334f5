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

In memory, bounded, per process: after a restart, or in another process, an edit may get the
card once more, which is the side to err on. No text is kept, only ids.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

from bot.safety.crisis import CrisisSignal

CARD, NOTE, NOTHING = "card", "note", ""
_RANK = {NOTHING: 0, NOTE: 1, CARD: 2}
LIMIT = 20_000  # messages remembered (the oldest are forgotten first)


class HelpGiven:
    """The crisis help each message got, by (person, message id)."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self._given: OrderedDict[tuple[Hashable, int], str] = OrderedDict()
        self._first: OrderedDict[tuple[Hashable, int], int] = OrderedDict()  # version -> first

    def due(self, person: Hashable, message: int, signal: CrisisSignal,
            edit_of: int | None = None) -> str:
        """What to show for `message` now (CARD, NOTE or NOTHING), remembered as given.

        `edit_of`: the id of the message (or earlier version) this one replaces; for
        Telegram, whose edits keep the id, the message's own id."""
        first = message
        if edit_of is not None:
            first = self._first.get((person, edit_of), edit_of)
            if first != message:
                _put(self._first, (person, message), first, self.limit)
        wanted = CARD if signal else NOTE if signal.note else NOTHING
        key = (person, first)
        before = self._given.get(key, NOTHING) if edit_of is not None else NOTHING
        if _RANK[wanted] <= _RANK[before]:
            return NOTHING
        _put(self._given, key, wanted, self.limit)
        return wanted


def _put(table: OrderedDict, key, value, limit: int) -> None:
    table[key] = value
    table.move_to_end(key)
    while len(table) > limit:
        table.popitem(last=False)
