"""The report's charts (nurturedsl/readout/charts.py): drawn from the
report's members only, deterministic bytes, text kept as text in SVG."""

from __future__ import annotations

import pytest

from nurturedsl.readout import charts
from nurturedsl.readout.charts import svgs
from nurturedsl.readout.output import summary

from .readout_sample import older, real, shaped

CHART_NAMES = ["funnel-inbound", "weekly", "time-to-handoff", "split-ghost.first_give"]


@pytest.fixture(scope="module")
def drawn() -> dict[str, tuple[bytes, bytes]]:
    return charts(shaped())


def test_one_chart_per_member_the_report_has(drawn: dict[str, tuple[bytes, bytes]]) -> None:
    assert list(drawn) == CHART_NAMES
    for svg, png in drawn.values():
        assert svg.startswith(b"<?xml") and b"<svg" in svg
        assert png.startswith(b"\x89PNG\r\n\x1a\n")


def test_a_report_without_the_new_members_has_no_charts() -> None:
    # a 1.2.0 report (no funnel, weekly, time to handoff or splits): nothing drawn from nothing
    assert charts(older(real())) == {}
    partial = older(real())
    partial["splits"] = {}
    partial["weekly"] = []
    assert charts(partial) == {}


def test_the_same_report_gives_the_same_bytes(drawn: dict[str, tuple[bytes, bytes]]) -> None:
    report = shaped()
    del report["splits"], report["handoffs"]["time_to_handoff"]  # two charts are enough, and quicker
    again = charts(report)
    assert list(again) == ["funnel-inbound", "weekly"]
    for name in again:
        assert again[name][0] == drawn[name][0], f"{name}.svg differs between two runs"
        assert again[name][1] == drawn[name][1], f"{name}.png differs between two runs"
    assert b"<dc:date>" not in drawn["weekly"][0]  # no date in the SVG's metadata


def test_svg_keeps_text_as_text_with_the_steps_human_labels(drawn: dict[str, tuple[bytes, bytes]]) -> None:
    funnel = drawn["funnel-inbound"][0].decode()
    # the steps in the text report's words, as <text> a browser can search and a screen reader can read
    assert "&quot;The evaluation checklist&quot; email" in funnel or '"The evaluation checklist" email' in funnel
    assert "(17 lost)" in funnel
    split = drawn["split-ghost.first_give"][0].decode()
    assert "no clear winner" in split
    assert "15.0% of 200" in split and "12.0% of 200" in split
    assert "median 4.1d" in drawn["time-to-handoff"][0].decode()


def test_cohort_intervals_are_drawn_where_the_report_has_them(drawn: dict[str, tuple[bytes, bytes]]) -> None:
    plain = {name: svg.decode() for name, (svg, _) in drawn.items()}
    ranged = shaped()
    del ranged["splits"]
    ranged["intervals"] = {
        "flows.inbound.funnel.welcome.reached": [110, 130],
        "weekly.2.entries": [8, 16],
        "handoffs.time_to_handoff.buckets.2.contacts": [3, 9],
    }
    banded = {n: s for n, _, s in svgs(ranged)}
    assert banded["funnel-inbound"] != plain["funnel-inbound"]
    assert "95% interval" in banded["funnel-inbound"] and "95% interval" not in plain["funnel-inbound"]
    assert banded["weekly"] != plain["weekly"]
    assert banded["time-to-handoff"] != plain["time-to-handoff"]


def test_a_splits_verdict_is_the_text_reports_words_on_the_chart_and_the_page() -> None:
    # review 15 #6: one formatter per figure's words (nurturedsl/sim/report.py), not a copy in the readout
    import html
    import re

    from nurturedsl.readout import page
    from nurturedsl.sim.report import difference_words, verdict_words

    report = shaped()
    split = report["splits"]["ghost.first_give"]
    said = verdict_words(split, report.get("experiments", {}).get("ghost.first_give"))
    assert said.startswith("undecided; ")  # an experiment's words, not the plain split's
    chart = {name: svg for name, _, svg in svgs(report)}["split-ghost.first_give"]
    assert html.escape(said) in chart or said in chart
    drawn = page(report, "no diagrams")
    assert f"ghost.first_give ({split['kind']}): {html.escape(said)}</h3>" in drawn
    shown = html.unescape(re.sub(r"<[^>]+>", "", drawn))
    assert "Difference: " + difference_words(split["difference"]) in shown
    assert "won" not in shown and " minus " not in shown


def test_the_markdown_summary_embeds_each_png_and_states_the_run() -> None:
    text = summary(shaped(), CHART_NAMES)
    assert "Replay of 12 contacts from 2026-01-05T00:00:00Z until 2027-01-05T00:00:00Z" in text
    assert "(given with --start)" in text
    assert "| inbound | 4 | 15 | 12.5% |" in text
    for name in CHART_NAMES:
        assert f"![{name}]({name}.png)" in text


def test_count_axes_have_whole_ticks_and_headroom_and_labels_clear_the_intervals() -> None:
    # review 15 #8: no 0.5 contacts, the tallest bar off the frame, error bars never through a value label
    import matplotlib

    from nurturedsl.readout.charts import STYLE, _planned

    report = real("cohort")
    with matplotlib.rc_context(STYLE):  # type: ignore[arg-type]
        drawn = {name: draw() for name, _, draw in _planned(report)}
    handoff = drawn["time-to-handoff"].axes[0]
    assert all(float(t).is_integer() for t in handoff.get_yticks())
    tallest = max(patch.get_height() for patch in handoff.patches)
    assert handoff.get_ylim()[1] >= tallest * 1.1
    touches, entries, later = drawn["weekly"].axes  # entries have a panel of their own
    for ax in (touches, entries, later):
        assert all(float(t).is_integer() for t in ax.get_yticks())
    assert {line.get_label() for line in later.get_lines()} == {"handoffs", "goals"}
    funnel = drawn["funnel-inbound"].axes[0]
    assert all(float(t).is_integer() for t in funnel.get_xticks())
    assert funnel.get_legend() is None and drawn["funnel-inbound"].legends  # the legend sits outside the axes
    bars = [p for p in funnel.patches if p.get_width() > 0]
    reach = max(p.get_x() + p.get_width() for p in bars)
    caps = [line for line in funnel.get_lines() if len(line.get_xdata())]
    furthest = max([reach] + [max(line.get_xdata()) for line in caps])
    for text in funnel.texts:
        row = text.get_position()[1]
        ends = [p.get_x() + p.get_width() for p in bars if abs(p.get_y() + p.get_height() / 2 - row) < 0.01]
        assert text.get_position()[0] > max(ends)
    assert furthest < funnel.get_xlim()[1]


def test_a_channel_keeps_its_colour_whichever_channels_ran() -> None:
    from nurturedsl.readout.charts import CHANNEL_COLOURS, channel_colour

    assert (
        channel_colour("email", ["email"])
        == channel_colour("email", ["ads", "email", "sms"])
        == CHANNEL_COLOURS["email"]
    )
    assert len(set(CHANNEL_COLOURS.values())) == len(CHANNEL_COLOURS)
    report = shaped()
    alone = {**report, "weekly": [{**w, "touches": {"email": w["touches"].get("email", 0)}} for w in report["weekly"]]}
    colour = CHANNEL_COLOURS["email"].lower()
    for run in (alone, report):  # SVG only: the PNG adds seconds and nothing here
        assert colour in {name: svg for name, _, svg in svgs(run)}["weekly"].lower()
