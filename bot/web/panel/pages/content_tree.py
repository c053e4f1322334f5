"""The FAQ tree with pl/uk/en side by side, and adding an item."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.config import LANGUAGES
from bot.content import overview
from bot.content.editor import EditError
from bot.content.validation import LANG_NAMES, split_lines
from bot.i18n import _
from bot.i18n import gettext_ as t
from bot.web.panel.auth import require_role
from bot.web.panel.context import panel_context
from bot.web.panel.rendering import PREFIX, NavItem, flash, render

PANEL_PAGES = [NavItem(_("Content"), f"{PREFIX}/content", roles=("editor",), order=10)]


@require_role("editor")
async def tree_page(request: Request) -> Response:
    show_retired = request.query_params.get("retired") == "1"
    async with panel_context(request).sessions() as session:
        rows = await overview.tree(session)
    counts = {"answers": sum(1 for r in rows if not r.hidden and r.node.kind == "answer"),
              "retired": sum(1 for r in rows if r.node.retired)}
    if not show_retired:
        rows = [r for r in rows if not r.hidden]
    return render(request, "content/tree.html", {
        "rows": rows, "languages": LANGUAGES, "lang_names": LANG_NAMES,
        "statuses": overview.STATUS_LABELS, "show_retired": show_retired, "counts": counts,
    })


async def _add_page(request: Request, values: dict, errors: list[str] | None = None,
                    status_code: int = 200) -> Response:
    async with panel_context(request).sessions() as session:
        rows = await overview.tree(session)
    sections = [r for r in rows if r.node.kind == "section"]
    return render(request, "content/add.html", {
        "values": values, "errors": errors or [], "sections": sections, "languages": LANGUAGES,
        "lang_names": LANG_NAMES,
    }, status_code=status_code)


@require_role("editor")
async def add_page(request: Request) -> Response:
    if request.method == "GET":
        return await _add_page(request, {"parent": request.query_params.get("parent", ""),
                                         "kind": "answer", "lang": "pl"})
    form = await request.form()
    values = {k: str(v) for k, v in form.items() if k != "csrf_token"}
    slug = values.get("slug", "").strip()
    position = values.get("position", "").strip()
    try:
        await panel_context(request).editor.add_node(
            request.state.staff.email, parent_slug=values.get("parent") or None, slug=slug,
            kind=values.get("kind", ""), lang=values.get("lang", ""),
            title=values.get("title", "").strip(),
            body=values.get("body", "").replace("\r\n", "\n").strip() or None,
            sources=split_lines(values.get("sources", "")),
            position=int(position) if position.isdigit() else None,
        )
    except EditError as exc:
        return await _add_page(request, values, exc.texts(), status_code=400)
    flash(request, t("Added. Now write the translations."))
    return RedirectResponse(f"{PREFIX}/content/node/{slug}", status_code=303)


routes = [
    Route("/content", tree_page, methods=["GET"], name="content"),
    Route("/content/add", add_page, methods=["GET", "POST"], name="content_add"),
]
