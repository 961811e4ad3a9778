"""Runner actions and runner metadata (issue 12, items 4, 5 and 7): the
`webhook` step, score changes (`score lead +10`, `score lead reset`) as
steps and threshold actions, and `meta { ... }` blocks, each through check,
compile, the committed schema, lint, render and the simulator."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
from click.testing import CliRunner

from nurturedsl.cli import main
from nurturedsl.sim.contact import Contact, Event

from .conftest import ROOT, write
from .test_simulate import Sim, at, playbook

SCHEMA = json.loads((ROOT / "docs" / "schema" / "nurturedsl-ir-1.json").read_text(encoding="utf-8"))


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def check(tmp_path, text: str):
    return run("check", write(tmp_path, "p.nurture", text))


def compiled(tmp_path, text: str) -> dict:
    result = run("compile", write(tmp_path, "p.nurture", text))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


FLOW = """
flow inbound {{
  entry on downloaded("guide")
  exit on unsubscribed
  {steps}
}}
"""


def flow(*steps: str, before: str = "") -> str:
    return before + FLOW.format(steps="\n  ".join(steps))


# -- webhook -----------------------------------------------------------------


def test_a_webhook_compiles_to_its_method_url_and_joined_body(tmp_path):
    ir = compiled(
        tmp_path,
        flow(
            'webhook lead_hook: post "https://hooks.acme.example/lead"',
            '  body "{\\"email\\": \\"{email}\\", "',
            '       "\\"n\\": 1}"',
            'webhook Delete "https://crm.acme.example/c/{email}"',
        ),
    )
    nodes = ir["flows"]["inbound"]["nodes"]
    hook = nodes["lead_hook"]
    assert (hook["type"], hook["method"], hook["url"]) == ("webhook", "POST", "https://hooks.acme.example/lead")
    assert json.loads(hook["body"].replace("{email}", "a@b.example")) == {"email": "a@b.example", "n": 1}
    assert nodes["webhook_1"]["method"] == "DELETE" and "body" not in nodes["webhook_1"]
    jsonschema.Draft202012Validator(SCHEMA).validate(ir)


@pytest.mark.parametrize(
    ("step", "code", "words"),
    [
        ('webhook pots "https://x.example/a"', "NUR010", "unknown webhook method `pots`"),
        ('webhook post "hooks.acme.example/lead"', "NUR014", "absolute http:// or https:// URL"),
        ('webhook post "ftp://x.example/a"', "NUR014", "absolute http:// or https:// URL"),
        ('webhook get "https://x.example/a" body "{}"', "NUR014", "a GET webhook sends no body"),
        ('webhook post "https://x.example/a" body "{\\"email\\": {email}}"', "NUR014", "body is not JSON"),
        ('webhook post "https://x.example/a" body "{\\"a\\": 1,}"', "NUR014", "body is not JSON"),
    ],
)
def test_a_wrong_webhook_is_a_located_error(tmp_path, step, code, words):
    result = check(tmp_path, flow(step))
    assert result.exit_code == 1, result.output
    assert re.search(rf"p\.nurture:5:\d+: error\[{code}\]", result.output), result.output
    assert words in result.output


def test_the_body_error_says_how_to_write_a_placeholder(tmp_path):
    result = check(tmp_path, flow('webhook post "https://x.example/a" body "{\\"email\\": {email}}"'))
    assert 'write placeholders inside JSON strings: "{\\"email\\": \\"{email}\\"}"' in result.output


def test_lint_warns_about_plain_http_and_unknown_placeholders_and_only_those(tmp_path):
    bad = write(
        tmp_path,
        "bad.nurture",
        flow('webhook post "http://hooks.acme.example/{crm.id}" body "{\\"e\\": \\"{emial}\\"}"'),
    )
    good = write(
        tmp_path,
        "good.nurture",
        flow(
            'webhook post "https://hooks.acme.example/{crm.id}" body "{\\"e\\": \\"{email}\\"}"',
            before="attribute crm.id: string\n",
        ),
    )
    found = json.loads(run("lint", bad, "--select", "NUR111,NUR503", "--format", "json").stdout)
    codes = sorted(f["code"] for f in found["diagnostics"])
    assert codes == ["NUR111", "NUR111", "NUR503"]
    assert json.loads(run("lint", good, "--select", "NUR111,NUR503", "--format", "json").stdout)["diagnostics"] == []


def test_a_webhook_is_not_a_touch_for_touch_counts(tmp_path):
    text = """
