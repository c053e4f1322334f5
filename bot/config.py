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
    # Fallback: how soon campaigns made by the CLI or a panel in another process are seen
    # (the panel of this process wakes the scheduler at once; bot/wakeup.py).
    push_sync_seconds: float = 60.0
    # A delivery left "sending" this long is taken to belong to a dead sender and resent.
    push_reclaim_seconds: float = 300.0
    # Feedback: the optional staff Telegram group that gets every new ticket (replies to a
    # ticket post there go back to the person), and how often replies saved by another
    # process are picked up for delivery (this process delivers its own at once; the poll is
    # only the fallback, kept long so it does not compete with button presses).
    staff_chat_id: int | None = None
    # The language of the bot's posts in the staff group (pl, uk or en).
    staff_chat_language: str = "pl"
    feedback_poll_seconds: float = 30.0
    # A courier's claim on a staff reply it is sending; one killed mid-send leaves the reply
    # to another process after this long.
    feedback_lease_seconds: float = 120.0
    # Tickets one person may open ("Write to us"), in a rolling hour and a rolling day;
    # 0: no limit of that kind.
    tickets_per_hour: int = 5
    tickets_per_day: int = 10
    # Flood guard: messages and button taps one person may send in a burst, and how many a
    # minute refill it. Past that they get one "please wait" and the rest is dropped until
    # the bucket refills. A burst of 0 turns the guard off.
    flood_burst: int = 20
    flood_per_minute: float = 60.0
    # Staff panel (/panel on the web app). The session-signing secret; empty: generated once
    # and kept in data_dir/panel_secret. PANEL_URL is the address staff open; when it is
    # https the session cookie is marked Secure.
    panel_secret: SecretStr | None = None
    panel_url: str | None = None
    # A panel session ends after this many minutes without a request, and this many hours
    # after the login at the latest; logging out ends it at once (bot/staff/sessions.py).
    panel_session_idle_minutes: float = 30.0
    panel_session_max_hours: float = 12.0
    # Reverse proxies whose X-Forwarded-For header names the real client: comma-separated
    # addresses or networks (127.0.0.1, 10.0.0.0/8). Empty: the header is ignored and the
    # connecting address counts, which is right when nothing stands in front of the panel.
    panel_trusted_proxies: str = ""
    # Retention (bot/privacy/retention.py), run daily by the bot and by `privacy purge`: the
    # data of a person who has not written for this many months is erased as /delete does;
    # answered or closed tickets are deleted this many months after their last change.
    retention_inactive_months: int = 24
    ticket_retention_months: int = 12
    # Signal (bot/channels/signal): the signal-cli JSON-RPC daemon
    # (`signal-cli -a +48... daemon --http 127.0.0.1:8090`) and the account (number) it serves.
    # Empty SIGNAL_RPC_URL: no Signal channel. How long a send refused by Signal's rate limit
    # waits when the daemon names no time, and how many tries a message gets.
    signal_rpc_url: str | None = None
    signal_account: str | None = None
    signal_retry_seconds: float = 60.0
    signal_max_attempts: int = 8

    @field_validator("telegram_api_base")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("default_language", "staff_chat_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"the language must be one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("push_rate_limit")
    @classmethod
    def _push_rate(cls, value: float) -> float:
        if not 0 < value <= 1000:
            raise ValueError("push_rate_limit must be above 0 and at most 1000 messages/s")
        return value

    @field_validator("tickets_per_hour", "tickets_per_day", "flood_burst")
    @classmethod
    def _not_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError("must be 0 or more")
        return value

    @field_validator("flood_per_minute")
    @classmethod
    def _flood_refill(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("flood_per_minute must be above 0")
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

    @field_validator("panel_session_idle_minutes", "panel_session_max_hours")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("panel session limits must be above 0")
        return value

    @field_validator("panel_trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        import ipaddress

        for item in (part.strip() for part in value.split(",")):
            if not item:
                continue
            try:
                if "/" in item:
                    ipaddress.ip_network(item, strict=False)
                else:
                    ipaddress.ip_address(item)
            except ValueError:
                raise ValueError(
                    f"panel_trusted_proxies: {item!r} is not an IP address or network; name the "
                    "proxy's own address (a wildcard would let any client choose its address)"
                ) from None
        return value

    @property
    def trusted_proxies(self) -> list[str]:
        """PANEL_TRUSTED_PROXIES as a list, networks normalised (10.1.2.3/8 -> 10.0.0.0/8)."""
        import ipaddress

        items = [part.strip() for part in self.panel_trusted_proxies.split(",") if part.strip()]
        return [str(ipaddress.ip_network(item, strict=False)) if "/" in item else item
                for item in items]

    @field_validator("retention_inactive_months", "ticket_retention_months")
    @classmethod
    def _months(cls, value: int) -> int:
        if not 1 <= value <= 120:
            raise ValueError("a retention period is from 1 to 120 months")
        return value

    @field_validator("signal_rpc_url")
    @classmethod
    def _signal_url(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else None

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
