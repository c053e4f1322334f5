"""Staff panel sessions kept on the server, so that they can be ended.

The cookie carries a random token and nothing that grants anything by itself; the table
`staff_sessions` keeps the token's SHA-256 (a copy of the database gives no usable cookies),
the account, when the session began and when it was last used. A request is logged in only
while its row exists, the account is active, and the session is neither idle for longer than
`idle` nor older than `absolute`. Logging out deletes the row; a password change or reset,
disabling the account and a role change delete all of the account's rows (`revoke_all`), in
the same transaction as the change itself.

Rows rather than a per-account generation counter: a counter ends all of an account's
sessions or none (logging out on a shared computer would log the owner out everywhere), and
idle expiry would need a last-used time in the cookie, which the holder of a copied cookie
controls. One indexed primary-key read per request is cheap next to the page it guards.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.db.models import StaffSession

# Wrong current passwords on the change-password form before the session is ended.
PASSWORD_TRIES_PER_SESSION = 3


@dataclass(frozen=True)
class SessionPolicy:
    idle: dt.timedelta = dt.timedelta(minutes=30)
    absolute: dt.timedelta = dt.timedelta(hours=12)
    # last_seen_at is written at most this often: not one database write per page.
    touch_every: dt.timedelta = dt.timedelta(seconds=60)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def revoke_all(session: AsyncSession, staff_id: int) -> None:
    await session.execute(delete(StaffSession).where(StaffSession.staff_id == staff_id))


class SessionStore:
    """Queries and writes on the caller's session; the calling service commits."""

    def __init__(self, policy: SessionPolicy) -> None:
        self.policy = policy

    async def start(self, session: AsyncSession, staff_id: int, now: dt.datetime) -> str:
        await session.execute(delete(StaffSession).where(or_(
            StaffSession.created_at < now - self.policy.absolute,
            StaffSession.last_seen_at < now - self.policy.idle)))
        token = secrets.token_urlsafe(32)
        session.add(StaffSession(id=_digest(token), staff_id=staff_id, created_at=now,
                                 last_seen_at=now, password_failures=0))
        await session.flush()
        return token

    async def find(self, session: AsyncSession, token: str, now: dt.datetime) -> StaffSession | None:
        """The live session for this token, marked as used now; None (and the row deleted)
        when it is unknown, idle too long or too old."""
        row = await session.get(StaffSession, _digest(token))
        if row is None:
            return None
        if now - row.last_seen_at > self.policy.idle or now - row.created_at > self.policy.absolute:
            await session.delete(row)
            await session.flush()
            return None
        if now - row.last_seen_at >= self.policy.touch_every:
            row.last_seen_at = now
            await session.flush()
        return row

    async def end(self, session: AsyncSession, token: str) -> None:
        await session.execute(delete(StaffSession).where(StaffSession.id == _digest(token)))

    async def count_password_try(self, session: AsyncSession, token: str) -> int | None:
        """Counts a check of the current password against the session, before the check (so
        that parallel requests cannot all slip under the limit); returns the tries so far,
        None when the session is gone. `password_right` takes it back."""
        tries = await session.scalar(
            update(StaffSession).where(StaffSession.id == _digest(token))
            .values(password_failures=StaffSession.password_failures + 1)
            .returning(StaffSession.password_failures))
        return None if tries is None else int(tries)

    async def password_right(self, session: AsyncSession, token: str) -> None:
        await session.execute(update(StaffSession).where(StaffSession.id == _digest(token))
                              .values(password_failures=0))
