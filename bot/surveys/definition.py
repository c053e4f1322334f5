"""Survey definitions: YAML under `content/surveys/` read into immutable objects.

A question's *version* is a short hash of its wording (every language) and of its options
(ids and labels), so answers are stored under `key = "<id>@<version>"`. Rewording a question
gives new answers a new key: old and new answers are never silently mixed, and a report can
say in which wave the wording changed.

Earlier wordings live in `history/<file>.yaml` next to the survey file (`archive_versions`
writes them): each entry is a past version, checked against its hash when loaded, so a report
labels old answers with the words and options people actually saw. A question id that is only
in the history (a question split or dropped) stays in `Survey.questions` as *retired*: it is
never asked again, but its answers are still reported, apart from everything else.

The belonging index
-------------------
Over the likert questions marked `index: true` (score s = 1..5, 5 = most agreement):

    item score   a_i = (s_i - 1) / 4 * 100        for a normal item
                 a_i = (5 - s_i) / 4 * 100        for a `reverse: true` item (that is, 6 - s)
    index        I = mean of a_i over the index items the person answered
                 I = None when fewer than half of the index items were answered

So 0 means "strongly disagrees with every belonging statement" (and strongly agrees with the
reversed ones), 100 the opposite, 50 the neutral middle. A skipped item is left out of the mean
rather than counted as neutral.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from bot.config import LANGUAGES
from bot.i18n import Translatable, _, lazy, said

KINDS = ("likert", "single", "multi")
PREFER_NOT_TO_SAY = "na"
SCALE_POINTS = 5
# A likert point is a button of its own row on a phone: 28 characters fit on a narrow screen and
# let the standard English midpoint ("Neither agree nor disagree") keep its usual wording.
MAX_SCALE_LABEL = 28
MAX_OPTION_LABEL = 60
_ID = re.compile(r"^[a-z0-9_]{1,40}$")
_SLUG = re.compile(r"^[a-z0-9_-]{1,40}$")
_QUESTION_KEYS = {"id", "kind", "text", "scale", "options", "index", "reverse", "profile"}
_SURVEY_KEYS = {"slug", "title", "intro", "questions", "scales", "headline"}


class SurveyError(ValueError):
    """A survey file is invalid; `problems` lists every problem found, not just the first,
    each translatable (`texts(lang)`: for the command line and the panel; `str()`: English,
    for logs). A place in a file is named by the file's own keys, the same in every language:
    "belonging.yaml › questions › stay › options › yes"."""

    def __init__(self, problems: list[Translatable]) -> None:
        super().__init__("invalid survey definition:\n  " + "\n  ".join(map(str, problems)))
        self.problems = problems

    def texts(self, lang: str | None = None) -> list[str]:
        return [said(problem, lang) for problem in self.problems]


@dataclass(frozen=True)
class Option:
    id: str
    label: dict[str, str]


@dataclass(frozen=True)
class Question:
    id: str
    kind: str  # likert | single | multi
    text: dict[str, str]
    options: tuple[Option, ...]  # for likert: the scale points, ids "1".."5"
    index: bool = False
    reverse: bool = False
    profile: bool = False
    scale: str | None = None  # likert only: the name of the scale under `scales`
    retired: bool = False  # only in the history: reported, never asked

    @cached_property
    def version(self) -> str:
        return _version(self)

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    def option(self, option_id: str) -> Option | None:
        for option in self.options:
            if option.id == option_id:
                return option
        return None


def _version(question: Question) -> str:
    # Only what a respondent sees counts: kind, wording and options. The index/reverse flags
    # are analysis choices and may be changed without splitting the time series.
    payload = {
        "kind": question.kind,
        "text": {lang: question.text.get(lang, "") for lang in sorted(question.text)},
        "options": [[o.id, {lang: o.label[lang] for lang in sorted(o.label)}] for o in question.options],
    }
    blob = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:8]


@dataclass(frozen=True)
class Survey:
    slug: str
    title: dict[str, str]
    intro: dict[str, str]
    questions: tuple[Question, ...]
    # What a respondent sees after finishing, once a wave has K released answers:
    # {"question": id, "options": [ids counted], "text": {lang: "... {n} ..."}}, n per 100.
    headline: dict[str, Any] | None = None
    # Earlier wordings by key (`id@version`), from `history/<file>.yaml`.
    history: Mapping[str, Question] = field(default_factory=dict)

    def core(self, retired: bool = False) -> list[Question]:
        """The core questions asked now; with `retired`, also the ones only reports still show."""
        return [q for q in self.questions if not q.profile and (retired or not q.retired)]

    def profile(self) -> list[Question]:
        return [q for q in self.questions if q.profile and not q.retired]

    def index_items(self) -> list[Question]:
        return [q for q in self.questions if q.index and not q.retired]

    def version(self, key: str) -> Question | None:
        """The question as worded in version `key` (`id@version`): current or from the history."""
        current = next((q for q in self.questions if q.key == key and not q.retired), None)
        return current or self.history.get(key)

    def question(self, id: str) -> Question:
        for q in self.questions:
            if q.id == id:
                return q
        raise KeyError(f"survey {self.slug!r} has no question {id!r}")

    def keys(self) -> dict[str, Question]:
        return {q.key: q for q in self.questions}


# ---------------------------------------------------------------------------- the index
def item_score(question: Question, value: Any) -> float | None:
    """0..100 for one answered index item, reverse-coded items turned round; None if unusable."""
    if isinstance(value, bool):
        return None
    try:
        score = int(value)
    except (TypeError, ValueError):
        return None
    if not 1 <= score <= SCALE_POINTS:
        return None
    if question.reverse:
        score = SCALE_POINTS + 1 - score
    return (score - 1) / (SCALE_POINTS - 1) * 100


def belonging_index(answers: Mapping[str, Any], survey: Survey) -> float | None:
    """The belonging index (formula in the module docstring) of one response.

    `answers` maps question id -> option id ("1".."5" for likert); skipped questions are absent.
    """
    items = survey.index_items()
    if not items:
        return None
    scores = [s for q in items if (s := item_score(q, answers.get(q.id))) is not None]
    if 2 * len(scores) < len(items):
        return None
    return sum(scores) / len(scores)


# ---------------------------------------------------------------------------- loading
def _unknown_key(where: str, key: Any) -> Translatable:
    return lazy(_("{where}: unknown key “{key}”"), where=where, key=str(key))


def load_survey(path: str | Path) -> Survey:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SurveyError([lazy(_("{where}: cannot read: {error}"), where=path.name,
                                error=str(exc))]) from exc
    problems: list[Translatable] = []
    survey = _survey(raw, path.name, problems)
    if survey is not None:
        survey = _with_history(survey, path.parent / HISTORY_DIR / path.name, problems)
    if problems or survey is None:
        raise SurveyError(problems or [lazy(_("{where}: empty"), where=path.name)])
    return survey


def load_surveys(directory: str | Path) -> dict[str, Survey]:
    """Every `*.yaml` in `directory`, by slug; all problems of all files in one SurveyError."""
    problems: list[Translatable] = []
    surveys: dict[str, Survey] = {}
    for file in sorted(Path(directory).glob("*.yaml")):
        try:
            survey = load_survey(file)
        except SurveyError as exc:
            problems.extend(exc.problems)
            continue
        if survey.slug in surveys:
            problems.append(lazy(_("{where}: slug “{slug}” is used by another file"),
                                 where=file.name, slug=survey.slug))
        surveys[survey.slug] = survey
    if problems:
        raise SurveyError(problems)
    return surveys


def _texts(value: Any, where: str, problems: list[Translatable],
           limit: int | None = None) -> dict[str, str]:
    if not isinstance(value, dict):
        problems.append(lazy(_("{where}: needs a text in each of {languages}"), where=where,
                             languages=", ".join(LANGUAGES)))
        return {}
    out: dict[str, str] = {}
    for lang in LANGUAGES:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            problems.append(lazy(_("{where}: missing {lang} text"), where=where, lang=lang))
            continue
        text = " ".join(text.split())
        if limit is not None and len(text) > limit:
            problems.append(lazy(_("{where}: {lang} text longer than {limit} characters: "
                                   "“{text}”"), where=where, lang=lang, limit=limit, text=text))
        out[lang] = text
    for lang in value:
        if lang not in LANGUAGES:
            problems.append(lazy(_("{where}: unknown language “{lang}”"), where=where,
                                 lang=str(lang)))
    return out


def _scales(raw: Any, where: str, problems: list[Translatable]
            ) -> dict[str, tuple[Option, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(lazy(_("{where}: scales must be a mapping of name -> {points} points"),
                             where=f"{where} › scales", points=SCALE_POINTS))
        return {}
    scales: dict[str, tuple[Option, ...]] = {}
    for name, points in raw.items():
        here = f"{where} › scales › {name}"
        if not isinstance(points, list) or len(points) != SCALE_POINTS:
            problems.append(lazy(_("{where}: needs exactly {points} points"), where=here,
                                 points=SCALE_POINTS))
            continue
        options = []
        for n, point in enumerate(points, start=1):
            if not isinstance(point, dict) or point.get("id") != n:
                problems.append(lazy(_("{where}: point {n} must have id {n} (ids run 1 to "
                                       "{points})"), where=here, n=n, points=SCALE_POINTS))
                continue
            options.append(Option(str(n), _texts(point.get("label"), f"{here} › {n} › label",
                                                 problems, MAX_SCALE_LABEL)))
        scales[str(name)] = tuple(options)
    return scales


def _options(raw: Any, where: str, problems: list[Translatable]) -> tuple[Option, ...]:
    if not isinstance(raw, list) or not raw:
        problems.append(lazy(_("{where}: needs a non-empty list of options"), where=where))
        return ()
    options: list[Option] = []
    seen: set[str] = set()
    for n, item in enumerate(raw, start=1):
        oid = item.get("id") if isinstance(item, dict) else None
        if not isinstance(oid, str) or not _ID.match(oid):
            problems.append(lazy(_("{where}: option {n}: id must be a quoted string of a-z, 0-9, "
                                   "_ (got “{got}”)"), where=where, n=n, got=str(oid)))
            continue
        if oid in seen:
            problems.append(lazy(_("{where}: duplicate option id “{id}”"), where=where, id=oid))
        seen.add(oid)
        options.append(Option(oid, _texts(item.get("label"), f"{where} › options › {oid} › label",
                                          problems, MAX_OPTION_LABEL)))
    return tuple(options)


def _question(raw: Any, n: int, where: str, scales: dict[str, tuple[Option, ...]],
              problems: list[Translatable]) -> Question | None:
    if not isinstance(raw, dict):
        problems.append(lazy(_("{where}: question {n} must be a mapping"),
                             where=f"{where} › questions", n=n))
        return None
    qid = raw.get("id")
    if not isinstance(qid, str) or not _ID.match(qid):
        problems.append(lazy(_("{where}: question {n}: id must be a-z, 0-9, _ (got “{got}”)"),
                             where=f"{where} › questions", n=n, got=str(qid)))
        qid = f"#{n}"
    here = f"{where} › questions › {qid}"
    for key in sorted(set(raw) - _QUESTION_KEYS):
        problems.append(_unknown_key(here, key))
    kind = raw.get("kind")
    flags = {name: raw.get(name, False) for name in ("index", "reverse", "profile")}
    for name, value in flags.items():
        if not isinstance(value, bool):
            problems.append(lazy(_("{where}: {key} must be true or false"), where=here,
                                 key=name))
    index, reverse, profile = (bool(flags[name]) for name in ("index", "reverse", "profile"))
    text = _texts(raw.get("text"), f"{here} › text", problems)
    scale = raw.get("scale")
    options: tuple[Option, ...] = ()
    if kind not in KINDS:
        problems.append(lazy(_("{where}: unknown kind “{kind}” (one of {kinds})"), where=here,
                             kind=str(kind), kinds=", ".join(KINDS)))
    elif kind == "likert":
        if "options" in raw:
            problems.append(lazy(_("{where}: a likert question takes its options from its "
                                   "scale"), where=here))
        if scale not in scales:
            problems.append(lazy(_("{where}: likert question without a known scale (got "
                                   "“{got}”)"), where=here, got=str(scale)))
        else:
            options = scales[scale]
    else:
        if scale is not None:
            problems.append(lazy(_("{where}: only likert questions have a scale"), where=here))
        options = _options(raw.get("options"), f"{here} › options", problems)
    if index and kind != "likert":
        problems.append(lazy(_("{where}: only likert questions can count in the index"),
                             where=here))
    if reverse and not index:
        problems.append(lazy(_("{where}: reverse: true only makes sense on an index item"),
                             where=here))
    if profile:
        if kind != "single":
            problems.append(lazy(_("{where}: a profile question must be kind: single"),
                                 where=here))
        elif not any(o.id == PREFER_NOT_TO_SAY for o in options):
            problems.append(lazy(_("{where}: a profile question needs the option “{id}” "
                                   "(prefer not to say)"), where=here, id=PREFER_NOT_TO_SAY))
        if index:
            problems.append(lazy(_("{where}: a profile question cannot count in the index"),
                                 where=here))
    return Question(qid, str(kind), text, options, index, reverse, profile,
                    scale if kind == "likert" else None)


def _survey(raw: Any, where: str, problems: list[Translatable]) -> Survey | None:
    if not isinstance(raw, dict):
        problems.append(lazy(_("{where}: the file must hold one survey (a mapping)"),
                             where=where))
        return None
    for key in sorted(set(raw) - _SURVEY_KEYS):
        problems.append(_unknown_key(where, key))
    slug = raw.get("slug")
    if not isinstance(slug, str) or not _SLUG.match(slug):
        problems.append(lazy(_("{where}: slug must be a-z, 0-9, '_' or '-' (got “{got}”)"),
                             where=where, got=str(slug)))
        slug = ""
    title = _texts(raw.get("title"), f"{where} › title", problems)
    intro = _texts(raw.get("intro"), f"{where} › intro", problems)
    scales = _scales(raw.get("scales"), where, problems)
    items = raw.get("questions")
    if not isinstance(items, list) or not items:
        problems.append(lazy(_("{where}: needs a non-empty list of questions"), where=where))
        items = []
    questions: list[Question] = []
    seen: set[str] = set()
    for n, item in enumerate(items, start=1):
        question = _question(item, n, where, scales, problems)
        if question is None:
            continue
        if question.id in seen:
            problems.append(lazy(_("{where}: duplicate question id “{id}”"), where=where,
                                 id=question.id))
        seen.add(question.id)
        questions.append(question)
    if questions and not any(not q.profile for q in questions):
        problems.append(lazy(_("{where}: needs at least one question that is not a profile "
                               "question"), where=where))
    headline = _headline(raw.get("headline"), where, questions, problems)
    return Survey(slug, title, intro, tuple(questions), headline)


def _headline(raw: Any, where: str, questions: list[Question], problems: list[Translatable]
              ) -> dict[str, Any] | None:
    if raw is None:
        return None
    here = f"{where} › headline"
    if not isinstance(raw, dict):
        problems.append(lazy(_("{where}: must be a mapping"), where=here))
        return None
    question = next((q for q in questions if q.id == raw.get("question")), None)
    if question is None or question.kind == "multi":
        problems.append(lazy(_("{where}: 'question' must name a likert or single-choice "
                               "question"), where=here))
        return None
    options = [str(o) for o in raw.get("options") or []]
    if not options or any(question.option(o) is None for o in options):
        problems.append(lazy(_("{where}: 'options' must list option ids of “{id}”"),
                             where=here, id=question.id))
    text = _texts(raw.get("text"), f"{here} › text", problems)
    if any("{n}" not in value for value in text.values()):
        problems.append(lazy(_("{where}: every text needs the {placeholder} placeholder"),
                             where=f"{here} › text", placeholder="{n}"))
    return {"question": question.id, "options": options, "text": text}


# ---------------------------------------------------------------------------- history
HISTORY_DIR = "history"


def archive_versions(survey: Survey) -> list[dict[str, Any]]:
    """History entries for the current version of every question asked, for `history/<file>`.

    Run before rewording (or use `python -m bot survey archive SLUG`), so answers already given
    keep their wording in reports.
    """
    out = []
    for q in survey.questions:
        if q.retired:
            continue
        entry: dict[str, Any] = {"id": q.id, "version": q.version, "kind": q.kind,
                                 "text": dict(q.text)}
        if q.profile:
            entry["profile"] = True
        entry["options"] = [{"id": o.id, "label": dict(o.label)} for o in q.options]
        out.append(entry)
    return out


def _with_history(survey: Survey, path: Path, problems: list[Translatable]) -> Survey:
    if not path.is_file():
        return survey
    where = f"{HISTORY_DIR}/{path.name}"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        problems.append(lazy(_("{where}: cannot read: {error}"), where=where, error=str(exc)))
        return survey
    entries = raw.get("versions") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        problems.append(lazy(_("{where}: needs a list under 'versions'"), where=where))
        return survey
    history: dict[str, Question] = {}
    current = {q.id: q for q in survey.questions}
    for n, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            problems.append(lazy(_("{where}: entry {n} needs an id"), where=where, n=n))
            continue
        here = f"{where} › {entry['id']}@{entry.get('version')}"
        for key in sorted(set(entry) - {"id", "version", "kind", "text", "options", "profile"}):
            problems.append(_unknown_key(here, key))
        kind = entry.get("kind")
        if kind not in KINDS:
            problems.append(lazy(_("{where}: unknown kind “{kind}” (one of {kinds})"),
                                 where=here, kind=str(kind), kinds=", ".join(KINDS)))
            continue
        question = Question(entry["id"], kind, _texts(entry.get("text"), f"{here} › text",
                                                      problems),
                            _options(entry.get("options"), f"{here} › options", problems),
                            profile=bool(entry.get("profile", False)), retired=True)
        # The hash is the proof that these are the words the stored answers were given to.
        if question.version != str(entry.get("version")):
            problems.append(lazy(_("{where}: text and options do not give this version (they "
                                   "give {version}); copy the wording exactly as it was asked"),
                                 where=here, version=question.version))
            continue
        now = current.get(question.id)
        if now is not None and now.version == question.version:
            continue  # archived and still asked: the current question is the same version
        if now is not None and now.profile != question.profile:
            problems.append(lazy(_("{where}: profile must match the current question “{id}”"),
                                 where=here, id=question.id))
        history[question.key] = question
    # An id only in the history is kept as a retired question (its latest archived wording), so
    # reports still show its answers under their own key.
    retired: dict[str, Question] = {}
    for question in history.values():
        if question.id not in current:
            retired[question.id] = question
    return replace(survey, questions=survey.questions + tuple(retired.values()), history=history)


def archive_to_history(path: str | Path) -> list[str]:
    """Append the versions asked now by the survey in `path` to its `history/` file.

    Returns the keys added (those not archived yet); the file keeps its comments and entries.
    """
    path = Path(path)
    survey = load_survey(path)
    target = path.parent / HISTORY_DIR / path.name
    new = [e for e in archive_versions(survey) if f"{e['id']}@{e['version']}" not in survey.history
           and not _archived(target, f"{e['id']}@{e['version']}")]
    if not new:
        return []
    target.parent.mkdir(parents=True, exist_ok=True)
    text = target.read_text(encoding="utf-8") if target.is_file() else (
        f"# Earlier wordings of the questions in ../{path.name}; see content/surveys/README.md.\n"
        "versions:\n")
    if not text.endswith("\n"):
        text += "\n"
    text += yaml.safe_dump(new, allow_unicode=True, sort_keys=False, width=100)
    target.write_text(text, encoding="utf-8")
    return [f"{e['id']}@{e['version']}" for e in new]


def _archived(target: Path, key: str) -> bool:
    # A current version that is also in the history file is dropped from `Survey.history` on
    # load (it is the current question), so look in the file itself.
    if not target.is_file():
        return False
    raw = yaml.safe_load(target.read_text(encoding="utf-8")) or {}
    return any(f"{e.get('id')}@{e.get('version')}" == key for e in raw.get("versions") or []
               if isinstance(e, dict))
