"""The signal-cli client and SignalTransport against the fake daemon: outcomes in the core's
terms, SSE parsing and resume."""

from __future__ import annotations

import asyncio

from bot.channels.signal.rpc import EventStream, SignalRpc, decode_event
from bot.channels.signal.transport import SignalTransport
from bot.core.transport import Blocked, Button, Contact, OutgoingMessage, RetryAfter, Sent, Transport
from bot.fake_signal import FakeSignalDaemon

UUID = "0d6f3c1e-2b6a-4f43-9a59-2c1f1f0e8b11"


async def test_core_transport_outcomes():
    async with FakeSignalDaemon() as daemon:
        transport = SignalTransport(SignalRpc(daemon.base_url, daemon.account), retry_seconds=30)
        assert isinstance(transport, Transport)
        contact = Contact("signal", UUID)
        message = OutgoingMessage("<b>Nowe</b> informacje: <a href=\"https://gdansk.pl\">gdansk.pl</a>",
                                  (Button("📖 Read more", "faq", "work"),))
        assert await transport.send(contact, message) == Sent()
        [sent] = daemon.sent_to(UUID)
        assert sent.message == "Nowe informacje: gdansk.pl (https://gdansk.pl)\n\n📖 Read more → work"
        assert sent.text_style == ["0:4:BOLD"]
        daemon.fail_next(UUID, 1, "rate_limit", retry_after=12)
        assert await transport.send(contact, message) == RetryAfter(12, "rate limited")
        daemon.fail_next(UUID, 1, "captcha", retry_after=None)
        assert await transport.send(contact, message) == RetryAfter(30, "rate limited")
        daemon.fail_next(UUID, 1, "unregistered")
        assert isinstance(await transport.send(contact, message), Blocked)
        daemon.fail_next(UUID, 1, "network")
        failed = await transport.send(contact, message)
        assert failed.temporary
        await transport.close()


async def test_stream_resumes_with_last_event_id():
    async with FakeSignalDaemon() as daemon:
        person = daemon.person("+48601999999")
        for text in ("one", "two", "three"):
            await daemon.inject(person, text)
        seen: list[str] = []
        rpc = SignalRpc(daemon.base_url, daemon.account)

        async def on_event(event):
            seen.append(decode_event(event)["envelope"]["dataMessage"]["message"])

        stream = EventStream(rpc, on_event, last_event_id="1", min_delay=0.05)
        stop = asyncio.Event()
        task = asyncio.create_task(stream.run(stop))
        async with asyncio.timeout(10):
            while len(seen) < 2:  # noqa: ASYNC110 - filled by the stream task
                await asyncio.sleep(0.01)
        assert seen == ["two", "three"] and daemon.last_event_ids == ["1"]
        await daemon.drop_connections()
        await daemon.inject(person, "four")
        async with asyncio.timeout(10):
            while len(seen) < 3:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        assert seen == ["two", "three", "four"] and daemon.last_event_ids[-1] == "3"
        stop.set()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await rpc.close()


def test_every_signal_string_is_translated():
    from bot.channels.signal import survey as sv
    from bot.channels.signal import texts as tx

    msgids = [v for module in (tx, sv) for k, v in vars(module).items()
              if k.isupper() and isinstance(v, str) and k != "LOCALES_DIR" and v not in (tx.ON, tx.OFF)]
    for lang in ("pl", "uk"):
        missing = [m for m in msgids if tx.t(m, lang) == m]
        assert not missing, (lang, missing)


async def test_the_bot_process_registry_reaches_signal_people_when_configured(tmp_path):
    from bot.config import Settings
    from bot.factory import build_bot, build_transports

    async with FakeSignalDaemon() as daemon:
        settings = Settings(_env_file=None, data_dir=tmp_path, signal_rpc_url=daemon.base_url,
                            signal_account=daemon.account)
        bot = build_bot(settings, "100000001:sandbox-token")
        registry = build_transports(bot, settings)
        try:
            assert set(registry.channels) == {"telegram", "signal"}
            outcome = await registry.send(Contact("signal", UUID), OutgoingMessage("<b>News</b>"))
            assert outcome == Sent() and daemon.sent_to(UUID)[0].message == "News"
        finally:
            await registry.close()
            await bot.session.close()
        plain = build_bot(Settings(_env_file=None, data_dir=tmp_path), "100000001:sandbox-token")
        try:
            assert build_transports(plain, Settings(_env_file=None)).channels == ("telegram",)
        finally:
            await plain.session.close()


def test_a_long_message_is_split_where_signal_shows_it_whole():
    from bot.channels.signal.formatting import Styled, split, utf16_len

    message = Styled()
    for i in range(60):
        message.line(f"Рядок {i} 👍 ", None).add("жирний текст тут", "BOLD")
    pieces = split(message, limit=500)
    assert len(pieces) > 1
    assert "\n".join(p.text for p in pieces) == message.text
    for piece in pieces:
        assert len(piece.text.encode()) <= 500
        assert piece.styles and all(s + n <= utf16_len(piece.text) for s, n, _ in piece.styles)
        for start, length, _style in piece.styles:
            # every bold range still covers exactly the bold words
            units = piece.text.encode("utf-16-le")[start * 2:(start + length) * 2].decode("utf-16-le")
            assert units == "жирний текст тут"
    one_line = Styled("слово " * 300)
    assert all(len(p.text.encode()) <= 500 for p in split(one_line, limit=500))
