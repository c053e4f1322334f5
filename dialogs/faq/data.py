"""Typed dialog_data of the FAQ dialog."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

RESULTS = "@results"  # a history entry meaning "the search results screen"
MAX_HISTORY = 30


@dataclass
class FaqView:
    current: str | None = None
    history: list[str] = field(default_factory=list)
    query: str | None = None
    results: list[str] = field(default_factory=list)
    rated: list[str] = field(default_factory=list)
    truncated: bool = False
    more: bool = False  # the current answer's details (its "More" screen) are shown

    @classmethod
    def load(cls, data: dict[str, Any]) -> FaqView:
        raw = data.get("view") or {}
        known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def save(self, data: dict[str, Any]) -> None:
        data["view"] = asdict(self)

    def push(self, entry: str) -> None:
        self.history.append(entry)
        del self.history[:-MAX_HISTORY]
