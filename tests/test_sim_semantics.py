"""The reference runner against the semantic decisions S1-S6 of issue 10
(docs/simulation.md): re-entry, one trace line per happening, event
arguments, decay that flips a condition, policy limits, one number per
fact. Each test fails on a runner without the decision."""

from __future__ import annotations

import json
import math
import re

import pytest
from click.testing import CliRunner

from nurturedsl.cli import main
from nurturedsl.sim.contact import Contact, Event

from .conftest import PLAYBOOKS, write
from .test_simulate import DAY, Sim, at, playbook

START = "2026-01-05T00:00:00Z"
T0 = at(START)


def day(n: float, hour: int = 10) -> float:
    return T0 + n * DAY + hour * 3600


def days_after_start(record: dict) -> float:
    return (at(record["at"]) - T0) / DAY


# -- S1 re-entry ------------------------------------------------------------------


def test_entry_when_readmits_at_previous_entry_plus_the_reentry_delay(tmp_path):
    ir = playbook(
        tmp_path,
        """
content note give "Note"
flow watch {
  entry when tagged "watch"
  reentry after 30d
  email hello: note
}
""",
    )
    sim = Sim(ir, [Contact("c1", {"tags": ["watch"]})], {}, start=START, until="2026-03-20T00:00:00Z")
    # nothing happens to the contact: the clock wakes when the 30 days are up
    assert [days_after_start(e) for e in sim.of("c1", "enter")] == [0, 30, 60]
    assert sim.tally.entered["watch"] == 3 and sim.tally.entered_contacts["watch"] == 1


def test_entry_when_readmits_as_soon_as_its_condition_holds_after_the_delay(tmp_path):
    ir = playbook(
        tmp_path,
        """
content note give "Note"
flow pricing {
  entry when visited("pricing") within 7d
  reentry after 30d
  email hello: note
}
""",
    )
    visits = [
        Event(day(0), "visited", "pricing"),
        Event(day(25), "visited", "pricing"),
        Event(day(40), "visited", "pricing"),
    ]
    sim = Sim(ir, [Contact("c1")], {"c1": visits}, start=START, until="2026-04-01T00:00:00Z")
    # day 25: too early; the condition still holds on day 30 (0 + 30d), so in then; day 40: too early again
    assert [e["at"] for e in sim.of("c1", "enter")] == ["2026-01-05T10:00:00Z", "2026-02-04T10:00:00Z"]


def test_reentry_allowed_readmits_when_the_contact_leaves_and_the_condition_still_holds(tmp_path):
    ir = playbook(
        tmp_path,
        """
content note give "Note"
flow watch {
  entry when tagged "watch"
  reentry allowed
  email hello: note
  wait 10d
}
""",
    )
    sim = Sim(ir, [Contact("c1", {"tags": ["watch"]})], {}, start=START, until="2026-02-10T00:00:00Z")
    assert [days_after_start(e) for e in sim.of("c1", "enter")] == [0, 10, 20, 30]
    assert [e["reason"] for e in sim.of("c1", "exit")] == ["completed"] * 3


def test_a_flow_that_sends_the_contact_straight_back_does_not_spin(tmp_path):
    ir = playbook(
        tmp_path,
        """
flow spin {
  entry when tagged "watch"
  reentry allowed
  tag "seen"
}
""",
    )
    sim = Sim(
        ir,
        [Contact("c1", {"tags": ["watch"]})],
        {"c1": [Event(day(3), "visited", "blog")]},
        start=START,
        until="2026-02-01T00:00:00Z",
    )
    # at most once per moment: back in at the next thing that happens to the contact
    assert [days_after_start(e) for e in sim.of("c1", "enter")] == [0, 3 + 10 / 24]


