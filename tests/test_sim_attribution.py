"""Goals with an attribution window (issue 15): a goal met within the window
after a run ends still counts for its flow; `--attribution DURATION` sets the
window, written as the language writes durations."""

from __future__ import annotations

import json

from click.testing import CliRunner

from nurturedsl.cli import main

from .conftest import write
from .test_sim_funnel import START, moment, simulate

ENDS_WITH_ITS_ASK = """
content ask ask "Book a demo"
flow f {
  entry on registered("webinar")
  goal booked("demo")
  email ask: ask
}
"""


def asked(tmp_path, booked_on: float | None, *args: str, until: str = "2026-03-01T00:00:00Z"):
    events = [("x", moment(0), "registered", "webinar")]
    if booked_on is not None:
        events.append(("x", moment(booked_on), "booked", "demo"))
    return simulate(tmp_path, ENDS_WITH_ITS_ASK, ["x"], events, *args, until=until)


def test_a_goal_met_3_days_after_completion_counts_within_the_default_14d(tmp_path):
    report = asked(tmp_path, 3)
    assert report["attribution"] == {"window": "P2W", "seconds": 14 * 86400}
    flow = report["flows"]["f"]
    # the contact completed at once (the ask is the last step) and booked 3 days later
    assert (flow["goal_reached"], flow["goal_attributed"], flow["conversion"]["rate"]) == (0, 1, 1.0)
    assert [week["goals"] for week in report["weekly"][:2]] == [1, 0]  # counted when it was met


def test_the_same_goal_does_not_count_with_a_1d_window_or_0d(tmp_path):
    for window in ("1d", "0d"):
        report = asked(tmp_path, 3, "--attribution", window)
        assert report["flows"]["f"]["goal_attributed"] == 0, window
    assert asked(tmp_path, 3, "--attribution", "1d")["attribution"] == {"window": "P1D", "seconds": 86400}


def test_a_goal_after_the_window_or_after_until_does_not_count(tmp_path):
    assert asked(tmp_path, 20)["flows"]["f"]["goal_attributed"] == 0  # 20 days > 14
    assert asked(tmp_path, 3, until="2026-01-07T00:00:00Z")["flows"]["f"]["goal_attributed"] == 0


def test_a_run_still_in_at_until_counts_when_its_goal_holds_then(tmp_path):
    playbook = """
content note give "Note"
flow f {
  entry on registered("webinar")
  goal booked("demo")
  email hello: note
  wait 30d
}
"""
    events = [("x", moment(0), "registered", "webinar"), ("x", moment(3), "booked", "demo")]
    flow = simulate(tmp_path, playbook, ["x"], events, until="2026-01-15T00:00:00Z")["flows"]["f"]
    assert (flow["still_in"], flow["goal_reached"], flow["goal_attributed"]) == (1, 0, 1)


def test_a_run_that_left_and_met_its_goal_in_the_window_is_not_lost(tmp_path):
    playbook = """
content note give "Note"
flow f {
  entry on registered("webinar")
  goal booked("demo")
  exit on replied
  email hello: note
  wait 10d
}
"""
    events = [
        ("x", moment(0), "registered", "webinar"),
        ("x", moment(1), "replied", None),
        ("x", moment(3), "booked", "demo"),
    ]
    kept = simulate(tmp_path, playbook, ["x"], events)["flows"]["f"]
    assert kept["goal_attributed"] == 1 and kept["lost_most"] == []
    lost = simulate(tmp_path, playbook, ["x"], events, "--attribution", "1d")["flows"]["f"]
    assert lost["goal_attributed"] == 0 and lost["lost_most"] == ["hello"]
    assert lost["funnel"][1]["lost_by"] == {"exit on replied": 1}


def test_the_trace_has_a_goal_record_when_an_attributed_goal_lands_after_the_run(tmp_path):
    trace = tmp_path / "t.jsonl"
    asked(tmp_path, 3, "--trace", str(trace))
    records = [json.loads(line) for line in trace.read_text().splitlines()]
    goals = [r for r in records if r["type"] == "goal"]
    assert len(goals) == 1
    assert (goals[0]["at"], goals[0]["flow"], goals[0]["step"]) == (moment(3), "f", "@end")
    assert goals[0]["left_at"] == moment(0)


def test_a_bad_window_is_a_usage_error_with_a_hint(tmp_path):
    book = write(tmp_path, "p.nurture", ENDS_WITH_ITS_ASK)
    people = write(tmp_path, "c.jsonl", '{"id": "x"}\n')
    for bad, words in (("14 days", "expected a duration such as 14d"), ("-2d", "cannot be negative")):
        result = CliRunner().invoke(
            main, ["simulate", str(book), "--contacts", str(people), "--start", START, "--attribution", bad]
        )
        assert result.exit_code == 2, result.output
        assert words in result.stderr and "Traceback" not in result.output


def test_a_goal_after_reentering_counts_for_the_new_run_only(tmp_path):
    playbook = """
content ask ask "Book a demo"
flow f {
  entry on registered("webinar")
  reentry allowed
  goal booked("demo")
  email ask: ask
}
"""
    events = [
        ("x", moment(0), "registered", "webinar"),
        ("x", moment(2), "registered", "webinar"),
        ("x", moment(3), "booked", "demo"),
    ]
    flow = simulate(tmp_path, playbook, ["x"], events)["flows"]["f"]
    assert (flow["entered"], flow["goal_attributed"]) == (2, 1)