content g1 give "G" unsubscribe link
flow inbound {
  entry on downloaded("guide")
  goal booked("demo")
  exit on unsubscribed, booked("demo")
  max_touches 1
  email g1
  webhook post "https://hooks.acme.example/a"
  webhook post "https://hooks.acme.example/b"
}
"""
    path = write(tmp_path, "p.nurture", text)
    found = json.loads(run("lint", path, "--select", "NUR204,NUR207", "--format", "json").stdout)
    assert found["diagnostics"] == []


def test_the_simulator_counts_webhook_calls_per_step_and_sends_nothing(tmp_path):
    ir = playbook(tmp_path, flow('webhook hook: post "https://hooks.acme.example/lead"', "wait 1d"))
    download = Event(at("2026-01-05T09:00:00Z"), "downloaded", "guide")
    sim = Sim(ir, [Contact("a"), Contact("b")], {"a": [download], "b": [download]})
    assert sim.tally.webhooks == {"inbound.hook": 2}
    [record] = sim.of("a", "webhook")
    assert (record["method"], record["url"], record["step"]) == ("POST", "https://hooks.acme.example/lead", "hook")
    assert sim.of("a", "touch") == []


def test_a_report_lists_webhooks_only_for_a_playbook_that_has_them(tmp_path):
    from nurturedsl.sim.report import Tally, figures, layout

    with_hook = playbook(tmp_path, flow('webhook post "https://hooks.acme.example/lead"'))
    assert figures(Tally(), layout(with_hook))["webhooks"] == {"inbound.webhook_1": 0}
    without = playbook(tmp_path, flow("wait 1d"))
    assert "webhooks" not in figures(Tally(), layout(without))


# -- score changes -----------------------------------------------------------

SCORE = """
score lead {
  +20 on visited("pricing") decay half_life 30d
  threshold hot at 30 -> tag "hot"
}
"""


def test_score_changes_compile_as_steps_and_threshold_actions(tmp_path):
    text = """
score lead {
  +20 on visited("pricing")
  threshold sql above 60 -> handoff sales score lead reset score fit +5
}
score fit {
  +5 when title == "CEO"
}
""" + flow("score lead +10", "score lead -5", "score bump: fit reset")
    ir = compiled(tmp_path, text)
    nodes = ir["flows"]["inbound"]["nodes"]
    assert {k: (v["op"], v.get("points")) for k, v in nodes.items() if v["type"] == "score"} == {
        "score_lead_1": ("add", 10),
        "score_lead_2": ("add", -5),
        "bump": ("reset", None),
    }
    actions = ir["scores"]["lead"]["thresholds"][0]["actions"]
    assert actions[1:] == [
        {"type": "score", "score": "lead", "op": "reset"},
        {"type": "score", "score": "fit", "op": "add", "points": 5},
    ]
    jsonschema.Draft202012Validator(SCHEMA).validate(ir)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (flow("score leed +10", before=SCORE), "unknown score `leed`"),
        (flow("score lead +0", before=SCORE), "a score change of 0 points does nothing"),
        (SCORE.replace('tag "hot"', "score laed reset") + flow("wait 1d"), "unknown score `laed`"),
    ],
)
def test_a_wrong_score_change_is_a_located_error(tmp_path, text, words):
    result = check(tmp_path, text)
    assert result.exit_code == 1 and words in result.output, result.output
    assert re.search(r"p\.nurture:\d+:\d+: error\[NUR01[04]\]", result.output)


def test_an_adjustment_counts_at_once_fires_a_threshold_and_does_not_decay(tmp_path):
    ir = playbook(tmp_path, flow("score lead +10", "wait 90d", "score lead +25", "wait 1d", before=SCORE))
    download = Event(at("2026-01-05T09:00:00Z"), "downloaded", "guide")
    sim = Sim(ir, [Contact("c")], {"c": [download]})
    changes = sim.of("c", "score_change")
    assert [r["score"]["lead"] for r in changes] == [10, 35]  # no decay of the first 10 over 90 days
    [crossed] = sim.of("c", "threshold")
    assert crossed["at"] == "2026-04-05T09:00:00Z"  # at the second change, not an event later


def test_a_reset_zeroes_the_score_and_old_decaying_events_do_not_drift_it(tmp_path):
    ir = playbook(tmp_path, flow("score lead reset", "wait 60d", before=SCORE))
    visit = Event(at("2026-01-04T09:00:00Z"), "visited", "pricing")
    download = Event(at("2026-01-05T09:00:00Z"), "downloaded", "guide")
    later = Event(at("2026-02-04T09:00:00Z"), "visited", "pricing")
    sim = Sim(ir, [Contact("c")], {"c": [visit, download, later]})
    [reset] = sim.of("c", "score_change")
    assert reset["score"]["lead"] == 0
    [visit_record] = [r for r in sim.of("c", "event") if r["at"] == "2026-02-04T09:00:00Z"]
    assert visit_record["score"]["lead"] == 20  # only the visit after the reset, not 20 + a decayed 10 - 20


def test_a_reset_takes_off_the_fit_points_of_that_moment(tmp_path):
    text = """
