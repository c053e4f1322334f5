"""Typed dialog_data of the survey dialog: the only place in-progress answers live."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class SurveyRun:
    wave_id: int = 0
    survey: str = ""
    index: int = 0
    answers: dict[str, Any] = field(default_factory=dict)  # question id -> option id(s)
    headline: str | None = None

    @classmethod
    def load(cls, data: dict[str, Any]) -> SurveyRun:
        raw = data.get("run") or {}
        return cls(**{k: v for k, v in raw.items() if k in cls.__dataclass_fields__})

    def save(self, data: dict[str, Any]) -> None:
        data["run"] = asdict(self)

    def forget_answers(self, data: dict[str, Any]) -> None:
        self.answers = {}
        self.save(data)
