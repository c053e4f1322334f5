"""CampaignService: create, list, inspect and cancel pushes. The API the CLI and the staff
panel use; it writes rows only, sending is the sender's job (bot/broadcast/sender.py).

    service = CampaignService(sessions, surveys=survey_service, content=content_store,
                              default_language="en")
    c = await service.create_announcement("Office closed", {"pl": "...", "uk": "..."},
                                          faq_slug="residence-card", topic="general",
                                          languages=["pl", "uk"], due_at=None)  # None: now
    launch = await service.launch_survey("belonging", remind_after_days=7)
    # launch.invitation, launch.reminder (None when remind_after_days is 0), launch.wave;
    # AlreadyLaunched (a CampaignError) when the wave has an invitation already
    s = await service.create_schedule("Quarterly wave", "survey", "0 10 1 1,4,7,10 *",
                                      survey="belonging", remind_after_days=7)
    await service.list()            -> list[CampaignInfo], newest first
    await service.get(id)           -> CampaignInfo | None
    await service.status(id)        -> CampaignStatus (sent, pending, in_flight, failed,
                                       blocked, total) | None
    await service.cancel(id)        -> bool (False when done, cancelled already or unknown)
    await service.reschedule(id, due_at) -> bool (only while "scheduled")
    await service.schedules()       -> list[ScheduleInfo];  cancel_schedule(id) -> bool
    await service.preview_text(campaign_or_id, "uk") -> str (the HTML text as sent)
    await service.preview(campaign_or_id, "uk")      -> Push (text and buttons)

Times: `due_at` is an aware datetime (any zone) or naive UTC; stored and returned as naive
UTC. Invalid input raises CampaignError (a ValueError) with a message fit for staff.
Audience rules: bot/broadcast/ledger.py (`snapshot`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.broadcast.clock import Clock, system_clock, to_utc_naive
from bot.broadcast.invitations import insert_invitation_once, live_invitation
from bot.broadcast.markup import LANGUAGE_NAMES, markup_problems
from bot.broadcast.render import Push, render_push
from bot.config import LANGUAGES
from bot.db.models import Campaign, Delivery, Schedule
from bot.i18n import Alternatives, Refusal, Translatable, _, lazy

GENERAL_TOPIC = "general"
KINDS = ("survey_invite", "survey_reminder", "announcement")
DEFAULT_REMIND_AFTER_DAYS = 7
MAX_TEXT = 3500  # characters of an announcement, leaving room for buttons and the footer


class CampaignError(Refusal, ValueError):
    """Refused input; `text(lang)` says why, for the staff member who gave it."""


class AlreadyLaunched(CampaignError):
    """The wave has an invitation already (scheduled, sending or done); `campaign` is it."""

    def __init__(self, reason: Translatable, campaign: CampaignInfo | None) -> None:
        super().__init__(reason)
        self.campaign = campaign


def _unknown_language(language: str) -> CampaignError:
    return CampaignError(_("Unknown language “{language}”: it must be {languages}."),
                         language=language, languages=Alternatives(LANGUAGES))


@dataclass(frozen=True)
class CampaignInfo:
    id: int
    name: str
    kind: str  # "survey_invite" | "survey_reminder" | "announcement"
    status: str  # "scheduled" | "sending" | "done" | "cancelled"
    due_at: dt.datetime  # naive UTC
    texts: dict[str, str]
    faq_slug: str | None
    topic: str | None  # announcements: "general" or a root FAQ topic slug
    languages: list[str] | None  # None: every language
    quiet_hours: bool
    survey: str | None
    wave_id: int | None
    parent_id: int | None  # a reminder's invitation
    remind_after_days: int | None
    schedule_id: int | None
    created_at: dt.datetime
    created_by: str | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


@dataclass(frozen=True)
class CampaignStatus:
    campaign: CampaignInfo
    sent: int
    pending: int  # not delivered yet, in-flight rows included
    in_flight: int  # claimed by a sender right now (or left by a crash, see the package doc)
    failed: int
    blocked: int
    total: int


@dataclass(frozen=True)
class ScheduleInfo:
    id: int
    name: str
    kind: str  # "survey" | "announcement"
    cron: str  # five fields, Europe/Warsaw
    survey: str | None
    remind_after_days: int | None
    texts: dict[str, str]
    faq_slug: str | None
    topic: str | None
    languages: list[str] | None
    active: bool
    created_at: dt.datetime
    created_by: str | None


@dataclass(frozen=True)
class SurveyLaunch:
    wave_id: int
    wave_code: str
    invitation: CampaignInfo
    reminder: CampaignInfo | None


def _info(row: Campaign) -> CampaignInfo:
    audience = row.audience or {}
    return CampaignInfo(
        id=row.id, name=row.name, kind=row.kind, status=row.status, due_at=row.due_at,
        texts=dict(row.texts or {}), faq_slug=row.faq_slug, topic=audience.get("topic"),
        languages=audience.get("languages"), quiet_hours=bool(row.quiet_hours),
        survey=row.survey, wave_id=row.wave_id, parent_id=row.parent_id,
        remind_after_days=row.remind_after_days, schedule_id=row.schedule_id,
        created_at=row.created_at, created_by=row.created_by, started_at=row.started_at,
        finished_at=row.finished_at)


def _schedule_info(row: Schedule) -> ScheduleInfo:
    audience = row.audience or {}
    return ScheduleInfo(
        id=row.id, name=row.name, kind=row.kind, cron=row.cron, survey=row.survey,
        remind_after_days=row.remind_after_days, texts=dict(row.texts or {}),
        faq_slug=row.faq_slug, topic=audience.get("topic"), languages=audience.get("languages"),
        active=bool(row.active), created_at=row.created_at, created_by=row.created_by)


def validate_cron(cron: str, timezone: str = "Europe/Warsaw") -> None:
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(cron, timezone=timezone)
    except ValueError as exc:
        raise CampaignError(_("“{rule}” is not a valid cron rule ({detail})."),
                            rule=cron, detail=str(exc)) from None


class CampaignService:
    def __init__(self, sessions: async_sessionmaker, *, surveys: Any = None, content: Any = None,
                 default_language: str = "en", timezone: str = "Europe/Warsaw",
                 clock: Clock = system_clock) -> None:
        self._sessions = sessions
        self.surveys = surveys  # bot.surveys.store.SurveyService, for survey campaigns
        self.content = content  # bot.content.service.ContentStore, to check FAQ links/topics
        self.default_language = default_language
        self.timezone = timezone
        self._clock = clock

    def _now(self) -> dt.datetime:
        return to_utc_naive(self._clock())

    # ------------------------------------------------------------ validation
    async def _check_announcement(self, texts: dict[str, str], faq_slug: str | None,
                                  topic: str | None, languages: list[str] | None
                                  ) -> tuple[dict[str, str], list[str] | None]:
        clean = {lang: text.strip() for lang, text in (texts or {}).items() if text and text.strip()}
        unknown = sorted(set(clean) - set(LANGUAGES))
        if unknown:
            raise _unknown_language(unknown[0])
        if not clean:
            raise CampaignError(_("An announcement needs a text in at least one language."))
        too_long = [lang for lang, text in clean.items() if len(text) > MAX_TEXT]
        if too_long:
            raise CampaignError(_("Text ({language}): too long, at most {limit} characters."),
                                language=lazy(LANGUAGE_NAMES[too_long[0]]), limit=MAX_TEXT)
        for lang in LANGUAGES:
            problems = markup_problems(clean.get(lang, ""))
            if problems:
                msgid, values = problems[0]
                raise CampaignError(_("Text ({language}): {problem}"),
                                    language=lazy(LANGUAGE_NAMES[lang]),
                                    problem=Translatable(msgid, values))
        if languages:
            languages = sorted({lang.strip() for lang in languages if lang.strip()})
            bad = [lang for lang in languages if lang not in LANGUAGES]
            if bad:
                raise _unknown_language(bad[0])
        if self.content is not None and (faq_slug or (topic and topic != GENERAL_TOPIC)):
            catalog = await self.content.current()
            if faq_slug and catalog.get(faq_slug) is None:
                raise CampaignError(_("There is no FAQ answer “{slug}”."), slug=faq_slug)
            roots = {root.slug for root in catalog.roots}
            if topic and topic != GENERAL_TOPIC and topic not in roots:
                raise CampaignError(_("Unknown topic “{topic}”: it must be {topics}."),
                                    topic=topic, topics=Alternatives([GENERAL_TOPIC, *sorted(roots)]))
        return clean, languages or None

    async def check_announcement(self, texts: dict[str, str], faq_slug: str | None = None,
                                 topic: str | None = None,
                                 languages: list[str] | None = None) -> None:
        """CampaignError if an announcement with these texts could not be made (for a
        preview before saving)."""
        await self._check_announcement(texts, faq_slug, topic, languages)

    def _check_survey(self, survey: str) -> None:
        if self.surveys is None:
            raise CampaignError(_("Surveys are not available here."))
        if survey not in self.surveys.surveys:
            known = sorted(self.surveys.surveys)
            raise CampaignError(_("Unknown survey “{survey}” (known: {known})."), survey=survey,
                                known=known or lazy("none"))

    # ------------------------------------------------------------ create
    async def create_announcement(self, name: str, texts: dict[str, str], *,
                                  faq_slug: str | None = None, topic: str | None = None,
                                  languages: list[str] | None = None,
                                  due_at: dt.datetime | None = None, quiet_hours: bool = True,
                                  created_by: str | None = None,
                                  schedule_id: int | None = None) -> CampaignInfo:
        clean, languages = await self._check_announcement(texts, faq_slug, topic, languages)
        row = Campaign(name=(name or "announcement").strip()[:120], kind="announcement",
                       status="scheduled", due_at=to_utc_naive(due_at) if due_at else self._now(),
                       texts=clean, faq_slug=faq_slug or None,
                       audience={"topic": topic or GENERAL_TOPIC, "languages": languages},
                       quiet_hours=quiet_hours, created_by=created_by, schedule_id=schedule_id,
                       created_at=self._now())
        async with self._sessions() as session:
            session.add(row)
            await session.commit()
            return _info(row)

    async def launch_survey(self, survey: str, *, due_at: dt.datetime | None = None,
                            remind_after_days: int | None = DEFAULT_REMIND_AFTER_DAYS,
                            new_wave: bool = False, wave_code: str | None = None,
                            quiet_hours: bool = True, created_by: str | None = None,
                            schedule_id: int | None = None) -> SurveyLaunch:
        """An invitation to the open wave of `survey` (opened first when there is none, or
        when `new_wave`), and one reminder `remind_after_days` later to those invited who
        have not completed it (none when 0 or None).

        A wave has at most one invitation that is not cancelled: a second launch, from any
        process and at any moment, creates nothing and raises AlreadyLaunched."""
        self._check_survey(survey)
        if remind_after_days is not None and remind_after_days < 0:
            raise CampaignError(_("The reminder comes 0 or more days after the invitation."))
        wave = await self._wave_to_launch(survey, new_wave, wave_code)
        start = to_utc_naive(due_at) if due_at else self._now()
        common = {"status": "scheduled", "survey": survey, "wave_id": wave.id, "audience": {},
                  "texts": {}, "quiet_hours": quiet_hours, "created_by": created_by,
                  "schedule_id": schedule_id, "created_at": self._now()}
        async with self._sessions() as session:
            invite_id = await insert_invitation_once(session, {
                **common, "name": f"{survey} {wave.code}: invitation", "kind": "survey_invite",
                "due_at": start, "remind_after_days": remind_after_days or None})
            if invite_id is None:
                await session.rollback()
                raise await self._already_launched(survey, wave.code, wave.id)
            invite = await session.get(Campaign, invite_id)
            assert invite is not None
            reminder = None
            if remind_after_days:  # made with its invitation, so it is made once too
                reminder = Campaign(
                    **common, name=f"{survey} {wave.code}: reminder", kind="survey_reminder",
                    due_at=start + dt.timedelta(days=remind_after_days), parent_id=invite_id)
                session.add(reminder)
            await session.commit()
            return SurveyLaunch(wave.id, wave.code, _info(invite),
                                _info(reminder) if reminder else None)

    async def _wave_to_launch(self, survey: str, new_wave: bool, wave_code: str | None) -> Any:
        from bot.surveys.store import SurveyError

        reuse = not new_wave and not wave_code
        if reuse:
            wave = await self._open_wave(survey)
            if wave is not None:
                return wave
        try:
            return await self.surveys.open_wave(survey, wave_code)
        except SurveyError as exc:
            # Another launch opened this quarter's wave a moment ago: this one joins it (and
            # then finds its invitation).
            wave = await self._open_wave(survey) if reuse else None
            if wave is None:
                raise CampaignError(exc.reason) from None
            return wave

    async def _open_wave(self, survey: str) -> Any:
        return next((w for w in await self.surveys.open_waves() if w.survey == survey), None)

    async def _already_launched(self, survey: str, code: str, wave_id: int) -> AlreadyLaunched:
        async with self._sessions() as session:
            existing = await session.scalar(
                select(Campaign.id).where(live_invitation(wave_id)).order_by(Campaign.id).limit(1))
        status = await self.status(existing) if existing is not None else None
        if status is None:  # cancelled in the meantime: rare, and a retry will do
            return AlreadyLaunched(lazy(
                "Wave {wave} of {survey} was being launched by someone else at the same moment; "
                "nothing new was created.", wave=code, survey=survey), None)
        info = status.campaign
        state = (lazy("scheduled for {time} ({zone})", time=self._local(info.due_at),
                      zone=self.timezone)
                 if info.status == "scheduled"
                 else lazy("{status}: {sent} of {total} sent", status=lazy(info.status),
                           sent=status.sent, total=status.total))
        return AlreadyLaunched(lazy(
            "Wave {wave} of {survey} already has an invitation, campaign #{id} ({state}); "
            "nothing new was created and nobody is invited twice. To ask everyone again, "
            "open a new wave.", wave=code, survey=survey, id=str(info.id), state=state), info)

    def _local(self, value: dt.datetime) -> dt.datetime:
        from zoneinfo import ZoneInfo

        return value.replace(tzinfo=dt.UTC).astimezone(ZoneInfo(self.timezone))

    async def create_schedule(self, name: str, kind: str, cron: str, *,
                              survey: str | None = None,
                              remind_after_days: int | None = DEFAULT_REMIND_AFTER_DAYS,
                              texts: dict[str, str] | None = None, faq_slug: str | None = None,
                              topic: str | None = None, languages: list[str] | None = None,
                              created_by: str | None = None) -> ScheduleInfo:
        """A recurring rule (five-field cron in Europe/Warsaw). Each firing of a "survey"
        schedule opens a new wave and launches it; an "announcement" schedule sends its text."""
        validate_cron(cron, self.timezone)
        if kind == "survey":
            self._check_survey(survey or "")
            clean, languages = {}, None
        elif kind == "announcement":
            clean, languages = await self._check_announcement(texts or {}, faq_slug, topic,
                                                              languages)
        else:
            raise CampaignError(_("A schedule is of kind “survey” or “announcement”."))
        row = Schedule(name=(name or kind).strip()[:120], kind=kind, cron=cron.strip(),
                       survey=survey if kind == "survey" else None,
                       remind_after_days=remind_after_days if kind == "survey" else None,
                       texts=clean, faq_slug=faq_slug if kind == "announcement" else None,
                       audience={"topic": (topic or GENERAL_TOPIC) if kind == "announcement"
                                 else None, "languages": languages},
                       active=True, created_by=created_by, created_at=self._now())
        async with self._sessions() as session:
            session.add(row)
            await session.commit()
            return _schedule_info(row)

    # ------------------------------------------------------------ read
    async def get(self, campaign_id: int) -> CampaignInfo | None:
        async with self._sessions() as session:
            row = await session.get(Campaign, campaign_id)
            return _info(row) if row else None

    async def list(self, limit: int = 100, status: str | None = None) -> list[CampaignInfo]:
        async with self._sessions() as session:
            stmt = select(Campaign).order_by(Campaign.id.desc()).limit(limit)
            if status:
                stmt = stmt.where(Campaign.status == status)
            return [_info(r) for r in (await session.scalars(stmt)).all()]

    async def overview(self, limit: int = 100) -> list[CampaignStatus]:
        """The newest campaigns with their delivery counts, in one query (the campaign list
        refreshes every few seconds: one query per campaign would grow with the list)."""
        def counted(*statuses: str):
            return func.coalesce(func.sum(case((Delivery.status.in_(statuses), 1), else_=0)), 0)

        counts = (select(Delivery.campaign_id.label("campaign_id"),
                         counted("sent").label("sent"), counted("pending").label("pending"),
                         counted("sending").label("sending"), counted("failed").label("failed"),
                         counted("blocked").label("blocked"), func.count().label("total"))
                  .group_by(Delivery.campaign_id).subquery())
        stmt = (select(Campaign, counts.c.sent, counts.c.pending, counts.c.sending,
                       counts.c.failed, counts.c.blocked, counts.c.total)
                .outerjoin(counts, counts.c.campaign_id == Campaign.id)
                .order_by(Campaign.id.desc()).limit(limit))
        async with self._sessions() as session:
            rows = (await session.execute(stmt)).all()
        return [CampaignStatus(_info(row), sent=sent or 0,
                               pending=(pending or 0) + (sending or 0), in_flight=sending or 0,
                               failed=failed or 0, blocked=blocked or 0, total=total or 0)
                for row, sent, pending, sending, failed, blocked, total in rows]

    async def schedules(self, active_only: bool = False) -> list[ScheduleInfo]:
        async with self._sessions() as session:
            stmt = select(Schedule).order_by(Schedule.id)
            if active_only:
                stmt = stmt.where(Schedule.active.is_(True))
            return [_schedule_info(r) for r in (await session.scalars(stmt)).all()]

    async def status(self, campaign_id: int) -> CampaignStatus | None:
        async with self._sessions() as session:
            row = await session.get(Campaign, campaign_id)
            if row is None:
                return None
            counts = dict((await session.execute(
                select(Delivery.status, func.count()).where(Delivery.campaign_id == campaign_id)
                .group_by(Delivery.status))).all())
        sending = counts.get("sending", 0)
        return CampaignStatus(_info(row), sent=counts.get("sent", 0),
                              pending=counts.get("pending", 0) + sending, in_flight=sending,
                              failed=counts.get("failed", 0), blocked=counts.get("blocked", 0),
                              total=sum(counts.values()))

    # ------------------------------------------------------------ cancel
    async def cancel(self, campaign_id: int) -> bool:
        """Stop a scheduled or sending campaign (a sender stops claiming within a batch) and
        the reminder of an invitation. Rows not yet sent stay "pending" in the ledger."""
        async with self._sessions() as session:
            row = await session.get(Campaign, campaign_id)
            if row is None or row.status in ("done", "cancelled"):
                return False
            row.status = "cancelled"
            row.finished_at = self._now()
            children = (await session.scalars(select(Campaign).where(
                Campaign.parent_id == campaign_id, Campaign.status == "scheduled"))).all()
            for child in children:
                child.status, child.finished_at = "cancelled", self._now()
            await session.commit()
            return True

    async def reschedule(self, campaign_id: int, due_at: dt.datetime) -> bool:
        """Move a campaign that has not started yet to another time."""
        async with self._sessions() as session:
            row = await session.get(Campaign, campaign_id)
            if row is None or row.status != "scheduled":
                return False
            row.due_at = to_utc_naive(due_at)
            await session.commit()
            return True

    async def cancel_schedule(self, schedule_id: int) -> bool:
        async with self._sessions() as session:
            row = await session.get(Schedule, schedule_id)
            if row is None or not row.active:
                return False
            row.active = False
            await session.commit()
            return True

    # ------------------------------------------------------------ preview
    async def preview(self, campaign: CampaignInfo | int, lang: str) -> Push:
        info = campaign if isinstance(campaign, CampaignInfo) else await self.get(campaign)
        if info is None:
            raise CampaignError(_("There is no campaign #{id}."), id=str(campaign))
        return await self.render(info, lang)

    async def preview_text(self, campaign: CampaignInfo | int, lang: str) -> str:
        return (await self.preview(campaign, lang)).text

    async def render(self, info: CampaignInfo, lang: str) -> Push:
        survey_title = None
        if info.survey and self.surveys is not None and info.survey in self.surveys.surveys:
            survey_title = self.surveys.surveys[info.survey].title
        faq_title = None
        if info.faq_slug and self.content is not None:
            node = (await self.content.current()).get(info.faq_slug)
            faq_title = dict(node.titles) if node is not None else None
        return render_push(info.kind, lang, default_language=self.default_language,
                           texts=info.texts, wave_id=info.wave_id, survey_title=survey_title,
                           faq_slug=info.faq_slug, faq_title=faq_title)