score lead {
  +30 when title == "CEO"
  +10 on visited("pricing")
}
""" + flow("score lead reset", "wait 10d")
    ir = playbook(tmp_path, text)
    sim = Sim(
        ir,
        [Contact("c", {"title": "CEO"})],
        {
            "c": [
                Event(at("2026-01-05T09:00:00Z"), "downloaded", "guide"),
                Event(at("2026-01-06T09:00:00Z"), "visited", "pricing"),
            ]
        },
    )
    assert sim.of("c", "score_change")[0]["score"]["lead"] == 0
    assert [r["score"]["lead"] for r in sim.of("c", "event")][-1] == 10


def test_a_threshold_that_resets_its_score_fires_again_at_the_next_crossing_never_in_a_loop(tmp_path):
    text = """
score lead {
  +40 on visited("pricing")
  threshold sql at 30 -> score lead reset tag "sql"
}
""" + flow("wait 60d")
    ir = playbook(tmp_path, text)
    visits = [Event(at(f"2026-01-{day:02d}T09:00:00Z"), "visited", "pricing") for day in (6, 8)]
    sim = Sim(ir, [Contact("c")], {"c": [Event(at("2026-01-05T09:00:00Z"), "downloaded", "guide"), *visits]})
    assert [r["at"] for r in sim.of("c", "threshold")] == ["2026-01-06T09:00:00Z", "2026-01-08T09:00:00Z"]
    assert sim.tally.crossings["lead.sql"] == 2


def test_threshold_actions_that_raise_each_other_stop_after_one_firing_each_moment(tmp_path):
    text = """
