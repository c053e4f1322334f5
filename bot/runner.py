"""Starting and stopping the bot: migrations, bundled content, polling or webhook, web app."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import secrets
import signal
import sys

import uvicorn
from aiogram import Bot, Dispatcher
from starlette.types import ASGIApp

from bot.config import Settings
from bot.db.migrate import startup_lock, upgrade_async
from bot.factory import App, build_panel, shared_redis
from bot.safety.scorer import preload as preload_crisis_model
from bot.wakeup import TICKETS_OPENED, listen
from bot.web.app import WebhookEndpoint, build_web_app

log = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    # The runner owns SIGINT/SIGTERM and stops polling, webhook and server together.
    def capture_signals(self):  # type: ignore[override]
        return contextlib.nullcontext()

    panel = None  # the PanelContext served, if any

    async def shutdown(self, sockets=None):  # type: ignore[no-untyped-def]
        await super().shutdown(sockets)
        # What the panel started on demand (the preview bot) stops with the web server.
        if self.panel is not None:
            from bot.web.panel.preview_bot import stop_preview

            await stop_preview(self.panel)


async def prepare(app: App) -> None:
    """Bring the database up to date, make sure there is content to show, and load the
    crisis scorer's weights now rather than on the first message (a person in crisis must
    not wait for a file to be read). With several processes on PostgreSQL one migrates and
    imports while the others wait (bot/db/migrate.py)."""
    await preload_crisis_model()
    async with startup_lock(app.engine):
        await upgrade_async(app.settings.db_url)
        if await app.content.is_empty():
            result = await app.content.import_dir(app.settings.content_dir)
            log.info("bundled content imported: %s nodes", result.created)
        else:
            await app.content.reload()
        await app.surveys.seed_codes()  # before any answer is coded (bot/surveys/codes.py)
        for slug in app.surveys.surveys:
            if await app.surveys.ensure_first_wave(slug):
                log.info("first wave of the bundled survey %s opened", slug)


async def register_commands(bot: Bot) -> None:
    from dialogs.commands_menu import register_commands as register

    try:
        await register(bot)
    except Exception as exc:  # the bot works without its command list; say so and go on
        log.warning("could not register the command list: %s", type(exc).__name__)


def start_courier(app: App) -> tuple[asyncio.Event, asyncio.Task] | None:
    """Deliver staff replies in the background (those saved by another process, too), and
    post new tickets to the staff group. With Redis, a ticket the Signal process opens wakes
    the round at once (bot/wakeup.py); without, the fallback poll finds it."""
    if app.courier is None:
        return None
    halt = asyncio.Event()
    courier = app.courier
    redis = shared_redis(app.storage) if app.dispatcher.get("staff_poster") else None

    async def run() -> None:
        if redis is None:
            await courier.run(halt)
            return
        await asyncio.gather(courier.run(halt), listen(redis, TICKETS_OPENED, courier.kick, halt))

    return halt, asyncio.create_task(run())


async def stop_courier(running: tuple[asyncio.Event, asyncio.Task] | None) -> None:
    if running is not None:
        halt, task = running
        halt.set()
        await task


async def start_pushes(app: App) -> None:
    """Scheduled pushes run in the bot process only (the CLI sends one campaign at a time)."""
    if app.pushes is not None:
        await app.pushes.start()


async def stop_pushes(app: App) -> None:
    # Graceful: no new claims; in-flight sends finish and are recorded (exactly once).
    if app.pushes is not None:
        await app.pushes.stop()


def settle_memory() -> None:
    """Everything built so far (dispatcher, dialogs, panel, scheduler) lives as long as the
    process: move it out of the cyclic GC's generations, so the collections that run during
    traffic stay short (measured: the p99 of a button press)."""
    gc.collect()
    gc.freeze()


def install_stop_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)


def server_config(web: ASGIApp, settings: Settings, port: int | None = None) -> uvicorn.Config:
    # proxy_headers off: uvicorn would otherwise believe X-Forwarded-For from any client on
    # 127.0.0.1 (its default FORWARDED_ALLOW_IPS), so anything local could pick its address
    # and dodge the panel's per-address login limit. The panel applies the header itself,
    # only from PANEL_TRUSTED_PROXIES (bot/web/panel/app.py).
    return uvicorn.Config(
        web, host=settings.web_host, port=settings.web_port if port is None else port,
        log_level="warning", lifespan="off", access_log=False, proxy_headers=False,
    )


async def start_web(app: App, dp: Dispatcher | None, *, secret: str | None,
                    background: bool = True, port: int | None = None
                    ) -> tuple[_Server, asyncio.Task, WebhookEndpoint | None]:
    panel = build_panel(app.settings, app.sessions, app.content, app.surveys, app.bot)
    if app.courier is not None:  # panel replies go out at once through the bot's courier
        panel.extra["tickets"], panel.extra["courier"] = app.courier.tickets, app.courier
    if app.pushes is not None:  # campaigns made in the panel are scheduled at once
        panel.extra["pushes"] = app.pushes
    web, endpoint = build_web_app(
        bot=app.bot if dp else None,
        dp=dp,
        webhook_path=app.settings.webhook_path if dp else None,
        secret=secret,
        background=background,
        panel=panel,
    )
    server = _Server(server_config(web, app.settings, port))
    server.panel = panel
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # re-raise why it could not start (port in use, ...)
            raise RuntimeError("web server stopped during start")
        await asyncio.sleep(0.01)
    return server, task, endpoint


async def run_polling(app: App, stop: asyncio.Event, *, web: bool = True,
                      handle_as_tasks: bool = True, polling_timeout: int = 10,
                      settle: bool = False) -> None:
    dp, bot = app.dispatcher, app.bot
    await register_commands(bot)
    await bot.delete_webhook(drop_pending_updates=False)
    server = task = None
    if web:
        server, task, _ = await start_web(app, None, secret=None)
        log.info("staff panel on http://%s:%s/panel/ (health check: /healthz)",
                 app.settings.web_host, app.settings.web_port)
    polling = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, close_bot_session=False,
                         handle_as_tasks=handle_as_tasks, polling_timeout=polling_timeout,
                         allowed_updates=dp.resolve_used_update_types())
    )
    log.info("long polling started")
    courier = start_courier(app)
    await start_pushes(app)
    if settle:
        settle_memory()
    stopper = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({polling, stopper}, return_when=asyncio.FIRST_COMPLETED)
    if polling not in done:
        with contextlib.suppress(RuntimeError):
            await dp.stop_polling()
        await polling
    stopper.cancel()
    await stop_pushes(app)
    await stop_courier(courier)
    if server is not None and task is not None:
        server.should_exit = True
        await task
    log.info("stopped")


async def run_webhook(app: App, stop: asyncio.Event, *, background: bool = True,
                      settle: bool = False) -> None:
    settings: Settings = app.settings
    dp, bot = app.dispatcher, app.bot
    secret = (settings.webhook_secret.get_secret_value() if settings.webhook_secret
              else secrets.token_urlsafe(32))
    await register_commands(bot)
    await dp.emit_startup(bot=bot, dispatcher=dp)
    server, task, endpoint = await start_web(app, dp, secret=secret, background=background)
    await bot.set_webhook(settings.webhook_url or "", secret_token=secret,
                          allowed_updates=dp.resolve_used_update_types())
    log.info("webhook registered; serving on %s:%s", settings.web_host, settings.web_port)
    courier = start_courier(app)
    await start_pushes(app)
    if settle:
        settle_memory()
    await stop.wait()
    await stop_pushes(app)
    await stop_courier(courier)
    server.should_exit = True
    await task
    if endpoint is not None:
        await endpoint.drain()
    await dp.emit_shutdown(bot=bot, dispatcher=dp)
    log.info("stopped")


async def start_panel_beside_chat(app: App) -> tuple[_Server, asyncio.Task] | None:
    """The terminal chat (no BOT_TOKEN) serves the staff panel too, so a fresh clone can try
    it. A busy port is no reason to refuse the chat: say so and go on without the panel."""
    try:
        server, task, _ = await start_web(app, None, secret=None)
    except (OSError, SystemExit):
        print(f"Staff panel not started: port {app.settings.web_port} is in use (set WEB_PORT).",
              file=sys.stderr)
        return None
    print(f"Staff panel: http://{app.settings.web_host}:{app.settings.web_port}/panel/ "
          "(accounts: python -m bot staff add EMAIL --role admin)\n", file=sys.stderr)
    return server, task


async def stop_panel_beside_chat(running: tuple[_Server, asyncio.Task] | None) -> None:
    if running is not None:
        server, task = running
        server.should_exit = True
        await task