def test_event_entries_readmit_once_the_delay_has_passed(tmp_path):
    ir = playbook(
        tmp_path,
        """
content note give "Note"
flow inbound {
  entry on downloaded("resource")
  entry when tagged "vip"
  reentry after 30d
  email hello: note
}
""",
    )
    events = [
        Event(day(0), "downloaded", "resource"),
        Event(day(20), "downloaded", "resource"),
        Event(day(31), "downloaded", "resource"),
    ]
    sim = Sim(ir, [Contact("c1")], {"c1": events}, start=START, until="2026-03-01T00:00:00Z")
    # day 20 is too early; day 31 is more than 30 days after the entry on day 0
    assert [e["at"] for e in sim.of("c1", "enter")] == ["2026-01-05T10:00:00Z", "2026-02-05T10:00:00Z"]


# -- S2 every happening in the trace ---------------------------------------------------

THRESHOLD_ACTIONS = """
content note give "Note"
score lead {
  +30 on visited("pricing") expires 10d
  threshold hot at 30 -> tag "hot"
      notify sdr "{name} is hot at {score}"
      move to followup
      handoff sales
}
flow followup {
  email hello: note
  wait 30d
}
"""


def test_every_threshold_action_has_its_line_in_the_trace(tmp_path):
    ir = playbook(tmp_path, THRESHOLD_ACTIONS)
    visits = [Event(day(0), "visited", "pricing"), Event(day(20), "visited", "pricing")]
    sim = Sim(ir, [Contact("c1", {"name": "Ada"})], {"c1": visits}, start=START)
    first = [r for r in sim.of("c1") if r["at"] == "2026-01-05T10:00:00Z" and r["type"] != "event"]
    assert [(r["type"], r.get("threshold") or r.get("reason")) for r in first] == [
        ("threshold", "lead.hot"),
        ("tag", "lead.hot"),
        ("notify", "lead.hot"),
        ("enter", "lead.hot"),
        ("touch", None),
        ("exit", "handoff to sales"),
        ("handoff", "lead.hot"),
    ]
    assert first[2]["text"] == "Ada is hot at 30" and first[1]["tag"] == "hot"
    # the second crossing: the move is refused (no reentry), and the trace says so
    second = [r for r in sim.of("c1") if r["at"] == "2026-01-25T10:00:00Z" and r["type"] != "event"]
    assert [r["type"] for r in second] == ["threshold", "tag", "notify", "refused", "handoff"]
    assert second[3]["flow"] == "followup" and second[3]["why"] == "entered before; no reentry"


def test_a_refused_move_step_is_traced_and_notify_steps_say_where_they_are(tmp_path):
    ir = playbook(
        tmp_path,
        """
content note give "Note"
flow first {
  entry on registered("webinar")
  notify sdr "moving {name}"
  move to second
}
flow second {
  audience tagged "vip"
  email hello: note
}
""",
    )
    sim = Sim(ir, [Contact("c1")], {"c1": [Event(day(0), "registered", "webinar")]}, start=START)
    (notify,) = sim.of("c1", "notify")
    assert (notify["flow"], notify["step"]) == ("first", "notify_1")
    (refused,) = sim.of("c1", "refused")
    assert (refused["flow"], refused["reason"], refused["why"]) == ("second", "moved from first", "not in its audience")
    assert [e["reason"] for e in sim.of("c1", "exit")] == ["moved to second"]


def test_a_suppression_and_its_end_are_traced(tmp_path):
    ir = playbook(
        tmp_path,
        """
content note give "Note"
flow f {
  entry on registered("webinar")
  email hello: note
  suppress "cold" revisit 20d
}
""",
    )
    sim = Sim(ir, [Contact("c1")], {"c1": [Event(day(0), "registered", "webinar")]}, start=START)
    assert [(r["type"], r.get("list"), r.get("until")) for r in sim.of("c1", "suppress", "revisit")] == [
        ("suppress", "cold", "2026-01-25T10:00:00Z"),
        ("revisit", None, None),
    ]
    assert sim.of("c1", "revisit")[0]["at"] == "2026-01-25T10:00:00Z"