score a {
  +40 on visited("pricing")
  threshold hot at 30 -> score a reset score b +10
}
score b {
  +1 on visited("blog")
  threshold warm at 10 -> score a +50 score b reset
}
""" + flow("wait 1d")
    ir = playbook(tmp_path, text)
    visit = Event(at("2026-01-06T09:00:00Z"), "visited", "pricing")
    sim = Sim(ir, [Contact("c")], {"c": [Event(at("2026-01-05T09:00:00Z"), "downloaded", "guide"), visit]})
    fired = [r["threshold"] for r in sim.of("c", "threshold")]
    assert fired == ["a.hot", "b.warm"]  # a.hot holds again at once, but fired at this moment already


def test_render_draws_webhooks_and_score_changes_in_dot_and_mermaid(tmp_path):
    path = write(
        tmp_path,
        "p.nurture",
        flow('webhook post "https://hooks.acme.example/lead"', "score lead reset", before=SCORE),
    )
    dot = run("render", path, "--flow", "inbound", "--format", "dot").stdout
    assert "webhook POST" in dot and "shape=component" in dot and "score lead reset" in dot
    mermaid = run("render", path, "--flow", "inbound", "--format", "mermaid").stdout
    assert 'n_webhook_1["webhook POST' in mermaid and 'n_score_lead_1["score lead reset' in mermaid
    overview = run(
        "render",
        write(tmp_path, "q.nurture", SCORE.replace('tag "hot"', "score lead reset") + flow("wait 1d")),
        "--format",
        "mermaid",
    ).stdout
    assert "score lead reset" in overview


# -- meta --------------------------------------------------------------------

META = """
playbook "P" {
  owner "ops@acme.example"
  meta { workspace "acme-eu" region_id 3 }
}
content g1 give "G" unsubscribe link meta { hubspot_template_id "81723" }
flow inbound {
  meta { braze_canvas "c-114" }
  entry on downloaded("guide")
  exit on unsubscribed
  email g1 meta { sender_id 42 tracked true ratio 0.5 }
  branch {
    when tagged "vip" { tag "v" meta { note "vip arm" } }
  }
  wait 1d
}
"""


def test_meta_is_carried_untouched_and_meets_the_schema(tmp_path):
    ir = compiled(tmp_path, META)
    assert ir["playbook"]["meta"] == {"workspace": "acme-eu", "region_id": 3}
    assert ir["content"]["g1"]["meta"] == {"hubspot_template_id": "81723"}
    flow_ir = ir["flows"]["inbound"]
    assert flow_ir["meta"] == {"braze_canvas": "c-114"}
    assert flow_ir["nodes"]["g1"]["meta"] == {"sender_id": 42, "tracked": True, "ratio": 0.5}
    assert flow_ir["nodes"]["tag_1"]["meta"] == {"note": "vip arm"}
    assert "meta" not in flow_ir["nodes"]["wait_1"]
    jsonschema.Draft202012Validator(SCHEMA).validate(ir)


@pytest.mark.parametrize("meta", [{"hubspot-template": "1"}, {"nested": {"a": 1}}, {"list": [1]}, {"none": None}])
def test_the_schema_refuses_meta_that_is_not_names_to_scalars(tmp_path, meta):
    ir = compiled(tmp_path, META)
    ir["flows"]["inbound"]["nodes"]["g1"]["meta"] = meta
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(SCHEMA).validate(ir)


def test_meta_changes_nothing_but_the_meta_members(tmp_path):
    def strip(value):
        if isinstance(value, dict):
            return {k: strip(v) for k, v in value.items() if k not in ("meta", "span")}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    plain = re.sub(r"meta \{[^}]*\}", "", META)
    assert strip(compiled(tmp_path, META)) == strip(compiled(tmp_path, plain))


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        (META.replace("region_id 3", 'workspace "x"'), "NUR011", "`workspace` is given twice in this `meta` block"),
        (
            META.replace("wait 1d", 'wait 1d meta { a "1" } meta { b "2" }'),
            "NUR011",
            "`meta` is given twice in this step",
        ),
        (
            META.replace('when tagged "vip" { tag', 'when tagged "vip" { meta { a "1" } tag'),
            "NUR001",
            "a `meta` block belongs right after the step it describes",
        ),
        (
            META.replace("unsubscribe link meta", 'unsubscribe link meta { a "1" } meta'),
            "NUR011",
            "in this content `g1`",
        ),
    ],
)
def test_wrong_meta_is_a_located_error(tmp_path, text, code, words):
    result = check(tmp_path, text)
    assert result.exit_code == 1, result.output
    assert f"error[{code}]" in result.output and words in result.output, result.output


def test_meta_keys_may_be_words_that_are_keywords_elsewhere(tmp_path):
    ir = compiled(tmp_path, META.replace("sender_id 42", 'email "x" url "y" score 1'))
    assert ir["flows"]["inbound"]["nodes"]["g1"]["meta"]["score"] == 1


# -- the docs ----------------------------------------------------------------


@pytest.mark.parametrize("heading", ["### webhook", "### score: change a score", "## Runner metadata: meta"])
def test_the_language_docs_examples_compile(tmp_path, heading):
    text = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    block = re.search(r"```nurture\n(.*?)```", text[text.index(heading) :], re.S)
    assert block is not None
    ir = compiled(tmp_path, block.group(1))
    jsonschema.Draft202012Validator(SCHEMA).validate(ir)


def test_a_score_change_is_traced_with_the_score_after_it(tmp_path):
    ir = playbook(tmp_path, flow("score lead +10", before=SCORE))
    sim = Sim(ir, [Contact("c")], {"c": [Event(at("2026-01-05T09:00:00Z"), "downloaded", "guide")]})
    [record] = sim.of("c", "score_change")
    assert (record["changed"], record["op"], record["points"], record["score"]["lead"]) == ("lead", "add", 10, 10)


def test_the_contact_timeline_reads_webhooks_and_score_changes(tmp_path):
    from nurturedsl.sim.report import timeline

    ir = playbook(
        tmp_path, flow('webhook hook: post "https://hooks.acme.example/lead"', "score lead +10", before=SCORE)
    )
    sim = Sim(ir, [Contact("c")], {"c": [Event(at("2026-01-05T09:00:00Z"), "downloaded", "guide")]})
    text = timeline(sim.of("c"), {"id": "c"}, "UTC")
    assert "webhook    inbound.hook: POST https://hooks.acme.example/lead" in text
    assert "score      lead +10 (inbound.score_lead_1)" in text


def test_the_new_words_stay_legal_as_names_elsewhere(tmp_path):
    text = """
