"""Campaign pages (admins): the list with live delivery status, new announcements and
survey waves (once, or recurring by cron), the push as each language gets it, cancelling.

Sending is not done here: the bot process's push scheduler picks new campaigns up (at once
when it runs in this process, else within PUSH_SYNC_SECONDS).
"""

from __future__ import annotations

import datetime as dt
import logging
from html import escape
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.broadcast.campaigns import GENERAL_TOPIC, CampaignError, CampaignInfo, CampaignService
from bot.broadcast.setup import build_campaign_service
from bot.config import LANGUAGES
from bot.fake_telegram.html_check import HtmlParseError, parse_html
from bot.i18n import _
from bot.i18n import gettext_ as t
from bot.staff import audit
from bot.web.panel import locale
from bot.web.panel.auth import require_role
from bot.web.panel.campaigns_form import LANGUAGE_NAMES, AnnouncementForm, SurveyForm
from bot.web.panel.context import PanelContext, panel_context, path_id
from bot.web.panel.labels import label
from bot.web.panel.preview_render import render_html
from bot.web.panel.rendering import PREFIX, NavItem, flash, render

log = logging.getLogger(__name__)

ROLES = ("admin",)
PANEL_PAGES = [NavItem(_("Campaigns"), f"{PREFIX}/campaigns", roles=ROLES, order=50)]
BASE = f"{PREFIX}/campaigns"


def service(panel: PanelContext) -> CampaignService:
    pushes = panel.extra.get("pushes")
    if pushes is not None:  # the running scheduler's own service (same clock and settings)
        return pushes.service
    found = panel.extra.get("campaigns")
    if found is None:
        found = panel.extra["campaigns"] = build_campaign_service(
            panel.settings, panel.sessions, surveys=panel.surveys, content=panel.content)
    return found


async def _wake_scheduler(panel: PanelContext) -> None:
    pushes = panel.extra.get("pushes")
    if pushes is not None:
        await pushes.sync()


async def _audit(panel: PanelContext, staff, action: str, entity: str, entity_id: int,
                 before: dict | None = None, after: dict | None = None) -> None:
    # CampaignService commits its own change; the entry follows in its own short transaction.
    async with panel.sessions() as session:
        await audit.record(session, actor=staff.email, action=action, entity=entity,
                           entity_id=entity_id, before=before, after=after)
        await session.commit()


def _local(value: dt.datetime | None, zone: str) -> str:
    return locale.datetime(value, zone)


async def _status_rows(svc: CampaignService, zone: str) -> list[dict[str, Any]]:
    rows = []
    for status in await svc.overview(limit=100):
        info = status.campaign
        counts = {k: getattr(status, k) for k in ("sent", "pending", "failed", "blocked", "total")}
        rows.append({"id": info.id, "name": info.name, "kind": info.kind, "status": info.status,
                     "status_label": label(info.status), "due": _local(info.due_at, zone),
                     **counts})
    return rows


async def _push_previews(svc: CampaignService, info: CampaignInfo) -> list[dict[str, Any]]:
    out = []
    for lang in LANGUAGES:
        push = await svc.render(info, lang)
        try:
            text, entities = parse_html(push.text)
            html = render_html(text, entities)
        except HtmlParseError as exc:  # the bot could not send it either: say so
            html = "<em>" + escape(t("Telegram would refuse this text: {detail}",
                                     detail=str(exc))) + "</em>"
        out.append({"lang": lang, "name": LANGUAGE_NAMES[lang], "html": html,
                    "buttons": [b.label for b in push.buttons]})
    return out


async def _form_context(panel: PanelContext) -> dict[str, Any]:
    catalog = await panel.content.current()
    return {
        "languages": LANGUAGE_NAMES,
        "topics": [(GENERAL_TOPIC, "General news")]
        + [(root.slug, root.title("en").text) for root in catalog.roots],
        "answers": sorted(a.slug for a in catalog.answers()),
        "surveys": sorted(panel.surveys.surveys),
        "zone": panel.settings.push_timezone,
    }