def test_exit_records_say_whether_the_goal_was_reached(tmp_path):
    ir = playbook(
        tmp_path,
        """
content note give "Note"
flow f {
  entry on registered("webinar")
  goal replied
  exit on replied
  email hello: note
  wait 10d
}
""",
    )
    sim = Sim(
        ir,
        [Contact("yes"), Contact("no")],
        {
            "yes": [Event(day(0), "registered", "webinar"), Event(day(2), "replied")],
            "no": [Event(day(0), "registered", "webinar")],
        },
        start=START,
    )
    assert [(e["reason"], e["goal"]) for e in sim.of("yes", "exit")] == [("exit on replied", True)]
    assert [(e["reason"], e["goal"]) for e in sim.of("no", "exit")] == [("completed", False)]
    assert sim.tally.goals["f"] == sum(1 for r in sim.records if r["type"] == "exit" and r["goal"])


# -- S3 event arguments ----------------------------------------------------------------

ARGUMENTS = """
content loom_video give "A video"
content other give "Another"
flow mail {
  entry on registered("webinar")
  email video: loom_video
  email second: other
  wait 60d
}
flow elsewhere {
  email clip: other
}
"""

# each place an event is tested, written once with the step label and once
# with the content name
PLACES = {
    "exit": 'flow probe {{\n  entry on registered("webinar")\n  exit on clicked({arg})\n  wait 30d\n}}',
    "wait until": 'flow probe {{\n  entry on registered("webinar")\n  wait until clicked({arg}) up to 30d {{\n'
    '    on event {{ tag "clicked" }}\n  }}\n}}',
    "entry on": 'flow probe {{\n  entry on clicked({arg})\n  tag "clicked"\n}}',
    "entry when": 'flow probe {{\n  entry when clicked({arg}) within 30d\n  tag "clicked"\n}}',
    "branch": 'flow probe {{\n  entry on registered("webinar")\n  wait 5d\n  branch {{\n'
    '    when clicked({arg}) {{ tag "clicked" }}\n  }}\n}}',
    "score": 'score lead {{\n  +10 on clicked({arg})\n  threshold some at 10 -> tag "clicked"\n}}',
}


def _clicked_at(sim: Sim, contact: str):
    """When the probe saw the click: its tag step, a threshold crossed, or
    an exit on the click."""
    for record in sim.of(contact):
        if (
            record["type"] == "tag"
            and record.get("flow") == "probe"
            or record["type"] == "threshold"
            or (record.get("flow") == "probe" and record["type"] == "exit" and record["reason"].startswith("exit on"))
        ):
            return record["at"]
    return None


@pytest.mark.parametrize("place", sorted(PLACES))
@pytest.mark.parametrize(
    "written, recorded, matches",
    [
        ("video", "video", True),  # step label, event about the step
        ("video", "loom_video", True),  # step label, event about its content
        ("loom_video", "video", True),  # content, event about a step that sends it
        ("loom_video", "loom_video", True),  # content, event about the content
        ("other", "clip", True),  # content, a step of another flow that sends it
        ("video", "other", False),  # another content
        ("video", "second", False),  # another step of the same flow
        ("second", "clip", False),  # two steps sending the same content are two steps
    ],
)
def test_a_step_label_and_its_content_match_both_ways_everywhere(tmp_path, place, written, recorded, matches):
    ir = playbook(tmp_path, ARGUMENTS + PLACES[place].format(arg=written))
    events = [Event(day(0), "registered", "webinar"), Event(day(1), "clicked", recorded)]
    sim = Sim(ir, [Contact("c1")], {"c1": events}, start=START)
    assert (_clicked_at(sim, "c1") is not None) == matches


def test_quoted_text_matches_only_itself(tmp_path):
    ir = playbook(
        tmp_path,
        """
content guide give "The guide"
score lead {
  +10 on visited("pricing")
  threshold some at 10 -> tag "priced"
}
flow lit {
  entry on submitted("guide")
  email g: guide
}
""",
    )
    sim = Sim(
        ir,
        [Contact("yes"), Contact("no")],
        {
            "yes": [Event(day(0), "visited", "pricing"), Event(day(2), "submitted", "guide")],
            "no": [Event(day(0), "visited", "pricing-faq"), Event(day(2), "submitted", "g")],
        },
        start=START,
    )
    assert len(sim.of("yes", "threshold")) == 1 and sim.of("no", "threshold") == []
    # `g` sends the content `guide`, but a form name is not a step: only events about a touch (sent, opened,
    # clicked, replied) read their argument as a step or content
    assert [e["flow"] for e in sim.of("yes", "enter")] == ["lit"] and sim.of("no", "enter") == []


