"""A fake signal-cli daemon for tests and the terminal chat: see server.py."""

from bot.fake_signal.server import FakeSignalDaemon, SentMessage

__all__ = ["FakeSignalDaemon", "SentMessage"]
