"""What every panel page can reach: `panel_context(request)` or `request.app.state.panel`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import async_sessionmaker

    from bot.config import Settings
    from bot.content.editor import ContentEditor
    from bot.content.service import ContentStore
    from bot.content.transfer import ContentTransfer
    from bot.staff.accounts import StaffService
    from bot.surveys.store import SurveyService


@dataclass
class PanelContext:
    settings: Settings
    sessions: async_sessionmaker
    content: ContentStore
    surveys: SurveyService
    staff: StaffService
    editor: ContentEditor
    transfer: ContentTransfer
    # The Telegram bot (an aiogram Bot) for the panel's preview, which is Telegram's own
    # (bot/web/panel/preview_bot.py); the panel itself does not depend on a channel.
    bot: Any = None
    # Services other features add in bot/factory.py build_panel, e.g. extra["feedback"].
    extra: dict[str, Any] = field(default_factory=dict)


def panel_context(request: Request) -> PanelContext:
    return request.app.state.panel


MAX_ID = 2**63 - 1  # a database integer: BIGINT in PostgreSQL, INTEGER in SQLite


def path_id(request: Request, name: str = "id") -> int | None:
    """An id from the address. Starlette's {id:int} takes any run of digits, and the database
    fails on a number no column holds; None then, so the page says "not found"."""
    value = request.path_params.get(name)
    return value if isinstance(value, int) and 0 < value <= MAX_ID else None
