"""Password hashing (argon2id) off the event loop, and the rules a new password must meet.

An argon2 check costs tens of milliseconds of CPU and 64 MiB on purpose. Run on the event
loop, a burst of failing logins would stall the bot and every other panel page for seconds;
so every hash and check runs in a small thread pool of its own (argon2-cffi releases the
GIL while it works). The pool is not the default executor: a flood of logins then queues
behind two threads instead of taking the threads DNS look-ups and file I/O need.
"""

from __future__ import annotations

import asyncio
import contextvars
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from bot.i18n import gettext_ as t

MIN_LENGTH = 10
MAX_LENGTH = 200
# zxcvbn's scale: 3 is "safely unguessable: moderate protection from an offline slow-hash
# attack" (under 10^10 guesses is 2), the level its authors recommend for accounts that matter.
MIN_STRENGTH = 3
ZXCVBN_MAX_LENGTH = 72  # zxcvbn refuses longer input; anything past 72 characters only helps
WORKERS = 2

T = TypeVar("T")
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="argon2")
        return _pool


class Passwords:
    """argon2id hashing and checking, always in the worker pool.

    `verify_sync` is the one place a password is checked; the tests count calls to it."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._dummy_hash: str | None = None

    async def run(self, fn: Callable[..., T], *args) -> T:
        # In the caller's context, as asyncio.to_thread does: the language of the messages
        # (bot.i18n.current_locale) is the request's.
        context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(_executor(), context.run, fn,
                                                                *args)

    def verify_sync(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    async def verify(self, password_hash: str, password: str) -> bool:
        return await self.run(self.verify_sync, password_hash, password)

    async def verify_dummy(self, password: str) -> None:
        """One check against a throwaway hash, so a login for an e-mail without an active
        account costs exactly what one for a real account costs."""
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash(secrets.token_hex(16))
        await self.verify(self._dummy_hash, password)

    async def hash(self, password: str) -> str:
        return await self.run(self._hasher.hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)

    async def problems(self, new: str, *, old: str | None = None, email: str | None = None
                       ) -> list[str]:
        return await self.run(lambda: password_problems(new, old=old, email=email))


def one_time_password() -> str:
    return secrets.token_urlsafe(12)


def password_problems(new: str, *, old: str | None = None, email: str | None = None) -> list[str]:
    """What is wrong with `new` as a password, in words meant for the person choosing it."""
    if len(new) < MIN_LENGTH:
        return [t("The new password must have at least {n} characters.", n=MIN_LENGTH)]
    if len(new) > MAX_LENGTH:
        return [t("The new password must have at most {n} characters.", n=MAX_LENGTH)]
    if old is not None and new == old:
        return [t("The new password must be different from the old one.")]
    if email and new.strip().lower() == email.strip().lower():
        return [t("The password must not be your e-mail address.")]
    hints = [email, *(email or "").replace("@", " ").replace(".", " ").split(),
             "belong", "pomorskie", "gdansk", "gdańsk", "staff", "panel"]
    estimate = zxcvbn(new[:ZXCVBN_MAX_LENGTH], user_inputs=[h for h in hints if h])
    if estimate["score"] >= MIN_STRENGTH:
        return []
    feedback = estimate["feedback"]
    # zxcvbn's own warning and suggestions are English; ours are translated.
    why = feedback.get("warning") or t("It follows a pattern that password-guessing tools try "
                                       "early.")
    tips = " ".join(feedback.get("suggestions") or []) or t(
        "A few unrelated words together make a strong password that is easy to remember.")
    return [" ".join((t("This password is too easy to guess."), why, tips))]
