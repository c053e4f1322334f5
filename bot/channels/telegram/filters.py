"""Magic filters (`F.data.startswith(...)`) checked on the event loop.

aiogram runs any filter that is a plain callable, which a magic filter is, through
`asyncio.to_thread`: every button press paid three thread hand-offs (a job queued, a worker
woken, the result handed back through the loop) only to compare a few strings, and each hop
also waits for the GIL behind whatever else runs. A `Filter` subclass is awaited in place.
"""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from magic_filter import MagicFilter


class OnLoop(Filter):
    def __init__(self, magic: MagicFilter) -> None:
        self.magic = magic

    async def __call__(self, event: Any, **_: Any) -> Any:
        return self.magic.resolve(event)

    def __str__(self) -> str:
        return f"OnLoop({self.magic!r})"
