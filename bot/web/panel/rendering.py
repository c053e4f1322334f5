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

from bot.web.panel import locale
from bot.web.panel.security import CSRF_FIELD, csrf_token

HERE = Path(__file__).resolve().parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
PREFIX = "/panel"


@dataclass(frozen=True)
class NavItem:
    """A link in the panel's navigation, shown to the given roles (empty: every staff member;
    admins see everything). The label is an English msgid, translated when shown (mark it
    with `_` from bot.i18n so `make i18n` finds it)."""

    label: str
    path: str  # full path, e.g. "/panel/content"
    roles: tuple[str, ...] = ()
    order: int = 100


@pass_context
def csrf_field(ctx: dict[str, Any]) -> Markup:
    token = csrf_token(ctx["request"])
    return Markup('<input type="hidden" name="{}" value="{}">').format(CSRF_FIELD, token)


def _isodate(value: dt.date | dt.datetime | None) -> str:
    """For <input type="date">, which takes ISO dates whatever the language."""
    return value.strftime("%Y-%m-%d") if value else ""


def _nl2br(value: str | None) -> Markup:
    return Markup("<br>").join(escape(value or "").split("\n"))


def build_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    env = templates.env
    env.add_extension("jinja2.ext.i18n")
    # newstyle: `_("%(n)s left", n=3)` formats after translating, and autoescapes values.
    env.install_gettext_callables(locale.gettext, locale.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["csrf_field"] = csrf_field
    env.globals["PREFIX"] = PREFIX
    env.globals["LANGUAGE_SELF_NAMES"] = locale.LANGUAGE_SELF_NAMES
    env.filters["date"] = locale.date
    env.filters["isodate"] = _isodate
    env.filters["datetime"] = locale.datetime
    env.filters["number"] = locale.number
    env.filters["nl2br"] = _nl2br
    from bot.web.panel.labels import label, role_name

    env.globals["role_name"] = env.filters["role_name"] = role_name
    env.globals["label"] = env.filters["label"] = label
    env.trim_blocks = env.lstrip_blocks = True
    return templates


def flash(request: Request, text: str, kind: str = "ok") -> None:
    """A message shown once on the next page rendered; kind: ok | error | info."""
    request.session.setdefault("flash", []).append([kind, text])


def render(request: Request, template: str, context: dict[str, Any] | None = None, *,
           status_code: int = 200) -> Response:
    state = request.app.state
    staff = getattr(request.state, "staff", None)
    lang = locale.use_locale(request, staff)
    nav = [item for item in state.panel_nav if staff is not None and staff.can(*item.roles)]
    values = {
        "staff": staff,
        "lang": lang,
        "nav": nav,
        "flashes": request.session.pop("flash", []) if "session" in request.scope else [],
        "path": request.url.path,
        **(context or {}),
    }
    return state.panel_templates.TemplateResponse(request, template, values,
                                                  status_code=status_code)
