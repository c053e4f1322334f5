"""`python -m bot privacy purge [--dry-run]`: the nightly retention purge, on demand."""

from __future__ import annotations

import argparse
import sys

from bot.config import Settings
from bot.i18n import gettext_ as t
from bot.i18n import ngettext_


def add_parser(sub) -> None:
    privacy = sub.add_parser("privacy", help="retention: delete data past its period")
    psub = privacy.add_subparsers(dest="action", required=True)
    purge = psub.add_parser(
        "purge", help="erase people who have not written for RETENTION_INACTIVE_MONTHS and "
                      "tickets answered or closed TICKET_RETENTION_MONTHS ago")
    purge.add_argument("--dry-run", action="store_true",
                       help="count what would be deleted; delete nothing")


class _Progress:
    """One progress line on stderr while people are erased."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        step = done * 100 // max(total, 1)
        if not self.tty and step == self.shown and done != total:
            return
        self.shown = step
        bar = "#" * (done * 30 // max(total, 1))
        print(f"\r[{bar:30s}] " + t("{done} / {total} people erased", done=f"{done:,}",
                                     total=f"{total:,}"), end="" if self.tty else "\n",
              file=sys.stderr, flush=True)

    def finish(self) -> None:
        if self.tty and self.shown >= 0:
            print(file=sys.stderr)


async def run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.db.engine import create_engine, create_session_factory
    from bot.db.migrate import upgrade_async
    from bot.factory import build_erasure, build_retention, build_storage
    from bot.feedback.service import TicketService
    from bot.users import UserDirectory

    await upgrade_async(settings.db_url)
    engine = create_engine(settings.db_url)
    sessions = create_session_factory(engine)
    storage, _isolation = build_storage(settings, engine)
    erasure = build_erasure(settings, UserDirectory(sessions), TicketService(sessions), storage)
    try:
        progress = _Progress()
        report = await build_retention(settings, erasure).purge(dry_run=args.dry_run,
                                                                progress=progress)
        progress.finish()
    finally:
        await storage.close()
        await engine.dispose()
    people = ngettext_("the data of {n} person who has not written since before {date} "
                       "({months} months)",
                       "the data of {n} people who have not written since before {date} "
                       "({months} months)", report.people,
                       date=report.people_before.isoformat(),
                       months=settings.retention_inactive_months)
    tickets = ngettext_("{n} ticket answered or closed and unchanged since before {time} UTC "
                        "({months} months)",
                        "{n} tickets answered or closed and unchanged since before {time} UTC "
                        "({months} months)", report.tickets,
                        time=f"{report.tickets_before:%Y-%m-%d %H:%M}",
                        months=settings.ticket_retention_months)
    if report.dry_run:
        print(t("dry run, nothing deleted: would erase {people}, and delete {tickets}",
                people=people, tickets=tickets))
        return 0
    print(t("erased {people}; deleted {tickets}", people=people, tickets=tickets))
    if settings.staff_chat_id and (report.people or report.tickets):
        print(t("their copies in the staff group are removed by the running bot"))
    return 0
