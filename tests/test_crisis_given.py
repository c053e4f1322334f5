"""An edit of a message that got crisis help gets no more of the same (bot/safety/given.py)."""

from __future__ import annotations

from bot.safety.crisis import CrisisSignal
from bot.safety.given import CARD, NOTE, NOTHING, HelpGiven

CRISIS = CrisisSignal(frozenset({"suicide"}), ("a rule",))
WEAK = CrisisSignal(note=True)
ORDINARY = CrisisSignal()


def test_new_messages_always_get_their_help():
    given = HelpGiven()
    assert given.due("olena", 1, CRISIS) == CARD
    assert given.due("olena", 2, CRISIS) == CARD  # another message, another card
    assert given.due("olena", 3, WEAK) == NOTE
    assert given.due("olena", 4, ORDINARY) == NOTHING


def test_an_edit_gets_only_more_than_its_message_got():
    given = HelpGiven()
    assert given.due("olena", 1, WEAK) == NOTE
    assert given.due("olena", 1, WEAK, edit_of=1) == NOTHING
    assert given.due("olena", 1, CRISIS, edit_of=1) == CARD  # the note, then the card
    assert given.due("olena", 1, CRISIS, edit_of=1) == NOTHING
    assert given.due("olena", 1, WEAK, edit_of=1) == NOTHING
    # per person: the same message id of someone else is another message
    assert given.due("taras", 1, CRISIS, edit_of=1) == CARD


def test_versions_with_their_own_ids_are_traced_to_the_first():
    """Signal: each edit has its own timestamp and names the version it replaces."""
    given = HelpGiven()
    assert given.due("olena", 100, ORDINARY) == NOTHING
    assert given.due("olena", 200, CRISIS, edit_of=100) == CARD
    assert given.due("olena", 300, CRISIS, edit_of=200) == NOTHING
    assert given.due("olena", 400, CRISIS, edit_of=100) == NOTHING


def test_the_oldest_messages_are_forgotten_first():
    given = HelpGiven(limit=2)
    for message in (1, 2, 3):
        given.due("olena", message, CRISIS)
    assert given.due("olena", 3, CRISIS, edit_of=3) == NOTHING
    assert given.due("olena", 1, CRISIS, edit_of=1) == CARD  # forgotten: the safe side
