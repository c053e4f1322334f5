"""How other features open the 🆘 card: on top of what is open, so ⬅️ Back returns there."""

from __future__ import annotations

from aiogram_dialog import DialogManager, ShowMode, StartMode

from dialogs.states import CrisisSG


async def open_crisis(manager: DialogManager, show_mode: ShowMode | None = None) -> None:
    mode = StartMode.NORMAL if manager.has_context() else StartMode.RESET_STACK
    await manager.start(CrisisSG.card, mode=mode, show_mode=show_mode)
