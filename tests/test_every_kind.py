"""Every kind of step, through every stage: check, lint, compile, the
committed schema, render (DOT and Mermaid) and simulate.

The kinds come from the syntax tree's own union (`nodes.AnyStep`) and the
IR's node types from its models (`irmodel.NodeType`), so a kind added to
either without a sample here fails a test, and a sample whose kind some
stage does not handle fails in that stage, not in a user's hands.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import get_args

import jsonschema
import pytest
from click.testing import CliRunner

from nurturedsl import graph as fg
from nurturedsl import nodes as n
from nurturedsl.cli import main
from nurturedsl.irmodel import NodeType
from nurturedsl.sim.contact import Contact, Event
from nurturedsl.sim.engine import Programme, Runner
from nurturedsl.sim.report import Tally

from .conftest import ROOT, write
from .test_simulate import at

# One or more flow bodies per kind of step. Each flow is entered on
# `downloaded("<flow>")` and must let a contact who does nothing else reach
# its end: `exit "done"` unless the step itself ends the flow.
SAMPLES: dict[type[n.Step], dict[str, str]] = {
    n.Touch: {
        "email": 'email guide\nexit "done"',
        "sms": 'sms reminder\nexit "done"',
        "linkedin_follow": 'linkedin follow\nexit "done"',
        "linkedin_message": 'linkedin message intro_note\nexit "done"',
        "ads": 'ads add "retargeting" with guide\nexit "done"',
        "task": 'task "Call {name}" for sdr\nexit "done"',
        "notify": 'notify sdr "Lead {name} downloaded the guide"\nexit "done"',
    },
    n.Wait: {"wait": 'wait 2d\nexit "done"'},
    n.WaitUntil: {
        "wait_until": 'wait until replied up to 3d {\n  on event { exit "replied" }\n  on timeout { exit "done" }\n}',
    },
    n.WaitCalendar: {
        "wait_calendar_time": 'wait until 09:00\nexit "done"',
        "wait_calendar_days": 'wait until mon..fri 09:30\nexit "done"',
        "wait_calendar_date": 'wait until 2026-01-20 14:00\nexit "done"',
    },
    n.WaitFor: {
        "wait_for": 'wait for up to 3d {\n  on replied { exit "replied" }\n  on clicked(any) { exit "clicked" }\n'
        '  on timeout { exit "done" }\n}',
    },
    n.Branch: {"branch": 'branch {\n  when tagged "vip" { exit "vip" }\n  else { exit "done" }\n}'},
    n.Split: {"split": 'split {\n  50% "a" { exit "done" }\n  50% "b" { exit "done" }\n}'},
    n.Repeat: {"repeat": 'repeat every 1d at most 2 {\n  tag "seen"\n}\nexit "done"'},
    n.Goto: {
        "goto": 'task again: "Look at {name}"\nwait 1d\nbranch {\n  when tagged "never" { goto again }\n}\nexit "done"'
    },
    n.MoveTo: {"move_to": "move to landing"},
    n.TagStep: {"tag": 'tag "nurtured"\nuntag "cold"\nexit "done"'},
    n.SetStep: {"set": 'set stage_note = "nurtured"\nexit "done"'},
    n.Suppress: {"suppress": 'suppress "cold-contacts" revisit 90d'},
    n.Handoff: {"handoff": "handoff sales"},
    n.ExitStep: {"exit": 'exit "done"'},
    n.Experiment: {
        "experiment": (
            "experiment subject_test {\n  goal clicked(guide)\n  window 7d\n  decide after 10 per arm\n"
            '  50% "a" { email guide }\n  50% "b" { tag "b" }\n}\nexit "done"'
        )
    },
    n.Webhook: {
        "webhook": 'webhook post "https://hooks.acme.example/lead" body "{\\"email\\": \\"{email}\\"}"\nexit "done"'
    },
    n.ScoreChange: {"score_change": 'score lead +10\nscore lead -5\nscore lead reset\nexit "done"'},
}

HEADER = """\
playbook "every kind" {
  owner "revops@acme.example"
}

