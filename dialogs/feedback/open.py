"""How other features open "Write to us"."""

from __future__ import annotations

from aiogram_dialog import DialogManager, ShowMode, StartMode

from dialogs.states import FeedbackSG


async def open_feedback(manager: DialogManager, faq_slug: str | None = None, *,
                        reset: bool = False, show_mode: ShowMode | None = None) -> None:
    """On top of the current dialog, so ⬅️ Back returns to the answer or menu it came from."""
    await manager.start(FeedbackSG.write, data={"slug": faq_slug},
                        mode=StartMode.RESET_STACK if reset else StartMode.NORMAL,
                        show_mode=show_mode)
