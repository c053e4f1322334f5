"""Work lists: what needs translation, what is due for review, searches that found nothing,
and the 👍/👎 ratings of each answer."""

from __future__ import annotations

import datetime as dt

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.config import LANGUAGES
from bot.content import overview
from bot.content.validation import LANG_NAMES
from bot.i18n import _
from bot.web.panel.auth import require_role
from bot.web.panel.context import panel_context
from bot.web.panel.rendering import PREFIX, NavItem, render

PANEL_PAGES = [
    NavItem(_("Translations"), f"{PREFIX}/content/translations", roles=("editor",), order=11),
    NavItem(_("Review due"), f"{PREFIX}/content/review", roles=("editor",), order=12),
    NavItem(_("Search gaps"), f"{PREFIX}/content/gaps", roles=("editor", "analyst"), order=13),
    NavItem(_("Ratings"), f"{PREFIX}/content/ratings", roles=("editor", "analyst"), order=14),
]


def _lang(request: Request) -> str | None:
    lang = request.query_params.get("lang")
    return lang if lang in LANGUAGES else None


@require_role("editor")
async def translations_page(request: Request) -> Response:
    lang = _lang(request)
    async with panel_context(request).sessions() as session:
        items = await overview.needing_translation(session)
    if lang:
        items = [item for item in items if item[1] == lang]
    return render(request, "content/translations.html", {
        "items": items, "lang": lang, "languages": LANGUAGES, "lang_names": LANG_NAMES,
        "statuses": overview.STATUS_LABELS,
    })


@require_role("editor")
async def review_page(request: Request) -> Response:
    today = dt.date.today()
    async with panel_context(request).sessions() as session:
        items = await overview.review_due(session, today)
    return render(request, "content/review.html", {"items": items, "today": today})


@require_role("editor", "analyst")
async def gaps_page(request: Request) -> Response:
    lang = _lang(request)
    async with panel_context(request).sessions() as session:
        gaps = await overview.gaps(session, lang)
    return render(request, "content/gaps.html", {"gaps": gaps, "lang": lang, "languages": LANGUAGES,
                                                 "lang_names": LANG_NAMES})


@require_role("editor", "analyst")
async def ratings_page(request: Request) -> Response:
    async with panel_context(request).sessions() as session:
        rows = await overview.ratings(session)
    totals = (sum(r.up for r in rows), sum(r.down for r in rows))
    return render(request, "content/ratings.html", {"rows": rows, "totals": totals})


routes = [
    Route("/content/translations", translations_page, methods=["GET"], name="translations"),
    Route("/content/review", review_page, methods=["GET"], name="review"),
    Route("/content/gaps", gaps_page, methods=["GET"], name="gaps"),
    Route("/content/ratings", ratings_page, methods=["GET"], name="ratings"),
]
