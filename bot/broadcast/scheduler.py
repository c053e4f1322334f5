"""When pushes go out: APScheduler 3 rebuilt from database rows.

The job store is in memory and holds no state of its own: on start, whenever this process
schedules something (`wake()`), and every `push_sync_seconds` after as a fallback (to see
campaigns the CLI or a panel in another process made), jobs are derived from the rows:
- a campaign "scheduled" or "sending" -> a DateTrigger at its due time (now when it fell due
  while the process was down, so it is sent once on start), or at the end of quiet hours;
- an active schedule -> a CronTrigger in Europe/Warsaw; each firing creates campaigns (a
  survey schedule opens a new wave and launches its invitation and reminder). A firing missed
  while the process was down is made up once on start.
Daily housekeeping of the bot process (the retention purge) is added with `add_daily`.
Job functions are module-level with picklable arguments (a registry key and an id), as
APScheduler 3 wants; misfire_grace_time=None and coalesce=True so nothing due is dropped.
A campaign runs in a task owned by this class, so stopping is graceful: no new claims,
in-flight sends finish and are recorded.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
import zlib
from collections.abc import Awaitable, Callable
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from sqlalchemy import func, or_, select, text, update

from bot.broadcast.campaigns import CampaignError, CampaignService
from bot.broadcast.clock import as_aware_utc, to_utc_naive
from bot.broadcast.sender import Broadcaster, RunResult
from bot.db.models import Campaign, Schedule
from bot.wakeup import Wakeup

log = logging.getLogger(__name__)

_REGISTRY: dict[str, PushScheduler] = {}


async def run_campaign_job(key: str, campaign_id: int) -> None:
    scheduler = _REGISTRY.get(key)
    if scheduler is not None:
        scheduler.spawn(campaign_id)


async def fire_schedule_job(key: str, schedule_id: int) -> None:
    scheduler = _REGISTRY.get(key)
    if scheduler is not None:
        await scheduler.fire_schedule(schedule_id)


async def daily_job(key: str, name: str) -> None:
    scheduler = _REGISTRY.get(key)
    if scheduler is not None:
        await scheduler.run_daily(name)


def last_fire_time(trigger: CronTrigger, now: dt.datetime) -> dt.datetime | None:
    """The latest fire time of `trigger` at or before `now` (APScheduler 3 has no
    get_prev_fire_time): stepped forward from an hour back, then from further back
    for rules that fire more rarely."""
    for back in (dt.timedelta(hours=1), dt.timedelta(days=1), dt.timedelta(days=32),
                 dt.timedelta(days=367)):
        latest = None
        fire = trigger.get_next_fire_time(None, now - back)
        while fire is not None and fire <= now:
            latest = fire
            fire = trigger.get_next_fire_time(fire, fire + dt.timedelta(seconds=1))
        if latest is not None:
            return latest
    return None


class PushScheduler:
    def __init__(self, service: CampaignService, broadcaster: Broadcaster, *,
                 sync_seconds: float = 20.0, timezone: str = "Europe/Warsaw") -> None:
        self.service, self.broadcaster = service, broadcaster
        self.sync_seconds = sync_seconds
        self.timezone = timezone
        self.key = uuid.uuid4().hex
        self.stop_event = asyncio.Event()
        self.running: dict[int, asyncio.Task] = {}
        self.results: list[RunResult] = []  # what finished runs returned (tests, status)
        self._scheduler: AsyncIOScheduler | None = None
        self._sync_lock = asyncio.Lock()
        # Not an APScheduler interval job: a sync wakes on `wake()`, the timer is the fallback.
        self.wakeup = Wakeup(sync_seconds)
        self._syncer: asyncio.Task | None = None
        # Housekeeping of the bot process (the retention purge): name -> (local time, run).
        self.daily: dict[str, tuple[dt.time, Callable[[], Awaitable[Any]]]] = {}

    @property
    def _sessions(self):
        return self.service._sessions

    def _now(self) -> dt.datetime:
        return as_aware_utc(self.broadcaster.clock())

    # ------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        _REGISTRY[self.key] = self
        self.stop_event.clear()
        self._scheduler = AsyncIOScheduler(
            jobstores={"default": MemoryJobStore()}, timezone=self.timezone,
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1})
        self._scheduler.start()
        await self.sync(first=True)
        self._syncer = asyncio.create_task(self._sync_loop())
        for name in self.daily:
            self._add_daily(name)
        log.info("push scheduler started")

    async def stop(self) -> None:
        self.stop_event.set()
        if self._syncer is not None:
            await self._syncer
            self._syncer = None
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        tasks = list(self.running.values())
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        await self.broadcaster.close()
        _REGISTRY.pop(self.key, None)
        log.info("push scheduler stopped")

    # ------------------------------------------------------------ housekeeping
    def add_daily(self, name: str, at: dt.time, run: Callable[[], Awaitable[Any]]) -> None:
        """Run `run()` every day at `at`, local time. A day missed while the process was
        down is not made up: these jobs catch up by themselves the next night."""
        self.daily[name] = (at, run)
        if self._scheduler is not None:
            self._add_daily(name)

    def _add_daily(self, name: str) -> None:
        assert self._scheduler is not None
        at, _run = self.daily[name]
        self._scheduler.add_job(daily_job, CronTrigger(hour=at.hour, minute=at.minute,
                                                       timezone=self.timezone),
                                args=[self.key, name], id=f"daily:{name}", replace_existing=True)

    async def run_daily(self, name: str) -> None:
        """Run a daily job, in one process: every worker's scheduler fires it at the same
        time, and on PostgreSQL those that find its advisory lock taken skip this night's
        run (the jobs catch up by themselves, so a second run would only repeat work)."""
        entry = self.daily.get(name)
        if entry is None or self.stop_event.is_set():
            return
        try:
            async with self._sessions() as session:
                if session.bind.dialect.name == "postgresql":
                    key = zlib.crc32(f"belong-daily:{name}".encode())
                    if not await session.scalar(text("SELECT pg_try_advisory_lock(:k)"),
                                                {"k": key}):
                        log.info("daily job %s runs in another process", name)
                        return
                    try:
                        await entry[1]()
                    finally:
                        await session.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                        await session.commit()
                else:
                    await entry[1]()
        except Exception:  # the database may be busy; tomorrow's run does the same work
            log.exception("daily job %s failed; it runs again tomorrow", name)

    # ------------------------------------------------------------ campaigns
    def spawn(self, campaign_id: int) -> None:
        if self.stop_event.is_set() or campaign_id in self.running:
            return
        task = asyncio.create_task(self._run(campaign_id))
        self.running[campaign_id] = task

    async def _run(self, campaign_id: int) -> None:
        try:
            result = await self.broadcaster.run_campaign(campaign_id, self.stop_event)
        except Exception:
            log.exception("campaign %s: sending failed; retried at the next sync", campaign_id)
            return
        finally:
            self.running.pop(campaign_id, None)
        self.results.append(result)
        if result.status in ("paused", "waiting") and result.resume_at is not None:
            log.info("campaign %s: %s until %s", campaign_id, result.status,
                     result.resume_at.isoformat(timespec="minutes"))
            self._at(campaign_id, result.resume_at)

    def _at(self, campaign_id: int, when: dt.datetime) -> None:
        if self._scheduler is None or self.stop_event.is_set():
            return
        # APScheduler keeps the system time; the broadcaster's clock may be a test's.
        delay = max(when - self._now(), dt.timedelta(0))
        run_date = dt.datetime.now(dt.UTC) + delay
        self._scheduler.add_job(run_campaign_job, DateTrigger(run_date=run_date),
                                args=[self.key, campaign_id], id=f"campaign:{campaign_id}",
                                replace_existing=True)

    # ------------------------------------------------------------ schedules
    async def fire_schedule(self, schedule_id: int, slot: dt.datetime | None = None) -> bool:
        """Fire a schedule for its cron time `slot` (aware; by default the latest one due).

        Every bot process runs every schedule (webhook workers on PostgreSQL), so the
        firing is claimed first: one conditional UPDATE moves `fired_for` forward to the
        slot, and only the process whose UPDATE changed the row creates campaigns. On
        PostgreSQL the second UPDATE waits for the first to commit and then finds its
        condition false; SQLite runs one write at a time. The claim is committed before the
        campaigns are made: a process killed in between loses that firing (it is logged
        when claimed), which is better than firing twice. Returns whether this call fired."""
        async with self._sessions() as session:
            row = await session.get(Schedule, schedule_id)
            if row is None or not row.active:
                return False
            if slot is None:
                try:
                    trigger = CronTrigger.from_crontab(row.cron, timezone=self.timezone)
                except ValueError:
                    return False
                slot = last_fire_time(trigger, self._now())
                if slot is None:
                    return False
            mark = to_utc_naive(slot)
            claim = await session.execute(
                update(Schedule).where(Schedule.id == schedule_id, Schedule.active.is_(True),
                                       or_(Schedule.fired_for.is_(None),
                                           Schedule.fired_for < mark))
                .values(fired_for=mark))
            await session.commit()
            if not claim.rowcount:
                return False  # another process fired it for this slot
            log.info("schedule %s: firing for %s", schedule_id, mark.isoformat(timespec="minutes"))
            await session.refresh(row)
            await self._fire(row)
        await self.sync()
        return True

    async def _fire(self, row: Schedule) -> None:
        audience = row.audience or {}
        try:
            if row.kind == "survey":
                try:
                    launch = await self.service.launch_survey(
                        row.survey or "", new_wave=True, remind_after_days=row.remind_after_days,
                        schedule_id=row.id, created_by=f"schedule:{row.id}")
                except CampaignError:  # this quarter's wave exists: name the new one by day
                    code = self._now().astimezone(ZoneInfo(self.timezone)).strftime("%Y-%m-%d")
                    launch = await self.service.launch_survey(
                        row.survey or "", wave_code=code, remind_after_days=row.remind_after_days,
                        schedule_id=row.id, created_by=f"schedule:{row.id}")
                log.info("schedule %s: survey wave %s launched", row.id, launch.wave_code)
            else:
                await self.service.create_announcement(
                    row.name, row.texts, faq_slug=row.faq_slug, topic=audience.get("topic"),
                    languages=audience.get("languages"), schedule_id=row.id,
                    created_by=f"schedule:{row.id}")
                log.info("schedule %s: announcement created", row.id)
        except CampaignError as exc:
            log.error("schedule %s could not fire: %s", row.id, exc)

    async def _missed(self, row: Schedule) -> dt.datetime | None:
        """The latest firing of this schedule that fell in a time no process was up, if any."""
        async with self._sessions() as session:
            last = await session.scalar(select(func.max(Campaign.created_at)).where(
                Campaign.schedule_id == row.id))
        since = max(as_aware_utc(last or row.created_at),
                    as_aware_utc(row.fired_for or row.created_at))
        trigger = CronTrigger.from_crontab(row.cron, timezone=self.timezone)
        upcoming = trigger.get_next_fire_time(None, since + dt.timedelta(seconds=1))
        if upcoming is None or upcoming > self._now():
            return None
        return last_fire_time(trigger, self._now())

    # ------------------------------------------------------------ sync
    def wake(self) -> None:
        """Sync soon: something was scheduled in this process."""
        self.wakeup.wake()

    async def _sync_loop(self) -> None:
        while True:
            await self.wakeup.wait(self.stop_event)
            if self.stop_event.is_set():
                return
            try:
                await self.sync()
            except Exception:  # the database may be busy; the next wake-up or poll tries again
                log.exception("push schedule sync failed")

    async def sync(self, first: bool = False) -> None:
        if self._scheduler is None:
            return
        async with self._sync_lock:
            async with self._sessions() as session:
                campaigns = (await session.execute(
                    select(Campaign.id, Campaign.due_at).where(
                        Campaign.status.in_(("scheduled", "sending"))))).all()
                schedules = (await session.scalars(select(Schedule).where(
                    Schedule.active.is_(True)))).all()
            if self._scheduler is None:  # stopped while the rows were read
                return
            now = self._now()
            wanted = set()
            for campaign_id, due_at in campaigns:
                job_id = f"campaign:{campaign_id}"
                wanted.add(job_id)
                if campaign_id in self.running or self._scheduler.get_job(job_id):
                    continue
                self._at(campaign_id, max(as_aware_utc(due_at), now))
            missed = []
            for row in schedules:
                job_id = f"schedule:{row.id}"
                wanted.add(job_id)
                if self._scheduler.get_job(job_id):
                    continue
                try:
                    trigger = CronTrigger.from_crontab(row.cron, timezone=self.timezone)
                except ValueError:
                    log.error("schedule %s has an invalid cron rule; skipped", row.id)
                    continue
                self._scheduler.add_job(fire_schedule_job, trigger, args=[self.key, row.id],
                                        id=job_id, replace_existing=True)
                slot = await self._missed(row) if first else None
                if slot is not None:
                    missed.append((row.id, slot))
            for job in self._scheduler.get_jobs():
                if not job.id.startswith("daily:") and job.id not in wanted:
                    job.remove()
        for schedule_id, slot in missed:
            if await self.fire_schedule(schedule_id, slot):
                log.info("schedule %s fell due while the bot was down: fired now", schedule_id)