# -- S4 decay flips conditions -----------------------------------------------------------

DECAY = """
content note give "Note"
score lead {{
  +30 on visited("pricing") decay half_life 10d
  threshold warm at 20
}}
{flow}
"""
# 30 * 0.5 ** (t / 10d) = 20 at t = 10d * log2(1.5) = 5.85 days
CROSSING = 10 * math.log2(1.5)


@pytest.mark.parametrize(
    "flow",
    [
        'flow f {\n  entry on visited("pricing")\n  wait until lead < 20 up to 60d {\n'
        '    on event { tag "cooled" }\n  }\n}',
        'flow f {\n  entry on visited("pricing")\n  exit on not lead.warm\n  wait 60d\n  tag "never"\n}',
        'flow f {\n  entry when visited("pricing") and not lead.warm\n  tag "cooled"\n}',
        'flow f {\n  entry when lead < 20 and lead > 1\n  tag "cooled"\n}',
    ],
)
def test_a_condition_that_only_decay_makes_true_wakes_the_clock_when_it_flips(tmp_path, flow):
    ir = playbook(tmp_path, DECAY.format(flow=flow))
    sim = Sim(ir, [Contact("c1")], {"c1": [Event(day(0, 0), "visited", "pricing")]}, start=START)
    seen = [r for r in sim.of("c1") if r["type"] == "tag" and r["tag"] == "cooled" or r["type"] == "exit"]
    assert seen, "nothing happened when the score decayed below 20"
    assert days_after_start(seen[0]) == pytest.approx(CROSSING, abs=2 / 86400)


def test_a_threshold_crossed_upwards_by_a_decaying_penalty_fires_on_time(tmp_path):
    ir = playbook(
        tmp_path,
        """
score lead {
  +50 when title == "CEO"
  -40 on unsubscribed decay half_life 10d
  threshold mql at 30 -> notify sdr "{name} back at {score}"
}
""",
    )
    sim = Sim(
        ir, [Contact("c1", {"title": "CEO", "name": "Ada"})], {"c1": [Event(day(3, 0), "unsubscribed")]}, start=START
    )
    # 50 at the start (crosses), 10 after the unsubscribe, back to 30 ten days later with no event at all
    assert [days_after_start(r) for r in sim.of("c1", "threshold")] == pytest.approx([0, 13], abs=2 / 86400)
    assert sim.tally.crossings["lead.mql"] == 2


def test_a_threshold_that_decay_took_the_score_below_fires_again_when_an_expiry_lifts_it(tmp_path):
    ir = playbook(
        tmp_path,
        """
score lead {
  +90 when title == "CEO"
  +15 on visited("pricing") decay half_life 30d
  -40 on unsubscribed expires 60d
  threshold sql above 60 -> notify sdr "{name} at {score}"
}
""",
    )
    events = [Event(day(0, 0), "unsubscribed"), Event(day(1, 0), "visited", "pricing")]
    sim = Sim(ir, [Contact("c1", {"title": "CEO", "name": "Ada"})], {"c1": events}, start=START)
    # 90 at the start; 50 after the unsubscribe; 65 with the visit; below 60 by decay on day 18.5 with nothing
    # happening; back above when the unsubscribe expires on day 60: a new crossing
    assert [round(days_after_start(r)) for r in sim.of("c1", "threshold")] == [0, 1, 60]


