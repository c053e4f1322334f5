"""The staff panel: a Starlette sub-application mounted at /panel, served by the same web
app as the webhook and /healthz (bot/web/app.py), in polling and webhook mode alike.

How to add a page
=================

1. Create a module in ``bot/web/panel/pages/`` (e.g. ``feedback.py``). Every module there is
   picked up automatically (bot.web.panel.app.page_modules); nothing else to register. It
   provides:

   - ``routes``: a list of Starlette routes, with paths *relative to /panel*
     (``Route("/feedback", inbox)`` is served at ``/panel/feedback``);
   - ``PANEL_PAGES`` (optional): navigation entries,
     ``[NavItem("Feedback", "/panel/feedback", roles=("editor",), order=40)]``. Roles are
     ``editor``, ``analyst``, ``admin``; admins see everything; no roles = every staff member.

2. Guard every endpoint with ``@require_role("editor")`` (or ``()`` for any staff member).
   Anonymous visitors are redirected to the login page, a staff member who still has a
   one-time password to the password page, a wrong role gets the 403 page. Inside,
   ``request.state.staff`` is the logged-in ``StaffView`` (id, email, role, ``can(*roles)``).

3. Reach services through ``panel_context(request)`` (= ``request.app.state.panel``), a
   ``PanelContext``: ``settings``, ``sessions`` (async_sessionmaker), ``content``
   (ContentStore), ``editor`` (ContentEditor), ``surveys`` (SurveyService), ``staff``
   (StaffService), ``bot`` (aiogram Bot or None) and ``extra``: a dict for services added
   by other features. Add yours in ``bot/factory.py`` ``build_panel`` (e.g.
   ``panel.extra["feedback"] = FeedbackService(...)``). Keep database work in a domain
   service outside bot/web (one commit per operation), not in the endpoint.

4. Render with ``render(request, "feedback/inbox.html", {...})``. Templates live in
   ``bot/web/panel/templates/`` (use a sub-folder per feature) and extend ``base.html``:
   ``{% extends "base.html" %}{% block title %}..{% endblock %}{% block content %}..{% endblock %}``.
   The base layout shows the navigation for the staff member's role and flash messages
   (``flash(request, "Saved.")``, kinds ok | error | info, shown on the next page rendered).
   Static files: ``bot/web/panel/static/`` at ``/panel/static/...``; plain CSS, no CDN.

5. Every form that is not GET must contain ``{{ csrf_field() }}`` (a hidden input named
   ``csrf_token``). Fetch/JS calls send the same token in an ``X-CSRF-Token`` header
   (``csrf_token(request)`` gives it). The CSRF middleware refuses every POST/PUT/PATCH/
   DELETE under /panel without the right token with 403 before your code runs.

6. Writes that change content, tickets or campaigns also write an audit entry:
   ``await bot.staff.audit.record(session, actor=staff.email, action="ticket.reply",
   entity="ticket", entity_id=ticket.id, before={...}, after={...})`` in the same session
   as the change (it flushes; the service commits once). It shows up at /panel/audit.

7. Tests: tests/panel_client.py (``panel`` fixture in tests/test_panel_*.py) builds the web
   app on a copy of the template database; ``login(client, role)`` gives a logged-in client
   and ``csrf(client)`` the token to post with.

8. Every text staff read is translated (pl, uk, en; the staff member's choice, see
   bot/web/panel/locale.py): in templates ``{{ _("Save") }}``, ``{{ _("Hello, %(email)s",
   email=staff.email) }}``, ``{{ ngettext("%(num)s entry", "%(num)s entries", n) }}``; in
   Python ``flash(request, t("Saved."))`` with ``from bot.i18n import gettext_ as t`` and
   navigation labels marked ``NavItem(_("Feedback"), ...)``. Dates and numbers through the
   ``date``, ``datetime`` and ``number`` filters. ``make i18n`` extracts them; translate in
   locales/{pl,uk}/LC_MESSAGES/bot.po (Polish formal and neutral, Ukrainian with "ви").

Use stable ids/names in forms (``email``, ``password``, ``title_uk``, ``body_uk``) and buttons
with visible text: the Playwright tests use them.
"""

from bot.web.panel.auth import current_staff, require_role
from bot.web.panel.context import PanelContext, panel_context
from bot.web.panel.rendering import PREFIX, NavItem, csrf_field, flash, render
from bot.web.panel.security import csrf_token

__all__ = [
    "PREFIX",
    "NavItem",
    "PanelContext",
    "csrf_field",
    "csrf_token",
    "current_staff",
    "flash",
    "panel_context",
    "render",
    "require_role",
]
