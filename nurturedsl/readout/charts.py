"""The report's charts, drawn with matplotlib.

Why matplotlib: a well-kept library that writes SVG and PNG from one
figure, keeps text as text in SVG (`svg.fonttype: none`, so the page's
charts are searchable and sharp), and writes the same bytes for the same
figure given a fixed hash salt and no dates in the metadata. It is imported
only inside the functions that draw, with the Agg backend's object API (no
pyplot, no display), so nothing else in nurturedsl pays for it.

Each chart is (name, figure); a name is also the file name under
`--charts DIR`. A chart is drawn only when the report has its members.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

# one wording per figure: the text report's (nurturedsl/sim/report.py)
from ..sim.report import bucket_words, step_words, verdict_words
from .figures import (
    Report,
    arm_paths,
    funnel_paths,
    get,
    interval,
    is_number,
    items,
    members,
    percent,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Okabe and Ito's palette, told apart with every common colour blindness.
BLUE, ORANGE, SKY, GREEN, YELLOW, VERMILLION, PURPLE, GREY = (
    "#0072B2",
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#D55E00",
    "#CC79A7",
    "#7f7f7f",
)
SERIES = (BLUE, ORANGE, GREEN, PURPLE, SKY, VERMILLION, YELLOW, GREY)
# One colour per channel on every chart, whichever channels a run used.
CHANNEL_COLOURS = {"email": BLUE, "sms": ORANGE, "linkedin": SKY, "ads": PURPLE, "phone": YELLOW}
# The weekly lines keep clear of the channels' colours.
ENTRIES, HANDOFFS, GOALS = "#333333", VERMILLION, GREEN
HEADROOM = 1.15  # the tallest bar (with its interval) stays clear of the frame


def channel_colour(channel: str, others: list[str]) -> str:
    """A channel's fixed colour; an unknown one gets the next free colour, by name order."""
    if channel in CHANNEL_COLOURS:
        return CHANNEL_COLOURS[channel]
    spare = [c for c in (GREY, SKY, YELLOW) if c not in CHANNEL_COLOURS.values()] or [GREY]
    return spare[sorted(others).index(channel) % len(spare)] if channel in others else GREY


def _whole_counts(axis: Any) -> None:
    """Ticks at whole numbers only: the axis counts contacts, runs or touches."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


REACHED, LOST = BLUE, VERMILLION
WIDTH_INCHES = 9.0
STYLE: dict[str, Any] = {
    "svg.fonttype": "none",  # text stays text
    "svg.hashsalt": "nurturedsl",  # ids from a fixed salt: the same bytes every run
    "font.family": "DejaVu Sans",  # bundled with matplotlib: the same PNG on every machine
    "font.size": 11,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e0e0e0",
    "axes.axisbelow": True,
}


def charts(report: Report) -> dict[str, tuple[bytes, bytes]]:
    """Every chart the report has members for: name -> (SVG, PNG) bytes."""
    return {name: (svg, png) for name, _, svg, png in drawn(report, png=True)}


def svgs(report: Report) -> list[tuple[str, str, str]]:
    """(name, title, SVG text) of every chart, for the HTML page."""
    return [(name, title, svg.decode("utf-8")) for name, title, svg, _ in drawn(report, png=False)]


class NoMatplotlib(Exception):
    """matplotlib is not installed (it is a dependency; a trimmed install may lack it)."""

    def __str__(self) -> str:
        return "--format html and --charts draw with matplotlib, which is not installed: python3 -m pip install 'matplotlib>=3.8'"


def drawn(report: Report, png: bool) -> Iterator[tuple[str, str, bytes, bytes]]:
    try:
        import matplotlib
    except ImportError:
        raise NoMatplotlib() from None

    with matplotlib.rc_context(STYLE):  # type: ignore[arg-type]  # the keys are rcParams' own
        for name, title, figure in _figures(report):
            svg = io.BytesIO()
            figure.savefig(svg, format="svg", metadata={"Date": None})
            data = b""
            if png:
                raster = io.BytesIO()
                figure.savefig(raster, format="png", dpi=120, metadata={"Software": None})
                data = raster.getvalue()
            yield name, title, svg.getvalue(), data


def file_name(text: str) -> str:
    """A chart name safe as a file name on every system: `funnel-inbound`."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("._") or "chart"


def names(report: Report) -> list[str]:
    """The charts' names, without drawing: the same for a zero report of the
    playbook (its members follow from the IR), so --charts DIR can be
    checked before the run."""
    return [name for name, _, _ in _planned(report)]


def _figures(report: Report) -> Iterator[tuple[str, str, Figure]]:
    for name, title, draw in _planned(report):
        yield name, title, draw()


