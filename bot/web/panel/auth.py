"""Who is logged in, and the `require_role` guard every page endpoint wears."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.i18n import gettext_ as t
from bot.staff.accounts import StaffView
from bot.web.panel.context import panel_context
from bot.web.panel.locale import SESSION_KEY, use_locale
from bot.web.panel.rendering import PREFIX, flash, render

Endpoint = Callable[[Request], Awaitable[Response]]
PASSWORD_PATH = f"{PREFIX}/password"


async def current_staff(request: Request) -> StaffView | None:
    """The logged-in, active staff member, or None. The cookie's session token is looked up
    on the server on every request (bot/staff/sessions.py): a session ended by logout, a
    password change, a disabled account, a role change or idle time is void at once."""
    if hasattr(request.state, "staff"):
        return request.state.staff
    staff = None
    token = request.session.get("sid")
    if isinstance(token, str):
        staff = await panel_context(request).staff.session_staff(token)
        if staff is None:
            request.session.pop("sid", None)
            use_locale(request)
            flash(request, t("Your session has ended (logged out, unused for a while, or your "
                             "account changed). Please log in again."), "info")
    request.state.staff = staff
    use_locale(request, staff)
    return staff


def session_token(request: Request) -> str | None:
    token = request.session.get("sid")
    return token if isinstance(token, str) else None


def client_address(request: Request) -> str:
    """The address login throttling counts: the connecting one, or the client named by a
    trusted proxy (PANEL_TRUSTED_PROXIES, applied in bot/web/panel/app.py)."""
    return request.client.host if request.client else "unknown"


def log_in(request: Request, staff: StaffView, token: str) -> None:
    # A fresh cookie (and CSRF token) at login: nothing planted before it survives.
    request.session.clear()
    request.session["sid"] = token
    request.state.staff = staff
    use_locale(request, staff)


async def log_out(request: Request) -> None:
    token = session_token(request)
    if token is not None:
        await panel_context(request).staff.log_out(token)
    lang = request.session.get(SESSION_KEY)
    request.session.clear()
    if lang is not None:  # the login page stays in the language last used here
        request.session[SESSION_KEY] = lang
    request.state.staff = None


def require_role(*roles: str, allow_password_change: bool = False) -> Callable[[Endpoint], Endpoint]:
    """Anonymous: redirect to the login page. Must change password: redirect there.
    Wrong role: the 403 page. No roles: any logged-in staff member; admins pass always."""

    def decorate(endpoint: Endpoint) -> Endpoint:
        @functools.wraps(endpoint)
        async def guarded(request: Request) -> Response:
            staff = await current_staff(request)
            if staff is None:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"{PREFIX}/login?next={quote(target)}", status_code=303)
            if staff.must_change_password and not allow_password_change:
                return RedirectResponse(PASSWORD_PATH, status_code=303)
            if not staff.can(*roles):
                return render(request, "forbidden.html", {"roles": roles}, status_code=403)
            return await endpoint(request)

        return guarded

    return decorate
