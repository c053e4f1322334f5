"""`python -m bot signal` (the channel against a real signal-cli daemon) and
`python -m bot chat --channel signal` (a terminal chat through the fake daemon)."""

from __future__ import annotations

import asyncio
import logging
import os
import sys

from bot.config import Settings

log = logging.getLogger(__name__)


async def _prepared(settings: Settings):
    from bot.content.service import ContentStore
    from bot.db.engine import create_engine, create_session_factory
    from bot.db.migrate import upgrade_async
    from bot.safety.scorer import preload

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    await upgrade_async(settings.db_url)
    await preload()  # the crisis scorer's weights, now rather than on the first message
    engine = create_engine(settings.db_url)
    sessions = create_session_factory(engine)
    content = ContentStore(sessions, refresh_seconds=settings.content_refresh_seconds)
    if await content.is_empty():
        await content.import_dir(settings.content_dir)
    else:
        await content.reload()
    return engine, sessions, content


async def run_signal(settings: Settings) -> int:
    from bot.channels.signal.runner import SignalChannel
    from bot.runner import install_stop_signals

    if not settings.signal_rpc_url:
        print("SIGNAL_RPC_URL is not set (see .env.example and README, \"Signal\").", file=sys.stderr)
        return 2
    engine, sessions, content = await _prepared(settings)
    channel = SignalChannel(settings, sessions, content)
    stop = asyncio.Event()
    install_stop_signals(stop)
    try:
        await channel.start()
        await stop.wait()
    finally:
        await channel.stop()
        await engine.dispose()
    return 0


async def chat_signal(settings: Settings, number: str = "+48600000001") -> int:
    """Type as a Signal user; the bot's replies are printed as Signal would show them."""
    from bot.channels.signal.runner import SignalChannel
    from bot.fake_signal import FakeSignalDaemon

    if "LOG_LEVEL" not in os.environ:
        logging.getLogger().setLevel(logging.WARNING)
    async with FakeSignalDaemon() as daemon:
        settings = settings.model_copy(update={"signal_rpc_url": daemon.base_url,
                                               "signal_account": daemon.account})
        engine, sessions, content = await _prepared(settings)
        channel = SignalChannel(settings, sessions, content)
        await channel.start()
        person = daemon.person(number, "You")
        shown = 0
        print("Signal chat with Belong through a local fake signal-cli. Type a message; "
              "Ctrl-D ends.\n")
        try:
            while True:
                line = await asyncio.to_thread(sys.stdin.readline)
                if not line:
                    break
                if not line.strip():
                    continue
                target = channel.handled + 1
                await daemon.inject(person, line.rstrip("\n"))
                for _ in range(500):
                    if channel.handled >= target:
                        break
                    await asyncio.sleep(0.02)
                await asyncio.sleep(0.1)  # a staff reply or a retried send may follow
                for message in daemon.sent_to(person.uuid)[shown:]:
                    print("\n— Belong —\n" + message.message + "\n")
                shown = len(daemon.sent_to(person.uuid))
        finally:
            await channel.stop()
            await engine.dispose()
    return 0
