"""Results page: the survey report (charts, index, suppression notes) per survey and wave,
with its CSV files to download. Analysts and admins only."""

from __future__ import annotations

import logging

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from bot.i18n import _
from bot.web.panel.auth import require_role
from bot.web.panel.context import PanelContext, panel_context
from bot.web.panel.rendering import PREFIX, NavItem, render
from bot.web.panel.results_report import FILES, ReportUnavailable, ResultsReports

log = logging.getLogger(__name__)

ROLES = ("analyst",)
PANEL_PAGES = [NavItem(_("Results"), f"{PREFIX}/results", roles=ROLES, order=70)]
# The report is a document of its own, shown in a frame: no scripts, no requests out.
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"


def reports(panel: PanelContext) -> ResultsReports:
    made = panel.extra.get("results")
    if made is None:
        made = panel.extra["results"] = ResultsReports(panel.surveys)
    return made


async def _waves(panel: PanelContext, slug: str) -> list[dict]:
    out = []
    for wave in await panel.surveys.waves(slug):
        out.append({"code": wave.code, "closed": wave.closed,
                    "released": await panel.surveys.released_count(wave.id)})
    return out


@require_role(*ROLES)
async def index(request: Request) -> Response:
    panel = panel_context(request)
    surveys = []
    for slug, survey in sorted(panel.surveys.surveys.items()):
        title = survey.title.get("en") or next(iter(survey.title.values()), slug)
        surveys.append({"slug": slug, "title": title, "waves": await _waves(panel, slug)})
    return render(request, "results/index.html", {"surveys": surveys})


def _wave_param(request: Request) -> str | None:
    return request.query_params.get("wave") or None


@require_role(*ROLES)
async def survey_page(request: Request) -> Response:
    panel, slug = panel_context(request), request.path_params["slug"]
    if slug not in panel.surveys.surveys:
        return render(request, "not_found.html", status_code=404)
    wave = _wave_param(request)
    context = {"slug": slug, "wave": wave, "waves": await _waves(panel, slug), "files": FILES}
    try:
        report = await reports(panel).report(slug, wave, request.state.locale)
    except ReportUnavailable as exc:
        return render(request, "results/survey.html", {**context, "problem": str(exc)})
    context.update(summary=report.summary, warning=Markup(report.answers_warning()))
    return render(request, "results/survey.html", context)


@require_role(*ROLES)
async def report_html(request: Request) -> Response:
    panel, slug = panel_context(request), request.path_params["slug"]
    try:
        report = await reports(panel).report(slug, _wave_param(request),
                                              request.state.locale)
    except ReportUnavailable as exc:
        return HTMLResponse(f"<p>{Markup.escape(str(exc))}</p>", status_code=404)
    return HTMLResponse(report.html(), headers={"Content-Security-Policy": REPORT_CSP,
                                                "X-Content-Type-Options": "nosniff"})


@require_role(*ROLES)
async def download(request: Request) -> Response:
    panel, slug, name = panel_context(request), request.path_params["slug"], request.path_params["name"]
    if name not in FILES:
        return render(request, "not_found.html", status_code=404)
    try:
        report = await reports(panel).report(slug, _wave_param(request),
                                              request.state.locale)
    except ReportUnavailable:
        return render(request, "not_found.html", status_code=404)
    log.info("staff account %s downloaded %s of %s", request.state.staff.id, name, slug)
    return FileResponse(report.path(name), media_type="text/csv; charset=utf-8",
                        filename=f"{slug}-{name}")


routes = [
    Route("/results", index, methods=["GET"], name="results"),
    Route("/results/{slug}", survey_page, methods=["GET"], name="results_survey"),
    Route("/results/{slug}/report.html", report_html, methods=["GET"], name="results_report"),
    Route("/results/{slug}/{name}", download, methods=["GET"], name="results_download"),
]
