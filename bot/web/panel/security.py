"""Session secret and CSRF protection for the panel.

The session lives in a signed cookie (Starlette's SessionMiddleware, itsdangerous inside),
scoped to /panel, HttpOnly, SameSite=Lax, and Secure when PANEL_URL is https. The signing
secret comes from PANEL_SECRET or, on the embedded default, is generated once and kept in
`data_dir/panel_secret`, so sessions survive restarts without any setup.

Every unsafe request (POST, PUT, PATCH, DELETE) under /panel must carry the session's token
in a `csrf_token` form field or an `X-CSRF-Token` header, or it is refused with 403 before
any page code runs. The middleware reads the body to find the field and replays it to the
page, so pages read their forms as usual.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.config import Settings

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
MAX_BODY = 10 * 1024 * 1024


def session_secret(settings: Settings) -> str:
    if settings.panel_secret is not None:
        return settings.panel_secret.get_secret_value()
    path = Path(settings.data_dir) / "panel_secret"
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    # O_EXCL: when two processes start together, one writes and both read the same value.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(secret)
    return secret


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def _read_body(receive: Receive) -> tuple[list[Message], int]:
    messages, size = [], 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            break
        size += len(message.get("body", b""))
        if size > MAX_BODY or not message.get("more_body", False):
            break
    return messages, size


async def _token_in_body(scope: Scope, messages: list[Message]) -> str | None:
    content_type = Headers(scope=scope).get("content-type", "")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
    if content_type.startswith("application/x-www-form-urlencoded"):
        values = parse_qs(body.decode("latin-1"), keep_blank_values=True).get(CSRF_FIELD)
        return values[0] if values else None
    if content_type.startswith("multipart/form-data"):
        async def replay() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        request = Request(scope, replay)
        async with request.form() as form:
            value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


class CsrfMiddleware:
    def __init__(self, app: ASGIApp, reject: ASGIApp) -> None:
        self.app, self.reject = app, reject

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        expected = scope.get("session", {}).get("csrf")
        given = Headers(scope=scope).get(CSRF_HEADER)
        messages, size = await _read_body(receive)
        if size > MAX_BODY:
            scope.setdefault("state", {})["csrf_problem"] = "too_large"
            await self.reject(scope, receive, send)
            return
        if given is None:
            given = await _token_in_body(scope, messages)
        if not expected or not given or not hmac.compare_digest(str(expected), str(given)):
            scope.setdefault("state", {})["csrf_problem"] = "missing" if not given else "wrong"
            await self.reject(scope, receive, send)
            return
        pending = list(messages)

        async def replay() -> Message:
            if pending:
                return pending.pop(0)
            return await receive()

        await self.app(scope, replay, send)


# Scripts, styles, fonts, frames and fetches from the panel itself only; no inline script or
# style (page behaviour is in static/panel.js and static/preview.js, styles in panel.css), so
# text that slips through escaping cannot run. data: images are for the CSS of the data
# tables (sqladmin's tabler.css draws form controls with them). A response that sets its own
# policy keeps it: the survey report (pages/results.py) is a framed document with inline style.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class SecurityHeadersMiddleware:
    """No framing (clickjacking), no MIME sniffing, no panel URLs leaking in Referer, no
    inline or foreign script (CSP), and no caching of pages that show personal or
    unpublished data."""

    HEADERS = [
        (b"x-frame-options", b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
        (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    ]

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith(f"{scope.get('root_path', '')}/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = [(k, v) for k, v in self.HEADERS if k not in present]
                if not static and b"cache-control" not in present:
                    extra.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers + extra}
            await send(message)

        await self.app(scope, receive, send_with_headers)
