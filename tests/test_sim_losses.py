"""Which email loses people (issue 15, review #2, #9, #10): runs whose exit
held as they entered are out at entry, never lost; a run lost at a step that
sends nothing is the last delivered email's loss; an opt-out is no win; and
`lost` counted from --trace the documented way is the report's."""

from __future__ import annotations

import json

from .test_sim_funnel import by_step, moment, simulate

PLAYBOOK = """
content a give "Alpha"
flow f {
  entry on registered("webinar")
  goal booked("demo")
  exit on unsubscribed
  email one: a
  wait 2d
  suppress "cold"
}
"""

EVENTS = [
    ("u", moment(-1), "unsubscribed", None),  # history: out before they come in
    ("u", moment(0), "registered", "webinar"),
    ("x", moment(0), "registered", "webinar"),
    ("y", moment(0), "registered", "webinar"),
    ("y", moment(1), "unsubscribed", None),  # during the wait after `one`
    ("y", moment(1, 12), "booked", "demo"),  # after opting out: no win
    ("x", moment(3), "booked", "demo"),  # after the suppress at day 2: no win
]


def test_out_at_entry_is_no_loss_and_a_suppress_end_is_the_emails(tmp_path):
    flow = simulate(tmp_path, PLAYBOOK, ["u", "x", "y"], EVENTS)["flows"]["f"]
    steps = by_step(flow)
    assert flow["out_at_entry"] == 1 and steps["@entry"]["out_at_entry"] == 1
    assert steps["@entry"]["left"] == {"exit on unsubscribed": 1} and steps["@entry"]["lost"] == 0
    # x left at the suppress (`left` stays where it left) and is `one`'s loss
    assert steps["suppress_1"]["left"] == {'suppressed "cold"': 1} and steps["suppress_1"]["lost"] == 0
    assert steps["one"]["lost_by"] == {"exit on unsubscribed": 1, 'suppressed "cold"': 1}
    assert flow["lost_most"] == ["one"]
    # both booked only after they opted out (unsubscribed, suppressed): no win
    assert flow["goal_attributed"] == 0


def test_lost_counted_from_the_trace_is_the_reports(tmp_path):
    """The documented way (docs/simulation.md, Counts): per run (contact,
    flow, entry), an `exit` not by completing, a hand-off or a move, not at
    @entry (out at entry), with no `goal` record of that run, is lost at the
    last `touch` of a message the run delivered before it (else where it
    left); an exit at the moment of that contact's `handoff` is not lost.
    (A run held at an email is that email's loss: none is held here.)"""
    trace = tmp_path / "trace.jsonl"
    body = simulate(tmp_path, PLAYBOOK, ["u", "x", "y"], EVENTS, "--trace", str(trace))
    records = [json.loads(line) for line in trace.read_text(encoding="utf-8").splitlines()]
    last_touch: dict[tuple[str, str], str] = {}
    exits: list[tuple[str, str, str]] = []  # (contact, flow, credited step)
    goals = {(r["contact"], r["flow"]) for r in records if r["type"] == "goal"}
    handoffs = {(r["contact"], r["at"]) for r in records if r["type"] == "handoff"}
    for r in records:
        key = (r["contact"], r.get("flow", ""))
        if r["type"] == "enter":
            last_touch.pop(key, None)
        elif r["type"] == "touch":
            last_touch[key] = r["step"]
        elif r["type"] == "exit":
            if r["reason"] == "completed" or r["reason"].startswith(("handoff to ", "moved to ")):
                continue
            where = r.get("funnel_step") or r["step"]
            if where == "@entry" or key in goals or (r["contact"], r["at"]) in handoffs:
                continue
            exits.append((r["contact"], r["flow"], last_touch.get(key, where)))
    counted: dict[str, int] = {}
    for _, _, step in exits:
        counted[step] = counted.get(step, 0) + 1
    reported = {item["step"]: item["lost"] for item in body["flows"]["f"]["funnel"] if item["lost"]}
    assert counted == reported == {"one": 2}


def test_the_runner_up_line_says_lost_and_the_contact_refusal_names_html(tmp_path):
    from click.testing import CliRunner

    from nurturedsl.cli import main

    from .test_sim_funnel import two_emails

    text = two_emails(tmp_path, fmt="text")
    assert '  then "Second" email (second) 1 lost\n' in text or ', "Second" email (second) 1 lost' in text
    book = tmp_path / "p.nurture"
    result = CliRunner().invoke(
        main,
        ["simulate", str(book), "--contacts", str(tmp_path / "contacts.jsonl")]
        + ["--events", str(tmp_path / "events.jsonl"), "--contact", "a", "-f", "html", "-o", str(tmp_path / "x.html")],
    )
    assert result.exit_code == 2 and "--format json or html are for whole runs" in result.output


def test_every_ir_node_type_has_words_and_arms_label_their_steps(tmp_path):
    import typing

    from nurturedsl import irmodel
    from nurturedsl.sim import report

    def kinds(tp) -> set[str]:
        found: set[str] = set()
        for arg in typing.get_args(tp):
            if isinstance(arg, type) and "type" in getattr(arg, "model_fields", {}):
                found.update(typing.get_args(arg.model_fields["type"].annotation))
            else:
                found |= kinds(arg)
        return found

    types = kinds(irmodel.NodeIR)
    assert "wait_for" in types and "experiment" in types  # the union was read
    assert types <= set(report._LABELS), types - set(report._LABELS)
    playbook = """
content a give "Alpha"
content b give "Beta"
flow f {
  entry on registered("webinar")
  split {
    50% "x" { email sx: a }
    50% "y" { email sy: b }
  }
  wait for up to 3d {
    on visited("pricing") { email late: a }
    on timeout { email close: b }
  }
}
"""
    body = simulate(tmp_path, playbook, ["c1"], [("c1", moment(0), "registered", "webinar")])
    labels = [item["label"] for item in body["flows"]["f"]["funnel"]]
    assert 'email "Alpha" (arm "x")' in labels and 'email "Beta" (arm "y")' in labels
    assert 'wait for visited("pricing")' in labels
    assert body["flows"]["f"]["paths"][0]["path"] in (['split "x"'], ['split "y"'])


def test_a_step_in_nested_arms_carries_the_innermost_arm(tmp_path):
    playbook = """
content a give "Alpha"
content b give "Beta"
flow f {
  entry on registered("webinar")
  split {
    50% "out" {
      split {
        50% "in1" { email deep: a }
        50% "in2" { email other: b }
      }
    }
    50% "side" { email side: b }
  }
}
"""
    body = simulate(tmp_path, playbook, ["c1"], [("c1", moment(0), "registered", "webinar")])
    labels = {item["step"]: item["label"] for item in body["flows"]["f"]["funnel"]}
    assert labels["deep"] == 'email "Alpha" (arm "in1")'
    assert labels["side"] == 'email "Beta" (arm "side")'
    assert labels["split_2"] == 'split (arm "out")'
