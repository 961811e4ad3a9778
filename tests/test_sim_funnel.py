"""The report's funnel (issue 15): per flow and step, reached, sent, held,
blocked, left by reason and lost, and the steps that lose most, on small
playbooks whose numbers are worked out by hand from docs/simulation.md."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from nurturedsl.cli import main

from .conftest import write

START = "2026-01-05T00:00:00Z"  # a Monday


def moment(days: float, hour: int = 10, minute: int = 0) -> str:
    import datetime as dt

    base = dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc)
    return (base + dt.timedelta(days=days, hours=hour, minutes=minute)).isoformat().replace("+00:00", "Z")


def simulate(
    tmp_path: Path,
    playbook: str,
    contacts: list[str],
    events: list[tuple[str, str, str, str | None]],
    *args: str,
    until: str = "2026-03-01T00:00:00Z",
    fmt: str = "json",
):
    """Replay `contacts` with `events` (contact, at, name, argument); the
    parsed JSON report (or the text with fmt="text")."""
    book = write(tmp_path, "p.nurture", playbook)
    people = write(tmp_path, "contacts.jsonl", "".join(json.dumps({"id": c}) + "\n" for c in contacts))
    lines = [
        json.dumps({"contact": c, "at": when, "event": name, "args": [arg] if arg else []})
        for c, when, name, arg in events
    ]
    happened = write(tmp_path, "events.jsonl", "".join(line + "\n" for line in lines))
    result = CliRunner().invoke(
        main,
        ["simulate", str(book), "--contacts", str(people), "--events", str(happened), "--start", START]
        + ["--until", until, "--format", fmt, *args],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if fmt == "json" else result.stdout


TWO_EMAILS = """
content note give "Welcome"
content more give "Second"
policy {
  quiet_hours 20:00..08:00
}
flow f {
  entry on registered("webinar")
  goal booked("demo")
  exit on unsubscribed
  exit on replied
  email welcome: note
  wait 3d
  email second: more
  wait 3d
}
"""


def two_emails(tmp_path: Path, *args: str, fmt: str = "json"):
    events = [(c, moment(0), "registered", "webinar") for c in "bcde"]
    events += [
        ("a", moment(0, 21), "registered", "webinar"),  # 21:00 UTC: welcome held until 08:00
        ("b", moment(1), "unsubscribed", None),
        ("c", moment(2), "unsubscribed", None),
        ("d", moment(4), "replied", None),
        ("e", moment(1), "booked", "demo"),
    ]
    return simulate(tmp_path, TWO_EMAILS, list("abcde"), sorted(events, key=lambda e: e[1]), *args, fmt=fmt)


def by_step(flow: dict) -> dict:
    return {item["step"]: item for item in flow["funnel"]}


def test_the_funnel_counts_each_step_in_written_order(tmp_path):
    flow = two_emails(tmp_path)["flows"]["f"]
    assert [item["step"] for item in flow["funnel"]] == ["@entry", "welcome", "wait_1", "second", "wait_2", "@end"]
    steps = by_step(flow)
    assert steps["@entry"]["reached"] == 5
    welcome = steps["welcome"]
    assert welcome["label"] == 'email "Welcome"' and welcome["kind"] == "email"
    # every contact got the welcome; a's was held once, by quiet hours
    assert (welcome["reached"], welcome["sent"], welcome["held"], welcome["blocked"]) == (5, 5, 1, 0)
    assert welcome["held_by"] == {"quiet_hours": 1, "send_days": 0, "frequency_cap": 0, "cadence": 0}
    # b and c unsubscribed while waiting after the welcome: lost by the welcome, not by the wait
    assert welcome["left"] == {"exit on unsubscribed": 2} and welcome["lost"] == 2
    assert steps["wait_1"]["reached"] == 5 and steps["wait_1"]["left"] == {}
    # the default cadence (a message at most every 7 days per flow) holds every second email;
    # d replied while held (day 4), so two were sent
    second = steps["second"]
    assert (second["reached"], second["sent"], second["held"], second["held_by"]["cadence"]) == (3, 2, 3, 3)
    assert second["left"] == {"exit on replied": 1} and second["lost"] == 1
    # a and e completed: completing is never a loss; e met the goal
    assert steps["@end"]["left"] == {"completed": 2} and steps["@end"]["lost"] == 0
    assert flow["lost_most"] == ["welcome", "second"]
    assert (flow["goal_reached"], flow["goal_attributed"], flow["conversion"]) == (1, 1, {"rate": 0.2})
    assert flow["has_goal"] is True and flow["paths"] == []


def test_the_lefts_of_the_steps_add_up_to_the_flows_exits(tmp_path):
    flow = two_emails(tmp_path)["flows"]["f"]
    summed: dict[str, int] = {}
    for item in flow["funnel"]:
        for reason, count in item["left"].items():
            summed[reason] = summed.get(reason, 0) + count
    assert summed == flow["exits"] == {"completed": 2, "exit on unsubscribed": 2, "exit on replied": 1}


def test_the_text_says_which_email_loses_people(tmp_path):
    text = two_emails(tmp_path, fmt="text")
    assert 'loses most: "Welcome" email (welcome) 2 lost — 2 exit on unsubscribed\n' in text
    assert '  then "Second" email (second) 1 lost\n' in text
    assert "goal (within 14d of the end) 1 of 5 (20.0%)\n" in text
    # the figures fit 100 columns; the notes at the end (the --start warning here) are sentences
    assert max(len(line) for line in text.split("\n\n")[:-1] for line in line.splitlines()) <= 100


def test_lost_is_ranked_by_count_then_written_order(tmp_path):
    events = [(c, moment(0), "registered", "webinar") for c in "abcdef"]
    events += [(c, moment(1), "replied", None) for c in "ab"]  # at the welcome
    events += [(c, moment(4), "replied", None) for c in "cde"]  # at the second
    flow = simulate(tmp_path, TWO_EMAILS, list("abcdef"), sorted(events, key=lambda e: e[1]))["flows"]["f"]
    assert [(s, by_step(flow)[s]["lost"]) for s in flow["lost_most"]] == [("second", 3), ("welcome", 2)]


def test_a_flow_without_a_goal_counts_no_conversion_and_paths_name_the_arms(tmp_path):
    playbook = """
