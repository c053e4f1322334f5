"""Preview page: staff chat with the real bot in any language (see preview_bot.py).

The page talks to a small JSON API under /panel/preview/api; every POST carries the
session's CSRF token in the X-CSRF-Token header (checked by the panel's CSRF middleware).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot.fake_telegram import SandboxError
from bot.i18n import _
from bot.i18n import gettext_ as t
from bot.web.panel.auth import require_role
from bot.web.panel.context import PanelContext, panel_context
from bot.web.panel.preview_bot import PreviewBot
from bot.web.panel.preview_render import message_view
from bot.web.panel.rendering import PREFIX, NavItem, render
from bot.web.panel.security import csrf_token

log = logging.getLogger(__name__)

PANEL_PAGES = [NavItem(_("Preview"), f"{PREFIX}/preview", order=60)]
LANGUAGES = {
    "uk": "українська (uk)",
    "pl": "polski (pl)",
    "en": "English (en)",
    "ru": "русский (ru): the bot asks for a language",
}
MAX_TEXT = 1000
SHOWN_MESSAGES = 60


def preview_bot(panel: PanelContext) -> PreviewBot:
    """The panel's preview bot, made on first use (it starts itself lazily too)."""
    bot = panel.extra.get("preview")
    if bot is None:
        bot = panel.extra["preview"] = PreviewBot(panel.settings, panel.content, panel.surveys)
    return bot


def _lang(value: Any) -> str:
    lang = str(value or "uk")
    return lang if lang in LANGUAGES else "uk"


def _chat(user, note: str | None = None) -> dict[str, Any]:
    shown = [m for m in user.chat.messages if not m.deleted][-SHOWN_MESSAGES:]
    return {"messages": [message_view(m) for m in shown], "note": note}


@require_role()
async def page(request: Request) -> Response:
    lang = _lang(request.query_params.get("lang"))
    return render(request, "preview/preview.html",
                  {"languages": LANGUAGES, "lang": lang, "csrf_token": csrf_token(request)})


@require_role()
async def chat(request: Request) -> Response:
    lang = _lang(request.query_params.get("lang"))
    try:
        user = await preview_bot(panel_context(request)).user(request.state.staff.id, lang)
    except (SandboxError, TimeoutError) as exc:
        log.warning("the preview bot did not answer /start: %s", type(exc).__name__)
        return JSONResponse({"error": t("The preview bot did not answer. Try “Start over”.")},
                            status_code=503)
    return JSONResponse(_chat(user))


async def _body(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(await request.body() or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


@require_role()
async def act(request: Request) -> Response:
    """One action of the staff member's sim user: send text, press a button, or reset."""
    data = await _body(request)
    lang, action = _lang(data.get("lang")), request.path_params["action"]
    preview, staff_id = preview_bot(panel_context(request)), request.state.staff.id
    note = None
    try:
        if action == "send":
            text = str(data.get("text", "")).strip()
            if not text:
                return JSONResponse({"error": t("Type a message first.")}, status_code=400)
            if len(text) > MAX_TEXT:
                return JSONResponse({"error": t("At most {n} characters.", n=MAX_TEXT)}, status_code=400)
            user = await preview.send_text(staff_id, lang, text)
        elif action == "press":
            try:
                message_id, row, col = (int(data[k]) for k in ("message_id", "row", "col"))
            except (KeyError, TypeError, ValueError):
                return JSONResponse({"error": t("Which button?")}, status_code=400)
            label = data.get("label")
            user = await preview.press(staff_id, lang, message_id, row, col,
                                       label if isinstance(label, str) else None)
        elif action == "reset":
            user = await preview.reset(staff_id, lang)
        else:
            return JSONResponse({"error": t("Unknown action.")}, status_code=404)
    except (SandboxError, TimeoutError) as exc:
        log.info("preview action %s gave no answer: %s", action, type(exc).__name__)
        user = await preview.user(staff_id, lang)
        note = "The bot did not answer that (the button may be from an older screen)."
    return JSONResponse(_chat(user, note))


routes = [
    Route("/preview", page, methods=["GET"], name="preview"),
    Route("/preview/api/chat", chat, methods=["GET"], name="preview_chat"),
    Route("/preview/api/{action}", act, methods=["POST"], name="preview_act"),
]
