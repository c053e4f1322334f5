"""Who the current update is from, as the core knows them: the internal user id.

UserLocaleMiddleware turns the Telegram user into a contact and puts the directory's
`UserInfo` in the middleware data; dialogs hand services this id, never a Telegram id.
"""

from __future__ import annotations

from aiogram_dialog import DialogManager

from bot.users import UserInfo


def current_user_id(manager: DialogManager) -> int:
    user: UserInfo = manager.middleware_data["user"]
    return user.user_id
