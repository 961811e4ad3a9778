"""Over time (issue 15): entries, touches by channel, hand-offs and goals per
week from --start, and the time-to-handoff buckets and quantiles; and the
new figures, like all others, byte-identical for any --workers."""

from __future__ import annotations

import json

from click.testing import CliRunner

from nurturedsl.cli import main

from .conftest import PLAYBOOKS, ROOT
from .test_sim_funnel import moment, simulate

HANDED_OFF = """
content note give "Note"
flow f {
  entry on registered("webinar")
  email hello: note
  wait until replied
  handoff sales
}
"""


def test_weeks_start_at_the_start_and_the_last_may_be_short(tmp_path):
    # a Monday start: day 6 23:59 is week 0, day 7 00:00 week 1, day 14 week 2
    events = [
        ("a", moment(6, 23, 59), "registered", "webinar"),
        ("b", moment(7, 0), "registered", "webinar"),
        ("c", moment(13, 23, 59), "registered", "webinar"),
        ("d", moment(14, 0), "registered", "webinar"),
        ("a", moment(7, 12), "replied", None),  # handed off 12h01m after entering, in week 1
        ("d", moment(16, 0), "replied", None),  # 2 days: in week 2
    ]
    report = simulate(tmp_path, HANDED_OFF, list("abcd"), events, until="2026-01-22T00:00:00Z")
    weekly = report["weekly"]
    assert [(w["week"], w["from"]) for w in weekly] == [(0, "2026-01-05"), (1, "2026-01-12"), (2, "2026-01-19")]
    assert [w["entries"] for w in weekly] == [1, 2, 1]
    assert [w["touches"] for w in weekly] == [{"email": 1}, {"email": 2}, {"email": 1}]
    assert [w["handoffs"] for w in weekly] == [0, 1, 1]
    assert [w["goals"] for w in weekly] == [0, 0, 0]  # the flow has no goal
    handoff = report["handoffs"]["time_to_handoff"]
    assert [b["contacts"] for b in handoff["buckets"]][:3] == [1, 1, 0]
    assert handoff["buckets"][0] == {"from_days": 0, "to_days": 1, "contacts": 1}
    assert handoff["buckets"][-1] == {"from_days": 365, "to_days": None, "contacts": 0}
    # nearest rank of two values: p25 and the median are the first, p75 and p90 the second
    assert (handoff["p25"], handoff["median"], handoff["p75"], handoff["p90"]) == (0.5, 0.5, 2.0, 2.0)


def test_the_text_shows_weeks_with_activity_and_the_buckets(tmp_path):
    events = [("a", moment(0), "registered", "webinar"), ("a", moment(3), "replied", None)]
    events += [("b", moment(21), "registered", "webinar")]
    text = simulate(tmp_path, HANDED_OFF, ["a", "b"], events, until="2026-02-02T00:00:00Z", fmt="text")
    section = text.split("Over time", 1)[1].split("\n\n", 1)[0]
    assert section.splitlines() == [
        " (weeks from 2026-01-05)",
        "  week     from        entries    email  handoffs   goals",
        "  0        2026-01-05        1        1         1       0",
        "  3        2026-01-26        1        1         0       0",
        "  time to handoff: 3–7d 1; p25 3, median 3, p75 3, p90 3 days",
    ]


def cohort(workers: int) -> str:
    result = CliRunner().invoke(
        main,
        ["simulate", str(PLAYBOOKS / "programme.nurture"), "--cohort", "300", "--runs", "3"]
        + ["--responses", str(ROOT / "examples" / "responses.toml"), "--seed", "5", "--format", "json"]
        + ["--workers", str(workers), "--until", "2026-04-01"],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_new_figures_are_byte_identical_for_any_workers_and_have_intervals():
    one = cohort(1)
    assert one == cohort(2)
    report = json.loads(one)
    assert report["version"] == "1.3.0"
    keys = report["intervals"]
    # lists are keyed by their items' ids: steps, arms, weeks, buckets
    assert any(key.startswith("flows.inbound.funnel.welcome.") for key in keys)
    assert any(key.startswith("weekly.0.") for key in keys)
    assert not any(".paths." in key or key.endswith((".week", ".from_days")) for key in keys)