attribute stage_note: string

content guide give "The guide" unsubscribe link
content reminder give "A reminder" unsubscribe link
content intro_note give "Hello from Acme"

score lead {
  +10 on visited("pricing")
  threshold hot at 5 -> score lead reset
}

flow landing "Where move to leads" {
  exit "done"
}
"""


def _playbook() -> str:
    flows = []
    for samples in SAMPLES.values():
        for name, body in samples.items():
            inner = "\n".join("  " + line for line in body.splitlines())
            flows.append(f'flow {name} {{\n  entry on downloaded("{name}")\n{inner}\n}}\n')
    return HEADER + "\n" + "\n".join(flows)


def _flow_names() -> list[str]:
    return [name for samples in SAMPLES.values() for name in samples]


@pytest.fixture(scope="module")
def playbook(tmp_path_factory) -> Path:
    return write(tmp_path_factory.mktemp("every_kind"), "every.nurture", _playbook())


@pytest.fixture(scope="module")
def ir(playbook) -> dict:
    result = CliRunner().invoke(main, ["compile", str(playbook)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_every_kind_of_step_has_a_sample():
    assert set(SAMPLES) == set(get_args(n.AnyStep)), "add a sample for the new kind of step"


def test_every_kind_of_step_has_its_keywords():
    assert set(n.STEP_KEYWORDS) == set(get_args(n.AnyStep))


def test_the_samples_check_clean(playbook):
    result = run("check", playbook)
    assert result.exit_code == 0, result.output


def test_every_ir_node_type_is_compiled_from_a_sample(ir):
    made = {node["type"] for flow in ir["flows"].values() for node in flow["nodes"].values()}
    assert made == set(get_args(NodeType)), "a node type no sample compiles to, or one the IR does not define"


def test_the_samples_lint_without_crashing(playbook):
    result = run("lint", playbook, "--format", "json")
    assert result.exit_code in (0, 1), result.output  # findings are fine; a crash (3) is not
    assert json.loads(result.stdout) is not None


def test_the_compiled_samples_meet_the_committed_schema(ir):
    schema = json.loads((ROOT / "docs" / "schema" / "nurturedsl-ir-1.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(ir)


@pytest.mark.parametrize("fmt", ["dot", "mermaid"])
def test_every_flow_of_samples_renders(playbook, tmp_path, fmt):
    for flow in _flow_names():
        result = run("render", playbook, "--flow", flow, "--format", fmt)
        assert result.exit_code == 0, (flow, result.output)
        assert result.stdout.strip(), flow


def test_a_node_has_no_way_on_exactly_when_its_type_ends_the_flow(ir):
    for flow in ir["flows"].values():
        for node_id, node in flow["nodes"].items():
            ends = node["type"] in (*fg.TERMINAL_TYPES, "end")
            assert (not node["next"]) == ends, (node_id, node["type"])


def test_a_contact_goes_through_every_sample_in_the_simulator(ir):
    runner = Runner(Programme(ir), at("2026-01-05T00:00:00Z"), at("2026-03-31T00:00:00Z"), trace=True)
    tally = Tally()
    for name in _flow_names():
        contact = Contact(name, {"name": "Ada", "email": f"{name}@acme.example"}, "Europe/Berlin")
        runner.run(contact, [Event(at("2026-01-05T09:00:00Z"), "downloaded", name)], tally)
    records = runner.trace_records
    for name in _flow_names():
        mine = [r for r in records if r["contact"] == name]
        entered = [r["flow"] for r in mine if r["type"] == "enter"]
        assert name in entered, (name, mine)
        left = [r for r in mine if r["type"] in ("exit", "handoff") and r.get("flow", name) == name]
        assert left, f"the contact never left flow `{name}`: {mine}"
