"""Generic, read-only tables (sqladmin) under /panel/data: where a plain list with search,
sort and CSV export is all staff need, a maintained admin framework does it better than a
hand-written page.

Everything that changes data stays on the custom pages, because they carry the panel's CSRF
token, validation and audit entries; sqladmin's own login and edit forms have none of these,
so here nothing can be created, edited or deleted, and authentication is the panel's own
session (sqladmin's separate session cookie is not installed). Columns that could identify a
person (the user of a delivery) are left out.
"""

from __future__ import annotations

from typing import Any

from sqladmin import Admin, ModelView
from sqladmin.authentication import AuthenticationBackend
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.db.models import AuditEntry, Campaign, ContentGap, Delivery
from bot.i18n import _
from bot.web.panel.auth import current_staff
from bot.web.panel.context import MAX_ID, PanelContext
from bot.web.panel.rendering import PREFIX, NavItem

DATA_PATH = "/data"
NAV_ITEM = NavItem(_("Data tables"), f"{PREFIX}{DATA_PATH}/", roles=("editor", "analyst"), order=85)


class PanelSession(AuthenticationBackend):
    """The panel's login decides; anonymous visitors go to the panel's login page."""

    def __init__(self) -> None:
        self.middlewares = []  # no second session cookie: the panel's session is already there

    async def login(self, request: Request) -> bool:
        return False

    async def logout(self, request: Request) -> Response:
        return RedirectResponse(f"{PREFIX}/", status_code=303)

    async def authenticate(self, request: Request) -> Response | bool:
        staff = await current_staff(request)
        if staff is None:
            return RedirectResponse(f"{PREFIX}/login?next={PREFIX}{DATA_PATH}/", status_code=303)
        if staff.must_change_password:
            return RedirectResponse(f"{PREFIX}/password", status_code=303)
        return True

    async def get_user_id(self, request: Request) -> Any:
        staff = getattr(request.state, "staff", None)
        return staff.id if staff is not None else None


class _ReadOnly(ModelView):
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True
    can_export = True
    page_size = 50
    roles: tuple[str, ...] = ()

    def is_accessible(self, request: Request) -> bool:
        staff = getattr(request.state, "staff", None)
        return staff is not None and staff.can(*self.roles)

    def is_visible(self, request: Request) -> bool:
        return self.is_accessible(request)

    async def get_object_for_details(self, request: Request) -> Any:
        # sqladmin turns the address's pk into an int, and the database fails on a number no
        # column holds (a 500): every table here has an integer id, so "not found" instead.
        pk = str(request.path_params.get("pk", ""))
        if not (pk.isascii() and pk.isdigit() and 0 < int(pk) <= MAX_ID):
            return None
        return await super().get_object_for_details(request)


class AuditView(_ReadOnly, model=AuditEntry):
    name, name_plural, icon = "Audit entry", "Audit log", "fa-solid fa-clipboard-list"
    roles = ("editor", "admin")
    column_list = [AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.entity,
                   AuditEntry.entity_id]
    column_searchable_list = [AuditEntry.actor, AuditEntry.action, AuditEntry.entity_id]
    column_sortable_list = [AuditEntry.at, AuditEntry.actor, AuditEntry.action]
    column_default_sort = (AuditEntry.at, True)


class CampaignView(_ReadOnly, model=Campaign):
    name, name_plural, icon = "Campaign", "Campaigns", "fa-solid fa-bullhorn"
    roles = ("admin",)
    column_list = [Campaign.id, Campaign.name, Campaign.kind, Campaign.status, Campaign.due_at,
                   Campaign.started_at, Campaign.finished_at, Campaign.created_by]
    column_searchable_list = [Campaign.name, Campaign.kind, Campaign.status]
    column_sortable_list = [Campaign.id, Campaign.due_at, Campaign.status]
    column_default_sort = (Campaign.id, True)


class DeliveryView(_ReadOnly, model=Delivery):
    name, name_plural, icon = "Delivery", "Deliveries", "fa-solid fa-paper-plane"
    roles = ("admin",)
    column_list = [Delivery.campaign_id, Delivery.status, Delivery.attempts, Delivery.sent_at,
                   Delivery.error]
    column_details_list = column_list
    column_export_list = column_list
    column_searchable_list = [Delivery.status, Delivery.error]
    column_sortable_list = [Delivery.campaign_id, Delivery.status, Delivery.attempts]
    can_view_details = False  # a row's page would carry the user in its address


class GapView(_ReadOnly, model=ContentGap):
    name, name_plural, icon = "Search gap", "Search gaps", "fa-solid fa-magnifying-glass"
    roles = ("editor", "analyst", "admin")
    column_list = [ContentGap.lang, ContentGap.query, ContentGap.count, ContentGap.first_seen,
                   ContentGap.last_seen]
    column_searchable_list = [ContentGap.query]
    column_sortable_list = [ContentGap.count, ContentGap.last_seen, ContentGap.lang]
    column_default_sort = (ContentGap.count, True)


def mount_data_views(app: Starlette, panel: PanelContext) -> Admin:
    admin = Admin(app, session_maker=panel.sessions, base_url=DATA_PATH, title="Belong · data tables",
                  authentication_backend=PanelSession())
    admin.admin.state.panel = panel  # current_staff reads the panel context from the app
    for view in (AuditView, CampaignView, DeliveryView, GapView):
        admin.add_view(view)
    return admin