attribute meta.source: string
event reset, webhook
content webhook give "A post called webhook" unsubscribe link
segment body = meta.source == "x"
score lead {
  +5 on reset
}
flow meta {
  entry on webhook
  exit on unsubscribed
  email webhook
  branch { when body { tag "b" } }
  score reset: lead reset
}
"""
    ir = compiled(tmp_path, text)
    nodes = ir["flows"]["meta"]["nodes"]
    assert nodes["webhook"]["type"] == "email" and nodes["reset"] == {**nodes["reset"], "type": "score", "op": "reset"}


def test_a_threshold_only_a_score_step_reaches_is_not_reported_unreachable(tmp_path):
    score = 'score lead {\n  +15 on visited("pricing") at most 2\n  threshold sql above 60 -> handoff sales\n}\n'
    with_step = write(tmp_path, "a.nurture", flow("score lead +50", before=score))
    without = write(tmp_path, "b.nurture", flow("score lead -50", before=score))
    codes = {
        path.name: {
            d["code"]
            for d in json.loads(run("lint", path, "--select", "NUR405", "--format", "json").stdout)["diagnostics"]
        }
        for path in (with_step, without)
    }
    assert codes == {"a.nurture": set(), "b.nurture": {"NUR405"}}


def test_a_run_changes_its_own_copy_of_the_contact_never_the_one_it_was_given(tmp_path):
    # `tag` and `set` change what later conditions read; the Contact stays
    # as read, so a second run of it (a decision's pass, a test's next
    # expectation) starts from the same place as the first.
    ir = playbook(tmp_path, flow('tag "vip"', "set deal.amount = 50k", "wait 1d"))
    contact = Contact("c", {"tags": ["old"], "deal": {"amount": 10, "stage": "open"}})
    download = Event(at("2026-01-05T09:00:00Z"), "downloaded", "guide")
    first = Sim(ir, [contact], {"c": [download]})
    assert contact.data == {"tags": ["old"], "deal": {"amount": 10, "stage": "open"}}
    state = Sim(ir, [], {}).runner.run(contact, [download], first.tally)
    assert state.data["tags"] == ["old", "vip"] and state.data["deal"] == {"amount": 50_000, "stage": "open"}
    second = Sim(ir, [contact], {"c": [download]})
    assert second.records == first.records
    assert contact.data == {"tags": ["old"], "deal": {"amount": 10, "stage": "open"}}
