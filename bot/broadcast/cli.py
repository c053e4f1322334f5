"""`python -m bot campaign ...` and `python -m bot survey launch ...`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from zoneinfo import ZoneInfo

from bot.config import LANGUAGES, Settings
from bot.i18n import _, said
from bot.i18n import gettext_ as t

NO_TOKEN = _("BOT_TOKEN is not set: sending needs the bot's token (see .env.example). "
             "Nothing was sent.")


def add_campaign_parser(sub) -> None:
    campaign = sub.add_parser("campaign", help="scheduled pushes: announcements and their status")
    csub = campaign.add_subparsers(dest="action", required=True)
    create = csub.add_parser("create", help="an announcement, now, at a time or on a schedule")
    create.add_argument("--name", default="announcement")
    for lang in LANGUAGES:
        create.add_argument(f"--text-{lang}", dest=f"text_{lang}", help=f"the {lang} text")
    create.add_argument("--faq", help="slug of an FAQ answer to link with a button")
    create.add_argument("--topic", help="who gets it: subscribers of 'general' (default) or of "
                                        "a root FAQ topic")
    create.add_argument("--languages", help="only people using these languages, e.g. pl,uk")
    create.add_argument("--at", help='when, "YYYY-MM-DD HH:MM" in Europe/Warsaw; default now')
    create.add_argument("--cron", help='repeat on a five-field cron rule, e.g. "0 10 * * 1"')
    create.add_argument("--no-quiet-hours", action="store_true",
                        help="may be sent during quiet hours (urgent news only)")
    csub.add_parser("list", help="campaigns and schedules")
    status = csub.add_parser("status", help="sent, pending, failed, blocked")
    status.add_argument("id", type=int)
    send = csub.add_parser("send", help="send a campaign now, in this terminal")
    send.add_argument("id", type=int)
    send.add_argument("--reclaim-after", type=float, default=None,
                      help="resend deliveries left in flight by a stopped sender after this "
                           "many seconds (default PUSH_RECLAIM_SECONDS); 0 after a crash")
    cancel = csub.add_parser("cancel", help="cancel a campaign (or, with --schedule, a schedule)")
    cancel.add_argument("id", type=int)
    cancel.add_argument("--schedule", action="store_true")


def add_survey_launch_parser(ssub) -> None:
    launch = ssub.add_parser("launch", help="invite opted-in users to the open wave")
    launch.add_argument("slug")
    launch.add_argument("--now", action="store_true", help="send the invitation in this terminal")
    launch.add_argument("--at", help='when, "YYYY-MM-DD HH:MM" in Europe/Warsaw; default now')
    launch.add_argument("--remind-after-days", type=int, default=7,
                        help="one reminder to those who have not answered (0: none)")
    launch.add_argument("--cron", help="repeat: each firing opens a new wave and invites")
    launch.add_argument("--new-wave", action="store_true", help="open a new wave first")
    launch.add_argument("--code", help="name of the new wave, e.g. 2026-Q4")
    launch.add_argument("--no-quiet-hours", action="store_true")


class Progress:
    """A progress bar on stderr for foreground sends."""

    def __init__(self, total: int) -> None:
        self.total = max(total, 1)
        self.done = 0
        self.tty = sys.stderr.isatty()
        self._shown = -1

    def __call__(self, count: int) -> None:
        self.done += count
        share = min(self.done / self.total, 1.0)
        step = int(share * 100)
        if not self.tty and step == self._shown:
            return
        self._shown = step
        bar = "#" * int(share * 30)
        print(f"\r[{bar:30s}] " + t("{done} / {total} messages", done=f"{self.done:,}",
                                     total=f"{self.total:,}"), end="" if self.tty else "\n",
              file=sys.stderr, flush=True)

    def finish(self) -> None:
        if self.tty:
            print(file=sys.stderr)


class _Env:
    """Engine, services and (for sends) a Bot, closed together."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def __aenter__(self) -> _Env:
        from bot.broadcast.setup import build_campaign_service
        from bot.content.service import ContentStore
        from bot.db.engine import create_engine, create_session_factory
        from bot.db.migrate import upgrade_async
        from bot.factory import build_survey_service

        await upgrade_async(self.settings.db_url)
        self.engine = create_engine(self.settings.db_url)
        self.sessions = sessions = create_session_factory(self.engine)
        content = ContentStore(sessions, refresh_seconds=0)
        if await content.is_empty():
            await content.import_dir(self.settings.content_dir)
        await content.reload()
        self.service = build_campaign_service(
            self.settings, sessions, surveys=build_survey_service(self.settings, sessions),
            content=content)
        self.bot = None
        self.broadcaster = None
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.broadcaster is not None:
            await self.broadcaster.close()
        if self.bot is not None:
            await self.bot.session.close()
        await self.engine.dispose()

    def local(self, when) -> str:
        from bot.broadcast.clock import as_aware_utc

        zone = ZoneInfo(self.settings.push_timezone)
        return as_aware_utc(when).astimezone(zone).strftime("%Y-%m-%d %H:%M")

    async def send(self, campaign_id: int, reclaim_after: float | None) -> int:
        from bot.broadcast.clock import system_clock, to_utc_naive
        from bot.broadcast.setup import build_broadcaster
        from bot.factory import build_bot, build_transports

        assert self.settings.bot_token is not None
        self.bot = build_bot(self.settings, self.settings.bot_token.get_secret_value())
        broadcaster = build_broadcaster(self.settings, self.service,
                                        build_transports(self.bot, self.settings, self.sessions))
        self.broadcaster = broadcaster
        info = await self.service.get(campaign_id)
        if info is None:
            print(t("no campaign {id}", id=campaign_id), file=sys.stderr)
            return 2
        if info.status in ("done", "cancelled"):
            print(t("campaign {id} is {status}; nothing to send", id=campaign_id,
                    status=info.status))
            return 0
        now = system_clock()
        await self.service.reschedule(campaign_id, now)  # "send" means now
        if info.quiet_hours and broadcaster.quiet.is_quiet(now):
            print(t("quiet hours until {time} ({zone}): nothing sent now; the running bot sends "
                    "it then", time=self.local(broadcaster.quiet.next_end(now)),
                    zone=self.settings.push_timezone), file=sys.stderr)
            return 3
        await broadcaster.ledger.start(campaign_id, to_utc_naive(now))
        status = await self.service.status(campaign_id)
        progress = Progress(status.pending if status else 0)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        result = await broadcaster.run_campaign(campaign_id, stop, progress, reclaim_after)
        progress.finish()
        final = await self.service.status(campaign_id)
        assert final is not None
        print(t("campaign {id}: {status}; sent {sent}, pending {pending}, failed {failed}, "
                "blocked {blocked}", id=campaign_id, status=result.status, sent=final.sent,
                pending=final.pending, failed=final.failed, blocked=final.blocked))
        if result.resume_at is not None:
            print(t("continues at {time} ({zone})", time=self.local(result.resume_at),
                    zone=self.settings.push_timezone))
        return 0 if result.status == "done" else 3


