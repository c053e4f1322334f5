"""Feedback inbox: tickets by status, one ticket's conversation, reply, close and reopen.

Staff see the ticket number, the person's language and the messages, never the Telegram id,
name or username (TicketService gives no such field). A reply is saved, then delivered at
once through the bot's ReplyCourier; the background courier retries what could not go yet.
"""

from __future__ import annotations

import logging
import mimetypes

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.content.validation import LANG_NAMES as LANGUAGE_NAMES
from bot.feedback.service import (
    MAX_TEXT,
    PHOTO_TYPES,
    STATUSES,
    TicketError,
    TicketService,
    TicketView,
    is_stored,
)
from bot.i18n import _
from bot.i18n import gettext_ as t
from bot.web.panel.auth import require_role
from bot.web.panel.context import PanelContext, panel_context, path_id
from bot.web.panel.rendering import PREFIX, NavItem, flash, render

log = logging.getLogger(__name__)

ROLES = ("editor", "admin")
PANEL_PAGES = [NavItem(_("Feedback"), f"{PREFIX}/feedback", roles=ROLES, order=40)]
PAGE_SIZE = 50


def tickets_of(panel: PanelContext) -> TicketService:
    tickets = panel.extra.get("tickets")
    if tickets is None:
        tickets = panel.extra["tickets"] = TicketService(panel.sessions)
    return tickets


def _number(request: Request) -> int | None:
    return path_id(request, "number")


@require_role(*ROLES)
async def inbox_page(request: Request) -> Response:
    status = request.query_params.get("status", "new")
    if status not in (*STATUSES, "all"):
        status = "new"
    tickets = tickets_of(panel_context(request))
    rows = await tickets.inbox(None if status == "all" else status, limit=PAGE_SIZE)
    # Urgent tickets that wait for a reply first; the rest keep their order.
    rows.sort(key=lambda r: not (r.urgent and r.status == "new"))
    counts = await tickets.counts()
    return render(request, "feedback/list.html", {
        "rows": rows, "status": status, "counts": counts, "total": sum(counts.values()),
        "statuses": STATUSES, "languages": LANGUAGE_NAMES, "page_size": PAGE_SIZE,
    })


async def _ticket_page(request: Request, ticket: TicketView, *, draft: str = "",
                       error: str | None = None, status_code: int = 200) -> Response:
    return render(request, "feedback/ticket.html", {
        "t": ticket, "draft": draft, "error": error, "max_text": MAX_TEXT,
        "languages": LANGUAGE_NAMES,
    }, status_code=status_code)


@require_role(*ROLES)
async def ticket_page(request: Request) -> Response:
    number = _number(request)
    ticket = await tickets_of(panel_context(request)).get(number) if number else None
    if ticket is None:
        return render(request, "not_found.html", status_code=404)
    return await _ticket_page(request, ticket)


@require_role(*ROLES)
async def reply_action(request: Request) -> Response:
    panel = panel_context(request)
    tickets = tickets_of(panel)
    number = _number(request)
    ticket = await tickets.get(number) if number else None
    if ticket is None:
        return render(request, "not_found.html", status_code=404)
    form = await request.form()
    text = str(form.get("reply") or "")
    try:
        await tickets.reply(ticket.number, text, request.state.staff.email)
    except TicketError as exc:
        error = (t("The reply is empty. Write something before sending.") if exc.code == "empty"
                 else t("The reply is too long: {n} characters, at most {limit}. Please shorten "
                        "it.", n=len(text.strip()), limit=MAX_TEXT))
        return await _ticket_page(request, ticket, draft=text, error=error, status_code=400)
    delivered = await _deliver_now(panel)
    view = await tickets.get(ticket.number)
    state = view.messages[-1].delivery if view else None
    if state == "sent":
        flash(request, t("Reply sent to the person (ticket #{number}).", number=ticket.number))
    elif state == "failed":
        flash(request, t("Reply saved, but it could not be delivered: the person blocked the "
                         "bot or deleted their data."), "error")
    else:
        flash(request, t("Reply saved. The bot will deliver it in a moment."), "info")
    log.info("panel reply to ticket #%s (delivered now: %s)", ticket.number, delivered)
    return RedirectResponse(f"{PREFIX}/feedback/{ticket.number}", status_code=303)


async def _deliver_now(panel: PanelContext) -> int:
    courier = panel.extra.get("courier")
    if courier is None:
        return 0  # no bot in this process: the running bot's courier picks it up
    try:
        return await courier.deliver_pending()
    except Exception:  # saved already; the background courier tries again
        log.exception("immediate reply delivery failed")
        return 0


def _status_action(action: str):
    @require_role(*ROLES)
    async def endpoint(request: Request) -> Response:
        tickets = tickets_of(panel_context(request))
        number = _number(request)
        if number is None or await tickets.get(number) is None:
            return render(request, "not_found.html", status_code=404)
        actor = request.state.staff.email
        if action == "close":
            await tickets.close(number, actor)
            flash(request, t("Ticket #{number} closed.", number=number))
        else:
            await tickets.reopen(number, actor)
            flash(request, t("Ticket #{number} reopened.", number=number))
        return RedirectResponse(f"{PREFIX}/feedback/{number}", status_code=303)

    endpoint.__name__ = f"{action}_action"
    return endpoint


@require_role(*ROLES)
async def photo(request: Request) -> Response:
    """A ticket's photo, fetched from Telegram by its file_id (never stored by the panel)."""
    panel = panel_context(request)
    number = _number(request)
    ticket = await tickets_of(panel).get(number) if number else None
    message_id = path_id(request, "message_id")
    message = next((m for m in ticket.messages if m.id == message_id), None) if ticket else None
    if message is None or not message.photo_file_id:
        return render(request, "not_found.html", status_code=404)
    if is_stored(message.photo_file_id):  # a Signal person's photo, kept by the bot
        stored = await tickets_of(panel).photo(message.id)
        if stored is None:
            return render(request, "not_found.html", status_code=404)
        kind = stored.mime if stored.mime in PHOTO_TYPES else "application/octet-stream"
        return Response(stored.data, media_type=kind, headers={
            "Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"})
    if panel.bot is None:
        return Response("The bot is not running in this process.", status_code=503,
                        media_type="text/plain")
    try:
        file = await panel.bot.get_file(message.photo_file_id)
        data = await panel.bot.download_file(file.file_path or "")
    except Exception as exc:
        log.warning("ticket photo could not be fetched: %s", type(exc).__name__)
        return Response("The photo could not be fetched from Telegram.", status_code=502,
                        media_type="text/plain")
    body = data.read() if data is not None else b""
    kind = mimetypes.guess_type(file.file_path or "")[0] or "image/jpeg"
    return Response(body, media_type=kind, headers={
        "Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"})


routes = [
    Route("/feedback", inbox_page, methods=["GET"], name="feedback"),
    Route("/feedback/{number:int}", ticket_page, methods=["GET"], name="feedback_ticket"),
    Route("/feedback/{number:int}/reply", reply_action, methods=["POST"]),
    Route("/feedback/{number:int}/close", _status_action("close"), methods=["POST"]),
    Route("/feedback/{number:int}/reopen", _status_action("reopen"), methods=["POST"]),
    Route("/feedback/{number:int}/photo/{message_id:int}", photo, methods=["GET"]),
]
