"""Survey reports for the panel's results page, made by the same code as
`python -m bot survey report` (SurveyService.report: the stored answers counted
column-wise, bot.surveys.columnar) into a temporary directory.

A report is made again only when the answers changed (their number, per survey) or another
wave is asked for; the files of the latest report per survey and wave are kept until the
process ends.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.i18n import gettext_, said
from bot.surveys.report import ReportSummary
from bot.surveys.store import DEFAULT_K, SurveyService

FILES = ("aggregates.csv", "index.csv", "answers.csv")
# The report's own paragraph about answers.csv: shown next to its download, word for word.
_ANSWERS_WARNING = re.compile(r"<p>((?:(?!</p>).)*?answers\.csv(?:(?!</p>).)*)</p>", re.S)


class ReportUnavailable(Exception):
    """No report can be made (no answers yet, unknown wave); the message says why."""


@dataclass(frozen=True)
class Report:
    slug: str
    wave: str | None
    directory: Path
    summary: ReportSummary

    def path(self, name: str) -> Path:
        return self.directory / name

    def html(self) -> str:
        return self.path("report.html").read_text(encoding="utf-8")

    def answers_warning(self) -> str:
        """The report's warning about answers.csv, as HTML (already escaped by the report)."""
        match = _ANSWERS_WARNING.search(self.html())
        if match is None:
            return ""
        sentences = re.split(r"(?<=\.)\s+", match.group(1))
        first = next(i for i, s in enumerate(sentences) if "answers.csv" in s)
        return " ".join(sentences[first:])


class ResultsReports:
    def __init__(self, surveys: SurveyService, k: int = DEFAULT_K) -> None:
        self.surveys, self.k = surveys, k
        self._root = tempfile.TemporaryDirectory(prefix="belong-results-")
        self._made: dict[tuple[str, str | None, str], tuple[int, Report]] = {}
        self._lock = asyncio.Lock()

    async def report(self, slug: str, wave: str | None, lang: str = "en") -> Report:
        """The report of `slug` for `wave`, its HTML in `lang` (the reader's language)."""
        if slug not in self.surveys.surveys:
            raise ReportUnavailable(gettext_("There is no survey {slug}.", lang, slug=repr(slug)))
        async with self._lock:
            count = await self.surveys.answer_count(slug)
            if not count:
                raise ReportUnavailable(gettext_("No answers have been released for this survey "
                                                 "yet.", lang))
            made = self._made.get((slug, wave, lang))
            if made is not None and made[0] == count:
                return made[1]
            directory = Path(self._root.name) / f"{slug}-{wave or 'latest'}-{lang}"
            try:
                summary = await self.surveys.report(slug, directory, k=self.k, wave=wave, lang=lang)
            except ValueError as exc:  # ReportRefused, or answers the survey cannot count
                raise ReportUnavailable(said(exc, lang)) from None
            report = Report(slug, wave, directory, summary)
            self._made[(slug, wave, lang)] = (count, report)
            return report

    def close(self) -> None:
        self._root.cleanup()
