"""`simulate --format html`: the report as one self-contained page.

No script, stylesheet, font or image from the network: charts are inline
SVG (text kept as text), the diagrams are Graphviz's SVG. Everything scales
to the page's width, so at 1400 px nothing scrolls sideways.

Every figure on the page is the report's own number, as `--format json`
writes it: each is marked with the JSON pointer it comes from and its value
(`data-pointer="/flows/inbound/entered" data-value="120"`), so a test (or a
reader's tool) can check the page against the JSON. The page computes no
figure of its own.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from ..render.html import FIT_STYLE, fitted, inline_svg
from ..sim.report import bucket_words, reason_words, step_words, verdict_words
from .charts import svgs
from .figures import (
    Path,
    Report,
    arm_paths,
    funnel_paths,
    get,
    interval,
    is_number,
    items,
    members,
    number,
    percent,
)

# (heading, inline SVG) of each diagram, or why there are none
Diagrams = list[tuple[str, str]] | str

STYLE = """
* { box-sizing: border-box; }
body { font-family: Helvetica, Arial, sans-serif; margin: 0; color: #1b1b1b; background: #fafafa; font-size: 14px; }
header { padding: 14px 24px; background: #263238; color: #fff; }
header h1 { margin: 0; font-size: 20px; }
header p { margin: 4px 0 0; color: #cfd8dc; font-size: 14px; }
nav { padding: 8px 24px; background: #eceff1; font-size: 14px; }
nav a { margin-right: 14px; color: #1565c0; }
main { max-width: 1360px; margin: 0 auto; padding: 0 24px 24px; }
section { margin-top: 20px; }
h2 { font-size: 18px; margin: 0 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 14px 0 6px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 10px 14px; min-width: 160px; }
.card .big { font-size: 22px; font-weight: bold; }
.card .what { color: #546e7a; font-size: 13px; }
table { border-collapse: collapse; background: #fff; margin: 4px 0 10px; max-width: 100%; }
th, td { border: 1px solid #e0e0e0; padding: 4px 8px; text-align: left; vertical-align: top; }
th:first-child, td:first-child { white-space: nowrap; }  /* a flow or step name is never broken mid-word */
th { background: #f5f5f5; font-weight: 600; }
td.n, th.n { text-align: right; white-space: nowrap; }
.iv { color: #607d8b; font-size: 12px; white-space: nowrap; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 14px; }
figure { margin: 0; background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px; min-width: 0; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { font-size: 13px; color: #546e7a; }
.diagram { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 8px; margin-bottom: 14px; }
.note { color: #546e7a; }
.warn li { margin-bottom: 4px; }
"""


def pointer(path: Path) -> str:
    """RFC 6901: `/thresholds/lead.mql/contacts`."""
    return "".join("/" + str(key).replace("~", "~0").replace("/", "~1") for key in path)


class _Page:
    def __init__(self, report: Report) -> None:
        self.report = report

    def num(self, path: Path, *interval_paths: Path, rate: bool = False) -> str:
        """The figure at `path`, marked with where it comes from, with its
        cohort interval when the report has one."""
        value = get(self.report, path)
        if value is None:
            return '<span class="note">-</span>'
        shown = percent(value) if rate else number(value)
        found = interval(self.report, path, *interval_paths)
        extra = ""
        if found:
            low, high = (percent(v) for v in found) if rate else (number(v) for v in found)
            extra = f' <span class="iv">[{low}–{high}]</span>'
        return (
            f'<span class="n" data-pointer="{html.escape(pointer(path))}" '
            f'data-value="{html.escape(json.dumps(value))}">{shown}</span>{extra}'
        )

    def points(self, path: Path) -> str:
        """A difference of rates as the text report writes it, `+17.1` (points)."""
        value = get(self.report, path)
        if not is_number(value):
            return '<span class="note">-</span>'
        return (
            f'<span class="n" data-pointer="{html.escape(pointer(path))}" data-unit="points" '
            f'data-value="{html.escape(json.dumps(value))}">{100 * value:+.1f}</span>'
        )

    def counts(self, path: Path, words: Any = str) -> str:
        """An object of counts as `name 3, other 1`; `-` when empty."""
        found = members(self.report, path)
        parts = [f"{html.escape(words(key))} {self.num((*path, key))}" for key, v in found.items() if is_number(v)]
        return ", ".join(parts) or '<span class="note">none</span>'


def page(report: Report, diagrams: Diagrams) -> str:
    """The whole page for `report` (as `simulate --format json` wrote it)."""
    p = _Page(report)
    sections: list[tuple[str, str, str]] = []  # (anchor, heading, body)
    charts = {name: (title, svg) for name, title, svg in svgs(report)}
    sections.append(("headline", "Headline", _headline(p)))
    sections.append(("flows", "Flows", _flows(p)))
    funnels = _funnels(p, charts)
    if funnels:
        sections.append(("funnels", "Funnel per flow", funnels))
    sections.append(("experiments", "Experiments and splits", _splits(p, charts)))
    sections.append(("over-time", "Over time", _over_time(p, charts)))
    sections.append(("sales", "Sales", _sales(p)))
    sections.append(("touches", "Touches", _touches(p)))
    sections.append(("policy", "Policy", _policy(p)))
    sections.append(("notes", "Notes and warnings", _notes(report)))
    sections.append(("diagrams", "Diagrams", _diagrams(diagrams)))
    title = html.escape(str(report.get("playbook", "playbook")))
    nav = " ".join(f'<a href="#{anchor}">{html.escape(heading)}</a>' for anchor, heading, _ in sections)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}: simulation</title>",
        f"<style>{STYLE}{FIT_STYLE}</style>",
        "</head>",
        "<body>",
        f'<header><h1>{title}: simulation</h1><p id="run">{_run_line(p)}</p></header>',
        f"<nav>{nav}</nav>",
        "<main>",
    ]
    for anchor, heading, body in sections:
        parts.append(f'<section id="{anchor}"><h2>{html.escape(heading)}</h2>{body}</section>')
    parts += ["</main>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def _run_line(p: _Page) -> str:
    """The run in one line: mode, contacts, start and its reason, until."""
    r = p.report
    contacts = p.num(("contacts",))
    if r.get("mode") == "cohort":
        what = f"Forecast: a cohort of {contacts} contacts in {p.num(('runs',))} runs, seed {p.num(('seed',))}"
    else:
        what = f"Replay of {contacts} contacts"
    start = html.escape(str(r.get("start", "?")))
    reason = r.get("start_reason")
    start += f" ({html.escape(str(reason))})" if isinstance(reason, str) and reason else ""
    line = f"{what}, from {start} until {html.escape(str(r.get('until', '?')))}"
    window = get(r, ("attribution", "seconds"))
    if is_number(window):
        from ..units import short

        # as the text report says it: 14d, not the JSON's P2W
        line += (
            f"; goals count within {html.escape(short(window))} of a flow's end"
            if window
            else "; goals count when a run ends"
        )
    if isinstance(r.get("intervals"), dict):
        line += ". Figures in [brackets]: 95% interval over the runs"
    return line + "."


def _headline(p: _Page) -> str:
    r = p.report
    cards = [
        (p.num(("contacts",)), "contacts"),
        (p.num(("nurtured",)), "entered at least one flow"),
        (p.num(("handoffs", "contacts")), "handed off to sales"),
    ]
    for name, flow in members(r, ("flows",)).items():
        if not isinstance(flow, dict) or flow.get("has_goal") is False:
            continue
        if get(flow, ("conversion", "rate")) is not None:
            cards.append((p.num(("flows", name, "conversion", "rate"), rate=True), f"goal conversion of {name}"))
        elif "conversion" not in flow and is_number(flow.get("goal_reached")):
            cards.append((p.num(("flows", name, "goal_reached")), f"reached the goal of {name}"))
    body = "".join(
        f'<div class="card"><div class="big">{big}</div><div class="what">{html.escape(what)}</div></div>'
        for big, what in cards
    )
    return f'<div class="cards">{body}</div>'


def _flows(p: _Page) -> str:
    flows = members(p.report, ("flows",))
    attributed = any(isinstance(f, dict) and "goal_attributed" in f for f in flows.values())
    head = ["flow", "entered", "touches", "goal reached"]
    if attributed:
        head += ["goal (attributed)", "conversion"]
    head += ["still in at the end", "left the flow"]
    rows = []
    for name in flows:
        base = ("flows", name)
        cells = [
            html.escape(name),
            p.num((*base, "entered")),
            p.num((*base, "touches")),
            p.num((*base, "goal_reached")),
        ]
        if attributed:
            cells += [p.num((*base, "goal_attributed")), p.num((*base, "conversion", "rate"), rate=True)]
        cells += [p.num((*base, "still_in")), p.counts((*base, "exits"))]
        rows.append(cells)
    return _table(head, rows, numeric=range(1, len(head) - 1))


def _funnels(p: _Page, charts: dict[str, tuple[str, str]]) -> str:
    from .charts import file_name

    parts = []
    for flow in members(p.report, ("flows",)):
        steps = items(p.report, ("flows", flow, "funnel"))
        if not steps:
            continue
        parts.append(f"<h3>{html.escape(flow)}</h3>")
        ranked = [s for s in get(p.report, ("flows", flow, "lost_most")) or [] if isinstance(s, str)]
        by_id = {item.get("step"): (i, item) for i, item in enumerate(steps)}
        if ranked:
            said = []
            for step in ranked[:3]:
                i, item = by_id.get(step, (None, {}))
                lost = p.num(("flows", flow, "funnel", i, "lost")) if i is not None else "?"
                said.append(f"{html.escape(step_words(item) if item else step)} {lost} lost")  # as the text says it
            parts.append(f"<p>Loses most: {', '.join(said)}.</p>")
        head = ["step", "reached", "sent", "held", "blocked", "lost", "left here"]
        rows = []
        for i, item in enumerate(steps):
            base = ("flows", flow, "funnel", i)
            rows.append(
                [html.escape(step_words(item))]
                + [
                    p.num((*base, m), *funnel_paths(flow, i, item, m))
                    for m in ("reached", "sent", "held", "blocked", "lost")
                ]
                + [p.counts((*base, "left"))]
            )
        parts.append(_table(head, rows, numeric=range(1, 6)))
        chart = charts.get(file_name(f"funnel-{flow}"))
        if chart:
            parts.append(_charts([(file_name(f"funnel-{flow}"), *chart)]))
        paths = items(p.report, ("flows", flow, "paths"))
        if paths:
            prow = []
            for i, path in enumerate(paths):
                base = ("flows", flow, "paths", i)
                # a run that left before its first branch took no arm
                words = " → ".join(str(arm) for arm in path.get("path", [])) or "(left before any choice)"
                prow.append(
                    [
                        html.escape(words),
                        p.num((*base, "runs")),
                        p.num((*base, "goal_attributed")),
                        p.num((*base, "rate"), rate=True),
                    ]
                )
            parts.append("<p>Paths taken (arms at each branch, split or experiment):</p>")
            parts.append(_table(["path", "runs", "goal (attributed)", "rate"], prow, numeric=range(1, 4)))
    return "".join(parts)


def _splits(p: _Page, charts: dict[str, tuple[str, str]]) -> str:
    from .charts import file_name

    parts = []
    splits = members(p.report, ("splits",))
    for split, data in splits.items():
        arms = items(p.report, ("splits", split, "arms"))
        if not isinstance(data, dict) or not arms:
            continue
        parts.append(
            f"<h3>{html.escape(split)} ({html.escape(str(data.get('kind', 'split')))}): {html.escape(verdict_words(data, members(p.report, ('experiments',)).get(split)))}</h3>"
        )
        rows = []
        for i, arm in enumerate(arms):
            base = ("splits", split, "arms", i)
            given = arm.get("rate_interval")
            band = ""
            if isinstance(given, list) and len(given) == 2:
                band = (
                    f"{p.num((*base, 'rate_interval', 0), rate=True)}–{p.num((*base, 'rate_interval', 1), rate=True)}"
                )
            rows.append(
                [html.escape(str(arm.get("arm", i + 1)))]
                + [p.num((*base, m), *arm_paths(split, i, arm, m)) for m in ("entered", "goal_attributed")]
                + [p.num((*base, "rate"), *arm_paths(split, i, arm, "rate"), rate=True), band]
                + [p.num((*base, "unsubscribes"), *arm_paths(split, i, arm, "unsubscribes"))]
            )
        parts.append(
            _table(["arm", "entered", "goal", "goal rate", "95% interval", "unsubscribes"], rows, numeric=range(1, 6))
        )
        diff = members(p.report, ("splits", split, "difference"))
        if diff:
            # the text report's words (difference_words), each figure still marked with its pointer
            at: Path = ("splits", split, "difference")
            best, second = (html.escape(f'"{a}"') for a in diff["between"])
            low, high = p.points((*at, "interval", 0)), p.points((*at, "interval", 1))
            parts.append(f"<p>Difference: {best} − {second}: {p.points((*at, 'value'))} points [{low}, {high}]</p>")
        name = file_name(f"split-{split}")
        if name in charts:
            parts.append(_charts([(name, *charts[name])]))
    for name in members(p.report, ("experiments",)):
        runs = items(p.report, ("experiments", name, "runs"))
        rule = get(p.report, ("experiments", name, "rule"))
        parts.append(f"<h3>experiment {html.escape(name)}" + (f" ({html.escape(str(rule))})" if rule else "") + "</h3>")
        rows = []
        for k, run in enumerate(runs):
            for j, arm in enumerate(items(p.report, ("experiments", name, "runs", k, "arms"))):
                here: Path = ("experiments", name, "runs", k, "arms", j)
                won = run.get("winner")
                rows.append(
                    [str(k + 1), html.escape(str(arm.get("arm")))]
                    + [p.num((*here, m)) for m in ("counted", "reached")]
                    + [p.num((*here, "rate"), rate=True), "winner" if won is not None and won == arm.get("arm") else ""]
                )
        parts.append(
            _table(["run", "arm", "counted", "reached its goal", "rate", "decided"], rows, numeric=range(2, 5))
        )
    return "".join(parts) or '<p class="note">No experiments or splits in this playbook.</p>'


def _over_time(p: _Page, charts: dict[str, tuple[str, str]]) -> str:
    parts = []
    shown: list[tuple[str, str, str]] = [
        (name, *charts[name]) for name in ("weekly", "time-to-handoff") if name in charts
    ]
    if shown:
        parts.append(_charts(shown))
    weeks = items(p.report, ("weekly",))
    if weeks:
        channels: list[str] = []
        for week in weeks:
            channels += [c for c in members(week, ("touches",)) if c not in channels]
        rows = []
        for k, week in enumerate(weeks):
            if not _active(week):
                continue  # a year of weeks is a long table; the chart shows the quiet ones
            base = ("weekly", k)
            rows.append(
                [html.escape(str(week.get("from", k)))]
                + [p.num((*base, "entries"))]
                + [p.num((*base, "touches", c)) for c in channels]
                + [p.num((*base, "handoffs")), p.num((*base, "goals"))]
            )
        head = (
            ["week from (weeks with activity)", "entries"] + [f"{c} touches" for c in channels] + ["handoffs", "goals"]
        )
        parts.append(_table(head, rows, numeric=range(1, len(head))))
    buckets = items(p.report, ("handoffs", "time_to_handoff", "buckets"))
    if buckets:
        spot: Path = ("handoffs", "time_to_handoff")
        rows = [[html.escape(bucket_words(b)), p.num((*spot, "buckets", i, "contacts"))] for i, b in enumerate(buckets)]
        spread = ", ".join(
            f"{m} {p.num((*spot, m))}d"
            for m in ("p25", "median", "p75", "p90")
            if get(p.report, (*spot, m)) is not None
        )
        parts.append(f"<h3>Time to handoff</h3><p>{spread}</p>" if spread else "<h3>Time to handoff</h3>")
        parts.append(_table(["days to handoff", "contacts"], rows, numeric=[1]))
    velocity = members(p.report, ("handoffs", "velocity_days"))
    if velocity:
        parts.append(
            "<p>Days from entering to the handoff: median "
            f"{p.num(('handoffs', 'velocity_days', 'median'))}, p90 {p.num(('handoffs', 'velocity_days', 'p90'))}.</p>"
        )
    return "".join(parts) or '<p class="note">This report has no figures over time.</p>'


def _active(week: dict[str, Any]) -> bool:
    counts = [week.get(m) for m in ("entries", "handoffs", "goals")] + list(members(week, ("touches",)).values())
    return any(is_number(c) and c for c in counts)


def _sales(p: _Page) -> str:
    rows = [
        ["handed off", p.num(("handoffs", "contacts")) + " contacts; by team: " + p.counts(("handoffs", "by_team"))],
    ]
    for name in members(p.report, ("thresholds",)):
        base = ("thresholds", name)
        rows.append(
            [
                html.escape(name),
                f"{p.num((*base, 'contacts'))} contacts crossed ({p.num((*base, 'crossings'))} crossings)",
            ]
        )
    rows.append(["tasks", p.counts(("tasks",))])
    rows.append(["webhooks", p.counts(("webhooks",))])
    rows.append(["notifications", p.counts(("notifications",))])
    return _table(["", ""], rows, header=False)


def _touches(p: _Page) -> str:
    t = ("touches",)
    rows = [
        ["sent", p.num((*t, "total")) + " (" + p.counts((*t, "by_channel")) + ")"],
        [
            "per contact",
            f"median {p.num((*t, 'per_contact', 'median'))}, p90 {p.num((*t, 'per_contact', 'p90'))}, max {p.num((*t, 'per_contact', 'max'))} (contacts who entered a flow)",
        ],
        [
            "gives / asks",
            f"{p.num((*t, 'gives'))} / {p.num((*t, 'asks'))}: {p.num((*t, 'gives_per_ask'))} gives per ask; ways out {p.num((*t, 'way_outs'))}",
        ],
    ]
    return _table(["", ""], rows, header=False)


def _policy(p: _Page) -> str:
    rows = [
        ["deferred", p.counts(("deferred",), reason_words)],
        ["blocked", p.counts(("blocked",))],
        [
            "first touch",
            f"late {p.num(('first_touch', 'late'))} (first message more than {html.escape(_iso_days(str(get(p.report, ('first_touch', 'within')) or '?')))} after entry)",
        ],
        ["suppressed", p.counts(("suppressed",))],
        ["unsubscribes", p.num(("unsubscribes",))],
    ]
    return _table(["", ""], rows, header=False)


def _notes(report: Report) -> str:
    notes = [str(n) for n in report.get("notes") or []]
    if not notes:
        return '<p class="note">No notes or warnings.</p>'
    return '<ul class="warn">' + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>"


def _diagrams(diagrams: Diagrams) -> str:
    if isinstance(diagrams, str):
        return f'<p class="note">{html.escape(diagrams)}</p>'
    from ..render.simoverlay import FLOW_NOTES

    parts = [f'<p class="note">{html.escape("; ".join(FLOW_NOTES))}.</p>']
    for k, (heading, svg) in enumerate(diagrams):
        # as `render --format html` shows a diagram: scaled down to the column, never up, full size a click away
        shown = fitted(inline_svg(svg, f"diagram{k}"), f"diagram{k}")
        parts.append(f'<div class="diagram"><h3>{html.escape(heading)}</h3>{shown}</div>')
    return "".join(parts)


def _charts(shown: list[tuple[str, str, str]]) -> str:
    figures = "".join(
        f'<figure data-chart="{html.escape(name)}" aria-label="{html.escape(title)}">{inline_svg(svg, "chart-" + name)}'
        f"<figcaption>{html.escape(title)} (chart {html.escape(name)})</figcaption></figure>"
        for name, title, svg in shown
    )
    return f'<div class="charts">{figures}</div>'


def _table(head: list[str], rows: list[list[str]], numeric: Any = (), header: bool = True) -> str:
    right = set(numeric)
    parts = ["<table>"]
    if header:
        parts.append(
            "<tr>"
            + "".join(f"<th{' class=n' if i in right else ''}>{html.escape(h)}</th>" for i, h in enumerate(head))
            + "</tr>"
        )
    for row in rows:
        parts.append(
            "<tr>"
            + "".join(f"<td{' class=n' if i in right else ''}>{cell}</td>" for i, cell in enumerate(row))
            + "</tr>"
        )
    parts.append("</table>")
    return "".join(parts)


def _iso_days(window: str) -> str:
    found = re.fullmatch(r"P(\d+)D", window)
    return f"{found[1]}d" if found else window