def _planned(report: Report) -> Iterator[tuple[str, str, Callable[[], Figure]]]:
    for flow in members(report, ("flows",)):
        steps = items(report, ("flows", flow, "funnel"))
        if steps:
            yield (
                file_name(f"funnel-{flow}"),
                f"Funnel of {flow}",
                lambda flow=flow, steps=steps: _funnel(report, flow, steps),  # type: ignore[misc]
            )
    weeks = items(report, ("weekly",))
    if weeks:
        yield "weekly", "Over time, per week", lambda: _weekly(report, weeks)
    buckets = items(report, ("handoffs", "time_to_handoff", "buckets"))
    if buckets:
        yield "time-to-handoff", "Time to handoff", lambda: _time_to_handoff(report, buckets)
    for split, data in members(report, ("splits",)).items():
        arms = items(report, ("splits", split, "arms"))
        if arms and isinstance(data, dict):
            yield (
                file_name(f"split-{split}"),
                f"Arms of {split}",
                lambda split=split, data=data, arms=arms: _split(report, split, data, arms),  # type: ignore[misc]
            )


def _figure(height: float) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(WIDTH_INCHES, height), layout="constrained")


def _count(value: object) -> float:
    return float(value) if is_number(value) else 0.0  # type: ignore[arg-type]


def _error_bars(values: list[float], ranges: list[tuple[float, float] | None]) -> list[list[float]] | None:
    """matplotlib's [below, above] distances, None when no figure has an interval."""
    if not any(ranges):
        return None
    below = [max(0.0, v - r[0]) if r else 0.0 for v, r in zip(values, ranges)]
    above = [max(0.0, r[1] - v) if r else 0.0 for v, r in zip(values, ranges)]
    return [below, above]


def _funnel(report: Report, flow: str, steps: list[dict[str, Any]]) -> Figure:
    """One bar per step in written order, top to bottom: the runs that reached
    it, the part of them lost there in vermillion."""
    figure = _figure(1.2 + 0.38 * len(steps))
    ax = figure.subplots()
    labels = [_short(step_words(item), 48) for item in steps]
    reached = [_count(item.get("reached")) for item in steps]
    lost = [min(_count(item.get("lost")), r) for item, r in zip(steps, reached)]
    rows = list(range(len(steps)))
    ax.barh(rows, [r - x for r, x in zip(reached, lost)], color=REACHED, label="reached, went on or left otherwise")
    ax.barh(rows, lost, left=[r - x for r, x in zip(reached, lost)], color=LOST, label="lost at this step")
    ranges = [interval(report, *funnel_paths(flow, i, item, "reached")) for i, item in enumerate(steps)]
    errors = _error_bars(reached, ranges)
    if errors:
        ax.errorbar(reached, rows, xerr=errors, fmt="none", ecolor="#333333", capsize=3, label="95% interval")
    # each value label starts beyond its bar and its interval, so no error bar strikes it
    ends = [max(r, interval_[1]) if interval_ else r for r, interval_ in zip(reached, ranges)]
    most = max(ends + [1.0])
    for row, (end, r, x) in enumerate(zip(ends, reached, lost)):
        text = _num(r) + (f"  ({_num(x)} lost)" if x else "")
        ax.text(end + most * 0.015, row, text, va="center", fontsize=9)
    ax.set_yticks(rows, labels)
    ax.invert_yaxis()
    ax.set_xlim(0, most * 1.3)
    _whole_counts(ax.xaxis)
    ax.set_xlabel("runs of the flow")
    ax.set_title(f"Funnel of {flow}: where contacts are lost", loc="left")
    ax.grid(axis="y", visible=False)
    figure.legend(loc="outside lower center", fontsize=8, frameon=False, ncols=3)  # under the axes, never on a bar
    return figure


