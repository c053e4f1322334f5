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
