"""Typed settings, read from the environment and from `.env` when present.

Every setting has a default that works for the embedded run (one process, SQLite under
`data/`), so `python -m bot run` needs no configuration at all.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_API_BASE = "https://api.telegram.org"
LANGUAGES = ("pl", "uk", "en")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    bot_token: SecretStr | None = None
    telegram_api_base: str = DEFAULT_API_BASE
    database_url: str = Field(default="")
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    redis_url: str | None = None
    log_level: str = "INFO"

    data_dir: Path = PROJECT_ROOT / "data"
    content_dir: Path = PROJECT_ROOT / "content"
    default_language: str = "en"
    # How long a content change may take to reach a running bot that did not make it
    # (an import from another process, a staff edit in another worker).
    content_refresh_seconds: float = 5.0

    # Scheduled pushes (bot/broadcast). Telegram allows about 30 messages/s to different
    # chats; paid broadcasts up to 1000/s.
    push_rate_limit: float = 25.0
    push_concurrency: int = 0  # sends in flight at once; 0: derived from the rate
    push_max_attempts: int = 5  # tries of one message on 5xx/network errors
    push_retry_backoff: float = 1.0  # seconds before the first retry, doubled each time
    push_quiet_hours: str = "21:00-09:00"  # local time in push_timezone; empty: none
    push_timezone: str = "Europe/Warsaw"
    push_sync_seconds: float = 20.0  # how soon campaigns made by the CLI or panel are seen
    # A delivery left "sending" this long is taken to belong to a dead sender and resent.
    push_reclaim_seconds: float = 300.0
    # Feedback: the optional staff Telegram group that gets every new ticket (replies to a
    # ticket post there go back to the person), and how often replies saved by another
    # process are picked up for delivery.
    staff_chat_id: int | None = None
    feedback_poll_seconds: float = 3.0
    # Staff panel (/panel on the web app). The session-signing secret; empty: generated once
    # and kept in data_dir/panel_secret. PANEL_URL is the address staff open; when it is
    # https the session cookie is marked Secure.
    panel_secret: SecretStr | None = None
    panel_url: str | None = None
    # Retention (bot/privacy/retention.py), run daily by the bot and by `privacy purge`: the
    # data of a person who has not written for this many months is erased as /delete does;
    # answered or closed tickets are deleted this many months after their last change.
    retention_inactive_months: int = 24
    ticket_retention_months: int = 12

    @field_validator("telegram_api_base")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("default_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"default_language must be one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("push_rate_limit")
    @classmethod
    def _push_rate(cls, value: float) -> float:
        if not 0 < value <= 1000:
            raise ValueError("push_rate_limit must be above 0 and at most 1000 messages/s")
        return value

    @field_validator("push_timezone")
    @classmethod
    def _push_timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo

        ZoneInfo(value)  # raises for an unknown zone
        return value

    @field_validator("push_quiet_hours")
    @classmethod
    def _push_quiet_hours(cls, value: str) -> str:
        import re

        value = value.strip()
        if value and not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d-([01]?\d|2[0-3]):[0-5]\d", value):
            raise ValueError("push_quiet_hours must look like 21:00-09:00 (or be empty)")
        return value

    @field_validator("retention_inactive_months", "ticket_retention_months")
    @classmethod
    def _months(cls, value: int) -> int:
        if not 1 <= value <= 120:
            raise ValueError("a retention period is from 1 to 120 months")
        return value

    @field_validator("log_level")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @property
    def db_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'belong.db'}"

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")

    @property
    def webhook_path(self) -> str:
        from urllib.parse import urlparse

        if not self.webhook_url:
            return "/webhook"
        return urlparse(self.webhook_url).path or "/webhook"
