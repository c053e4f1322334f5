"""YAML import (upload .yaml files or a .zip) and export (download a .zip)."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.content.editor import EditError
from bot.i18n import _
from bot.web.panel.auth import require_role
from bot.web.panel.context import panel_context
from bot.web.panel.rendering import PREFIX, NavItem, render

PANEL_PAGES = [NavItem(_("Import/export"), f"{PREFIX}/content/transfer", roles=("editor",), order=15)]


@require_role("editor")
async def transfer_page(request: Request) -> Response:
    if request.method == "GET":
        return render(request, "content/transfer.html", {})
    uploads: list[tuple[str, bytes]] = []
    async with request.form(max_files=200) as form:
        retire_missing = form.get("retire_missing") == "1"
        for item in form.getlist("files"):
            if isinstance(item, UploadFile) and item.filename:
                uploads.append((item.filename, await item.read()))
    try:
        result = await panel_context(request).transfer.import_files(
            request.state.staff.email, uploads, retire_missing=retire_missing)
    except EditError as exc:
        return render(request, "content/transfer.html", {"errors": exc.texts()}, status_code=400)
    return render(request, "content/transfer.html", {"result": result})


@require_role("editor")
async def export_zip(request: Request) -> Response:
    name, data = await panel_context(request).transfer.export_zip()
    return Response(data, media_type="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


routes = [
    Route("/content/transfer", transfer_page, methods=["GET", "POST"], name="transfer"),
    Route("/content/export.zip", export_zip, methods=["GET"], name="export"),
]
