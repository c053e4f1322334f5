"""FAQ YAML files <-> `Node` trees, with the structural checks staff rely on.

One file per root topic. The checks here are the ones `python -m bot content check`
reports: structural errors (which stop an import) and warnings (missing translations,
answers due for review) that staff work through.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from bot.config import LANGUAGES
from bot.content import safe_yaml
from bot.content.model import Node
from bot.i18n import Alternatives, Translatable, lazy

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
MAX_BODY = 3000  # markup included; the same for an answer's details
# The first screen of an answer (its body) fits a phone: at most this many visible
# characters (markup stripped, entities counted as one). The rest goes into `details`.
MAX_FIRST_SCREEN = 600
MAX_TITLE = 60
REVIEW_STATUSES = ("ok", "check")
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "s", "a", "code"}
MAX_FILE_BYTES = 1_000_000  # per topic file; the bundled ones have about 50 KB
WEB_ADDRESS_RE = re.compile(r"^https?://\S+$")
CONTACT_LINK_RE = re.compile(r"^(?:tel:\+?[0-9][0-9 ().-]*|mailto:[^\s@]+@[^\s@]+)$")


def is_web_address(url: str) -> bool:
    """What a source must be: an http(s) address."""
    return WEB_ADDRESS_RE.match(url) is not None


def is_link_target(url: str) -> bool:
    """What a link in a body may open: a web address, a phone number or an e-mail address
    (never javascript:, data: or the like)."""
    return is_web_address(url) or CONTACT_LINK_RE.match(url) is not None


Problems = list[str | Translatable]  # sentences for staff, translated when shown


@dataclass
class ContentProblems:
    errors: Problems = field(default_factory=list)
    missing: list[tuple[str, str, str]] = field(default_factory=list)  # slug, lang, what
    review_due: list[tuple[str, dt.date]] = field(default_factory=list)
    flagged: list[tuple[str, str]] = field(default_factory=list)  # slug, note

    @property
    def ok(self) -> bool:
        return not self.errors


class _HtmlChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[Translatable] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(lazy("tag <{tag}> is not allowed", tag=tag))
            return
        if tag == "a":
            href = (dict(attrs).get("href") or "").strip()
            if not href:
                self.problems.append(lazy("<a> without href"))
            elif not is_link_target(href):
                shown = href if len(href) <= 60 else href[:57] + "..."
                self.problems.append(lazy("link “{link}” must start with https://, http://, "
                                          "tel: or mailto:", link=shown))
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in ALLOWED_TAGS:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(lazy("unbalanced </{tag}>", tag=tag))
            return
        self.stack.pop()


def html_problems(text: str) -> list[Translatable]:
    checker = _HtmlChecker()
    checker.feed(text)
    checker.close()
    if checker.stack:
        checker.problems.append(lazy("unclosed <{tag}>", tag=checker.stack[-1]))
    if re.search(r"&(?![a-zA-Z]+;|#\d+;|#x[0-9a-fA-F]+;)", text):
        checker.problems.append(lazy("bare '&' (write &amp;)"))
    return checker.problems


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible_text(html: str) -> str:
    """What a reader sees of a body: the text without its markup, entities decoded."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts).strip()


def visible_length(html: str) -> int:
    return len(visible_text(html))


def _lang_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v).strip() for k, v in value.items() if v is not None and str(v).strip()}


