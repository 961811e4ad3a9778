"""The committed IR schema says what docs/ir.md says, and the simulator's
check of a hand-written document agrees with it.

Every bundled playbook's IR is valid against docs/schema/nurturedsl-ir-1.json;
each shape docs/ir.md forbids is refused by the schema and by
`nurturedsl.sim.checkir`, and the check says where."""

from __future__ import annotations

import copy
import json
from functools import cache

import jsonschema
import pytest

from nurturedsl import ir, model
from nurturedsl.sim.checkir import problems

from .conftest import PLAYBOOKS, ROOT, write

SCHEMA_PATH = ROOT / "docs" / "schema" / "nurturedsl-ir-1.json"
BUNDLED = sorted(p.name for p in PLAYBOOKS.glob("*.nurture"))


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


@cache
def _compiled(name: str) -> str:
    return ir.dumps(ir.compile_programme(model.load(str(PLAYBOOKS / name))))


def document(name: str = "programme.nurture") -> dict:
    return json.loads(_compiled(name))


@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_playbook_is_valid_and_runs(name):
    compiled = document(name)
    _validator().validate(compiled)
    assert problems(compiled) == []


def nodes(d: dict) -> dict:
    return d["flows"]["inbound"]["nodes"]


def condition(d: dict, rule: dict) -> None:
    d["flows"]["inbound"]["entry"][0]["condition"] = rule


# Each shape docs/ir.md forbids, as an edit of programme.nurture's IR, with
# the path the check names. From docs/ir.md: "Optional members are left
# out, never null"; a duration's `seconds` is "a whole number above zero"
# (and a playbook says at most ten years); `version` is 1.x.y ("refuse other
# majors"); the node table's members per type; the Conditions section's
# operations; a split weight is a percentage of contacts; the schema
# "forbids unknown members".
FORBIDDEN = {
    "a null optional member": (lambda d: d["flows"]["inbound"].update(title=None), "flows.inbound.title"),
    "a null required member": (
        lambda d: nodes(d)["welcome"].update(content=None),
        "flows.inbound.nodes.welcome.content",
    ),
    "a zero duration": (
        lambda d: nodes(d)["wait_1"]["duration"].update(seconds=0),
        "flows.inbound.nodes.wait_1.duration.seconds",
    ),
    "a negative duration": (
        lambda d: d["policy"]["first_touch"].update(seconds=-3600),
        "policy.first_touch.seconds",
    ),
    "a zero delay": (
        lambda d: nodes(d)["wait_1"]["next"][0]["delay"].update(seconds=0),
        "flows.inbound.nodes.wait_1.next[0].delay.seconds",
    ),
    "a duration over ten years": (
        lambda d: d["policy"]["cadence"]["max"].update(seconds=11 * 365 * 86400),
        "policy.cadence.max.seconds",
    ),
    "an unknown JsonLogic operation": (
        lambda d: condition(d, {"regex": [{"var": "title"}, "^C"]}),
        "flows.inbound.entry[0].condition",
    ),
    "an unknown operation inside a known one": (
        lambda d: condition(d, {"and": [{"segment": ["icp"]}, {"contains": ["a", "b"]}]}),
        "flows.inbound.entry[0].condition",
    ),
    "a rule of two operations": (
        lambda d: condition(d, {"segment": ["icp"], "score": ["lead"]}),
        "flows.inbound.entry[0].condition",
    ),
    "a comparison of one argument": (
        lambda d: condition(d, {"==": [{"var": "title"}]}),
        "flows.inbound.entry[0].condition",
    ),
    "a null operand outside event_count": (
        lambda d: condition(d, {"==": [{"var": "title"}, None]}),
        "flows.inbound.entry[0].condition",
    ),
    "an email node without content": (
        lambda d: nodes(d)["welcome"].pop("content"),
        "flows.inbound.nodes.welcome.content",
    ),
    "a wait without a duration": (
        lambda d: nodes(d)["wait_1"].pop("duration"),
        "flows.inbound.nodes.wait_1.duration",
    ),
    "a wait_until without a condition": (
        lambda d: d["flows"]["ghost"]["nodes"]["wait_until_1"].pop("condition"),
        "flows.ghost.nodes.wait_until_1.condition",
    ),
    "a LinkedIn follow with content": (
        lambda d: nodes(d)["linkedin_follow_1"].update(content="blog_post", give_or_ask="give"),
        "flows.inbound.nodes.linkedin_follow_1.content",
    ),
    "an unknown node type": (lambda d: nodes(d)["welcome"].update(type="fax"), "flows.inbound.nodes.welcome.type"),
    "an unknown transition kind": (
        lambda d: nodes(d)["welcome"]["next"][0].update(kind="jump"),
        "flows.inbound.nodes.welcome.next",
    ),
    "a wait's transition without its delay": (
        lambda d: nodes(d)["wait_1"]["next"][0].pop("delay"),
        "flows.inbound.nodes.wait_1.next",
    ),
    "a terminal node with a transition": (
        lambda d: nodes(d)["@end"]["next"].append({"kind": "next", "to": "welcome"}),
        "flows.inbound.nodes.@end.next",
    ),
    "a branch without its else": (
        lambda d: nodes(d)["branch_1"]["next"].pop(),
        "flows.inbound.nodes.branch_1.next",
    ),
    "a wait_until's timeout before its event": (
        lambda d: d["flows"]["ghost"]["nodes"]["wait_until_1"]["next"].reverse(),
        "flows.ghost.nodes.wait_until_1.next",
    ),
    "version 2.0.0": (lambda d: d.update(version="2.0.0"), "version"),
    "a version that is not semantic": (lambda d: d.update(version="1.1"), "version"),
    "an unknown member": (lambda d: nodes(d)["wait_1"].update(duraton=3), "flows.inbound.nodes.wait_1.duraton"),
    "an unknown top-level member": (lambda d: d.update(meta={}), "meta"),
    "quiet hours that are not HH:MM": (
        lambda d: d["policy"].update(quiet_hours={"start": "8pm", "end": "08:00"}),
        "policy.quiet_hours.start",
    ),
    "a content without gated": (lambda d: d["content"]["blog_post"].pop("gated"), "content.blog_post.gated"),
    "a threshold action without its member": (
        lambda d: d["scores"]["lead"]["thresholds"][1]["actions"][0].pop("team"),
        "scores.lead.thresholds[1].actions[0].team",
    ),
}


