"""The campaign forms of the panel: what staff typed, checked, and turned into service calls.

Times are typed in Europe/Warsaw (the push time zone) and handed to CampaignService as aware
datetimes; the service stores UTC. Everything the service can check itself (texts, FAQ slug,
topic, cron) it checks; this module checks what only a form can get wrong (dates, numbers).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bot.broadcast.campaigns import GENERAL_TOPIC, CampaignInfo
from bot.config import LANGUAGES
from bot.content.validation import LANG_NAMES as LANGUAGE_NAMES
from bot.i18n import gettext_ as t


def _str(form: Any, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def parse_when(date: str, time: str, zone: str, now: dt.datetime, errors: list[str]
               ) -> dt.datetime | None:
    """None means now. A time in the past (a minute's grace) is an error."""
    if not date and not time:
        return None
    if not date:
        errors.append(t("Give a date for the time, or leave both empty to send now."))
        return None
    try:
        day = dt.date.fromisoformat(date)
        clock = dt.time.fromisoformat(time) if time else dt.time(10, 0)
    except ValueError:
        errors.append(t("The date must look like 2026-12-01 and the time like 09:30."))
        return None
    when = dt.datetime.combine(day, clock, tzinfo=ZoneInfo(zone))
    if when < now - dt.timedelta(minutes=1):
        errors.append(t("{when} ({zone}) is in the past.", when=f"{when:%Y-%m-%d %H:%M}", zone=zone))
        return None
    return when


def parse_timing(date: str, time: str, cron: str, zone: str, now: dt.datetime,
                 errors: list[str]) -> dt.datetime | None:
    """Once (a date and time; none means now) or recurring (a cron rule), not both."""
    if cron and (date or time):
        errors.append(t("Give either a date and time (once) or a cron rule (recurring), not "
                        "both."))
        return None
    if cron:
        return None
    return parse_when(date, time, zone, now, errors)


@dataclass
class _Timed:
    """What both campaign forms ask for when: a date and time or a cron rule, and whether
    quiet hours apply; `when` is worked out from them, problems go to `errors`."""

    date: str = ""
    time: str = ""
    cron: str = ""
    quiet_hours: bool = True
    when: dt.datetime | None = None
    errors: list[str] = field(default_factory=list)

    @staticmethod
    def _timing_fields(form: Any) -> dict[str, Any]:
        return {"date": _str(form, "date"), "time": _str(form, "time"),
                "cron": _str(form, "cron"), "quiet_hours": form.get("quiet_hours") == "on"}

    def _resolve_when(self, zone: str, now: dt.datetime) -> None:
        self.when = parse_timing(self.date, self.time, self.cron, zone, now, self.errors)


@dataclass
class AnnouncementForm(_Timed):
    name: str = ""
    texts: dict[str, str] = field(default_factory=dict)
    faq_slug: str = ""
    topic: str = GENERAL_TOPIC
    languages: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, form: Any, zone: str, now: dt.datetime) -> AnnouncementForm:
        self = cls(
            name=_str(form, "name")[:120],
            texts={lang: _str(form, f"text_{lang}") for lang in LANGUAGES},
            faq_slug=_str(form, "faq_slug"),
            topic=_str(form, "topic") or GENERAL_TOPIC,
            languages=[lang for lang in form.getlist("languages") if lang in LANGUAGES],
            **cls._timing_fields(form),
        )
        if not self.name:
            self.errors.append(t("Give the announcement a name (staff see it, users do not)."))
        if not any(self.texts.values()):
            self.errors.append(t("Write the text in at least one language."))
        missing = [t(LANGUAGE_NAMES[lang]) for lang in (self.languages or LANGUAGES)
                   if not self.texts.get(lang)]
        if self.languages and missing:
            self.errors.append(t("Write the text in every language it goes to: missing {languages}.",
                                 languages=", ".join(missing)))
        self._resolve_when(zone, now)
        return self

    def draft(self, now_utc: dt.datetime) -> CampaignInfo:
        """An unsaved campaign, for the preview of what each language would get."""
        return CampaignInfo(
            id=0, name=self.name, kind="announcement", status="draft", due_at=now_utc,
            texts={k: v for k, v in self.texts.items() if v}, faq_slug=self.faq_slug or None,
            topic=self.topic, languages=self.languages or None, quiet_hours=self.quiet_hours,
            survey=None, wave_id=None, parent_id=None, remind_after_days=None,
            schedule_id=None, created_at=now_utc, created_by=None, started_at=None,
            finished_at=None)


@dataclass
class SurveyForm(_Timed):
    survey: str = ""
    remind_after_days: int = 7
    new_wave: bool = False

    @classmethod
    def parse(cls, form: Any, zone: str, now: dt.datetime) -> SurveyForm:
        self = cls(survey=_str(form, "survey"), new_wave=form.get("new_wave") == "on",
                   **cls._timing_fields(form))
        raw = _str(form, "remind_after_days") or "0"
        try:
            self.remind_after_days = int(raw)
            if not 0 <= self.remind_after_days <= 60:
                raise ValueError
        except ValueError:
            self.errors.append(t("Days until the reminder: a whole number from 0 (no reminder) to "
                                 "60."))
        if not self.survey:
            self.errors.append(t("Choose a survey."))
        self._resolve_when(zone, now)
        return self