def test_a_decaying_score_under_several_half_lives_is_woken_at_its_crossing(tmp_path):
    ir = playbook(
        tmp_path,
        """
score lead {
  +30 on visited("pricing") decay half_life 10d
  +20 on attended("webinar") decay half_life 4d
  threshold warm at 25
}
flow f {
  entry on visited("pricing")
  exit on not lead.warm
  wait 60d
}
""",
    )
    sim = Sim(
        ir,
        [Contact("c1")],
        {"c1": [Event(day(0, 0), "visited", "pricing"), Event(day(0, 0), "attended", "webinar")]},
        start=START,
    )
    (left,) = sim.of("c1", "exit")
    t = days_after_start(left)
    value = lambda d: 30 * 0.5 ** (d / 10) + 20 * 0.5 ** (d / 4)  # noqa: E731
    assert value(t) < 25 < value(t - 3 / 86400)


# -- S5 policy limits ------------------------------------------------------------------------


def test_messages_beyond_max_touches_are_blocked_and_the_flow_goes_on(tmp_path):
    ir = playbook(
        tmp_path,
        """
content note give "Note"
flow f {
  entry on registered("webinar")
  max_touches 2
  cadence 1d..14d
  reentry after 30d
  email one: note
  wait 1d
  email two: note
  wait 1d
  email three: note
  tag "done"
}
""",
    )
    sim = Sim(
        ir,
        [Contact("c1")],
        {"c1": [Event(day(0), "registered", "webinar"), Event(day(40), "registered", "webinar")]},
        start=START,
    )
    assert [t["step"] for t in sim.touches("c1")] == ["one", "two", "one", "two"]  # counted per run
    assert [(b["step"], b["reason"]) for b in sim.of("c1", "blocked")] == [("three", "max_touches")] * 2
    assert len(sim.of("c1", "tag")) == 2 and sim.tally.blocked == {"max_touches": 2}


def test_a_message_is_held_until_the_cadence_minimum_since_the_previous_one(tmp_path):
    ir = playbook(
        tmp_path,
        """
content note give "Note"
flow f {
  entry on registered("webinar")
  cadence 3d..5d
  email one: note
  wait 1d
  email two: note
  wait 1d
  email three: note
}
""",
    )
    sim = Sim(ir, [Contact("c1")], {"c1": [Event(day(0), "registered", "webinar")]}, start=START)
    # held to 3 days after the previous message; the wait after it starts when it went out
    assert [days_after_start(t) - 10 / 24 for t in sim.touches("c1")] == pytest.approx([0, 3, 6])
    held = sim.of("c1", "deferred")
    assert [(h["step"], h["reason"], h["until"]) for h in held] == [
        ("two", "cadence", "2026-01-08T10:00:00Z"),
        ("three", "cadence", "2026-01-11T10:00:00Z"),
    ]
    assert sim.tally.deferred == {"cadence": 2}


def test_late_first_touches_are_counted_in_the_trace_and_both_reports(tmp_path):
    source = write(
        tmp_path,
        "p.nurture",
        """
content note give "Note"
policy {
  first_touch within 24h
  cadence 1d..14d
}
flow slow {
  entry on registered("webinar")
  wait 2d
  email one: note
  email two: note
}
flow quick {
  entry on registered("webinar")
  email hello: note
}
""",
    )
    contacts = write(tmp_path, "contacts.csv", "id\nc1\nc2\n")
    events = write(
        tmp_path,
        "events.jsonl",
        "".join(
            json.dumps({"contact": c, "at": "2026-01-05T10:00:00Z", "event": "registered", "args": ["webinar"]}) + "\n"
            for c in ("c1", "c2")
        ),
    )
    trace = tmp_path / "trace.jsonl"
    args = ["simulate", str(source), "--contacts", str(contacts), "--events", str(events), "--start", "2026-01-05"]
    text = CliRunner().invoke(main, args + ["--trace", str(trace)], catch_exceptions=False).stdout
    report = json.loads(CliRunner().invoke(main, args + ["--format", "json"], catch_exceptions=False).stdout)
    assert report["first_touch"] == {"within": "P1D", "late": 2}
    assert report["flows"]["slow"]["late_first_touches"] == 2 and report["flows"]["quick"]["late_first_touches"] == 0
    assert "  first touch    late 2 (first message more than 1d after entry: slow 2)\n" in text
    records = [json.loads(line) for line in trace.read_text().splitlines()]
    late = [(r["contact"], r["step"]) for r in records if r.get("late_first_touch")]
    assert late == [("c1", "one"), ("c2", "one")]