def _split(weights: list[float]):
    """A split node in place of the inbound flow's branch."""

    def edit(d: dict) -> None:
        branch = nodes(d)["branch_1"]
        branch["type"] = "split"
        branch["next"] = [{"kind": "split", "to": edge["to"], "weight": w} for edge, w in zip(branch["next"], weights)]

    return edit


FORBIDDEN |= {
    "a split weight of 0": (_split([0, 50, 50]), "flows.inbound.nodes.branch_1.next[0].weight"),
    "a split weight over 100": (_split([150, -25, -25]), "flows.inbound.nodes.branch_1.next[0].weight"),
}


def _node(flow: str, node: str):
    return lambda d: d["flows"][flow]["nodes"][node]


# From docs/ir.md's node table for the 1.2 nodes: a calendar wait has a date
# or days with a time (days "need a time"), never both; a webhook's body is
# "POST, PUT, PATCH only"; a score change's points are "never 0".
FORBIDDEN |= {
    "a calendar wait with a date and days": (
        lambda d: _node("surround", "wait_calendar_1")(d).update(date="2027-03-01"),
        "flows.surround.nodes.wait_calendar_1",
    ),
    "a calendar wait on days without a time": (
        lambda d: _node("surround", "wait_calendar_1")(d).pop("time"),
        "flows.surround.nodes.wait_calendar_1",
    ),
    "a calendar wait with a day twice": (
        lambda d: _node("surround", "wait_calendar_1")(d).update(days=["tue", "tue"]),
        "flows.surround.nodes.wait_calendar_1",
    ),
    "a GET webhook with a body": (
        lambda d: _node("inbound", "crm_sync")(d).update(method="GET"),
        "flows.inbound.nodes.crm_sync",
    ),
    "a score change of 0 points": (
        lambda d: _node("archive", "score_lead_1")(d).update(op="add", points=0),
        "flows.archive.nodes.score_lead_1",
    ),
}


def test_a_split_whose_weights_are_in_range_is_valid():
    edited = document()
    _split([50, 25, 25])(edited)
    _validator().validate(edited)
    assert problems(edited) == []


@pytest.mark.parametrize("edit, where", list(FORBIDDEN.values()), ids=list(FORBIDDEN))
def test_a_forbidden_shape_is_refused_by_the_schema_and_the_check(edit, where):
    edited = copy.deepcopy(document())
    edit(edited)
    assert not _validator().is_valid(edited)
    found = problems(edited)
    assert found, "the simulator's check accepted what the schema refuses"
    assert any(line.startswith(f"{where}:") or line.startswith(f"{where}.") for line in found), found


def test_a_1_0_document_is_valid_without_the_1_1_members():
    old = document()
    old["version"] = "1.0.0"
    del old["policy"]["messages"]
    for flow in old["flows"].values():
        for node in flow["nodes"].values():
            node.pop("message", None)
    for content in old["content"].values():
        del content["way_out"]
    _validator().validate(old)
    assert problems(old) == []


def test_a_later_minor_version_may_add_members_a_runner_ignores():
    later = document()
    later["version"] = "1.9.0"
    nodes(later)["wait_1"]["added_in_1_9"] = True
    assert problems(later) == []


def test_every_node_type_has_its_own_definition():
    from typing import get_args

    from nurturedsl.irmodel import NodeType

    schema = ir.ir_schema()
    mapping = schema["$defs"]["FlowIR"]["properties"]["nodes"]["additionalProperties"]["discriminator"]["mapping"]
    assert sorted(mapping) == sorted(get_args(NodeType))


def test_the_check_reads_the_models_without_the_compiler():
    """A runner checks a compiled document without the parser or compiler."""
    import subprocess
    import sys

    code = (
        "import sys, nurturedsl.sim.checkir; "
        "print(sorted(m for m in ('lark', 'nurturedsl.ir', 'nurturedsl.model', 'nurturedsl.graph') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("date", ["2026-13-45", "2027-02-30"])
def test_a_calendar_date_off_the_calendar_is_refused_not_run(tmp_path, date):
    # the schema's pattern takes any YYYY-MM-DD; the simulator must not get
    # as far as computing with the date (it used to exit 3)
    text = (
        'playbook "t" {}\ncontent guide give "G" unsubscribe link\n'
        'flow f {\n  entry on downloaded("g")\n  exit on unsubscribed\n  wait until 2027-01-15\n  email guide\n}\n'
    )
    document = ir.compile_programme(model.load(str(write(tmp_path, "t.nurture", text))))
    node = next(node for node in document["flows"]["f"]["nodes"].values() if node["type"] == "wait_calendar")
    node["date"] = date
    assert any(f"{date} is not a date on the calendar" in problem for problem in problems(document))
