"""Admin page: staff accounts (add, role, reset password, disable/enable).

A custom page rather than sqladmin: sqladmin brings its own login and forms without our
CSRF token, and the actions here (showing a one-time password once) are not generic CRUD.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.i18n import _
from bot.i18n import gettext_ as t
from bot.staff.accounts import ROLES, StaffError
from bot.web.panel.auth import require_role
from bot.web.panel.context import panel_context
from bot.web.panel.labels import ROLE_HELP, role_name
from bot.web.panel.rendering import PREFIX, NavItem, flash, render

PANEL_PAGES = [NavItem(_("Accounts"), f"{PREFIX}/accounts", roles=("admin",), order=80)]
BACK = f"{PREFIX}/accounts"


async def _page(request: Request, *, status_code: int = 200, **extra) -> Response:
    accounts = await panel_context(request).staff.accounts()
    return render(request, "accounts/list.html", {"accounts": accounts, "roles": ROLES,
                                                  "role_help": ROLE_HELP, **extra},
                  status_code=status_code)


@require_role("admin")
async def accounts_page(request: Request) -> Response:
    if request.method == "GET":
        return await _page(request)
    form = await request.form()
    email, role = str(form.get("email", "")), str(form.get("role", ""))
    locale = str(form.get("locale", "")) or "pl"
    try:
        account, password = await panel_context(request).staff.add(
            email, role, actor=request.state.staff.email, locale=locale)
    except StaffError as exc:
        return await _page(request, error=exc.text(), status_code=400, email=email)
    # Shown once on this page, never put in a cookie or a log.
    return await _page(request, handover=(account.email, password))


def _action(name: str):
    @require_role("admin")
    async def act(request: Request) -> Response:
        form = await request.form()
        email = str(form.get("email", ""))
        staff = panel_context(request).staff
        actor = request.state.staff.email
        try:
            if name == "reset":
                password = await staff.reset_password(email, actor=actor)
                return await _page(request, handover=(email, password))
            if name == "disable":
                await staff.disable(email, actor=actor)
                flash(request, t("{email} can no longer log in.", email=email))
            elif name == "enable":
                await staff.enable(email, actor=actor)
                flash(request, t("{email} can log in again.", email=email))
            elif name == "role":
                role = str(form.get("role", ""))
                await staff.set_role(email, role, actor=actor)
                flash(request, t("{email} is now {role}.", email=email, role=role_name(role)))
        except StaffError as exc:
            flash(request, exc.text(), "error")
        return RedirectResponse(BACK, status_code=303)

    act.__name__ = f"account_{name}"
    return act


routes = [
    Route("/accounts", accounts_page, methods=["GET", "POST"], name="accounts"),
    *[Route(f"/accounts/{name}", _action(name), methods=["POST"])
      for name in ("reset", "disable", "enable", "role")],
]
