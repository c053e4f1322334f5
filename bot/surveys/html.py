"""report.html: one self-contained page (inline CSS and SVG, no scripts, no external addresses)
for readers who are not statisticians, in the reader's language (pl, uk or en). Every piece of
text goes through `html.escape`; the page's own sentences are gettext msgids whose values are
escaped before they are put in."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from bot.i18n import gettext_

BLUE, GREY, DARK = "#2f6db5", "#9aa5b1", "#1f2933"


@dataclass
class IndexPoint:
    wave: str
    n: int | None
    mean: int | None
    low: int | None
    high: int | None


@dataclass
class GroupIndex:
    variable: str
    group: str
    n: int | None
    mean: int | None
    low: int | None
    high: int | None
    suppressed: str


@dataclass
class Bar:
    label: str
    count: int | None
    share: float | None
    suppressed: str


@dataclass
class Distribution:
    text: str
    qid: str
    version: str
    kind: str
    profile: bool
    bars: list[Bar]


@dataclass
class ReportData:
    title: str
    slug: str
    k: int
    focus: str | None
    responses: int
    waves: list[tuple[str, int | None]]
    series: list[IndexPoint]
    groups: list[GroupIndex]
    distributions: list[Distribution]
    wording: list[str]
    notes: list[str]
    index_items: list[str]
    suppressed_primary: int = 0
    suppressed_complementary: int = 0
    answers_profile_hidden: int = 0


def e(value: object) -> str:
    return escape(str(value), quote=True)


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2933;max-width:56rem;
margin:2rem auto;padding:0 1rem;line-height:1.5}
h1{margin-bottom:.2rem} h2{margin-top:2.5rem;border-bottom:1px solid #d9e2ec;padding-bottom:.3rem}
.sub{color:#52606d;margin-top:0}
.cards{display:flex;gap:1rem;flex-wrap:wrap;margin:1.5rem 0}
.card{flex:1 1 12rem;border:1px solid #d9e2ec;border-radius:.5rem;padding:.8rem 1rem}
.card b{display:block;font-size:1.8rem;color:#2f6db5}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem} th,td{text-align:left;padding:.3rem .5rem;
border-bottom:1px solid #e4e7eb} td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.muted{color:#7b8794}
.note{background:#fff8e1;border-left:4px solid #f0b429;padding:.5rem .8rem;margin:.5rem 0}
figure{margin:1rem 0 2rem} figcaption{font-weight:600;margin-bottom:.3rem}
svg text{font-size:12px;fill:#1f2933}
"""


