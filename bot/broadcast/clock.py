"""Time for pushes: an injectable clock, Europe/Warsaw, and quiet hours.

All stored times are naive UTC (as elsewhere in the schema); quiet hours and cron rules are
local time in `push_timezone`. Tests pass their own clock instead of patching datetime.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

Clock = Callable[[], dt.datetime]  # returns an aware UTC datetime


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def to_utc_naive(value: dt.datetime) -> dt.datetime:
    """Aware datetimes are converted; naive ones are taken as UTC already."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def as_aware_utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def parse_local(text: str, tz: ZoneInfo) -> dt.datetime:
    """"YYYY-MM-DD HH:MM" in local time -> aware UTC. ValueError if malformed."""
    local = dt.datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")
    return local.replace(tzinfo=tz).astimezone(dt.UTC)


def parse_hhmm(text: str) -> dt.time:
    hours, minutes = text.strip().split(":")
    return dt.time(int(hours), int(minutes))


@dataclass(frozen=True)
class QuietHours:
    """A daily window in local time in which no push starts or continues, e.g. 21:00-09:00.
    `start == end` means no quiet hours."""

    start: dt.time
    end: dt.time
    tz: ZoneInfo

    @classmethod
    def parse(cls, spec: str, tz: str = "Europe/Warsaw") -> QuietHours:
        zone = ZoneInfo(tz)
        if not spec.strip():
            return cls(dt.time(0), dt.time(0), zone)
        start, end = spec.split("-")
        return cls(parse_hhmm(start), parse_hhmm(end), zone)

    @property
    def enabled(self) -> bool:
        return self.start != self.end

    def is_quiet(self, now: dt.datetime) -> bool:
        if not self.enabled:
            return False
        local = as_aware_utc(now).astimezone(self.tz).time()
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def next_end(self, now: dt.datetime) -> dt.datetime:
        """The first moment after `now` (aware UTC) when quiet hours are over."""
        return self._next(self.end, now)

    def next_start(self, now: dt.datetime) -> dt.datetime:
        return self._next(self.start, now)

    def _next(self, at: dt.time, now: dt.datetime) -> dt.datetime:
        """The first local `at` after `now`, as aware UTC."""
        local = as_aware_utc(now).astimezone(self.tz)
        candidate = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
        if candidate <= local:
            candidate = (candidate.replace(tzinfo=None) + dt.timedelta(days=1)).replace(
                tzinfo=self.tz)
        return candidate.astimezone(dt.UTC)