def test_a_first_message_held_over_the_weekend_is_late(tmp_path):
    ir = playbook(
        tmp_path,
        """
content note give "Note"
policy {
  quiet_hours 20:00..08:00
  send_days mon..fri
}
flow f {
  entry on registered("webinar")
  email hello: note
}
""",
    )
    # Friday 21:00 UTC -> Monday 08:00 UTC: 59 hours, more than the default 48h
    friday = Event(at("2026-01-09T21:00:00Z"), "registered", "webinar")
    monday = Event(at("2026-01-12T09:00:00Z"), "registered", "webinar")
    sim = Sim(
        ir, [Contact("fri", {}, "UTC"), Contact("mon", {}, "UTC")], {"fri": [friday], "mon": [monday]}, start=START
    )
    assert sim.touches("fri")[0]["at"] == "2026-01-12T08:00:00Z" and sim.touches("fri")[0]["late_first_touch"]
    assert "late_first_touch" not in sim.touches("mon")[0]
    assert sim.tally.late_first == {"f": 1}


# -- S6 one number per fact -----------------------------------------------------------------------


def test_a_threshold_handoff_outside_any_flow_counts_as_a_handoff(tmp_path):
    ir = playbook(
        tmp_path,
        """
score lead {
  +70 on attended("webinar")
  -40 on unsubscribed
  threshold sql above 60 -> handoff sales
}
""",
    )
    events = [
        Event(day(0), "attended", "webinar"),
        Event(day(40), "unsubscribed"),
        Event(day(50), "attended", "webinar"),
    ]
    sim = Sim(ir, [Contact("c1")], {"c1": events}, start=START)
    # two hand-offs of one contact, in no flow: one contact handed off, to one team
    assert len(sim.of("c1", "handoff")) == 2
    assert sim.tally.handed_off == 1 and sim.tally.handoffs == {"sales": 1} and not sim.tally.velocity


def test_a_threshold_handoff_leaves_a_flow_by_its_exit_condition_if_it_has_one(tmp_path):
    ir = playbook(
        tmp_path,
        """
content note give "Note"
score lead {
  +70 on attended("webinar")
  threshold sql above 60 -> handoff sales
}
flow watched {
  entry on registered("webinar")
  exit on lead.sql
  email a: note
  wait 30d
}
flow unwatched {
  entry on registered("webinar")
  email b: note
  wait 30d
}
""",
    )
    sim = Sim(
        ir,
        [Contact("c1")],
        {"c1": [Event(day(0), "registered", "webinar"), Event(day(2), "attended", "webinar")]},
        start=START,
    )
    assert sorted((e["flow"], e["reason"]) for e in sim.of("c1", "exit")) == [
        ("unwatched", "handoff to sales"),
        ("watched", "exit on lead.sql"),
    ]
    assert sim.tally.handed_off == 1 and sim.tally.velocity


COHORT_MODEL = """
[population]
industry = "SaaS"
employees = { uniform = [50, 500] }
revenue  = { values = { 9000000 = 0.6, 1000000 = 0.4 } }
consent  = { email = 1.0 }
timezone = "Europe/Berlin"

[[population.profiles.persona]]
weight = 0.6
title = "CEO"
role = "CEO"

[[population.profiles.persona]]
weight = 0.4
title = "CTO"
role = "CTO"

[[arrivals]]
event = "downloaded"
arg = "resource"
probability = 0.6
within = "120d"

[[arrivals]]
event = "attended"
arg = "webinar"
probability = 0.3
within = "300d"

[responses.email]
open = 0.5
click = 0.4
visit_pricing = 0.5
reply = 0.01
"""


