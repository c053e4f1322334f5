"""The start page: what needs attention, by role."""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.content import overview
from bot.i18n import _
from bot.web.panel.auth import require_role
from bot.web.panel.context import panel_context
from bot.web.panel.rendering import PREFIX, NavItem, render

PANEL_PAGES = [NavItem(_("Home"), f"{PREFIX}/", order=0)]


@require_role()
async def home(request: Request) -> Response:
    staff = request.state.staff
    nav = [item for item in request.app.state.panel_nav
           if staff.can(*item.roles) and item.path != f"{PREFIX}/"]
    todo = {}
    if staff.can("editor"):
        async with panel_context(request).sessions() as session:
            todo["translations"] = len(await overview.needing_translation(session))
            todo["review"] = len(await overview.review_due(session, dt.date.today()))
    return render(request, "home.html", {"links": nav, "todo": todo})


routes = [Route("/", home, methods=["GET"], name="home")]