def _keywords(value: Any) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        return {}
    out: dict[str, list[str]] = {}
    for lang, words in value.items():
        if isinstance(words, str):
            words = [w.strip() for w in words.split(",")]
        out[str(lang)] = [str(w).strip() for w in (words or []) if str(w).strip()]
    return out


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def node_from_dict(raw: dict[str, Any], where: str, errors: Problems) -> Node | None:
    slug = str(raw.get("slug", "")).strip()
    if not SLUG_RE.match(slug):
        errors.append(lazy("{where}: slug “{slug}” must be 1-40 of a-z, 0-9 and '-'",
                           where=where, slug=slug))
        return None
    here = f"{where}:{slug}"
    titles = _lang_map(raw.get("title"))
    if not titles:
        errors.append(lazy("{where}: no title in any language", where=here))
    for lang, title in titles.items():
        if lang not in LANGUAGES:
            errors.append(lazy("{where}: unknown language “{language}”", where=here, language=lang))
        elif len(title) > MAX_TITLE:
            errors.append(lazy("{where}: {language} title longer than {most} characters",
                               where=here, language=lang, most=MAX_TITLE))
    has_body = raw.get("body") is not None
    children_raw = raw.get("children")
    if has_body and children_raw:
        errors.append(lazy("{where}: a node has either a body (answer) or children (section), "
                           "not both", where=here))
    # `children: []` is a section still being built: the panel makes one empty, and its
    # export must import again.
    if not has_body and children_raw is None:
        errors.append(lazy("{where}: a section needs children, an answer needs a body",
                           where=here))
    node = Node(
        slug=slug,
        kind="answer" if has_body else "section",
        titles=titles,
        icon=(str(raw["icon"]) if raw.get("icon") else None),
    )
    if has_body:
        node.bodies = _lang_map(raw.get("body"))
        node.details = _lang_map(raw.get("details"))
        node.keywords = _keywords(raw.get("keywords"))
        sources = raw.get("sources") or []
        if isinstance(sources, str):
            sources = [sources]
        node.sources = [str(s).strip() for s in sources]
        if not node.sources:
            errors.append(lazy("{where}: an answer needs at least one source address",
                               where=here))
        for src in node.sources:
            if not is_web_address(src):
                errors.append(lazy("{where}: source “{source}” is not an http(s) address",
                                   where=here, source=src))
        node.reviewed = _date(raw.get("reviewed"))
        if node.reviewed is None:
            errors.append(lazy("{where}: 'reviewed' must be a date (YYYY-MM-DD)", where=here))
        every = raw.get("review_every_days", 180)
        if not isinstance(every, int) or every <= 0:
            errors.append(lazy("{where}: review_every_days must be a positive whole number",
                               where=here))
            every = 180
        node.review_every_days = every
        node.review_status = str(raw.get("review_status", "ok"))
        if node.review_status not in REVIEW_STATUSES:
            errors.append(lazy("{where}: review_status must be {statuses}", where=here,
                               statuses=Alternatives(REVIEW_STATUSES)))
        node.review_note = (str(raw["review_note"]).strip() if raw.get("review_note") else None)
        if node.review_status == "check" and not node.review_note:
            errors.append(lazy("{where}: review_status 'check' needs a review_note saying what "
                               "to check", where=here))
        if not node.bodies:
            errors.append(lazy("{where}: an answer needs a body in at least one language",
                               where=here))
        for lang, body in node.bodies.items():
            if len(body) > MAX_BODY:
                errors.append(lazy("{where}: {language} body longer than {most} characters",
                                   where=here, language=lang, most=MAX_BODY))
            for problem in html_problems(body):
                errors.append(lazy("{where}: {language} body: {problem}", where=here,
                                   language=lang, problem=problem))
            if (shown := visible_length(body)) > MAX_FIRST_SCREEN:
                errors.append(lazy("{where}: {language} body (the first screen) has {count} "
                                   "visible characters, at most {most}; move the rest to "
                                   "details", where=here, language=lang, count=shown,
                                   most=MAX_FIRST_SCREEN))
        for lang, details in node.details.items():
            if lang not in LANGUAGES:
                errors.append(lazy("{where}: unknown language “{language}” in details",
                                   where=here, language=lang))
            elif lang not in node.bodies:
                errors.append(lazy("{where}: {language} details without a {language} body",
                                   where=here, language=lang))
            if len(details) > MAX_BODY:
                errors.append(lazy("{where}: {language} details longer than {most} characters",
                                   where=here, language=lang, most=MAX_BODY))
            for problem in html_problems(details):
                errors.append(lazy("{where}: {language} details: {problem}", where=here,
                                   language=lang, problem=problem))
    elif raw.get("details") is not None:
        errors.append(lazy("{where}: only an answer (a node with a body) has details",
                           where=here))
    if not has_body and isinstance(children_raw, list):
        for i, child_raw in enumerate(children_raw):
            if not isinstance(child_raw, dict):
                errors.append(lazy("{where}: child {number} is not a mapping", where=here,
                                   number=i + 1))
                continue
            child = node_from_dict(child_raw, where, errors)
            if child is not None:
                child.parent = node
                node.children.append(child)
    elif not has_body and children_raw is not None:
        errors.append(lazy("{where}: children must be a list", where=here))
    return node


def load_dir(path: Path) -> tuple[list[Node], Problems]:
    """Read every `*.yaml` root file in `path`; returns roots (ordered) and structural errors."""
    files: dict[str, bytes] = {}
    errors: Problems = []
    for file in sorted(p for p in Path(path).glob("*.yaml") if p.is_file()):
        size = file.stat().st_size
        if size > MAX_FILE_BYTES:  # checked before reading: the file may be huge
            errors.append(file_too_large(file.name, size))
        else:
            files[file.name] = file.read_bytes()
    if not files and not errors:
        errors.append(lazy("{where}: no *.yaml files", where=str(path)))
    roots, load_errors = load_files(files)
    return roots, errors + load_errors


