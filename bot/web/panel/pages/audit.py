"""The audit log: every change, who made it and when, with a before/after diff."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.i18n import _
from bot.staff.audit import AuditFilter, diff, known_actions, list_entries
from bot.web.panel.auth import require_role
from bot.web.panel.context import panel_context
from bot.web.panel.rendering import PREFIX, NavItem, render

PANEL_PAGES = [NavItem(_("Audit log"), f"{PREFIX}/audit", roles=("editor", "admin"), order=70)]
PAGE_SIZE = 50
# Far past any real log; a larger page number made an OFFSET SQLite cannot hold (a 500).
MAX_PAGE = 10**9


def _day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, indent=1)


@require_role("editor", "admin")
async def audit_page(request: Request) -> Response:
    q = request.query_params
    filters = AuditFilter(actor=q.get("actor") or None, action=q.get("action") or None,
                          entity=q.get("entity") or None, entity_id=q.get("entity_id") or None,
                          since=_day(q.get("since")), until=_day(q.get("until")))
    try:
        page = min(max(1, int(q.get("page", "1"))), MAX_PAGE)
    except ValueError:
        page = 1
    async with panel_context(request).sessions() as session:
        entries, total = await list_entries(session, filters, limit=PAGE_SIZE,
                                            offset=(page - 1) * PAGE_SIZE)
        actions = await known_actions(session)
    rows = [{"entry": e, "changes": [(c.field, _shown(c.before), _shown(c.after))
                                     for c in diff(e.before, e.after)]} for e in entries]
    params = {k: v for k, v in q.items() if k != "page" and v}
    return render(request, "audit/list.html", {
        "rows": rows, "total": total, "page": page, "filters": filters, "actions": actions,
        "pages": (total + PAGE_SIZE - 1) // PAGE_SIZE,
        "query": urlencode(params),
    })


routes = [Route("/audit", audit_page, methods=["GET"], name="audit")]