def test_text_json_overview_and_trace_agree_on_a_cohort(tmp_path):
    from nurturedsl import model
    from nurturedsl.render.command import diagram_for
    from nurturedsl.render.simoverlay import check_report, load_report

    programme = str(PLAYBOOKS / "programme.nurture")
    responses = write(tmp_path, "responses.toml", COHORT_MODEL)
    trace, out = tmp_path / "trace.jsonl", tmp_path / "report.json"
    args = ["simulate", programme, "--cohort", "300", "--responses", str(responses), "--seed", "5", "--runs", "3"]
    assert (
        CliRunner()
        .invoke(main, args + ["--format", "json", "-o", str(out), "--trace", str(trace)], catch_exceptions=False)
        .exit_code
        == 0
    )
    text = CliRunner().invoke(main, args, catch_exceptions=False).stdout
    report = json.loads(out.read_text())
    records = [json.loads(line) for line in trace.read_text().splitlines()]

    def contacts(kind: str, **fields) -> set:
        return {r["contact"] for r in records if r["type"] == kind and all(r.get(k) == v for k, v in fields.items())}

    handed = report["handoffs"]["contacts"]
    in_no_flow = set()
    inside: set = set()
    for r in records:  # who was in a flow at each hand-off
        if r["type"] == "enter":
            inside.add((r["contact"], r["flow"]))
        elif r["type"] == "exit":
            inside.discard((r["contact"], r["flow"]))
        elif r["type"] == "handoff" and not any(c == r["contact"] for c, _ in inside):
            in_no_flow.add(r["contact"])
    assert in_no_flow, "the cohort should have hand-offs while in no flow"
    assert handed == len(contacts("handoff")) == report["handoffs"]["by_team"]["sales"] > 0
    assert re.search(rf"\n  handed off     {handed:,}( \[[^]]*\])? contacts", text)
    sql = report["thresholds"]["lead.sql"]["contacts"]
    assert sql == len(contacts("threshold", threshold="lead.sql"))
    assert re.search(rf"\n  lead.sql       {sql:,}( \[[^]]*\])? contacts crossed", text)
    for name, flow in report["flows"].items():
        exits: dict = {}
        for r in records:
            if r["type"] == "exit" and r["flow"] == name:
                exits[r["reason"]] = exits.get(r["reason"], 0) + 1
        assert flow["exits"] == exits, name
        assert flow["entered"] == sum(1 for r in records if r["type"] == "enter" and r["flow"] == name)
        assert flow["goal_reached"] == sum(
            1 for r in records if r["type"] == "exit" and r["flow"] == name and r.get("goal")
        )
    assert report["flows"]["inbound"]["exits"]["exit on lead.sql"] > 0

    # the overview drawn over the report shows the same numbers
    loaded = model.load(programme)
    drawn = load_report(str(out))
    check_report(drawn, loaded, str(out))
    diagram = diagram_for(loaded, None, report=drawn)
    boxes = {node.id: node for node in diagram.nodes}
    assert f"{handed:,} handed off" in boxes["@handoff.sales"].lines
    assert f"crossed by {sql:,}" in boxes["lead.sql"].lines
    for edge in diagram.edges:
        if edge.target == "lead.sql" and edge.source in report["flows"]:
            count = int(re.search(r"([\d,]+)(?: \([^)]*\))?$", edge.lines[-1]).group(1).replace(",", ""))
            assert count == report["flows"][edge.source]["exits"].get("exit on lead.sql", 0), edge.source


# -- found on review ---------------------------------------------------------------


