"""Collision-safe ids for aiogram-dialog intents.

aiogram-dialog 2.6 makes an intent id from the current second plus one of 100 random values,
so two dialogs a person opens within the same second (/start, then /language) share an id
with probability 1/100, and the second overwrites the first: the stack breaks and the person
is thrown back to the main menu (seen as a flaky test here). The ids only need to be unique
within one chat's stack and short enough for Telegram's 64-byte callback data, so 40 random
bits (at most 7 characters) replace them.
"""

from __future__ import annotations

import secrets

from aiogram_dialog.api.entities import stack as _stack


def collision_safe_id() -> str:
    return _stack.id_to_str(secrets.randbits(40) or 1)


def install() -> None:
    # Intents are created through the module-level new_id() looked up at call time.
    _stack.new_id = collision_safe_id
