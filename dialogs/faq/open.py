"""How other features open the FAQ: small functions, so nobody reaches into its states."""

from __future__ import annotations

from aiogram_dialog import DialogManager, ShowMode, StartMode

from dialogs.states import FaqSG


async def open_menu(manager: DialogManager, show_mode: ShowMode | None = None) -> None:
    await manager.start(FaqSG.menu, mode=StartMode.RESET_STACK, show_mode=show_mode)


async def open_faq_node(
    manager: DialogManager, slug: str, show_mode: ShowMode | None = None, *, more: bool = False
) -> None:
    """Open a node; `more`: an answer's details (its "More" screen)."""
    data = {"slug": slug, "more": True} if more else {"slug": slug}
    await manager.start(FaqSG.node, data=data, mode=StartMode.RESET_STACK, show_mode=show_mode)


async def open_search(manager: DialogManager, query: str) -> None:
    await manager.start(
        FaqSG.results, data={"query": query}, mode=StartMode.RESET_STACK, show_mode=ShowMode.SEND
    )