def _at(settings: Settings, text: str | None):
    from bot.broadcast.clock import parse_local

    if not text:
        return None
    try:
        return parse_local(text, ZoneInfo(settings.push_timezone))
    except ValueError:
        raise ValueError(t('--at must look like "2026-12-01 10:00", not {value}',
                           value=repr(text))) from None


async def campaign_command(settings: Settings, args: argparse.Namespace) -> int:
    from bot.broadcast.campaigns import CampaignError

    if args.action == "send" and settings.bot_token is None:
        print(t(NO_TOKEN), file=sys.stderr)
        return 2
    async with _Env(settings) as env:
        service = env.service
        try:
            if args.action == "create":
                texts = {lang: getattr(args, f"text_{lang}") for lang in LANGUAGES
                         if getattr(args, f"text_{lang}")}
                languages = args.languages.split(",") if args.languages else None
                if args.cron:
                    schedule = await service.create_schedule(
                        args.name, "announcement", args.cron, texts=texts, faq_slug=args.faq,
                        topic=args.topic, languages=languages, created_by="cli")
                    print(t("schedule {id} created: {cron} ({zone}); the running bot sends it",
                            id=schedule.id, cron=schedule.cron, zone=settings.push_timezone))
                    return 0
                campaign = await service.create_announcement(
                    args.name, texts, faq_slug=args.faq, topic=args.topic, languages=languages,
                    due_at=_at(settings, args.at), quiet_hours=not args.no_quiet_hours,
                    created_by="cli")
                print(t("campaign {id} scheduled for {time} ({zone}); the running bot sends it, "
                        "or: python -m bot campaign send {id}", id=campaign.id,
                        time=env.local(campaign.due_at), zone=settings.push_timezone))
                from bot.broadcast.clock import QuietHours

                quiet = QuietHours.parse(settings.push_quiet_hours, settings.push_timezone)
                if not args.no_quiet_hours and quiet.is_quiet(campaign.due_at):
                    starts = quiet.next_end(campaign.due_at)
                    print(t("that is in quiet hours ({hours}): it goes out at {time} instead "
                            "(--no-quiet-hours for urgent news)",
                            hours=settings.push_quiet_hours, time=env.local(starts)))
            elif args.action == "list":
                for status in await service.overview():
                    c = status.campaign
                    counts = t("{sent}/{total} sent", sent=status.sent, total=status.total)
                    print(f"{c.id:5d}  {c.status:9s} {c.kind:15s} {env.local(c.due_at)}  "
                          f"{counts:16s} {c.name}")
                for s in await service.schedules(active_only=True):
                    print(t("schedule {id}:", id=s.id) + f" {s.kind} {s.cron!r} {s.name}")
            elif args.action == "status":
                status = await service.status(args.id)
                if status is None:
                    print(t("no campaign {id}", id=args.id), file=sys.stderr)
                    return 2
                c = status.campaign
                print(t("campaign {id} ({kind}, {status}): {name}", id=c.id, kind=c.kind,
                        status=c.status, name=c.name))
                print(t("due {time} ({zone})", time=env.local(c.due_at),
                        zone=settings.push_timezone))
                print(t("sent {sent}, pending {pending}, failed {failed}, blocked {blocked} "
                        "(of {total})", sent=status.sent, pending=status.pending,
                        failed=status.failed, blocked=status.blocked, total=status.total))
            elif args.action == "send":
                return await env.send(args.id, args.reclaim_after)
            elif args.action == "cancel":
                done = await (service.cancel_schedule(args.id) if args.schedule
                              else service.cancel(args.id))
                if args.schedule:
                    print(t("schedule {id} cancelled", id=args.id) if done else
                          t("schedule {id} is not active; nothing changed", id=args.id))
                else:
                    print(t("campaign {id} cancelled", id=args.id) if done else
                          t("campaign {id} is not active; nothing changed", id=args.id))
                return 0 if done else 1
        except (CampaignError, ValueError) as exc:
            print(t("error: {problem}", problem=said(exc)), file=sys.stderr)
            return 2
    return 0


