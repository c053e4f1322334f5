"""The panel as a Starlette sub-application, mounted at /panel by bot/web/app.py."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from bot.i18n import gettext_ as t
from bot.web.panel.context import PanelContext
from bot.web.panel.rendering import PREFIX, STATIC_DIR, NavItem, build_templates, render
from bot.web.panel.security import CsrfMiddleware, SecurityHeadersMiddleware, session_secret

SESSION_COOKIE = "belong_panel"


def page_modules() -> list[ModuleType]:
    """Every module in bot.web.panel.pages, in name order."""
    from bot.web.panel import pages

    names = sorted(m.name for m in pkgutil.iter_modules(pages.__path__) if not m.name.startswith("_"))
    return [importlib.import_module(f"{pages.__name__}.{name}") for name in names]


async def _csrf_rejected(scope: Scope, receive: Receive, send: Send) -> None:
    request = Request(scope, receive)
    problem = scope.get("state", {}).get("csrf_problem")
    if problem == "too_large":
        message = t("The upload is too large (at most 10 MB).")
        status = 413
    else:
        message = (t("This form could not be accepted because its security token is missing. "
                     "Go back, reload the page and try again.") if problem == "missing" else
                   t("This form could not be accepted because its security token is wrong or "
                     "expired. Go back, reload the page and try again."))
        status = 403
    response = render(request, "csrf.html", {"message": message}, status_code=status)
    await response(scope, receive, send)


def build_panel_app(panel: PanelContext) -> Starlette:
    routes: list[BaseRoute] = []
    nav: list[NavItem] = []
    for module in page_modules():
        routes.extend(getattr(module, "routes", []))
        nav.extend(getattr(module, "PANEL_PAGES", []))
    routes.append(Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"))
    settings = panel.settings
    https = (settings.panel_url or "").startswith("https://")
    # The cookie holds the session token, the CSRF token and flash messages; whether it
    # logs anyone in is decided on the server (bot/staff/sessions.py). Its own lifetime
    # only keeps browsers from sending it long after the session can have ended.
    cookie_max_age = int(settings.panel_session_max_hours * 3600)
    proxies = settings.trusted_proxies
    app = Starlette(
        routes=routes,
        middleware=[
            # Only a proxy named in PANEL_TRUSTED_PROXIES may say who the client is (the
            # address login throttling counts); nobody, when none is named.
            *([Middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)] if proxies else []),
            Middleware(SecurityHeadersMiddleware),
            Middleware(SessionMiddleware, secret_key=session_secret(settings),
                       session_cookie=SESSION_COOKIE, max_age=cookie_max_age, path=PREFIX,
                       same_site="lax", https_only=https),
            Middleware(CsrfMiddleware, reject=_csrf_rejected),
        ],
        exception_handlers={404: _not_found},
    )
    app.state.panel = panel
    from bot.web.panel.data_views import NAV_ITEM, mount_data_views

    mount_data_views(app, panel)
    nav.append(NAV_ITEM)
    app.state.panel_nav = sorted(nav, key=lambda item: (item.order, item.label))
    app.state.panel_templates = build_templates()
    return app


async def _not_found(request: Request, _exc: Exception) -> Response:
    return render(request, "not_found.html", status_code=404)
