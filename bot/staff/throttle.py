"""Login throttling that a stranger cannot turn against the account's owner.

Every failed password check (at login, and of the current password on the change-password
form) is a row in `staff_login_failures`: the e-mail tried, the client address, the time.
Being in the database, the limits hold across restarts and across processes.

- Per address: at most 20 failures in 15 minutes from one client address, whatever e-mails
  it tries. Beyond that the address gets 429 before any password is checked.
- Per account: from the 5th failure since the last successful login the account locks for
  30 s, doubling with each further failure up to an hour. The lock holds only for addresses
  that have failed against the account since then. Someone who guesses from one address
  therefore keeps only that address out; the owner, logging in from anywhere else, still
  gets in with the right password. A fresh address may try once during a lock; if it fails,
  it is locked out too and the lock grows. E-mails without an account are locked the same
  way, so the answer does not tell which e-mails have one.

The address is the one the panel sees: the connecting address, or the X-Forwarded-For set by
a proxy named in PANEL_TRUSTED_PROXIES (bot/web/panel/app.py). Rows are forgotten after a day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import StaffLoginFailure

LOCK_AFTER = 5
LOCK_BASE_SECONDS = 30
LOCK_MAX_SECONDS = 3600
ADDRESS_MAX_FAILURES = 20
ADDRESS_WINDOW = dt.timedelta(minutes=15)
FORGET_AFTER = dt.timedelta(days=1)
EMAIL_KEY_LENGTH = 200
ADDRESS_KEY_LENGTH = 64


def lock_seconds(failures: int) -> int:
    if failures < LOCK_AFTER:
        return 0
    return min(LOCK_BASE_SECONDS * 2 ** (failures - LOCK_AFTER), LOCK_MAX_SECONDS)


def _key(email: str) -> str:
    return email.strip().lower()[:EMAIL_KEY_LENGTH]


def _seconds_until(moment: dt.datetime, now: dt.datetime) -> int:
    return max(1, int((moment - now).total_seconds()) + 1)


@dataclass(frozen=True)
class AccountLock:
    failures: int
    until: dt.datetime | None  # None: not locked


class LoginThrottle:
    """Queries and writes on the caller's session; the calling service commits."""

    def __init__(self, *, address_max_failures: int = ADDRESS_MAX_FAILURES,
                 address_window: dt.timedelta = ADDRESS_WINDOW) -> None:
        self.address_max_failures = address_max_failures
        self.address_window = address_window

    async def address_wait(self, session: AsyncSession, address: str, now: dt.datetime) -> int:
        """Seconds this address must wait before any password is checked for it; 0: none."""
        times = (await session.scalars(
            select(StaffLoginFailure.at)
            .where(StaffLoginFailure.address == address[:ADDRESS_KEY_LENGTH],
                   StaffLoginFailure.at > now - self.address_window)
            .order_by(StaffLoginFailure.at.desc())
            .limit(self.address_max_failures))).all()
        if len(times) < self.address_max_failures:
            return 0
        # Free again when the oldest of the last N failures leaves the window.
        return _seconds_until(times[-1] + self.address_window, now)

    async def lock(self, session: AsyncSession, email: str, now: dt.datetime) -> AccountLock:
        failures, last = (await session.execute(
            select(func.count(StaffLoginFailure.id), func.max(StaffLoginFailure.at))
            .where(StaffLoginFailure.email == _key(email), StaffLoginFailure.counts.is_(True),
                   StaffLoginFailure.cleared.is_(False),
                   StaffLoginFailure.at > now - FORGET_AFTER))).one()
        seconds = lock_seconds(int(failures or 0))
        until = last + dt.timedelta(seconds=seconds) if seconds and last is not None else None
        return AccountLock(int(failures or 0), until if until is not None and until > now else None)

    async def account_wait(self, session: AsyncSession, email: str, address: str,
                           now: dt.datetime) -> int:
        """Seconds before this address may try this e-mail again; 0 when it may try now
        (the account is not locked, or this address has not failed against it)."""
        lock = await self.lock(session, email, now)
        if lock.until is None:
            return 0
        failed_here = await session.scalar(
            select(StaffLoginFailure.id)
            .where(StaffLoginFailure.email == _key(email),
                   StaffLoginFailure.address == address[:ADDRESS_KEY_LENGTH],
                   StaffLoginFailure.cleared.is_(False),
                   StaffLoginFailure.at > now - FORGET_AFTER)
            .limit(1))
        return _seconds_until(lock.until, now) if failed_here is not None else 0

    async def record(self, session: AsyncSession, email: str, address: str, now: dt.datetime,
                     *, counts: bool = True) -> int:
        """Records a failure, before the password is checked (see StaffService.authenticate);
        returns its id, for `forgive` when the password turns out right. `counts=False` for
        attempts refused during a lock: they count against the address only, so hammering a
        locked account does not stretch its lock."""
        await session.execute(delete(StaffLoginFailure).where(
            StaffLoginFailure.at < now - FORGET_AFTER))
        row = StaffLoginFailure(email=_key(email), address=address[:ADDRESS_KEY_LENGTH],
                                at=now, counts=counts, cleared=False)
        session.add(row)
        await session.flush()
        return row.id

    async def forgive(self, session: AsyncSession, failure_id: int) -> None:
        await session.execute(delete(StaffLoginFailure).where(StaffLoginFailure.id == failure_id))

    async def lock_wait(self, session: AsyncSession, email: str, now: dt.datetime) -> int:
        """Seconds the account stays locked (for the addresses that failed); 0: not locked."""
        lock = await self.lock(session, email, now)
        return _seconds_until(lock.until, now) if lock.until is not None else 0

    async def clear(self, session: AsyncSession, email: str) -> None:
        """After a successful login or a password reset: the account starts afresh. The rows
        stay until they are a day old, still counting against their addresses."""
        await session.execute(update(StaffLoginFailure)
                              .where(StaffLoginFailure.email == _key(email))
                              .values(cleared=True))

    async def locks(self, session: AsyncSession, now: dt.datetime) -> dict[str, dt.datetime]:
        """Every e-mail locked now, with the end of its lock (for the accounts page)."""
        rows = await session.execute(
            select(StaffLoginFailure.email, func.count(StaffLoginFailure.id),
                   func.max(StaffLoginFailure.at))
            .where(StaffLoginFailure.counts.is_(True), StaffLoginFailure.cleared.is_(False),
                   StaffLoginFailure.at > now - FORGET_AFTER)
            .group_by(StaffLoginFailure.email))
        found = {}
        for email, failures, last in rows:
            seconds = lock_seconds(int(failures))
            if seconds and last + dt.timedelta(seconds=seconds) > now:
                found[email] = last + dt.timedelta(seconds=seconds)
        return found