async def survey_launch(settings: Settings, args: argparse.Namespace) -> int:
    from bot.broadcast.campaigns import AlreadyLaunched, CampaignError

    if args.now and settings.bot_token is None:
        print(t(NO_TOKEN), file=sys.stderr)
        return 2
    if args.now and (args.at or args.cron):
        print(t("error: --now sends at once; leave out --at and --cron"), file=sys.stderr)
        return 2
    async with _Env(settings) as env:
        service = env.service
        try:
            if args.cron:
                schedule = await service.create_schedule(
                    f"{args.slug} waves", "survey", args.cron, survey=args.slug,
                    remind_after_days=args.remind_after_days, created_by="cli")
                print(t("schedule {id} created: each firing of {cron} ({zone}) opens a new wave "
                        "and invites", id=schedule.id, cron=repr(schedule.cron),
                        zone=settings.push_timezone))
                return 0
            launch = await service.launch_survey(
                args.slug, due_at=_at(settings, args.at), remind_after_days=args.remind_after_days,
                new_wave=args.new_wave, wave_code=args.code, quiet_hours=not args.no_quiet_hours,
                created_by="cli")
        except AlreadyLaunched as exc:  # 1, as "cancel" of a finished campaign: nothing changed
            print(t("error: {problem}", problem=said(exc)) + " (--new-wave)", file=sys.stderr)
            return 1
        except (CampaignError, ValueError) as exc:
            print(t("error: {problem}", problem=said(exc)), file=sys.stderr)
            return 2
        print(t("wave {wave}: invitation is campaign {id}, due {time} ({zone})",
                wave=launch.wave_code, id=launch.invitation.id,
                time=env.local(launch.invitation.due_at), zone=settings.push_timezone))
        if launch.reminder is not None:
            print(t("reminder is campaign {id}, due {time}, to those who have not answered",
                    id=launch.reminder.id, time=env.local(launch.reminder.due_at)))
        if args.now:
            return await env.send(launch.invitation.id, None)
    return 0
