"""The composition root: engine, Bot, Dispatcher and web app are built here and only here."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import BaseEventIsolation, BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import SimpleEventIsolation
from aiogram_dialog import setup_dialogs
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from bot.channels.telegram.api_retry import BotApiRetry
from bot.channels.telegram.dialog_ids import install as install_dialog_ids
from bot.channels.telegram.fsm_storage import SqlStorage
from bot.channels.telegram.identity import dialog_state_eraser
from bot.channels.telegram.response_types import KeepResponseTypes
from bot.channels.telegram.staff_chat import StaffChat
from bot.channels.telegram.transport import TelegramTransport
from bot.channels.telegram.update_cache import ReleaseUpdates
from bot.config import Settings
from bot.content.service import ContentStore
from bot.core.transport import TransportRegistry
from bot.db.engine import create_engine, create_session_factory
from bot.feedback.courier import ReplyCourier
from bot.feedback.service import TicketLimits, TicketService
from bot.feedback.staff_posts import StaffPoster
from bot.privacy.erasure import UserErasure
from bot.privacy.retention import PURGE_AT, Retention
from bot.ratelimit import RateLimiter, TokenBuckets
from bot.safety.given import HelpRecord, help_record
from bot.surveys.definition import load_surveys
from bot.surveys.store import SurveyService
from bot.users import UserDirectory
from bot.users_prefs import PushPreferences

if TYPE_CHECKING:
    from bot.broadcast.scheduler import PushScheduler

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker
    content: ContentStore
    surveys: SurveyService
    storage: BaseStorage
    bot: Bot
    dispatcher: Dispatcher
    tickets: TicketService | None = None
    courier: ReplyCourier | None = None
    pushes: PushScheduler | None = None  # scheduled pushes; started by the runner
    retention: Retention | None = None  # the nightly purge, run by `pushes`
    transports: TransportRegistry | None = None  # every channel's sender, shared

    async def close(self) -> None:
        if self.transports is not None:
            await self.transports.close()
        await self.dispatcher.storage.close()
        await self.bot.session.close()
        await self.engine.dispose()


def build_bot(settings: Settings, token: str) -> Bot:
    from dialogs.middlewares import AnswerCallbackOnce

    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
    session.middleware(AnswerCallbackOnce())
    # A moment of 5xx, 429 or network trouble delays an answer instead of losing it.
    session.middleware(BotApiRetry())
    # No 3-6 ms rebuild of a parsed-answer class after a garbage collection.
    session.middleware(KeepResponseTypes())
    return Bot(
        token=token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def build_storage(settings: Settings, engine: AsyncEngine) -> tuple[BaseStorage, BaseEventIsolation]:
    if settings.redis_url:
        from aiogram.fsm.storage.redis import RedisStorage
        from redis.asyncio import BlockingConnectionPool, Redis

        # redis-py's default pool refuses a 101st connection in use ("Too many connections":
        # updates failed under load, bench/bench_workers.py); this one waits for a free one.
        pool = BlockingConnectionPool.from_url(settings.redis_url, max_connections=100,
                                               timeout=20)
        # aiogram-dialog keeps several records per chat: the key needs the destiny part.
        storage = RedisStorage(Redis(connection_pool=pool),
                               key_builder=DefaultKeyBuilder(with_destiny=True))
        # Isolation locks use the same key builder, destiny included. redis-py's lock polls
        # every 0.1 s while it is taken: a person's next press, arriving while the previous
        # one still saves its state, waited ~100 ms (measured, bench/bench_workers.py).
        return storage, storage.create_isolation(lock_kwargs={"timeout": 60, "sleep": 0.005})
    return SqlStorage(engine), SimpleEventIsolation()


def shared_redis(storage: BaseStorage):
    """The Redis client of the FSM storage when REDIS_URL is set (several processes), which
    the shared limits (bot/shared_limits.py) use too; None on the embedded default."""
    from aiogram.fsm.storage.redis import RedisStorage

    return storage.redis if isinstance(storage, RedisStorage) else None


def build_survey_service(settings: Settings, sessions: async_sessionmaker) -> SurveyService:
    surveys_dir = settings.content_dir / "surveys"
    surveys = load_surveys(surveys_dir) if surveys_dir.is_dir() else {}
    return SurveyService(sessions, surveys)


def build_dispatcher(storage: BaseStorage, isolation: BaseEventIsolation,
                     content: ContentStore, sessions: async_sessionmaker,
                     settings: Settings, message_manager=None,
                     surveys: SurveyService | None = None,
                     crisis_help: HelpRecord | None = None) -> Dispatcher:
    from dialogs.commands import (
        build_commands_router,
        build_fallback_router,
        register_error_handlers,
    )
    from dialogs.crisis.dialog import build_crisis_dialog
    from dialogs.crisis.middleware import CrisisCardMiddleware
    from dialogs.faq.dialog import build_faq_dialog
    from dialogs.feedback.dialog import build_feedback_dialog
    from dialogs.language.dialog import build_language_dialog
    from dialogs.middlewares import (
        AnswerAfterState,
        ChatGate,
        FloodGuardMiddleware,
        UserLocaleMiddleware,
    )
    from dialogs.privacy.dialog import build_privacy_dialog
    from dialogs.pushes import build_pushes_router
    from dialogs.settings.dialog import build_settings_dialog
    from dialogs.survey.dialog import build_survey_dialog

    install_dialog_ids()
    # The FSM middleware (and its per-chat lock) is added below, after the flood guard.
    dp = Dispatcher(storage=storage, events_isolation=isolation, disable_fsm=True)
    directory = UserDirectory(sessions, cache_size=100_000 if settings.is_sqlite else 0)
    dp["content"] = content
    dp["settings"] = settings
    dp["users"] = directory
    dp["surveys"] = surveys or build_survey_service(settings, sessions)
    dp["tickets"] = TicketService(sessions, TicketLimits(settings.tickets_per_hour,
                                                         settings.tickets_per_day))
    dp["prefs"] = PushPreferences(sessions)
    staff_chat = (StaffChat(settings.staff_chat_id, dp["tickets"],
                            lang=settings.staff_chat_language)
                  if settings.staff_chat_id else None)
    dp["staff_chat"] = staff_chat
    # /delete and the retention purge erase a person the same way.
    dp["erasure"] = build_erasure(settings, directory, dp["tickets"], storage)

    # Services open their own short sessions (the user directory, the content store, the
    # FSM storage), so no session is held open across a handler's API calls.
    # The gate comes first: the staff group's updates end in its own router and never reach
    # the user dialogs (nor the user table, nor the flood guard); other groups and channels
    # get nothing.
    staff_router = staff_chat.router() if staff_chat is not None else None
    # Outermost: a press is answered after everything below has run, its dialog state stored.
    dp.update.outer_middleware(AnswerAfterState())
    dp.update.outer_middleware(ReleaseUpdates())
    dp.update.outer_middleware(ChatGate(staff_router, settings.staff_chat_id))
    # Then the flood guard: an update it drops must not wait for the chat's FSM lock nor
    # read the FSM state or the user row (one person's flood held up everyone before).
    if settings.flood_burst:
        limiter: RateLimiter = TokenBuckets(settings.flood_burst, settings.flood_per_minute)
        if shared_redis(storage) is not None:  # several processes: one bucket per person
            from bot.shared_limits import RedisTokenBuckets

            limiter = RedisTokenBuckets(shared_redis(storage), settings.flood_burst,
                                        settings.flood_per_minute)
        dp.update.outer_middleware(FloodGuardMiddleware(limiter, directory,
                                                        settings.default_language))
    dp.update.outer_middleware(dp.fsm)
    locale = UserLocaleMiddleware(directory, settings.default_language)
    # An outer middleware on the update runs for every event, including aiogram-dialog's
    # background updates, so scheduled renders get the recipient's language too.
    dp.update.outer_middleware(locale)
    # Crisis routing runs on every message before any handler (so before any search), after
    # the locale is known; dp.message's outer middlewares run once per message. An edited
    # message is read too: the edit is otherwise ignored, but "I want to die" typed as a
    # correction of an earlier question must still get the card.
    # `crisis_help`: which messages got the card, shared in Redis by every worker (an edit
    # may land on another one); in this process's memory without it.
    crisis_cards = CrisisCardMiddleware(crisis_help)
    dp.message.outer_middleware(crisis_cards)
    dp.edited_message.outer_middleware(crisis_cards)

    # Commands first: they must work whatever dialog is open.
    dp.include_router(build_commands_router())
    # Buttons in scheduled pushes carry no dialog intent; they open dialogs in any state.
    dp.include_router(build_pushes_router())
    dp.include_router(build_faq_dialog())
    dp.include_router(build_language_dialog())
    dp.include_router(build_privacy_dialog())
    dp.include_router(build_survey_dialog())
    dp.include_router(build_feedback_dialog())
    dp.include_router(build_settings_dialog())
    dp.include_router(build_crisis_dialog())
    dp.include_router(build_fallback_router())
    register_error_handlers(dp)
    setup_dialogs(dp, events_isolation=isolation, message_manager=message_manager)
    return dp


def build_app(settings: Settings, token: str) -> App:
    engine = create_engine(settings.db_url)
    sessions = create_session_factory(engine)
    content = ContentStore(sessions, refresh_seconds=settings.content_refresh_seconds)
    surveys = build_survey_service(settings, sessions)
    storage, isolation = build_storage(settings, engine)
    bot = build_bot(settings, token)
    dp = build_dispatcher(storage, isolation, content, sessions, settings, surveys=surveys,
                          crisis_help=help_record(shared_redis(storage), settings, "telegram",
                                                  token))
    # Staff replies go out right after they are saved here (the courier is woken), and at
    # the fallback poll (FEEDBACK_POLL_SECONDS) for replies saved by another process.
    staff_chat: StaffChat | None = dp["staff_chat"]
    lease = dt.timedelta(seconds=settings.feedback_lease_seconds)
    chores = []
    if staff_chat is not None:
        # This process owns the staff group: it posts every ticket not yet posted, whichever
        # channel it came from (the Telegram dialog right away, the rest each courier round).
        poster = StaffPoster(dp["tickets"], staff_chat.board(bot), lease=lease)
        dp["staff_poster"] = poster
        chores = [poster.post_pending, partial(staff_chat.remove_pending, bot)]
    transports = build_transports(bot, settings, sessions)
    courier = ReplyCourier(transports, dp["tickets"], dp["users"],
                           interval=settings.feedback_poll_seconds, chores=chores,
                           lease=lease)
    dp["courier"] = courier
    # The staff-group copies of an erased person's tickets go now, not at the next round.
    dp["erasure"].on_staff_posts_queued = courier.kick
    app = App(settings, engine, sessions, content, surveys, storage, bot, dp,
              tickets=dp["tickets"], courier=courier, transports=transports)
    app.pushes = build_pushes(settings, sessions, content, surveys, transports, dp["users"],
                              redis=shared_redis(storage))
    app.retention = build_retention(settings, dp["erasure"])
    app.pushes.add_daily("retention", PURGE_AT, app.retention.purge)
    return app


def build_transports(bot: Bot, settings: Settings | None = None,
                     sessions: async_sessionmaker | None = None) -> TransportRegistry:
    """The channels this process sends on: Telegram, and Signal when SIGNAL_RPC_URL names a
    signal-cli daemon (pushes and staff replies then reach Signal people from here too).
    With `sessions`, a long Signal message refused half-way is resumed after a restart."""
    registry = TransportRegistry([TelegramTransport(bot)])
    if settings is not None and settings.signal_rpc_url:
        from bot.channels.signal.parts import SentParts
        from bot.channels.signal.rpc import SignalRpc
        from bot.channels.signal.transport import SignalTransport

        registry.register(SignalTransport(SignalRpc(settings.signal_rpc_url, settings.signal_account),
                                          retry_seconds=settings.signal_retry_seconds,
                                          max_attempts=settings.signal_max_attempts,
                                          parts=SentParts(sessions) if sessions else None))
    return registry


def build_erasure(settings: Settings, users: UserDirectory, tickets: TicketService,
                  storage: BaseStorage) -> UserErasure:
    return UserErasure(users, tickets, contact_erasers=[dialog_state_eraser(storage)],
                       staff_chat_id=settings.staff_chat_id)


def build_retention(settings: Settings, erasure: UserErasure) -> Retention:
    return Retention(erasure, inactive_months=settings.retention_inactive_months,
                     ticket_months=settings.ticket_retention_months)


def build_pushes(settings: Settings, sessions: async_sessionmaker, content: ContentStore,
                 surveys: SurveyService, transports: TransportRegistry,
                 users: UserDirectory, redis=None) -> PushScheduler:
    """The push scheduler of the bot process. A 403 marks the user blocked through the user
    directory, which also drops its cached copy."""
    from bot.broadcast.setup import build_push_scheduler

    async def on_blocked(user_id: int) -> None:
        await users.mark_blocked(user_id)

    return build_push_scheduler(settings, sessions, transports, surveys=surveys,
                                content=content, on_blocked=on_blocked, redis=redis)


def build_panel(settings: Settings, sessions: async_sessionmaker, content: ContentStore,
                surveys: SurveyService, bot: Bot | None = None):
    """The staff panel's services (bot/web/panel). Features add theirs to `panel.extra`."""
    from bot.content.editor import ContentEditor
    from bot.content.transfer import ContentTransfer
    from bot.staff.accounts import StaffService
    from bot.staff.sessions import SessionPolicy
    from bot.web.panel.context import PanelContext

    policy = SessionPolicy(idle=dt.timedelta(minutes=settings.panel_session_idle_minutes),
                           absolute=dt.timedelta(hours=settings.panel_session_max_hours))
    panel = PanelContext(settings=settings, sessions=sessions, content=content, surveys=surveys,
                         staff=StaffService(sessions, policy=policy),
                         editor=ContentEditor(sessions, content),
                         transfer=ContentTransfer(sessions, content), bot=bot)
    panel.extra["tickets"] = TicketService(sessions)  # the feedback inbox
    return panel
