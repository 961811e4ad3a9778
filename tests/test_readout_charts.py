"""The report's charts (nurturedsl/readout/charts.py): drawn from the
report's members only, deterministic bytes, text kept as text in SVG."""

from __future__ import annotations

import pytest

from nurturedsl.readout import charts
from nurturedsl.readout.charts import svgs, verdict
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
    # the step labels, not ids, as <text> a browser can search and a screen reader can read
    assert "email &quot;The evaluation checklist&quot;" in funnel or 'email "The evaluation checklist"' in funnel
    assert "(17 lost)" in funnel
    assert "welcome" not in funnel.replace("Welcome", "")
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


def test_a_splits_verdict_is_in_the_text_reports_words() -> None:
    assert verdict({"winner": None, "decided": False}) == "no clear winner"
    assert verdict({"winner": "B", "decided": False}) == "B leads, interval excludes 0"
    assert verdict({"winner": "B", "decided": True}) == "B won"


def test_the_markdown_summary_embeds_each_png_and_states_the_run() -> None:
    text = summary(shaped(), CHART_NAMES)
    assert "Replay of 12 contacts from 2026-01-05T00:00:00Z until 2027-01-05T00:00:00Z" in text
    assert "(given with --start)" in text
    assert "| inbound | 4 | 15 | 12.5% |" in text
    for name in CHART_NAMES:
        assert f"![{name}]({name}.png)" in text
