"""Log in, log out, change password (forced at the first login)."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.i18n import _, ngettext_
from bot.i18n import gettext_ as t
from bot.web.panel.auth import client_address, current_staff, log_in, log_out, require_role, session_token
from bot.web.panel.context import panel_context
from bot.web.panel.rendering import PREFIX, NavItem, flash, render

log = logging.getLogger(__name__)

PANEL_PAGES = [NavItem(_("Password"), f"{PREFIX}/password", order=900)]


def _safe_next(value: str | None) -> str:
    # Only paths inside the panel: never an open redirect to another site.
    if value and value.startswith(f"{PREFIX}/") and not value.startswith("//") and "\\" not in value:
        return value
    return f"{PREFIX}/"


def _minutes(seconds: int) -> str:
    if seconds < 90:
        return ngettext_("{n} second", "{n} seconds", seconds)
    return ngettext_("{n} minute", "{n} minutes", (seconds + 59) // 60)


async def login_page(request: Request) -> Response:
    staff = await current_staff(request)
    if staff is not None:
        return RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
    if request.method == "GET":
        return render(request, "login.html", {"next": request.query_params.get("next", "")})
    form = await request.form()
    email = str(form.get("email", "")).strip()
    password = str(form.get("password", ""))
    next_url = str(form.get("next", ""))
    result = await panel_context(request).staff.authenticate(email, password, client_address(request))
    if result.staff is None or result.token is None:
        if result.error == "invalid":
            error = t("Wrong e-mail or password.")
        elif result.error == "locked":
            error = t("Too many failed attempts for this account from your network. "
                      "Try again in {wait}.", wait=_minutes(result.retry_after))
        else:
            error = t("Too many failed attempts from your network. Try again in {wait}.",
                      wait=_minutes(result.retry_after))
        log.info("panel login refused (%s)", result.error)
        status = 429 if result.error in ("locked", "throttled") else 400
        return render(request, "login.html", {"error": error, "email": email, "next": next_url},
                      status_code=status)
    log_in(request, result.staff, result.token)
    log.info("panel login: staff account %s", result.staff.id)
    if result.staff.must_change_password:
        flash(request, t("Welcome! Please choose your own password before you go on."), "info")
        return RedirectResponse(f"{PREFIX}/password", status_code=303)
    return RedirectResponse(_safe_next(next_url), status_code=303)


async def logout(request: Request) -> Response:
    await log_out(request)
    flash(request, t("You are logged out."), "info")
    return RedirectResponse(f"{PREFIX}/login", status_code=303)


@require_role(allow_password_change=True)
async def password_page(request: Request) -> Response:
    staff = request.state.staff
    if request.method == "GET":
        return render(request, "password.html", {"forced": staff.must_change_password})
    form = await request.form()
    old = str(form.get("old_password", ""))
    new = str(form.get("new_password", ""))
    repeat = str(form.get("new_password_repeat", ""))
    if new != repeat:
        return render(request, "password.html", {"forced": staff.must_change_password,
                                                 "errors": [t("The two new passwords are not the same.")]},
                      status_code=400)
    token = session_token(request)
    change = await panel_context(request).staff.change_password(
        staff.id, old, new, address=client_address(request), token=token)
    if change.signed_out:
        log.info("panel session of staff account %s ended: wrong current passwords", staff.id)
        request.session.clear()
        flash(request, change.problems[0], "error")
        return RedirectResponse(f"{PREFIX}/login", status_code=303)
    if not change.ok or change.token is None:
        return render(request, "password.html", {"forced": staff.must_change_password,
                                                 "errors": change.problems},
                      status_code=429 if change.retry_after else 400)
    fresh = await panel_context(request).staff.get(staff.id)
    assert fresh is not None
    log_in(request, fresh, change.token)  # every other session of the account has ended
    flash(request, t("Your password has been changed. Other sessions of your account have "
                     "ended."))
    return RedirectResponse(f"{PREFIX}/", status_code=303)


routes = [
    Route("/login", login_page, methods=["GET", "POST"], name="login"),
    Route("/logout", logout, methods=["POST"], name="logout"),
    Route("/password", password_page, methods=["GET", "POST"], name="password"),
]
