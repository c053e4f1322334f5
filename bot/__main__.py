"""Command line: python -m bot run | migrate | chat | content | survey | staff | privacy ..."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import os
import sys
from pathlib import Path

from bot.config import LANGUAGES, Settings
from bot.i18n import gettext_ as t
from bot.i18n import ngettext_, said

SANDBOX_TOKEN = "100000001:sandbox-token"
CLI_LANGUAGES = LANGUAGES


def cli_language(option: str | None, environ: dict[str, str] | os._Environ = os.environ,
                 office: str | None = None) -> str:
    """The language of the command line's own messages (staff work in their own language,
    issue 14):

    1. --lang, the person at the keyboard asking;
    2. STAFF_CHAT_LANGUAGE when it is set (`office`): the office's working language, chosen
       on purpose. The command line runs on the server (ssh, docker exec), whose locale is
       whatever the image came with (C.UTF-8, en_US.UTF-8), not a choice anyone made; a
       Polish office that set STAFF_CHAT_LANGUAGE=pl (.env.example does) reads Polish there;
    3. the shell's locale (LC_ALL, LC_MESSAGES, LANG, as gettext reads them): pl or uk when
       it names one, else English."""
    if option in CLI_LANGUAGES:
        return option
    if office in CLI_LANGUAGES:
        return office
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            return next((lang for lang in CLI_LANGUAGES if value.lower().startswith(lang)),
                        "en")
    return "en"


def _logging(settings: Settings) -> None:
    logging.basicConfig(
        level=getattr(logging, settings.log_level, logging.INFO),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # aiogram logs every update id at INFO; ids are not needed in normal operation.
    logging.getLogger("aiogram.event").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


async def _run(settings: Settings) -> int:
    from bot.factory import build_app
    from bot.runner import install_stop_signals, prepare, run_polling, run_webhook

    if settings.bot_token is None:
        print("BOT_TOKEN is not set: starting the terminal chat with a local Telegram sandbox.\n"
              "Set BOT_TOKEN (see .env.example) to run the real bot.\n", file=sys.stderr)
        return await _chat(settings, lang=None)
    app = build_app(settings, settings.bot_token.get_secret_value())
    try:
        await prepare(app)
        stop = asyncio.Event()
        install_stop_signals(stop)
        # settle: once everything is running, the long-lived objects leave the cyclic GC's
        # generations (bot/runner.py settle_memory).
        if settings.webhook_url:
            await run_webhook(app, stop, settle=True)
        else:
            await run_polling(app, stop, settle=True)
    finally:
        await app.close()
    return 0


async def _chat(settings: Settings, lang: str | None, user_id: int = 700_001) -> int:
    from bot.factory import build_app
    from bot.fake_telegram import BotApiSandbox
    from bot.fake_telegram.chat import run_terminal_chat
    from bot.runner import prepare, start_panel_beside_chat, stop_panel_beside_chat

    if "LOG_LEVEL" not in os.environ:
        # Log lines would land in the middle of the conversation.
        logging.getLogger().setLevel(logging.WARNING)
    async with BotApiSandbox() as sandbox:
        settings = settings.model_copy(update={"telegram_api_base": sandbox.base_url,
                                               "webhook_url": None})
        app = build_app(settings, SANDBOX_TOKEN)
        try:
            await prepare(app)
            panel = await start_panel_beside_chat(app)
            polling = asyncio.create_task(app.dispatcher.start_polling(
                app.bot, handle_signals=False, close_bot_session=False,
                allowed_updates=app.dispatcher.resolve_used_update_types()))
            user = sandbox.user(user_id, first_name="You", language_code=lang)
            try:
                await user.send_command("start")
                await run_terminal_chat(sandbox, user)
            finally:
                await app.dispatcher.stop_polling()
                await polling
                await stop_panel_beside_chat(panel)
        finally:
            await app.close()
    return 0


async def _content(settings: Settings, args: argparse.Namespace) -> int:
    from bot.content.service import ContentError, ContentStore
    from bot.content.yaml_io import check, load_dir
    from bot.db.engine import create_engine, create_session_factory
    from bot.db.migrate import upgrade_async

    today = dt.date.today()
    if args.action == "check" and not args.db:
        roots, errors = load_dir(Path(args.dir))
        return _print_check(check(roots, today, errors))

    await upgrade_async(settings.db_url)
    engine = create_engine(settings.db_url)
    store = ContentStore(create_session_factory(engine), refresh_seconds=0)
    try:
        if args.action == "import":
            try:
                result = await store.import_dir(Path(args.dir))
            except ContentError as exc:
                print("\n".join([t("Import refused; nothing was changed:"), *exc.texts()]),
                      file=sys.stderr)
                return 2
            print(t("imported: {created} new, {updated} updated, {unchanged} unchanged, "
                    "{retired} retired (content version {version})", created=result.created,
                    updated=result.updated, unchanged=result.unchanged, retired=result.retired,
                    version=result.version))
            return 0
        if args.action == "export":
            files = await store.export_dir(Path(args.dir))
            print(t("exported {n} files to {dir}", n=len(files), dir=args.dir))
            return 0
        if args.action == "check":
            catalog = await store.reload()
            return _print_check(check(catalog.roots, today))
        if args.action == "search":
            if await store.is_empty():
                await store.import_dir(settings.content_dir)
            await store.reload()
            hits = await store.search(args.query, args.lang, limit=args.limit)
            items = [{"slug": h.slug, "path": list(h.path), "title": h.title,
                      "score": round(h.score, 2)} for h in hits]
            if args.json:
                print(json.dumps(items, ensure_ascii=False, indent=2))
            else:
                for item in items:
                    print(f"{item['score']:6.1f}  {item['slug']:40s} {item['title']}")
                if not items:
                    print("nothing found")
            return 0
    finally:
        await engine.dispose()
    return 1


def _survey_archive(settings: Settings, slug: str) -> int:
    from bot.surveys.definition import SurveyError, archive_to_history, load_survey

    directory = settings.content_dir / "surveys"
    for path in sorted(directory.glob("*.yaml")):
        try:
            if load_survey(path).slug != slug:
                continue
            added = archive_to_history(path)
        except SurveyError as exc:
            _print_survey_problems(exc)
            return 2
        print(f"archived {len(added)} question version(s) of {slug}: {', '.join(added) or 'none new'}")
        return 0
    print(f"unknown survey {slug!r} in {directory}", file=sys.stderr)
    return 2


async def _survey(settings: Settings, args: argparse.Namespace) -> int:
    from bot.db.engine import create_engine, create_session_factory
    from bot.db.migrate import upgrade_async
    from bot.factory import build_survey_service
    from bot.i18n import current_locale
    from bot.surveys.store import SurveyError

    await upgrade_async(settings.db_url)
    engine = create_engine(settings.db_url)
    service = build_survey_service(settings, create_session_factory(engine))
    try:
        if args.slug not in service.surveys:
            known = ", ".join(sorted(service.surveys)) or "none"
            print(t("unknown survey {slug} (known: {known})", slug=repr(args.slug), known=known),
                  file=sys.stderr)
            return 2
        try:
            if args.action == "open":
                wave = await service.open_wave(args.slug, args.code, args.k)
                print(t("wave {wave} of {survey} is open (answers released in groups of at "
                        "least {k})", wave=wave.code, survey=wave.survey, k=wave.release_k))
            elif args.action == "close":
                released = await service.close_wave(args.slug, args.code)
                print(t("closed; {n} waiting responses released", n=released))
            elif args.action == "waves":
                for wave in await service.waves(args.slug):
                    count = await service.released_count(wave.id)
                    state = t("closed") if wave.closed else t("open")
                    print(f"{wave.code:12s} {state:7s} {count:8d} " + t("released answers"))
            elif args.action == "report":
                print(t("reading answers..."), file=sys.stderr)
                progress = _Progress(await service.answer_count(args.slug, args.wave))
                summary = await service.report(args.slug, Path(args.out), only_wave=args.wave,
                                               k=args.k, wave=args.wave, progress=progress,
                                               lang=current_locale.get())
                progress.finish()
                print(t("{responses} responses in {waves} waves; {cells} cells suppressed "
                        "({primary} with fewer than {k} responses, {complementary} "
                        "complementary)", responses=summary.responses,
                        waves=len(summary.waves), cells=summary.suppressed_cells,
                        primary=summary.suppressed_primary, k=args.k,
                        complementary=summary.suppressed_complementary))
                for file in summary.files:
                    print(t("wrote {file}", file=file))
        except SurveyError as exc:
            print(exc.text(), file=sys.stderr)
            return 2
    finally:
        await engine.dispose()
    return 0


class _Progress:
    """A progress bar on stderr for long reports."""

    def __init__(self, total: int) -> None:
        self.total = max(total, 1)
        self.tty = sys.stderr.isatty()

    def __call__(self, done: int) -> None:
        share = min(done / self.total, 1.0)
        bar = "#" * int(share * 30)
        end = "" if self.tty else "\n"
        print(f"\r[{bar:30s}] " + t("{done} / {total} responses", done=f"{done:,}",
                                     total=f"{self.total:,}"), end=end, file=sys.stderr,
              flush=True)

    def finish(self) -> None:
        self(self.total)
        if self.tty:
            print(file=sys.stderr)


def _print_check(report) -> int:
    # The line labels stay English: scripts grep for them.
    for error in report.errors:
        print(f"ERROR   {said(error)}")
    for slug, lang, what in report.missing:
        print(f"MISSING {slug}: {lang} {what}")
    for slug, due in report.review_due:
        print(f"REVIEW  {slug}: " + t("review was due on {date}", date=due.isoformat()))
    for slug, note in report.flagged:
        print(f"FLAGGED {slug}: {note}")
    print(", ".join([
        ngettext_("{n} structural error", "{n} structural errors", len(report.errors)),
        ngettext_("{n} missing translation", "{n} missing translations", len(report.missing)),
        ngettext_("{n} answer due for review", "{n} answers due for review",
                  len(report.review_due)),
        ngettext_("{n} flagged", "{n} flagged", len(report.flagged))]))
    return 1 if report.errors else 0


def _print_survey_problems(error) -> None:
    """A survey file's problems (bot/surveys/definition.py SurveyError), in the CLI's language."""
    print("\n".join([t("The survey files have problems; fix them and try again:"),
                     *(f"  {text}" for text in error.texts())]), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Belong bot")
    parser.add_argument("--lang", dest="cli_lang", choices=CLI_LANGUAGES, default=None,
                        help="language of these messages (pl, uk or en); default: "
                             "STAFF_CHAT_LANGUAGE if set (the office's language), else the "
                             "shell's locale (LANG), else en")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot (terminal chat when BOT_TOKEN is not set)")
    migrate = sub.add_parser("migrate", help="apply database migrations")
    migrate.add_argument("--revision", default="head")
    chat = sub.add_parser("chat", help="chat with the bot in this terminal (local sandbox)")
    chat.add_argument("--channel", choices=("telegram", "signal"), default="telegram",
                      help="signal: through a local fake signal-cli daemon")
    sub.add_parser("signal", help="serve Signal through signal-cli's daemon (SIGNAL_RPC_URL)")
    chat.add_argument("--lang", choices=LANGUAGES, default=None,
                      help="your client language; leave out to be asked")
    content = sub.add_parser("content", help="FAQ content")
    csub = content.add_subparsers(dest="action", required=True)
    imp = csub.add_parser("import", help="load YAML content into the database")
    imp.add_argument("dir", nargs="?", default="content")
    exp = csub.add_parser("export", help="write the database content as YAML")
    exp.add_argument("dir")
    chk = csub.add_parser("check", help="missing translations, reviews due, structural errors")
    chk.add_argument("dir", nargs="?", default="content")
    chk.add_argument("--db", action="store_true", help="check the database instead of files")
    srch = csub.add_parser("search", help="what the bot would answer to a question")
    srch.add_argument("query")
    srch.add_argument("--lang", choices=LANGUAGES, default="en")
    srch.add_argument("--limit", type=int, default=5)
    srch.add_argument("--json", action="store_true")

    survey = sub.add_parser("survey", help="surveys: waves and anonymised results")
    ssub = survey.add_subparsers(dest="action", required=True)
    sopen = ssub.add_parser("open", help="open a new wave (closing the open one)")
    sopen.add_argument("slug")
    sopen.add_argument("--code", help="wave name, default the current quarter, e.g. 2026-Q4")
    sopen.add_argument("--k", type=int, default=10, help="release answers in groups of at least K")
    sclose = ssub.add_parser("close", help="close the open wave and release what is waiting")
    sclose.add_argument("slug")
    sclose.add_argument("--code")
    swaves = ssub.add_parser("waves", help="list the waves of a survey")
    swaves.add_argument("slug")
    sarch = ssub.add_parser("archive", help="keep the current wording of every question in "
                            "history/ (run before rewording, so old answers stay reported)")
    sarch.add_argument("slug")
    srep = ssub.add_parser("report", help="write aggregates, index, answers CSV and an HTML report")
    srep.add_argument("slug")
    srep.add_argument("--out", required=True)
    srep.add_argument("--wave")
    srep.add_argument("--k", type=int, default=10, help="suppress groups smaller than K")

    from bot.broadcast.cli import add_campaign_parser, add_survey_launch_parser

    add_survey_launch_parser(ssub)
    add_campaign_parser(sub)

    from bot.staff.cli import add_parser as add_staff_parser

    add_staff_parser(sub)

    from bot.privacy.cli import add_parser as add_privacy_parser

    add_privacy_parser(sub)

    args = parser.parse_args(argv)
    # Before anything allocates much: CPython 3.11 must not collect inside C code
    # (bot/gc_safepoint.py says why).
    from bot.gc_safepoint import install as install_safe_gc

    install_safe_gc()
    settings = Settings()
    _logging(settings)
    from bot.i18n import current_locale

    office = settings.staff_chat_language if "staff_chat_language" in settings.model_fields_set \
        else None
    current_locale.set(cli_language(args.cli_lang, office=office))
    from bot.surveys.definition import SurveyError

    try:
        return _command(args, settings)
    except SurveyError as exc:  # a survey file is broken: every command that loads them stops
        _print_survey_problems(exc)
        return 2


def _command(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "run":
        return asyncio.run(_run(settings))
    if args.command == "migrate":
        from bot.db.migrate import upgrade

        upgrade(settings.db_url, args.revision)
        print(t("database at {revision}", revision=args.revision))
        return 0
    if args.command == "chat" and args.channel == "signal":
        from bot.channels.signal.cli import chat_signal

        return asyncio.run(chat_signal(settings))
    if args.command == "chat":
        return asyncio.run(_chat(settings, args.lang))
    if args.command == "signal":
        from bot.channels.signal.cli import run_signal

        return asyncio.run(run_signal(settings))
    if args.command == "content":
        return asyncio.run(_content(settings, args))
    if args.command == "survey" and args.action == "launch":
        from bot.broadcast.cli import survey_launch

        return asyncio.run(survey_launch(settings, args))
    if args.command == "survey" and args.action == "archive":
        return _survey_archive(settings, args.slug)
    if args.command == "survey":
        return asyncio.run(_survey(settings, args))
    if args.command == "campaign":
        from bot.broadcast.cli import campaign_command

        return asyncio.run(campaign_command(settings, args))
    if args.command == "privacy":
        from bot.privacy.cli import run as run_privacy

        return asyncio.run(run_privacy(settings, args))
    if args.command == "staff":
        from bot.staff.cli import run as run_staff

        return asyncio.run(run_staff(settings, args))
    return 2


if __name__ == "__main__":
    sys.exit(main())