@require_role(*ROLES)
async def listing(request: Request) -> Response:
    panel = panel_context(request)
    svc = service(panel)
    return render(request, "campaigns/list.html", {
        "campaigns": await _status_rows(svc, panel.settings.push_timezone),
        "schedules": await svc.schedules(active_only=True),
        "zone": panel.settings.push_timezone})


@require_role(*ROLES)
async def status_json(request: Request) -> Response:
    panel = panel_context(request)
    return JSONResponse({"campaigns": await _status_rows(service(panel), panel.settings.push_timezone)})


@require_role(*ROLES)
async def new_announcement(request: Request) -> Response:
    panel = panel_context(request)
    context = await _form_context(panel)
    if request.method == "GET":
        return render(request, "campaigns/new.html", {**context, "form": AnnouncementForm(
            languages=[]), "survey_form": SurveyForm()})
    svc, staff = service(panel), request.state.staff
    now = dt.datetime.now(dt.UTC)
    posted = await request.form()
    form = AnnouncementForm.parse(posted, panel.settings.push_timezone, now)
    action = posted.get("action", "create")
    previews = None
    if not form.errors:
        try:
            draft = form.draft(now.replace(tzinfo=None))
            if action == "preview":
                await svc.check_announcement(draft.texts, draft.faq_slug, form.topic,
                                             draft.languages)
                previews = await _push_previews(svc, draft)
            elif form.cron:
                sched = await svc.create_schedule(
                    form.name, "announcement", form.cron, texts=draft.texts,
                    faq_slug=draft.faq_slug, topic=form.topic, languages=draft.languages,
                    created_by=staff.email)
                await _audit(panel, staff, "schedule.create", "schedule", sched.id,
                             after={"name": sched.name, "cron": sched.cron, "texts": sched.texts,
                                    "faq_slug": sched.faq_slug, "topic": sched.topic,
                                    "languages": sched.languages})
                flash(request, t("Recurring announcement “{name}” saved ({cron}).", name=sched.name,
                                  cron=sched.cron))
                await _wake_scheduler(panel)
                return RedirectResponse(BASE, status_code=303)
            else:
                info = await svc.create_announcement(
                    form.name, draft.texts, faq_slug=draft.faq_slug, topic=form.topic,
                    languages=draft.languages, due_at=form.when, quiet_hours=form.quiet_hours,
                    created_by=staff.email)
                await _audit(panel, staff, "campaign.create", "campaign", info.id,
                             after=_campaign_dict(info))
                log.info("staff account %s created campaign %s", staff.id, info.id)
                flash(request, t("Announcement “{name}” scheduled.", name=info.name))
                await _wake_scheduler(panel)
                return RedirectResponse(f"{BASE}/{info.id}", status_code=303)
        except CampaignError as exc:
            form.errors.append(exc.text())
    status = 400 if form.errors else 200
    return render(request, "campaigns/new.html", {**context, "form": form, "previews": previews,
                                                  "survey_form": SurveyForm()}, status_code=status)