content note give "Note"
flow f {
  entry on registered("webinar")
  branch {
    when tagged "vip" { email vip: note }
    else { email plain: note }
  }
}
"""
    events = [(c, moment(0), "registered", "webinar") for c in "ab"]
    flow = simulate(tmp_path, playbook, ["a", "b"], events)["flows"]["f"]
    assert flow["has_goal"] is False and flow["goal_attributed"] == 0 and flow["conversion"] == {"rate": 0.0}
    assert flow["paths"] == [{"path": ["branch: else"], "runs": 2, "goal_attributed": 0, "rate": 0.0}]


def test_the_funnel_laws_hold_for_any_history(tmp_path_factory):
    """Whatever happens: the steps' `left` add up to the exits, `lost` is
    part of `left`, and the goal attributed is at least the goal reached."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from nurturedsl.sim.contact import Contact, Event
    from nurturedsl.sim.report import figures, layout

    from .test_simulate import Sim, at, playbook

    ir = playbook(tmp_path_factory.mktemp("laws"), TWO_EMAILS)
    names = st.sampled_from(["registered", "unsubscribed", "replied", "booked"])
    happening = st.tuples(st.integers(0, 3), st.integers(0, 30 * 24), names)

    @settings(max_examples=25, deadline=None)
    @given(st.lists(happening, max_size=12))
    def check(happenings):
        events: dict[str, list[Event]] = {}
        for who, hour, name in happenings:
            arg = {"registered": "webinar", "booked": "demo"}.get(name)
            events.setdefault(f"c{who}", []).append(Event(at(START) + hour * 3600, name, arg))
        sim = Sim(ir, [Contact(f"c{i}") for i in range(4)], events, start=START, until="2026-02-15T00:00:00Z")
        flow = figures(sim.tally, layout(ir))["flows"]["f"]
        summed: dict[str, int] = {}
        for item in flow["funnel"]:
            assert sum(item["lost_by"].values()) == item["lost"]
            for reason, count in item["lost_by"].items():
                assert count <= item["left"].get(reason, 0)
            for reason, count in item["left"].items():
                summed[reason] = summed.get(reason, 0) + count
        assert summed == flow["exits"]
        assert flow["goal_reached"] <= flow["goal_attributed"] <= flow["entered"]

    check()
