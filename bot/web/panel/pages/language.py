"""The panel's language switch: stored on the staff member's account when logged in, and in
the session cookie (so the login page, before anyone logs in, can be switched too)."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.config import LANGUAGES
from bot.web.panel.auth import current_staff
from bot.web.panel.context import panel_context
from bot.web.panel.locale import SESSION_KEY, use_locale
from bot.web.panel.rendering import PREFIX

log = logging.getLogger(__name__)


def _back(value: str) -> str:
    # Only a path inside the panel: never a redirect to another site.
    if value.startswith(f"{PREFIX}/") and not value.startswith("//") and "\\" not in value:
        return value
    return f"{PREFIX}/"


async def switch_language(request: Request) -> Response:
    form = await request.form()
    lang = str(form.get("lang", ""))
    back = _back(str(form.get("next", "")))
    if lang not in LANGUAGES:
        return RedirectResponse(back, status_code=303)
    staff = await current_staff(request)
    if staff is not None:
        await panel_context(request).staff.set_locale(staff.id, lang)
        staff = await panel_context(request).staff.get(staff.id)
        request.state.staff = staff
        log.info("staff account %s switched the panel to %s", staff.id if staff else "?", lang)
    request.session[SESSION_KEY] = lang
    use_locale(request, staff)
    return RedirectResponse(back, status_code=303)


routes = [Route("/language", switch_language, methods=["POST"], name="language")]
