"""One FAQ item: its texts in pl/uk/en side by side, its details, moving and retiring it."""

from __future__ import annotations

import datetime as dt

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.config import LANGUAGES
from bot.content import overview
from bot.content.editor import EditError, NodeInput, NotFound, TextInput
from bot.content.repository import ContentRepository
from bot.content.validation import LANG_NAMES, split_keywords, split_lines
from bot.content.yaml_io import MAX_FIRST_SCREEN, REVIEW_STATUSES
from bot.i18n import Translatable, lazy
from bot.i18n import gettext_ as t
from bot.web.panel.auth import require_role
from bot.web.panel.context import panel_context
from bot.web.panel.rendering import PREFIX, flash, render


def node_url(slug: str) -> str:
    return f"{PREFIX}/content/node/{slug}"


def _form_from_node(node, texts) -> dict[str, str]:
    values = {
        "sources": "\n".join(node.sources or []),
        "reviewed": node.reviewed.isoformat() if node.reviewed else "",
        "review_every_days": str(node.review_every_days),
        "review_status": node.review_status, "review_note": node.review_note or "",
        "icon": node.icon or "", "source_lang": node.source_lang,
    }
    for lang in LANGUAGES:
        text = texts.get(lang)
        values[f"title_{lang}"] = text.title if text else ""
        values[f"body_{lang}"] = (text.body or "") if text else ""
        values[f"details_{lang}"] = (text.details or "") if text else ""
        values[f"keywords_{lang}"] = ", ".join(text.keywords or []) if text else ""
    return values


async def _page(request: Request, slug: str, *, form: FormData | None = None,
                errors: list[str] | None = None, status_code: int = 200) -> Response:
    async with panel_context(request).sessions() as session:
        rows = await overview.tree(session)
        row = next((r for r in rows if r.slug == slug), None)
        if row is None:
            raise HTTPException(404)
        up, down = await ContentRepository(session).rating_totals(row.node.id)
    node = row.node
    texts = {t.lang: t for t in node.texts}
    values = _form_from_node(node, texts)
    if form is not None:
        values.update({k: str(v) for k, v in form.items() if k in values})
    inside = {r.slug for r in rows if slug in r.path}
    parents = [r for r in rows if r.node.kind == "section" and r.slug not in inside]
    siblings = [r for r in rows if r.parent_slug == row.parent_slug and r.depth == row.depth]
    return render(request, "content/node.html", {
        "row": row, "node": node, "texts": texts, "values": values, "errors": errors or [],
        "languages": LANGUAGES, "lang_names": LANG_NAMES, "statuses": overview.STATUS_LABELS,
        "review_statuses": REVIEW_STATUSES, "first_screen": MAX_FIRST_SCREEN, "parents": parents,
        "position": siblings.index(row) + 1 if row in siblings else 1,
        "up": up, "down": down, "children": [r for r in rows if r.parent_slug == slug],
    }, status_code=status_code)


@require_role("editor")
async def node_page(request: Request) -> Response:
    return await _page(request, request.path_params["slug"])


def _text_inputs(form: FormData) -> dict[str, TextInput]:
    inputs = {}
    for lang in LANGUAGES:
        if f"title_{lang}" not in form:
            continue
        inputs[lang] = TextInput(
            title=str(form.get(f"title_{lang}", "")).strip(),
            body=str(form.get(f"body_{lang}", "")).replace("\r\n", "\n").strip() or None,
            details=str(form.get(f"details_{lang}", "")).replace("\r\n", "\n").strip() or None,
            keep_details=f"details_{lang}" not in form,
            keywords=split_keywords(str(form.get(f"keywords_{lang}", ""))),
            confirmed=form.get(f"confirm_{lang}") == "1",
        )
    return inputs


@require_role("editor")
async def save_texts(request: Request) -> Response:
    slug = request.path_params["slug"]
    form = await request.form()
    try:
        changed = await panel_context(request).editor.save_texts(
            request.state.staff.email, slug, _text_inputs(form))
    except NotFound as exc:
        raise HTTPException(404) from exc
    except EditError as exc:
        return await _page(request, slug, form=form, errors=exc.texts(), status_code=400)
    if changed:
        names = ", ".join(t(LANG_NAMES[lang]) for lang in changed)
        flash(request, t("Saved ({names}). The bot shows the new text now.", names=names))
    else:
        flash(request, t("Nothing had changed."), "info")
    return RedirectResponse(node_url(slug), status_code=303)


def _int(value, default: int = 0) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        return default


@require_role("editor")
async def save_details(request: Request) -> Response:
    slug = request.path_params["slug"]
    form = await request.form()
    problems: list[str | Translatable] = []
    reviewed = None
    if str(form.get("reviewed", "")).strip():
        try:
            reviewed = dt.date.fromisoformat(str(form.get("reviewed")).strip())
        except ValueError:
            problems.append(lazy("The review date must be a date like 2026-11-26."))
    given = NodeInput(
        sources=split_lines(str(form.get("sources", ""))), reviewed=reviewed,
        review_every_days=_int(form.get("review_every_days", ""), 0),
        review_status=str(form.get("review_status", "ok")),
        review_note=str(form.get("review_note", "")).strip() or None,
        icon=str(form.get("icon", "")).strip() or None,
        source_lang=str(form.get("source_lang", "")),
    )
    try:
        if problems:
            raise EditError(problems)
        changed = await panel_context(request).editor.save_node(request.state.staff.email, slug, given)
    except NotFound as exc:
        raise HTTPException(404) from exc
    except EditError as exc:
        return await _page(request, slug, form=form, errors=exc.texts(), status_code=400)
    flash(request, t("Details saved.") if changed else t("Nothing had changed."),
          "ok" if changed else "info")
    return RedirectResponse(node_url(slug), status_code=303)


@require_role("editor")
async def move(request: Request) -> Response:
    slug = request.path_params["slug"]
    form = await request.form()
    position = _int(form.get("position", ""), 0) or None
    try:
        await panel_context(request).editor.move(request.state.staff.email, slug,
                                                 str(form.get("parent", "")) or None, position)
    except NotFound as exc:
        raise HTTPException(404) from exc
    except EditError as exc:
        return await _page(request, slug, errors=exc.texts(), status_code=400)
    flash(request, t("Moved."))
    return RedirectResponse(node_url(slug), status_code=303)


def _retire(retired: bool):
    @require_role("editor")
    async def act(request: Request) -> Response:
        slug = request.path_params["slug"]
        try:
            await panel_context(request).editor.set_retired(request.state.staff.email, slug, retired)
        except NotFound as exc:
            raise HTTPException(404) from exc
        flash(request, t("Retired: the bot no longer shows it.") if retired
              else t("Back in use: the bot shows it again."))
        return RedirectResponse(node_url(slug), status_code=303)

    act.__name__ = "retire" if retired else "unretire"
    return act


routes = [
    Route("/content/node/{slug}", node_page, methods=["GET"], name="content_node"),
    Route("/content/node/{slug}/texts", save_texts, methods=["POST"]),
    Route("/content/node/{slug}/details", save_details, methods=["POST"]),
    Route("/content/node/{slug}/move", move, methods=["POST"]),
    Route("/content/node/{slug}/retire", _retire(True), methods=["POST"]),
    Route("/content/node/{slug}/unretire", _retire(False), methods=["POST"]),
]