class _Words:
    """The report's sentences in one language; values are escaped here, msgids may hold HTML."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, msgid: str, **values: object) -> str:
        return gettext_(msgid, self.lang, **{k: e(v) for k, v in values.items()})

    def n(self, value: int | None) -> str:
        from babel.numbers import format_decimal

        return format_decimal(value or 0, locale=self.lang)


def render(data: ReportData, lang: str = "en") -> str:
    t = _Words(lang)
    now = next((p for p in data.series if p.wave == data.focus), None)
    parts = [
        "<!DOCTYPE html>", f'<html lang="{e(lang)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>" + t('{title}: survey report', title=data.title) + f"</title><style>{CSS}</style>"
        "</head><body>",
        f"<h1>{e(data.title)}</h1>",
        '<p class="sub">' + t("Survey <code>{slug}</code>. Answers are anonymous; groups of fewer "
                              "than {k} people are never shown.", slug=data.slug, k=data.k)
        + "</p>",
        '<div class="cards">',
        f'<div class="card"><b>{t.n(data.responses)}</b>' + t("responses in the waves shown") + '</div>',
        f'<div class="card"><b>{len([w for w in data.waves if w[1] is not None])}</b>'
        + t("wave(s): {waves}", waves=", ".join(w for w, _ in data.waves)) + "</div>",
        f'<div class="card"><b>{_index_text(now, t)}</b>'
        + t("belonging index in wave {wave}", wave=data.focus or "-")
        + f"{_range_text(now, t)}</div>",
        "</div>",
        "<h2>" + t('The belonging index') + "</h2>",
        "<p>" + t('A score from 0 to 100 built from how much people agree with these statements:') + ""
        "</p><ul>",
        *(f"<li>{e(item)}</li>" for item in data.index_items),
        "</ul><p>" + t("100 means everyone strongly agrees that they feel at home (and strongly "
                       "disagrees with the reversed statement), 50 is the neutral middle, 0 the "
                       "opposite. Each person's score is the average of the statements they "
                       "answered (at least half of them).") + "</p>",
        "<p>" + t("The range next to each value (the 95% interval) shows how sure we can be: with "
                  "another group of people from the same population the value would usually fall "
                  "inside it. Ranges that overlap a lot mean the difference may be chance.")
        + "</p>",
        "<figure><figcaption>" + t('Belonging index by wave') + f"</figcaption>"
        f"{_line_chart(data.series, t)}</figure>",
    ]
    parts += _group_table(data, t)
    parts.append("<h2>" + t('Answers in wave {wave}', wave=data.focus or '-') + "</h2>")
    parts.append("<p>" + t("Share of everyone who answered the question. For questions with "
                           "several answers allowed, shares add up to more than 100%.") + "</p>")
    for dist in data.distributions:
        parts.append(f"<figure><figcaption>{e(dist.text)} <span class=\"muted\">("
                     + t("{qid}, version {version}", qid=dist.qid, version=dist.version)
                     + f")</span></figcaption>{_bar_chart(dist, t)}</figure>")
    parts.append("<h2>" + t('Wording changes') + "</h2>")
    if data.wording:
        parts += [f'<p class="note">{e(text)}</p>' for text in data.wording]
    else:
        parts.append("<p>" + t("No question changed its wording between the waves in this "
                               "report.") + "</p>")
    parts += _suppression(data, t)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _index_text(point: IndexPoint | None, t: _Words) -> str:
    return t("hidden") if point is None or point.mean is None else e(point.mean)


def _range_text(point: IndexPoint | None, t: _Words) -> str:
    if point is None or point.mean is None:
        return ""
    return " (" + t("95% interval {low}–{high}, {n} people", low=point.low, high=point.high,
                    n=t.n(point.n)) + ")"


def _line_chart(series: list[IndexPoint], t: _Words) -> str:
    width, height, left, right, top, bottom = 680, 280, 44, 16, 16, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(series))

    def y(v: float) -> float:
        return top + (100 - v) / 100 * plot_h

    out = [f'<svg role="img" viewBox="0 0 {width} {height}" width="100%">',
           "<title>" + t('Belonging index by wave, with 95% intervals') + "</title>"]
    for v in (0, 25, 50, 75, 100):
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                   'stroke="#e4e7eb"/>')
        out.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v}</text>')
    line: list[str] = []
    segments = []
    for i, p in enumerate(series):
        x = left + (i + 0.5) * step
        out.append(f'<text x="{x:.1f}" y="{height - bottom + 18}" text-anchor="middle">{e(p.wave)}</text>')
        if p.mean is None:
            out.append(f'<text x="{x:.1f}" y="{y(50):.1f}" text-anchor="middle" fill="{GREY}">'
                       "" + t('not shown') + "</text>")
            if line:
                segments.append(line)
            line = []
            continue
        line.append(f"{x:.1f},{y(p.mean):.1f}")
        if p.low is not None and p.high is not None:
            out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y(p.low):.1f}" y2="{y(p.high):.1f}" '
                       f'stroke="{BLUE}" stroke-width="2"/>')
            for v in (p.low, p.high):
                out.append(f'<line x1="{x - 6:.1f}" x2="{x + 6:.1f}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                           f'stroke="{BLUE}" stroke-width="2"/>')
        out.append(f'<circle cx="{x:.1f}" cy="{y(p.mean):.1f}" r="5" fill="{BLUE}"/>')
        label_y = y(p.high if p.high is not None else p.mean) - 8
        out.append(f'<text x="{x + 9:.1f}" y="{label_y:.1f}">{e(p.mean)}</text>')
    if line:
        segments.append(line)
    for seg in segments:
        if len(seg) > 1:
            out.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="{BLUE}" '
                       'stroke-opacity=".5"/>')
    out.append(f'<text x="{left}" y="{height - 8}" fill="{GREY}">'
               "" + t('Dot: index; bar: 95% interval.') + "</text>")
    out.append("</svg>")
    return "".join(out)


def _bar_chart(dist: Distribution, t: _Words) -> str:
    row_h, label_w, bar_w, width = 26, 250, 330, 680
    height = row_h * len(dist.bars) + 8
    out = [f'<svg role="img" viewBox="0 0 {width} {height}" width="100%">',
           f"<title>{e(dist.text)}</title>"]
    for i, bar in enumerate(dist.bars):
        y = 4 + i * row_h
        label = bar.label if len(bar.label) <= 40 else bar.label[:39] + "…"
        out.append(f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end">{e(label)}</text>')
        if bar.suppressed or bar.share is None:
            out.append(f'<rect x="{label_w}" y="{y + 4}" width="{bar_w}" height="{row_h - 8}" '
                       'fill="#f5f7fa"/>')
            out.append(f'<text x="{label_w + 8}" y="{y + 17}" fill="{GREY}">'
                       "" + t('hidden (small numbers)') + "</text>")
            continue
        length = max(0.0, min(1.0, bar.share)) * bar_w
        out.append(f'<rect x="{label_w}" y="{y + 4}" width="{length:.1f}" height="{row_h - 8}" '
                   f'fill="{BLUE}"/>')
        out.append(f'<text x="{label_w + length + 6:.1f}" y="{y + 17}">{bar.share * 100:.0f}% '
                   f'<tspan fill="{GREY}">({t.n(bar.count)})</tspan></text>')
    out.append("</svg>")
    return "".join(out)


def _group_table(data: ReportData, t: _Words) -> list[str]:
    out = ["<h2>" + t('Belonging index by group, wave {wave}', wave=data.focus or '-') + "</h2>"]
    if not data.groups:
        return [*out, "<p>" + t('No breakdown by group is available for this wave.') + "</p>"]
    out.append("<table><tr><th>" + t("Group") + '</th><th class="num">' + t("People")
               + '</th><th class="num">' + t("Index") + '</th><th class="num">'
               + t("95% interval") + "</th></tr>")
    current = None
    for g in data.groups:
        if g.variable != current:
            current = g.variable
            out.append(f'<tr><th colspan="4">{e(g.variable)}</th></tr>')
        if g.suppressed or g.mean is None:
            why = (t("hidden (fewer than {k} people)", k=data.k)
                   if g.suppressed.startswith("primary") else
                   t("hidden (protects a small group)") if g.suppressed else t("no index"))
            out.append(f'<tr><td>{e(g.group)}</td><td class="num muted" colspan="3">{why}</td></tr>')
        else:
            out.append(f'<tr><td>{e(g.group)}</td><td class="num">{t.n(g.n)}</td>'
                       f'<td class="num">{e(g.mean)}</td><td class="num">{e(g.low)}–{e(g.high)}</td></tr>')
    out.append("</table>")
    return out


def _suppression(data: ReportData, t: _Words) -> list[str]:
    total = data.suppressed_primary + data.suppressed_complementary
    out = [
        "<h2>" + t('Suppression: what is hidden and why') + "</h2>",
        "<p>" + t("To protect the people who answered, no number describing fewer than <b>K = "
                  "{k}</b> people is shown. In this report <b>{total}</b> cells (in aggregates.csv "
                  "and index.csv) are hidden: <b>{primary}</b> because they describe fewer than "
                  "{k} people (marked <code>primary: n&lt;{k}</code>), and <b>{complementary}</b> "
                  "more (marked <code>complementary</code>) only so that a hidden number cannot be "
                  "worked out by subtracting the visible ones from a total.", k=data.k,
                  total=t.n(total), primary=t.n(data.suppressed_primary),
                  complementary=t.n(data.suppressed_complementary)) + "</p>",
        "<p>" + t("A person who does not give a profile answer (or prefers not to say) is counted "
                  "in the group <i>Prefer not to say</i>, which is treated like any other group.")
        + "</p>",
        "<p>" + t("The index values are rounded to whole points. The row-level file answers.csv "
                  "shows no profile answers for rare combinations of them or for hidden groups "
                  "({n} rows have them replaced by <code>suppressed</code>); it does show every "
                  "answer, so it is meant for researchers under a data-sharing agreement, not for "
                  "publication next to the tables.", n=t.n(data.answers_profile_hidden)) + "</p>",
    ]
    if data.notes:
        out.append("<p>" + t('Left out entirely:') + "</p><ul>")
        out += [f"<li>{e(note)}</li>" for note in data.notes]
        out.append("</ul>")
    return out
