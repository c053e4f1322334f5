"""Staff accounts: creation with a one-time password, login with throttling, password change.

Throttling has two layers. Per account: from the 5th failed attempt in a row the account is
locked for 30 s, doubling with each further failure up to an hour (stored in the database, so
it holds across restarts and workers). Per IP address: at most 20 failed attempts in 15
minutes (kept in memory: it only has to slow one process down against guessing across many
e-mail addresses).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
from collections import deque
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.db.models import StaffAccount, utcnow
from bot.staff import audit
from bot.staff.passwords import (
    burn_time,
    hash_password,
    needs_rehash,
    one_time_password,
    password_problems,
    verify_password,
)

ROLES = ("editor", "analyst", "admin")
ROLE_HELP = {
    "editor": "edits content and answers feedback",
    "analyst": "sees survey results and exports",
    "admin": "manages accounts and campaigns, and can do everything",
}
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LOCK_AFTER = 5
LOCK_BASE_SECONDS = 30
LOCK_MAX_SECONDS = 3600
IP_MAX_FAILURES = 20
IP_WINDOW_SECONDS = 900


class StaffError(Exception):
    """A request the service refuses; the message is meant for the person who made it."""


@dataclass(frozen=True)
class StaffView:
    id: int
    email: str
    role: str
    active: bool
    must_change_password: bool
    locked_until: dt.datetime | None
    created_at: dt.datetime
    last_login_at: dt.datetime | None
    # Changes whenever the password changes: a session made with an older one is void.
    fingerprint: str

    def can(self, *roles: str) -> bool:
        """Admins can do everything; no roles given means any staff member."""
        return self.role == "admin" or not roles or self.role in roles


def _view(row: StaffAccount) -> StaffView:
    return StaffView(
        id=row.id, email=row.email, role=row.role, active=row.active,
        must_change_password=row.must_change_password, locked_until=row.locked_until,
        created_at=row.created_at, last_login_at=row.last_login_at,
        fingerprint=hashlib.sha256(row.password_hash.encode()).hexdigest()[:16],
    )


def normalise_email(email: str) -> str:
    return email.strip().lower()


@dataclass(frozen=True)
class LoginResult:
    staff: StaffView | None
    error: str | None = None  # "invalid" | "locked" | "throttled"
    retry_after: int = 0  # seconds

    @property
    def ok(self) -> bool:
        return self.staff is not None


class IpLimiter:
    def __init__(self, max_failures: int = IP_MAX_FAILURES, window: float = IP_WINDOW_SECONDS):
        self.max_failures, self.window = max_failures, window
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, ip: str) -> deque[float]:
        now = time.monotonic()
        times = self._failures.setdefault(ip, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def retry_after(self, ip: str) -> int:
        times = self._recent(ip)
        if len(times) < self.max_failures:
            return 0
        return max(1, int(self.window - (time.monotonic() - times[0])))

    def fail(self, ip: str) -> None:
        self._recent(ip).append(time.monotonic())
        if len(self._failures) > 10_000:  # forget idle addresses
            for key in [k for k, v in self._failures.items() if not v][:5000]:
                del self._failures[key]


def lock_seconds(failures: int) -> int:
    if failures < LOCK_AFTER:
        return 0
    return min(LOCK_BASE_SECONDS * 2 ** (failures - LOCK_AFTER), LOCK_MAX_SECONDS)


class StaffService:
    def __init__(self, sessions: async_sessionmaker, ip_limiter: IpLimiter | None = None) -> None:
        self._sessions = sessions
        self.ip_limiter = ip_limiter or IpLimiter()
        # Failures for e-mails with no (active) account, kept in memory and locked the same
        # way, so the "locked" answer does not tell which e-mails have an account.
        self._unknown: dict[str, tuple[int, dt.datetime | None]] = {}

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
            rows = await session.scalars(select(StaffAccount).order_by(StaffAccount.email))
            return [_view(r) for r in rows.all()]

    async def count_admins(self) -> int:
        async with self._sessions() as session:
            return int(await session.scalar(select(func.count(StaffAccount.id)).where(
                StaffAccount.role == "admin", StaffAccount.active.is_(True))) or 0)

    async def add(self, email: str, role: str, *, actor: str = "cli") -> tuple[StaffView, str]:
        """Create an account; returns it and the one-time password to hand over."""
        email = normalise_email(email)
        if not EMAIL_RE.match(email):
            raise StaffError(f"{email!r} does not look like an e-mail address.")
        if role not in ROLES:
            raise StaffError(f"Role must be one of: {', '.join(ROLES)}.")
        password = one_time_password()
        async with self._sessions() as session:
            if await session.scalar(select(StaffAccount.id).where(StaffAccount.email == email)):
                raise StaffError(f"An account for {email} exists already.")
            row = StaffAccount(email=email, role=role, password_hash=hash_password(password),
                               must_change_password=True, active=True, failed_logins=0)
            session.add(row)
            await session.flush()
            await audit.record(session, actor=actor, action="staff.add", entity="staff_account",
                               entity_id=row.id, after={"email": email, "role": role})
            await session.commit()
            return _view(row), password

    async def _change(self, email: str, actor: str, action: str, **values) -> StaffView:
        async with self._sessions() as session:
            row = await session.scalar(select(StaffAccount).where(
                StaffAccount.email == normalise_email(email)))
            if row is None:
                raise StaffError(f"There is no account for {email}.")
            shown = [k for k in values if k != "password_hash"]
            before = {k: getattr(row, k) for k in shown}
            for key, value in values.items():
                setattr(row, key, value)
            await audit.record(session, actor=actor, action=action, entity="staff_account",
                               entity_id=row.id, before={"email": row.email, **before},
                               after={"email": row.email, **{k: values[k] for k in shown}})
            await session.commit()
            return _view(row)

    async def reset_password(self, email: str, *, actor: str = "cli") -> str:
        password = one_time_password()
        await self._change(email, actor, "staff.reset_password", password_hash=hash_password(password),
                           must_change_password=True, failed_logins=0, locked_until=None)
        return password

    async def disable(self, email: str, *, actor: str = "cli") -> StaffView:
        if actor != "cli":  # the command line stays able to lock out a compromised admin
            await self._guard_last_admin(email, leaving=True)
        return await self._change(email, actor, "staff.disable", active=False)

    async def enable(self, email: str, *, actor: str = "cli") -> StaffView:
        return await self._change(email, actor, "staff.enable", active=True)

    async def set_role(self, email: str, role: str, *, actor: str = "cli") -> StaffView:
        if role not in ROLES:
            raise StaffError(f"Role must be one of: {', '.join(ROLES)}.")
        if role != "admin" and actor != "cli":
            await self._guard_last_admin(email, leaving=True)
        return await self._change(email, actor, "staff.role", role=role)

    async def _guard_last_admin(self, email: str, leaving: bool) -> None:
        account = await self.by_email(email)
        if (leaving and account is not None and account.role == "admin" and account.active
                and await self.count_admins() <= 1):
            raise StaffError("This is the last active admin account; make another admin first.")

    async def authenticate(self, email: str, password: str, ip: str) -> LoginResult:
        wait = self.ip_limiter.retry_after(ip)
        if wait:
            return LoginResult(None, "throttled", wait)
        now = utcnow()
        async with self._sessions() as session:
            row = await session.scalar(select(StaffAccount).where(
                StaffAccount.email == normalise_email(email)))
            if row is None or not row.active:
                burn_time(password)
                self.ip_limiter.fail(ip)
                return self._unknown_failure(normalise_email(email), now)
            if row.locked_until is not None and row.locked_until > now:
                self.ip_limiter.fail(ip)
                return LoginResult(None, "locked", int((row.locked_until - now).total_seconds()) + 1)
            if not verify_password(row.password_hash, password):
                self.ip_limiter.fail(ip)
                row.failed_logins += 1
                seconds = lock_seconds(row.failed_logins)
                row.locked_until = now + dt.timedelta(seconds=seconds) if seconds else None
                await session.commit()
                return LoginResult(None, "locked" if seconds else "invalid", seconds)
            if needs_rehash(row.password_hash):
                row.password_hash = hash_password(password)
            row.failed_logins, row.locked_until, row.last_login_at = 0, None, now
            await session.commit()
            return LoginResult(_view(row))

    def _unknown_failure(self, key: str, now: dt.datetime) -> LoginResult:
        failures, until = self._unknown.get(key, (0, None))
        if until is not None and until > now:
            return LoginResult(None, "locked", int((until - now).total_seconds()) + 1)
        failures += 1
        seconds = lock_seconds(failures)
        if len(self._unknown) >= 10_000:  # bounded: forget the oldest guesses
            self._unknown.pop(next(iter(self._unknown)))
        self._unknown[key] = (failures, now + dt.timedelta(seconds=seconds) if seconds else None)
        return LoginResult(None, "locked" if seconds else "invalid", seconds)

    async def change_password(self, staff_id: int, old: str, new: str) -> list[str]:
        """Returns the problems (nothing changed then), or [] when the password was changed."""
        async with self._sessions() as session:
            row = await session.get(StaffAccount, staff_id)
            if row is None or not row.active:
                return ["This account no longer exists."]
            if not verify_password(row.password_hash, old):
                return ["The current password is not right."]
            problems = password_problems(new, old=old, email=row.email)
            if problems:
                return problems
            row.password_hash = hash_password(new)
            row.must_change_password = False
            await audit.record(session, actor=row.email, action="staff.password", entity="staff_account",
                               entity_id=row.id, before={"password": "(previous)"},
                               after={"password": "(changed)"})
            await session.commit()
            return []
