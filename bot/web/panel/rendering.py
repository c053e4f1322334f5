"""Templates, navigation and flash messages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import pass_context
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from bot.web.panel.security import CSRF_FIELD, csrf_token

HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
PREFIX = "/panel"


@dataclass(frozen=True)
class NavItem:
    """A link in the panel's navigation, shown to the given roles (empty: every staff member;
    admins see everything)."""

    label: str
    path: str  # full path, e.g. "/panel/content"
    roles: tuple[str, ...] = ()
    order: int = 100


@pass_context
def csrf_field(ctx: dict[str, Any]) -> Markup:
    token = csrf_token(ctx["request"])
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, token)


def _date(value: dt.date | dt.datetime | None, fmt: str = "%Y-%m-%d") -> str:
    return value.strftime(fmt) if value else ""


def _datetime(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") + " UTC" if value else ""


def _nl2br(value: str | None) -> Markup:
    return Markup("<br>").join(escape(value or "").split("\n"))


def build_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.globals["csrf_field"] = csrf_field
    env.globals["PREFIX"] = PREFIX
    env.filters["date"] = _date
    env.filters["datetime"] = _datetime
    env.filters["nl2br"] = _nl2br
    env.trim_blocks = env.lstrip_blocks = True
    return templates


def flash(request: Request, text: str, kind: str = "ok") -> None:
    """A message shown once on the next page rendered; kind: ok | error | info."""
    request.session.setdefault("flash", []).append([kind, text])


def render(request: Request, template: str, context: dict[str, Any] | None = None, *,
           status_code: int = 200) -> Response:
    state = request.app.state
    staff = getattr(request.state, "staff", None)
    nav = [item for item in state.panel_nav if staff is not None and staff.can(*item.roles)]
    values = {
        "staff": staff,
        "nav": nav,
        "flashes": request.session.pop("flash", []) if "session" in request.scope else [],
        "path": request.url.path,
        **(context or {}),
    }
    return state.panel_templates.TemplateResponse(request, template, values,
                                                  status_code=status_code)
