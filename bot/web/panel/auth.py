"""Who is logged in, and the `require_role` guard every page endpoint wears."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.staff.accounts import StaffView
from bot.web.panel.context import panel_context
from bot.web.panel.rendering import PREFIX, render

Endpoint = Callable[[Request], Awaitable[Response]]
PASSWORD_PATH = f"{PREFIX}/password"


async def current_staff(request: Request) -> StaffView | None:
    """The logged-in, active staff member, or None. Read from the database on every request,
    so a disabled account or a changed password ends other sessions at once."""
    if hasattr(request.state, "staff"):
        return request.state.staff
    staff = None
    staff_id = request.session.get("staff_id")
    if isinstance(staff_id, int):
        found = await panel_context(request).staff.get(staff_id)
        if found is not None and found.active and found.fingerprint == request.session.get("auth"):
            staff = found
    request.state.staff = staff
    return staff


def log_in(request: Request, staff: StaffView) -> None:
    # A fresh session (and CSRF token) at login: nothing planted before it survives.
    request.session.clear()
    request.session["staff_id"] = staff.id
    request.session["auth"] = staff.fingerprint
    request.state.staff = staff


def log_out(request: Request) -> None:
    request.session.clear()
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
