"""Typed dialog_data of "Write to us": the draft lives here until the person sends it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class FeedbackDraft:
    faq_slug: str | None = None  # the answer the person was reading, if any
    text: str = ""
    photo_file_id: str | None = None
    ticket: int | None = None  # set once sent

    @classmethod
    def load(cls, data: dict[str, Any]) -> FeedbackDraft:
        raw = data.get("draft") or {}
        return cls(**{k: v for k, v in raw.items() if k in cls.__dataclass_fields__})

    def save(self, data: dict[str, Any]) -> None:
        data["draft"] = asdict(self)

    @property
    def empty(self) -> bool:
        return not self.text and not self.photo_file_id
