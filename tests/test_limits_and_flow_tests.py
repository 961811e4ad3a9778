"""Delivery limits (per-channel frequency caps, flow rate limits) and the
`in flow X` / `EVENT(any CHANNEL)` conditions, through every stage: check,
compile and schema, lint, render and the simulator (issue 12, items 6 and 8;
docs/language.md, Delivery limits and Conditions)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from nurturedsl.cli import main
from nurturedsl.ir import compile_programme, dumps
from nurturedsl.model import load
from nurturedsl.render import words
from nurturedsl.sim.contact import Contact, Event
from nurturedsl.sim.engine import Programme, Runner
from nurturedsl.sim.report import Tally, as_text, figures, layout

from .conftest import ROOT, write

DAY = 86400.0
SCHEMA = json.loads((ROOT / "docs" / "schema" / "nurturedsl-ir-1.json").read_text(encoding="utf-8"))


def at(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


@pytest.fixture
def project(tmp_path, monkeypatch):
    write(tmp_path, "nurturedsl.toml", "")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def ir_of(path: Path) -> dict:
    ir = json.loads(dumps(compile_programme(load(str(path)))))
    jsonschema.Draft202012Validator(SCHEMA).validate(ir)
    return ir


def check_errors(project: Path, text: str) -> str:
    write(project, "p.nurture", text)
    result = cli("check", "p.nurture")
    assert result.exit_code == 1, result.output
    return result.output


CONTENT = 'content a give "A"\ncontent b give "B"\ncontent c give "C"\n'


# ------------------------------------------------------------------- docs --


def _first_block_after(marker: str) -> str:
    text = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    return re.search(r"```nurture\n(.*?)```", text[text.index(marker) :], re.S).group(1)


@pytest.mark.parametrize(
    "marker", ["### Delivery limits", "**In a flow, and events on a channel.**"], ids=["limits", "in-flow"]
)
def test_the_language_docs_examples_compile(project, marker):
    result = cli("compile", str(write(project, "example.nurture", _first_block_after(marker))))
    assert result.exit_code == 0, result.output
    jsonschema.Draft202012Validator(SCHEMA).validate(json.loads(result.output))


# ---------------------------------------------------------------- checker --


def test_an_unknown_cap_channel_is_located_with_a_suggestion(project):
    out = check_errors(project, "policy {\n  frequency_cap emial 2 per 7d\n}\n")
    assert "p.nurture:2:17: error[NUR010] unknown channel `emial` for a frequency cap" in out
    assert "did you mean `email`?" in out


def test_one_cap_per_channel_and_the_all_channel_cap_beside_them(project):
    out = check_errors(
        project, "policy {\n  frequency_cap 3 per 7d\n  frequency_cap sms 1 per 30d\n  frequency_cap sms 1 per 20d\n}\n"
    )
    assert "p.nurture:4:3: error[NUR011] `frequency_cap sms` is set twice in this policy" in out
    assert out.count("error[") == 1  # the all-channel cap and the first sms cap are fine


def test_rate_limit_words_counts_and_duplicates_are_checked(project):
    text = CONTENT + (
        "flow f {\n  entry on submitted\n  rate_limit entires 5 per 1d\n  rate_limit sends 0 per 1h\n"
        "  rate_limit sends 3 per 1h\n  email a\n}\n"
    )
    out = check_errors(project, text)
    assert "p.nurture:6:14: error[NUR010] unknown rate limit `entires`" in out
    assert "did you mean `entries`?" in out
    assert "p.nurture:7:20: error[NUR014] the sends rate limit must be a whole number of at least 1, not `0`" in out
    assert "p.nurture:8:3: error[NUR011] `rate_limit sends` is given twice in this flow `f`" in out


def test_in_flow_names_a_flow_and_channels_go_with_touch_events(project):
    text = CONTENT + (
        "flow onboarding {\n  entry on registered\n  email a\n}\n"
        "flow f {\n  entry on clicked(any email)\n  branch {\n"
        "    when in flow onbording { exit }\n"
        "    when clicked(any emial) { exit }\n"
        "    when visited(any sms) { exit }\n  }\n}\n"
    )
    out = check_errors(project, text)
    assert "p.nurture:9:24: error[NUR014] a channel filter (`any email`) is for conditions" in out
    assert "p.nurture:11:18: error[NUR010] unknown flow `onbording`" in out
    assert "did you mean `onboarding`?" in out
    assert "p.nurture:12:22: error[NUR010] unknown channel `emial`" in out
    assert "p.nurture:13:22: error[NUR014] `visited` is not about a touch, so it has no channel" in out


def test_in_still_means_membership_after_an_attribute(project):
    write(project, "p.nurture", 'segment s = role in ["CTO"] and country not in ["DE"] or not in flow f\nflow f {\n}\n')
    result = cli("check", "p.nurture")
    assert result.exit_code == 0, result.output


# --------------------------------------------------------------------- IR --


def test_the_ir_carries_caps_limits_and_the_new_operations(project):
    ir = ir_of(
        write(
            project,
            "p.nurture",
            CONTENT
            + "policy {\n  frequency_cap 3 per 7d\n  frequency_cap sms 1 per 30d\n  frequency_cap email 2 per 7d\n}\n"
            "flow onboarding {\n  entry on registered\n  email a\n}\n"
            "flow f {\n  entry on submitted when not in flow onboarding\n  rate_limit sends 100 per 1h\n"
            "  wait until clicked(any email) within 3d up to 5d\n  email b\n}\n",
        )
    )
    policy = ir["policy"]
    assert policy["frequency_cap"] == {"count": 3, "per": {"iso": "P1W", "seconds": 604800}}  # unchanged
    assert [c["channel"] for c in policy["frequency_caps"]] == ["email", "sms"]  # sorted by channel
    flow = ir["flows"]["f"]
    assert flow["rate_limits"] == {"sends": {"count": 100, "per": {"iso": "PT1H", "seconds": 3600}}}
    assert "rate_limits" not in ir["flows"]["onboarding"]
    assert flow["entry"][0]["condition"] == {"!": [{"in_flow": ["onboarding"]}]}
    assert flow["nodes"]["wait_until_1"]["condition"] == {">": [{"event_count": ["clicked", None, 259200, "email"]}, 0]}


def test_a_playbook_without_them_compiles_as_before(project):
    ir = ir_of(write(project, "p.nurture", CONTENT + "policy { frequency_cap 2 per 7d }\nflow f {\n  email a\n}\n"))
    assert "frequency_caps" not in ir["policy"] and "rate_limits" not in ir["flows"]["f"]


@pytest.mark.parametrize(
    "rule, valid",
    [
        ({"event_count": ["clicked", None, None]}, True),  # a 1.1 rule
        ({"event_count": ["clicked", None, None, "sms"]}, True),
        ({"event_count": ["clicked", None, None, "fax"]}, False),
        ({"event_count": ["clicked", None, None, None]}, False),
        ({"in_flow": ["f"]}, True),
        ({"in_flow": []}, False),
    ],
)
def test_the_schema_takes_the_channel_and_in_flow_and_nothing_else(rule, valid):
    schema = {"$ref": "#/$defs/JsonLogic", "$defs": SCHEMA["$defs"]}
    assert jsonschema.Draft202012Validator(schema).is_valid(rule) is valid


# ------------------------------------------------------------------- lint --


def test_lint_counts_a_channel_cap_on_one_flow_path(project):
    text = (
        'playbook "p" { reviewed 2026-11-01 }\n'
        + CONTENT
        + "policy {\n  frequency_cap email 2 per 7d\n  cadence 1d..7d\n}\n"
        "flow f {\n  entry on submitted\n  exit on unsubscribed\n"
        "  email a\n  wait 2d\n  email b\n  wait 2d\n  email c\n}\n"
    )
    write(project, "p.nurture", text)
    result = cli("lint", "--select", "NUR205", "p.nurture")
    assert "`c` can be the 3rd email within 4d; the email frequency cap is 2 per 7d" in result.output
    write(project, "p.nurture", text.replace("email 2 per 7d", "sms 2 per 7d"))
    assert "NUR205" not in cli("lint", "--select", "NUR205", "p.nurture").output


def test_words_print_the_new_conditions_as_written(project):
    write(
        project,
        "p.nurture",
        "flow g {\n}\nsegment s = in flow g and not in flow g or clicked(any email) within 3d count >= 2\n",
    )
    segment = load("p.nurture").segments["s"]
    assert (
        words.condition(segment.condition) == "in flow g and not in flow g or clicked(any email) within 3d count >= 2"
    )


# -------------------------------------------------------------- simulator --


def run(ir: dict, contacts: dict[str, list[Event]], until: str = "2026-03-01T00:00:00Z") -> tuple[list[dict], Tally]:
    runner = Runner(Programme(ir), at("2026-01-05T00:00:00Z"), at(until), trace=True)
    tally = Tally()
    for contact, events in contacts.items():
        runner.run(Contact(contact), sorted(events), tally)
    return runner.trace_records, tally


def test_a_channel_cap_holds_that_channels_messages_only(project):
    ir = ir_of(
        write(
            project,
            "p.nurture",
            CONTENT + "policy {\n  frequency_cap email 1 per 7d\n  cadence 1d..7d\n}\n"
            "flow f {\n  entry on submitted\n  email a\n  wait 1d\n  linkedin connect\n  wait 1d\n  email b\n}\n",
        )
    )
    records, tally = run(ir, {"c1": [Event(at("2026-01-05T10:00:00Z"), "submitted")]})
    sent = {r["step"]: r["at"] for r in records if r["type"] == "touch"}
    assert sent == {
        "a": "2026-01-05T10:00:00Z",
        "linkedin_connect_1": "2026-01-06T10:00:00Z",  # another channel: not held
        "b": "2026-01-12T10:00:00Z",  # held until `a` is 7 days old
    }
    assert tally.deferred["frequency_cap"] == 1


def test_in_flow_follows_entering_and_leaving(project):
    ir = ir_of(
        write(
            project,
            "p.nurture",
            CONTENT + "flow trial {\n  entry on registered\n  email a\n  wait 2d\n}\n"
            "flow news {\n  entry on submitted\n  wait until in flow trial up to 10d {\n"
            '    on event { tag "in trial" }\n    on timeout { exit "never" }\n  }\n'
            '  wait until not in flow trial up to 10d {\n    on event { tag "trial over" }\n  }\n}\n',
        )
    )
    records, _ = run(
        ir, {"c1": [Event(at("2026-01-05T10:00:00Z"), "submitted"), Event(at("2026-01-07T10:00:00Z"), "registered")]}
    )
    tags = {r["tag"]: r["at"] for r in records if r["type"] == "tag"}
    assert tags == {"in trial": "2026-01-07T10:00:00Z", "trial over": "2026-01-09T10:00:00Z"}


def test_a_channel_filter_counts_events_about_that_channels_touches(project):
    text = CONTENT + (
        "flow f {\n  entry on submitted\n  sms s: a\n  email e: b\n"
        '  wait until clicked(any email) up to 5d {\n    on event { tag "email click" }\n  }\n}\n'
    )
    ir = ir_of(write(project, "p.nurture", text))
    start = at("2026-01-05T10:00:00Z")
    sms_click = [Event(start, "submitted"), Event(start + 3600, "clicked", "s")]
    records, _ = run(ir, {"c1": sms_click})
    assert [r for r in records if r["type"] == "tag"] == []  # a click in the SMS is not an email click
    records, _ = run(ir, {"c1": sms_click + [Event(start + 7200, "clicked", "b")]})  # by content name
    assert [r["at"] for r in records if r["type"] == "tag"] == ["2026-01-05T12:00:00Z"]


def test_entries_and_sends_over_a_rate_limit_are_counted(project):
    ir = ir_of(
        write(
            project,
            "p.nurture",
            CONTENT + "flow f {\n  entry on submitted\n  rate_limit entries 2 per 1d\n"
            "  rate_limit sends 1 per 1h\n  email a\n}\n",
        )
    )
    start = at("2026-01-05T10:00:00Z")
    # three contacts on day one (one over), one on day two (none over)
    contacts = {f"c{i}": [Event(start + i * 60, "submitted")] for i in range(3)}
    contacts["c3"] = [Event(start + DAY, "submitted")]
    _, tally = run(ir, contacts)
    body = figures(tally, layout(ir))
    # entries: 3 on day one (limit 2); sends: 3 in one hour (limit 1)
    assert body["flows"]["f"]["rate_limit"] == {"entries_refused": 1, "sends_held": 2}
    header = {"playbook": "p", "mode": "replay", "start": "2026-01-05", "until": "2026-03-01"}
    assert "over its rate limit: 1 entry refused, 2 messages held" in as_text(header, body)