def megabytes(size: int) -> Translatable:
    """"12.0 MB", "12,0 MB": one decimal, written the reader's way."""
    return lazy("{size} MB", size=Decimal(size / 1_000_000).quantize(Decimal("0.1")))


def file_too_large(name: str, size: int) -> Translatable:
    return lazy("{file}: {size}; a topic file may have at most {most} MB", file=name,
                size=megabytes(size), most=MAX_FILE_BYTES // 1_000_000)


def load_files(files: dict[str, bytes]) -> tuple[list[Node], Problems]:
    """Root files by name -> roots (ordered) and structural errors.

    CPU-bound (up to a few seconds for the largest allowed upload): call it from a thread,
    never on the event loop."""
    errors: Problems = []
    ranked: list[tuple[int, str, Node]] = []
    for name, data in sorted(files.items()):
        if len(data) > MAX_FILE_BYTES:
            errors.append(file_too_large(name, len(data)))
            continue
        try:
            raw = safe_yaml.load(data.decode("utf-8"))
        except UnicodeDecodeError:
            errors.append(lazy("{file}: not a UTF-8 text file", file=name))
            continue
        except safe_yaml.ContentYamlError as exc:
            errors.append(lazy("{file}: {problem}", file=name, problem=exc.reason))
            continue
        except yaml.YAMLError as exc:
            errors.append(lazy("{file}: not valid YAML: {detail}", file=name, detail=str(exc)))
            continue
        if not isinstance(raw, dict):
            errors.append(lazy("{file}: the file must hold one root node (a mapping)", file=name))
            continue
        node = node_from_dict(raw, name, errors)
        try:
            position = int(raw.get("position", 1000))
        except (TypeError, ValueError):
            errors.append(lazy("{file}: position must be a whole number", file=name))
            continue
        if node is not None:
            ranked.append((position, node.slug, node))
    roots = [n for _, _, n in sorted(ranked, key=lambda r: (r[0], r[1]))]
    seen: set[str] = set()

    def walk(node: Node) -> None:
        if node.slug in seen:
            errors.append(lazy("duplicate slug “{slug}”", slug=node.slug))
        seen.add(node.slug)
        for child in node.children:
            walk(child)

    for root in roots:
        walk(root)
    return roots, errors


def check(roots: list[Node], today: dt.date, errors: Problems | None = None) -> ContentProblems:
    report = ContentProblems(errors=list(errors or []))

    def walk(node: Node) -> None:
        for lang in LANGUAGES:
            if lang not in node.titles:
                report.missing.append((node.slug, lang, "title"))
            if node.is_answer and lang not in node.bodies:
                report.missing.append((node.slug, lang, "body"))
            if node.is_answer and node.details and lang not in node.details:
                report.missing.append((node.slug, lang, "details"))
        if node.is_answer:
            due = node.review_due(today)
            if due is not None and due <= today:
                report.review_due.append((node.slug, due))
            if node.review_status == "check":
                report.flagged.append((node.slug, node.review_note or ""))
        for child in node.children:
            walk(child)

    for root in roots:
        walk(root)
    return report


def node_to_dict(node: Node, position: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"slug": node.slug}
    if position is not None:
        out["position"] = position
    if node.icon:
        out["icon"] = node.icon
    out["title"] = {lang: node.titles[lang] for lang in LANGUAGES if lang in node.titles}
    if node.is_answer:
        out["body"] = {lang: node.bodies[lang] for lang in LANGUAGES if lang in node.bodies}
        if node.details:
            out["details"] = {lang: node.details[lang] for lang in LANGUAGES
                              if lang in node.details}
        if any(node.keywords.values()):
            out["keywords"] = {k: v for k, v in node.keywords.items() if v}
        out["sources"] = list(node.sources)
        out["reviewed"] = node.reviewed
        if node.review_every_days != 180:
            out["review_every_days"] = node.review_every_days
        out["review_status"] = node.review_status
        if node.review_note:
            out["review_note"] = node.review_note
    else:
        out["children"] = [node_to_dict(child) for child in node.children]
    return out


class _Dumper(yaml.SafeDumper):
    pass


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_presenter)


def dump_dir(roots: list[Node], path: Path) -> list[Path]:
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    written = []
    for i, root in enumerate(roots, start=1):
        file = path / f"{root.slug}.yaml"
        text = yaml.dump(
            node_to_dict(root, position=i),
            Dumper=_Dumper,
            allow_unicode=True,
            sort_keys=False,
            width=100,
        )
        file.write_text(text, encoding="utf-8")
        written.append(file)
    return written