def _weekly(report: Report, weeks: list[dict[str, Any]]) -> Figure:
    """Touches per week by channel (stacked bars) above entries, handoffs and
    goals per week (lines, with the cohort's interval as a band)."""
    figure = _figure(7.5)
    # entries get a panel of their own: a first week's spike of entries would flatten the handoffs and goals
    top, middle, bottom = figure.subplots(3, 1, sharex=True, height_ratios=[3, 2, 2])
    labels = [str(week.get("from", week.get("week", ""))) for week in weeks]
    x = list(range(len(weeks)))
    channels: list[str] = []
    for week in weeks:
        for channel in members(week, ("touches",)):
            if channel not in channels:
                channels.append(channel)
    base = [0.0] * len(weeks)
    for channel in channels:
        values = [_count(get(week, ("touches", channel))) for week in weeks]
        colour = channel_colour(channel, channels)
        top.bar(x, values, bottom=base, color=colour, label=channel, width=0.8)
        base = [b + v for b, v in zip(base, values)]
    top.set_title("Touches per week by channel", loc="left")
    top.set_ylabel("touches")
    top.set_ylim(0, max(base + [1.0]) * HEADROOM)
    if channels:
        top.legend(fontsize=8, frameon=False, ncols=min(len(channels), 6), loc="lower right", bbox_to_anchor=(1, 1))
    for panel, lines in ((middle, (("entries", ENTRIES),)), (bottom, (("handoffs", HANDOFFS), ("goals", GOALS)))):
        highest = 1.0
        for member, colour in lines:
            highest = max([highest] + _weekly_line(report, panel, weeks, x, member, colour))
        panel.set_ylim(0, highest * HEADROOM)
        _whole_counts(panel.yaxis)
        panel.legend(fontsize=8, frameon=False, ncols=2, loc="lower right", bbox_to_anchor=(1, 1))
    _whole_counts(top.yaxis)
    middle.set_title("Entries per week", loc="left")
    middle.set_ylabel("entries")
    bottom.set_title("Handoffs and goals per week", loc="left")
    bottom.set_ylabel("per week")
    step = max(1, len(weeks) // 12)  # at most a dozen dates under the axis
    bottom.set_xticks(x[::step], labels[::step], rotation=30, ha="right")
    bottom.set_xlabel("week from")
    return figure


def _weekly_line(
    report: Report, panel: Any, weeks: list[dict[str, Any]], x: list[int], member: str, colour: str
) -> list[float]:
    """One member per week as a line, with the cohort's interval as a band; the heights drawn."""
    values = [_count(week.get(member)) for week in weeks]
    panel.plot(x, values, color=colour, marker="o", markersize=3, label=member)
    ranges = [interval(report, ("weekly", i, member)) for i in range(len(weeks))]
    if any(ranges):
        panel.fill_between(
            x,
            [r[0] if r else v for r, v in zip(ranges, values)],
            [r[1] if r else v for r, v in zip(ranges, values)],
            color=colour,
            alpha=0.18,
            linewidth=0,
        )
    return values + [r[1] for r in ranges if r]


def _time_to_handoff(report: Report, buckets: list[dict[str, Any]]) -> Figure:
    figure = _figure(3.6)
    ax = figure.subplots()
    values = [_count(bucket.get("contacts")) for bucket in buckets]
    x = list(range(len(buckets)))
    ranges = [interval(report, ("handoffs", "time_to_handoff", "buckets", i, "contacts")) for i in range(len(buckets))]
    ax.bar(x, values, color=BLUE, yerr=_error_bars(values, ranges), capsize=3, ecolor="#333333")
    ax.set_ylim(0, max(values + [r[1] for r in ranges if r] + [1.0]) * HEADROOM)
    _whole_counts(ax.yaxis)
    ax.set_xticks(x, [bucket_words(bucket) for bucket in buckets])
    ax.set_ylabel("contacts handed off")
    ax.set_xlabel("days from entering to the handoff")
    ax.grid(axis="x", visible=False)
    spread = members(report, ("handoffs", "time_to_handoff"))
    said = [f"{name} {_num(spread[name])}d" for name in ("p25", "median", "p75", "p90") if is_number(spread.get(name))]
    ax.set_title("Time to handoff" + (": " + ", ".join(said) if said else ""), loc="left")
    return figure


def _split(report: Report, split: str, data: dict[str, Any], arms: list[dict[str, Any]]) -> Figure:
    """Each arm's goal rate with its 95% interval (Wilson), as error bars."""
    figure = _figure(1.4 + 0.5 * len(arms))
    ax = figure.subplots()
    rows = list(range(len(arms)))
    rates = [_count(arm.get("rate")) * 100 for arm in arms]
    ranges: list[tuple[float, float] | None] = []
    for i, arm in enumerate(arms):
        given = arm.get("rate_interval")
        if isinstance(given, list) and len(given) == 2 and all(is_number(v) for v in given):
            ranges.append((float(given[0]) * 100, float(given[1]) * 100))
        else:
            found = interval(report, *arm_paths(split, i, arm, "rate"))
            ranges.append((found[0] * 100, found[1] * 100) if found else None)
    winner = data.get("winner")
    colours = [GREEN if arm.get("arm") == winner and winner is not None else SKY for arm in arms]
    ax.barh(rows, rates, color=colours, height=0.6)
    errors = _error_bars(rates, ranges)
    if errors:
        ax.errorbar(rates, rows, xerr=errors, fmt="none", ecolor="#333333", capsize=4)
    top = max([r[1] for r in ranges if r] + rates + [1.0])
    for row, arm in enumerate(arms):
        text = f"{percent(arm.get('rate'))} of {_num(_count(arm.get('entered')))}"
        ax.text(top * 1.02, row, text, va="center", fontsize=9)
    ax.set_yticks(rows, [_short(str(arm.get("arm", i + 1)), 40) for i, arm in enumerate(arms)])
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.3)
    ax.set_xlabel("goal rate, % of the arm's entries (bars: 95% interval)")
    ax.grid(axis="y", visible=False)
    said = verdict_words(data, members(report, ("experiments",)).get(split))
    ax.set_title(f"{split} ({data.get('kind', 'split')})", loc="left")
    ax.text(0, 1.02, said, transform=ax.transAxes, fontsize=9, va="bottom")  # the verdict under the title
    return figure


def _num(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