def test_exits_of_a_flow_moved_into_by_a_timer_wake_the_clock(tmp_path):
    # the move happens when a wait ends; only decay can make g's exit hold:
    # 16 points, half life 10d, at or below 8 exactly 10 days after the visit
    ir = playbook(
        tmp_path,
        """
content note give "Note"
score lead {
  +16 on visited("pricing") decay half_life 10d
}
flow f {
  entry on downloaded("guide")
  wait 1d
  move to g
}
flow g {
  exit on lead <= 8
  email g1: note
  wait 60d
  email g2: note
}
""",
    )
    events = {"c1": [Event(day(0, 0), "visited", "pricing"), Event(day(0, 0), "downloaded", "guide")]}
    sim = Sim(ir, [Contact("c1", {})], events, start=START, until="2026-06-01T00:00:00Z")
    (left,) = [e for e in sim.of("c1", "exit") if e["flow"] == "g"]
    assert left["reason"] == "exit on lead <= 8" and days_after_start(left) == 10
    assert [e["step"] for e in sim.of("c1", "touch")] == ["g1"]


def test_a_flow_that_takes_the_contact_back_in_at_every_event_stops(tmp_path):
    # every entry sends a presence touch at once, whose responses bring two
    # more events: without a bound, entries grow without end
    text = """
flow always {
  entry when not tagged "never"
  reentry allowed
  linkedin follow
}
"""
    path = write(tmp_path, "p.nurture", text)
    responses = write(tmp_path, "r.toml", "[responses.linkedin]\nclick = 1.0\nreply = 1.0\n")
    out = tmp_path / "r.json"
    result = CliRunner().invoke(
        main,
        [
            "simulate",
            str(path),
            "--cohort",
            "1",
            "--responses",
            str(responses),
            "--runs",
            "1",
            "--format",
            "json",
            "-o",
            str(out),
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    from nurturedsl.sim.engine import MAX_ENTRIES

    assert json.loads(out.read_text())["flows"]["always"]["entered"] == MAX_ENTRIES


@pytest.mark.parametrize(
    "value, message",
    [
        (None, "null is not a value; an optional member is left out, never null"),
        ("yes", 'must be true or false, not "yes"'),
        (1, "must be true or false, not 1"),
    ],
)
def test_a_message_flag_that_is_not_a_boolean_is_refused(tmp_path, value, message):
    compiled = CliRunner().invoke(main, ["compile", str(PLAYBOOKS / "inbound.nurture")]).output
    ir = json.loads(compiled)
    ir["flows"]["inbound"]["nodes"]["welcome"]["message"] = value
    path = write(tmp_path, "p.json", json.dumps(ir))
    contacts = write(tmp_path, "c.jsonl", '{"id": "c1"}\n')
    result = CliRunner().invoke(main, ["simulate", str(path), "--contacts", str(contacts)])
    assert result.exit_code == 2
    assert f"flows.inbound.nodes.welcome.message: {message}" in result.output


def test_a_way_out_is_counted_apart_from_the_asks(tmp_path):
    ir = playbook(
        tmp_path,
        """
content proof give "Case study"
content demo ask "Book a demo" cta "Book"
content close ask "Should I close your file?" cta "Reply not now" way out
flow f {
  entry on downloaded("guide")
  email p1: proof
  wait 7d
  email ask: demo as ask
  wait 7d
  email out: close
}
""",
    )
    sim = Sim(
        ir,
        [Contact("c1", {})],
        {"c1": [Event(day(0), "downloaded", "guide")]},
        start=START,
        until="2026-03-01T00:00:00Z",
    )
    assert dict(sim.tally.kinds) == {"give": 1, "ask": 1, "way_out": 1}


def test_a_delayed_event_entry_is_judged_by_its_events_time_for_reentry(tmp_path):
    # entered on day 2 for the day-0 download; re-entry is allowed from day 12:
    # a download on day 11 (entry due day 13) admits nobody, one on day 12 does
    ir = playbook(
        tmp_path,
        """
content note give "Note"
flow late {
  entry on downloaded("guide") after 2d
  reentry after 10d
  email hello: note
}
""",
    )
    for second, entries in ((11, [2]), (12, [2, 14])):
        events = {"c1": [Event(day(0, 0), "downloaded", "guide"), Event(day(second, 0), "downloaded", "guide")]}
        sim = Sim(ir, [Contact("c1", {})], events, start=START, until="2026-03-01T00:00:00Z")
        assert [days_after_start(e) for e in sim.of("c1", "enter")] == entries
