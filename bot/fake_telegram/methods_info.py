"""Bot API methods about the bot itself, commands, chats and files (mixed into the sandbox)."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from .models import ApiError, StoredFile

if TYPE_CHECKING:
    from .server import BotApiSandbox

__all__ = ["DEFAULT_ALLOWED_UPDATES", "Described", "InfoMethods"]

DEFAULT_ALLOWED_UPDATES = frozenset(
    {
        "message", "edited_message", "channel_post", "edited_channel_post",
        "business_connection", "business_message", "edited_business_message",
        "deleted_business_messages", "inline_query", "chosen_inline_result",
        "callback_query", "shipping_query", "pre_checkout_query", "purchased_paid_media",
        "poll", "poll_answer", "my_chat_member", "chat_join_request", "chat_boost",
        "removed_chat_boost",
    }
)
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class Described:
    """A result that carries a ``description`` too (setWebhook, deleteWebhook)."""

    __slots__ = ("description", "result")

    def __init__(self, result: Any, description: str) -> None:
        self.result = result
        self.description = description


class InfoMethods:
    """getMe-like and profile methods; state lives on the ``BotApiSandbox`` instance."""

    files: dict[str, StoredFile]
    commands: dict[tuple[str, str], list[dict[str, Any]]]
    bot_profile: dict[Any, Any]

    # ================================================================ bot & updates
    def _m_getMe(self: BotApiSandbox, p: dict[str, Any], files: Any, token: str) -> Any:
        return dict(self.bot_user(), can_join_groups=True, can_read_all_group_messages=False,
                    supports_inline_queries=False, can_connect_to_business=False,
                    has_main_web_app=False)

    async def _m_getUpdates(self: BotApiSandbox, p: dict[str, Any], files: Any,
                            token: str) -> Any:
        return await self._get_updates(p)

    def _m_setWebhook(self: BotApiSandbox, p: dict[str, Any], files: Any, token: str) -> Any:
        url = p.get("url") or ""
        if not url:
            return self._m_deleteWebhook(p, files, token)
        if not re.match(r"^https?://[^/\s]+", str(url)):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided "
                                "for webhook")
        secret = p.get("secret_token") or None
        if secret is not None and not _SECRET_RE.match(str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        max_connections = int(p.get("max_connections") or 40)
        if not 1 <= max_connections <= 100:
            raise ApiError(400, "Bad Request: bad webhook: max_connections must be between "
                                "1 and 100")
        if p.get("drop_pending_updates"):
            self._drop_pending()
        allowed = p.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = frozenset(allowed) if allowed else DEFAULT_ALLOWED_UPDATES
        old = self._webhook
        same = old is not None and old.url == url and old.secret == secret
        self._set_webhook(str(url), secret, max_connections, token)
        return Described(True, "Webhook is already set" if same else "Webhook was set")

    def _m_deleteWebhook(self: BotApiSandbox, p: dict[str, Any], files: Any, token: str) -> Any:
        if p.get("drop_pending_updates"):
            self._drop_pending()
        if self._webhook is None:
            return Described(True, "Webhook is already deleted")
        self._delete_webhook()
        return Described(True, "Webhook was deleted")

    def _m_getWebhookInfo(self: BotApiSandbox, p: dict[str, Any], files: Any,
                          token: str) -> Any:
        pending = len(self._poll_queue) + sum(len(q) for q in self._chat_queues.values())
        info: dict[str, Any] = {"url": "", "has_custom_certificate": False,
                                "pending_update_count": pending}
        wh = self._webhook
        if wh is not None:
            info.update(url=wh.url, ip_address="127.0.0.1", max_connections=wh.max_connections)
            if self._allowed_updates != DEFAULT_ALLOWED_UPDATES:
                info["allowed_updates"] = sorted(self._allowed_updates)
            if wh.last_error_date is not None:
                info["last_error_date"] = wh.last_error_date
                info["last_error_message"] = wh.last_error_message
        return info

    def _m_close(self, p: dict[str, Any], files: Any, token: str) -> Any:
        return True

    def _m_logOut(self, p: dict[str, Any], files: Any, token: str) -> Any:
        return True

    # ================================================================ commands & profile
    @staticmethod
    def _commands_key(p: dict[str, Any]) -> tuple[str, str]:
        scope = p.get("scope") or {"type": "default"}
        if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
            raise ApiError(400, "Bad Request: can't parse BotCommandScope JSON object")
        if "chat_id" in scope:
            scope = dict(scope)
            try:
                scope["chat_id"] = int(scope["chat_id"])
            except (TypeError, ValueError):
                pass
        return json.dumps(scope, sort_keys=True), str(p.get("language_code") or "")

    def _m_setMyCommands(self, p: dict[str, Any], files: Any, token: str) -> Any:
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        if len(commands) > 100:
            raise ApiError(400, "Bad Request: too many commands specified")
        clean = []
        for c in commands:
            if not isinstance(c, dict) or not _COMMAND_RE.match(str(c.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            desc = c.get("description")
            if not isinstance(desc, str) or not 1 <= len(desc) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": c["command"], "description": desc})
        key = self._commands_key(p)
        if clean:
            self.commands[key] = clean
        else:
            self.commands.pop(key, None)
        return True

    def _m_getMyCommands(self, p: dict[str, Any], files: Any, token: str) -> Any:
        return list(self.commands.get(self._commands_key(p), []))

    def _m_deleteMyCommands(self, p: dict[str, Any], files: Any, token: str) -> Any:
        self.commands.pop(self._commands_key(p), None)
        return True

    def get_commands(self, scope: dict[str, Any] | None = None,
                     language_code: str = "") -> list[dict[str, Any]]:
        """Commands set for exactly this scope and language (no fallback, like getMyCommands)."""
        key = self._commands_key({"scope": scope, "language_code": language_code})
        return list(self.commands.get(key, []))

    def _profile_set(self, field: str, p: dict[str, Any], limit: int) -> Any:
        value = p.get(field) or ""
        if len(str(value)) > limit:
            raise ApiError(400, f"Bad Request: {field} is too long")
        self.bot_profile[(field, str(p.get("language_code") or ""))] = value
        return True

    def _profile_get(self, field: str, p: dict[str, Any]) -> Any:
        return {field: self.bot_profile.get((field, str(p.get("language_code") or "")), "")}

    def _m_setMyDescription(self, p: dict[str, Any], files: Any, token: str) -> Any:
        return self._profile_set("description", p, 512)

    def _m_getMyDescription(self, p: dict[str, Any], files: Any, token: str) -> Any:
        return self._profile_get("description", p)

    def _m_setMyShortDescription(self, p: dict[str, Any], files: Any, token: str) -> Any:
        return self._profile_set("short_description", p, 120)

    def _m_getMyShortDescription(self, p: dict[str, Any], files: Any, token: str) -> Any:
        return self._profile_get("short_description", p)

    def _m_setMyName(self, p: dict[str, Any], files: Any, token: str) -> Any:
        return self._profile_set("name", p, 64)

    def _m_getMyName(self, p: dict[str, Any], files: Any, token: str) -> Any:
        return self._profile_get("name", p)

    def _m_setChatMenuButton(self, p: dict[str, Any], files: Any, token: str) -> Any:
        self.bot_profile[("menu_button", str(p.get("chat_id") or ""))] = (
            p.get("menu_button") or {"type": "default"})
        return True

    def _m_getChatMenuButton(self, p: dict[str, Any], files: Any, token: str) -> Any:
        return self.bot_profile.get(("menu_button", str(p.get("chat_id") or "")),
                                    {"type": "commands"})

    # ================================================================ chats & files
    def _m_getChat(self: BotApiSandbox, p: dict[str, Any], files: Any, token: str) -> Any:
        chat = self._chat_param(p, check_blocked=False)
        return dict(
            chat.api_dict(), accent_color_id=0, max_reaction_count=11,
            accepted_gift_types={"unlimited_gifts": False, "limited_gifts": False,
                                 "unique_gifts": False, "premium_subscription": False,
                                 "gifts_from_channels": False},
        )

    def _m_getChatMember(self: BotApiSandbox, p: dict[str, Any], files: Any,
                         token: str) -> Any:
        chat = self._chat_param(p, check_blocked=False)
        user_id = p.get("user_id")
        bot = self.bot_user()
        if user_id == bot["id"]:
            if chat.blocked:
                return {"status": "kicked", "user": bot, "until_date": 0}
            return {"status": "member", "user": bot}
        if user_id == chat.user.id:
            return {"status": "member", "user": chat.user.api_dict()}
        raise ApiError(400, "Bad Request: PARTICIPANT_ID_INVALID")

    def _m_getFile(self, p: dict[str, Any], files: Any, token: str) -> Any:
        f = self.files.get(str(p.get("file_id") or ""))
        if f is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        out: dict[str, Any] = {"file_id": f.file_id, "file_unique_id": f.file_unique_id}
        if f.size:
            out["file_size"] = f.size
        if f.data is not None:
            out["file_path"] = f.file_path
        return out