@require_role(*ROLES)
async def launch_survey(request: Request) -> Response:
    panel = panel_context(request)
    svc, staff = service(panel), request.state.staff
    form = SurveyForm.parse(await request.form(), panel.settings.push_timezone, dt.datetime.now(dt.UTC))
    if not form.errors:
        try:
            if form.cron:
                sched = await svc.create_schedule(
                    f"{form.survey} waves", "survey", form.cron, survey=form.survey,
                    remind_after_days=form.remind_after_days, created_by=staff.email)
                await _audit(panel, staff, "schedule.create", "schedule", sched.id,
                             after={"survey": sched.survey, "cron": sched.cron,
                                    "remind_after_days": sched.remind_after_days})
                flash(request, t("Recurring waves of {survey} saved ({cron}).", survey=form.survey,
                                  cron=sched.cron))
            else:
                launch = await svc.launch_survey(
                    form.survey, due_at=form.when, remind_after_days=form.remind_after_days,
                    new_wave=form.new_wave, quiet_hours=form.quiet_hours, created_by=staff.email)
                await _audit(panel, staff, "survey.launch", "campaign", launch.invitation.id,
                             after={"survey": form.survey, "wave": launch.wave_code,
                                    "reminder": launch.reminder.id if launch.reminder else None,
                                    **_campaign_dict(launch.invitation)})
                flash(request, t("Wave {wave} of {survey} launched.", wave=launch.wave_code,
                                  survey=form.survey))
            await _wake_scheduler(panel)
            return RedirectResponse(BASE, status_code=303)
        except CampaignError as exc:
            form.errors.append(exc.text())
    context = await _form_context(panel)
    return render(request, "campaigns/new.html", {**context, "form": AnnouncementForm(),
                                                  "survey_form": form}, status_code=400)


@require_role(*ROLES)
async def detail(request: Request) -> Response:
    panel = panel_context(request)
    svc = service(panel)
    campaign_id = path_id(request)
    status = await svc.status(campaign_id) if campaign_id is not None else None
    if status is None:
        return render(request, "not_found.html", status_code=404)
    info = status.campaign
    return render(request, "campaigns/detail.html", {
        "c": info, "s": status, "due": _local(info.due_at, panel.settings.push_timezone),
        "zone": panel.settings.push_timezone, "previews": await _push_previews(svc, info)})


@require_role(*ROLES)
async def cancel(request: Request) -> Response:
    panel, staff = panel_context(request), request.state.staff
    campaign_id = path_id(request)
    before = await service(panel).get(campaign_id) if campaign_id is not None else None
    if campaign_id is not None and before is not None and await service(panel).cancel(campaign_id):
        await _audit(panel, staff, "campaign.cancel", "campaign", campaign_id,
                     before={"status": before.status}, after={"status": "cancelled"})
        flash(request, t("Campaign “{name}” cancelled.", name=before.name))
    else:
        flash(request, t("That campaign has finished or was cancelled already."), "error")
    return RedirectResponse(BASE, status_code=303)


@require_role(*ROLES)
async def cancel_schedule(request: Request) -> Response:
    panel, staff = panel_context(request), request.state.staff
    schedule_id = path_id(request)
    if schedule_id is not None and await service(panel).cancel_schedule(schedule_id):
        await _audit(panel, staff, "schedule.cancel", "schedule", schedule_id,
                     before={"active": True}, after={"active": False})
        flash(request, t("The recurring rule is stopped; campaigns it made already are kept."))
    else:
        flash(request, t("That rule was stopped already."), "error")
    return RedirectResponse(BASE, status_code=303)


def _campaign_dict(info: CampaignInfo) -> dict[str, Any]:
    return {"name": info.name, "kind": info.kind, "due_at": info.due_at, "texts": info.texts,
            "faq_slug": info.faq_slug, "topic": info.topic, "languages": info.languages,
            "quiet_hours": info.quiet_hours}


routes = [
    Route("/campaigns", listing, methods=["GET"], name="campaigns"),
    Route("/campaigns/status.json", status_json, methods=["GET"], name="campaigns_status"),
    Route("/campaigns/new", new_announcement, methods=["GET", "POST"], name="campaigns_new"),
    Route("/campaigns/survey", launch_survey, methods=["POST"], name="campaigns_survey"),
    Route("/campaigns/{id:int}", detail, methods=["GET"], name="campaigns_detail"),
    Route("/campaigns/{id:int}/cancel", cancel, methods=["POST"], name="campaigns_cancel"),
    Route("/campaigns/schedules/{id:int}/cancel", cancel_schedule, methods=["POST"],
          name="campaigns_schedule_cancel"),
]
