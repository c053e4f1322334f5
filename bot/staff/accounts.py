"""Staff accounts: creation with a one-time password, login, sessions, password change.

Login throttling lives in bot/staff/throttle.py, sessions in bot/staff/sessions.py, argon2
and the password rules in bot/staff/passwords.py. Every login attempt that gets as far as a
password costs exactly one argon2 check, whatever the outcome (unknown e-mail, disabled
account, locked account, wrong or right password), so the time of the answer does not tell
which e-mails have an account. Only an address already over its limit is answered at once:
that answer does not depend on the e-mail, and checking passwords for it would hand the
address our CPU.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.config import LANGUAGES
from bot.db.models import StaffAccount, utcnow
from bot.i18n import Alternatives, Refusal, _, ngettext_
from bot.i18n import gettext_ as t
from bot.staff import audit
from bot.staff.passwords import Passwords, one_time_password
from bot.staff.sessions import PASSWORD_TRIES_PER_SESSION, SessionPolicy, SessionStore, revoke_all
from bot.staff.throttle import LoginThrottle

ROLES = ("editor", "analyst", "admin")
DEFAULT_STAFF_LOCALE = "pl"  # staff work in Polish offices
ROLE_HELP = {
    "editor": "edits content and answers feedback",
    "analyst": "sees survey results and exports",
    "admin": "manages accounts and campaigns, and can do everything",
}
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ENDED_FOR_WRONG_PASSWORDS = _("The current password was wrong too many times, so this session "
                              "has ended. Log in again.")


class StaffError(Refusal):
    """A request the service refuses; `text(lang)` is meant for the person who made it."""


@dataclass(frozen=True)
class StaffView:
    id: int
    email: str
    role: str
    active: bool
    must_change_password: bool
    created_at: dt.datetime
    last_login_at: dt.datetime | None
    # End of the lock after failed logins (for addresses that failed), if locked now.
    locked_until: dt.datetime | None = None
    locale: str = "pl"  # the panel's language for this staff member

    def can(self, *roles: str) -> bool:
        """Admins can do everything; no roles given means any staff member."""
        return self.role == "admin" or not roles or self.role in roles


def _bad_language() -> StaffError:
    return StaffError(_("The language must be {languages}."), languages=Alternatives(LANGUAGES))


def _bad_role() -> StaffError:
    return StaffError(_("The role must be {roles}."), roles=Alternatives(ROLES))


def _view(row: StaffAccount, locked_until: dt.datetime | None = None) -> StaffView:
    return StaffView(
        id=row.id, email=row.email, role=row.role, active=row.active,
        must_change_password=row.must_change_password, created_at=row.created_at,
        last_login_at=row.last_login_at, locked_until=locked_until, locale=row.locale,
    )


def normalise_email(email: str) -> str:
    return email.strip().lower()


@dataclass(frozen=True)
class LoginResult:
    staff: StaffView | None
    error: str | None = None  # "invalid" | "locked" | "throttled"
    retry_after: int = 0  # seconds
    token: str | None = None  # the new session's, for the cookie

    @property
    def ok(self) -> bool:
        return self.staff is not None


@dataclass(frozen=True)
class PasswordChange:
    problems: list[str] = field(default_factory=list)  # empty: changed
    token: str | None = None  # a fresh session for the browser that made the change
    signed_out: bool = False  # too many wrong current passwords: the session was ended
    retry_after: int = 0  # locked: seconds to wait

    @property
    def ok(self) -> bool:
        return not self.problems


def _wait_words(seconds: int) -> str:
    if seconds < 90:
        return ngettext_("{n} second", "{n} seconds", seconds)
    return ngettext_("{n} minute", "{n} minutes", (seconds + 59) // 60)


class StaffService:
    def __init__(self, sessions: async_sessionmaker, *, policy: SessionPolicy | None = None,
                 clock: Callable[[], dt.datetime] = utcnow, passwords: Passwords | None = None,
                 throttle: LoginThrottle | None = None) -> None:
        self._sessions = sessions
        self.clock = clock
        self.passwords = passwords or Passwords()
        self.throttle = throttle or LoginThrottle()
        self.logins = SessionStore(policy or SessionPolicy())
        # Checking the limits and recording an attempt is one step within this process.
        self._reserve = asyncio.Lock()

    async def get(self, staff_id: int) -> StaffView | None:
        async with self._sessions() as session:
            row = await session.get(StaffAccount, staff_id)
            return _view(row) if row is not None else None

    async def by_email(self, email: str) -> StaffView | None:
        async with self._sessions() as session:
            row = await session.scalar(select(StaffAccount).where(
                StaffAccount.email == normalise_email(email)))
            return _view(row) if row is not None else None

    async def accounts(self) -> list[StaffView]:
        async with self._sessions() as session:
            locks = await self.throttle.locks(session, self.clock())
            rows = await session.scalars(select(StaffAccount).order_by(StaffAccount.email))
            return [_view(r, locks.get(r.email)) for r in rows.all()]

    async def count_admins(self) -> int:
        async with self._sessions() as session:
            return int(await session.scalar(select(func.count(StaffAccount.id)).where(
                StaffAccount.role == "admin", StaffAccount.active.is_(True))) or 0)

    async def add(self, email: str, role: str, *, actor: str = "cli",
                  locale: str = DEFAULT_STAFF_LOCALE) -> tuple[StaffView, str]:
        """Create an account; returns it and the one-time password to hand over."""
        email = normalise_email(email)
        if locale not in LANGUAGES:
            raise _bad_language()
        if not EMAIL_RE.match(email):
            raise StaffError(_("“{email}” does not look like an e-mail address."), email=email)
        if role not in ROLES:
            raise _bad_role()
        password = one_time_password()
        password_hash = await self.passwords.hash(password)
        async with self._sessions() as session:
            if await session.scalar(select(StaffAccount.id).where(StaffAccount.email == email)):
                raise StaffError(_("An account for {email} exists already."), email=email)
            row = StaffAccount(email=email, role=role, password_hash=password_hash,
                               must_change_password=True, active=True, locale=locale)
            session.add(row)
            await session.flush()
            await audit.record(session, actor=actor, action="staff.add", entity="staff_account",
                               entity_id=row.id, after={"email": email, "role": role})
            await session.commit()
            return _view(row), password

    async def _change(self, email: str, actor: str, action: str, *, end_sessions: bool,
                      unlock: bool = False, **values) -> StaffView:
        async with self._sessions() as session:
            row = await session.scalar(select(StaffAccount).where(
                StaffAccount.email == normalise_email(email)))
            if row is None:
                raise StaffError(_("There is no account for {email}."), email=email)
            shown = [k for k in values if k != "password_hash"]
            before = {k: getattr(row, k) for k in shown}
            for key, value in values.items():
                setattr(row, key, value)
            if end_sessions:
                await revoke_all(session, row.id)
            await audit.record(session, actor=actor, action=action, entity="staff_account",
                               entity_id=row.id, before={"email": row.email, **before},
                               after={"email": row.email, **{k: values[k] for k in shown}})
            if unlock:
                await self.throttle.clear(session, row.email)
            await session.commit()
            return _view(row)

    async def reset_password(self, email: str, *, actor: str = "cli") -> str:
        password = one_time_password()
        await self._change(email, actor, "staff.reset_password", end_sessions=True, unlock=True,
                           password_hash=await self.passwords.hash(password),
                           must_change_password=True)
        return password

    async def disable(self, email: str, *, actor: str = "cli") -> StaffView:
        if actor != "cli":  # the command line stays able to lock out a compromised admin
            await self._guard_last_admin(email, leaving=True)
        return await self._change(email, actor, "staff.disable", end_sessions=True, active=False)

    async def enable(self, email: str, *, actor: str = "cli") -> StaffView:
        return await self._change(email, actor, "staff.enable", end_sessions=False, active=True)

    async def set_role(self, email: str, role: str, *, actor: str = "cli") -> StaffView:
        if role not in ROLES:
            raise _bad_role()
        if role != "admin" and actor != "cli":
            await self._guard_last_admin(email, leaving=True)
        # Sessions end even though the role is read on every request: whoever holds one
        # logs in again and sees what the new role gives them.
        return await self._change(email, actor, "staff.role", end_sessions=True, role=role)

    async def set_locale(self, staff_id: int, locale: str) -> None:
        """The staff member's own choice of the panel's language (not audited: it changes
        nothing anyone else sees)."""
        if locale not in LANGUAGES:
            raise _bad_language()
        async with self._sessions() as session:
            await session.execute(update(StaffAccount).where(StaffAccount.id == staff_id)
                                  .values(locale=locale))
            await session.commit()

    async def _guard_last_admin(self, email: str, leaving: bool) -> None:
        account = await self.by_email(email)
        if (leaving and account is not None and account.role == "admin" and account.active
                and await self.count_admins() <= 1):
            raise StaffError(_("This is the last active admin account; make another admin first."))

    # ---------------------------------------------------------------- login and sessions

    async def authenticate(self, email: str, password: str, address: str) -> LoginResult:
        """Checks the password and, when it is right, starts a session (`result.token`).

        Three steps, so that no database connection waits for argon2. First, under a lock,
        the limits are checked and the attempt is recorded as a failure and committed: a burst
        of parallel guesses from one address then sees its own earlier attempts. Then the
        password is checked in the worker pool. Last, a right password takes its failure back
        and opens a session."""
        email = normalise_email(email)
        async with self._reserve:
            now = self.clock()
            async with self._sessions() as session:
                wait = await self.throttle.address_wait(session, address, now)
                if wait:
                    return LoginResult(None, "throttled", wait)
                row = await session.scalar(select(StaffAccount).where(StaffAccount.email == email))
                locked_for = await self.throttle.account_wait(session, email, address, now)
                attempt = await self.throttle.record(session, email, address, now,
                                                     counts=not locked_for)
                await session.commit()
        # Exactly one argon2 check on every path from here on (see the module docstring).
        if row is None or not row.active:
            await self.passwords.verify_dummy(password)
            right = False
        else:
            right = await self.passwords.verify(row.password_hash, password)
        if locked_for:
            return LoginResult(None, "locked", locked_for)
        async with self._sessions() as session:
            if not right or row is None:
                seconds = await self.throttle.lock_wait(session, email, now)
                return LoginResult(None, "locked" if seconds else "invalid", seconds)
            account = await session.get(StaffAccount, row.id)
            if account is None or not account.active:  # disabled while the check ran
                return LoginResult(None, "invalid")
            await self.throttle.forgive(session, attempt)
            await self.throttle.clear(session, email)
            if self.passwords.needs_rehash(account.password_hash):
                account.password_hash = await self.passwords.hash(password)
            account.last_login_at = now
            token = await self.logins.start(session, account.id, now)
            await session.commit()
            return LoginResult(_view(account), token=token)

    async def session_staff(self, token: str) -> StaffView | None:
        """The active staff member whose live session this token is, or None."""
        async with self._sessions() as session:
            found = await self.logins.find(session, token, self.clock())
            row = await session.get(StaffAccount, found.staff_id) if found is not None else None
            await session.commit()
            return _view(row) if row is not None and row.active else None

    async def log_out(self, token: str) -> None:
        async with self._sessions() as session:
            await self.logins.end(session, token)
            await session.commit()

    async def change_password(self, staff_id: int, old: str, new: str, *, address: str = "local",
                              token: str | None = None) -> PasswordChange:
        """Checks the current password, throttled like a login (and the same three steps),
        with at most PASSWORD_TRIES_PER_SESSION wrong ones per session (`token`, the session
        making the change); then sets the new password and ends every session of the account.
        With `token`, a fresh session for the same browser comes back in the result."""
        async with self._reserve:
            now = self.clock()
            async with self._sessions() as session:
                row = await session.get(StaffAccount, staff_id)
                if row is None or not row.active:
                    return PasswordChange([t("This account no longer exists.")])
                wait = (await self.throttle.address_wait(session, address, now)
                        or await self.throttle.account_wait(session, row.email, address, now))
                if wait:
                    return PasswordChange([t("Too many wrong passwords. Try again in {wait}.",
                                             wait=_wait_words(wait))], retry_after=wait)
                tries = await self.logins.count_password_try(session, token) if token else 0
                if tries is None or tries > PASSWORD_TRIES_PER_SESSION:
                    if token:
                        await self.logins.end(session, token)
                    await session.commit()
                    return PasswordChange([t(ENDED_FOR_WRONG_PASSWORDS)], signed_out=True)
                attempt = await self.throttle.record(session, row.email, address, now)
                await session.commit()
        right = await self.passwords.verify(row.password_hash, old)
        async with self._sessions() as session:
            if not right:
                if token and tries is not None and tries >= PASSWORD_TRIES_PER_SESSION:
                    await self.logins.end(session, token)
                    await session.commit()
                    return PasswordChange([t(ENDED_FOR_WRONG_PASSWORDS)], signed_out=True)
                return PasswordChange([t("The current password is not right.")])
            await self.throttle.forgive(session, attempt)
            if token:
                await self.logins.password_right(session, token)
            await session.commit()
        problems = await self.passwords.problems(new, old=old, email=row.email)
        if problems:
            return PasswordChange(problems)
        password_hash = await self.passwords.hash(new)
        async with self._sessions() as session:
            account = await session.get(StaffAccount, staff_id)
            if account is None or not account.active:
                return PasswordChange([t("This account no longer exists.")])
            account.password_hash = password_hash
            account.must_change_password = False
            await revoke_all(session, account.id)
            await audit.record(session, actor=account.email, action="staff.password",
                               entity="staff_account", entity_id=account.id,
                               before={"password": "(previous)"}, after={"password": "(changed)"})
            fresh = await self.logins.start(session, account.id, now) if token else None
            await session.commit()
            return PasswordChange(token=fresh)
