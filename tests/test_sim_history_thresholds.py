"""History is history for thresholds too (issue 15, review #1): a score that
events before the start put over a threshold is "already over" at the start:
nothing fires, no crossing is counted, and the contact is with sales."""

from __future__ import annotations

from .test_sim_funnel import moment, simulate

PLAYBOOK = """
content a give "Alpha"
score lead {
  +70 on visited("pricing")
  threshold sql above 60 -> handoff sales
}
flow f {
  entry on registered("webinar")
  email welcome: a
  wait 3d
}
flow sales_followup {
  entry when lead.sql
  email nudge: a
}
"""


def test_a_threshold_history_crossed_fires_nothing_and_is_counted_apart(tmp_path):
    # old: over at the start (visited the day before); fresh: crosses on day 2
    events = [
        ("old", moment(-1), "visited", "pricing"),
        ("old", moment(1), "registered", "webinar"),
        ("fresh", moment(1), "registered", "webinar"),
        ("fresh", moment(2), "visited", "pricing"),
    ]
    body = simulate(tmp_path, PLAYBOOK, ["old", "fresh"], events)
    assert body["thresholds"]["lead.sql"] == {"contacts": 1, "crossings": 1, "over_at_start": 1}
    assert body["handoffs"]["contacts"] == 1  # fresh only
    assert sum(week["handoffs"] for week in body["weekly"]) == 1
    assert sum(b["contacts"] for b in body["handoffs"]["time_to_handoff"]["buckets"]) == 1
    # old is with sales from history: an `entry when` flow does not take them
    # in; fresh was handed off at its crossing, before the flow could
    assert body["flows"]["sales_followup"]["entered"] == 0
    assert body["flows"]["f"]["entered"] == 2
    text = simulate(tmp_path, PLAYBOOK, ["old", "fresh"], events, fmt="text")
    assert "  lead.sql       1 contact crossed (1 already over at the start)" in text.splitlines()
