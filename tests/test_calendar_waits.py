"""Calendar waits (`wait until mon 09:00`, `wait until 2026-12-01`) and
action paths (`wait for up to D { on EVENT {...} ... }`), through every
stage: syntax, check, graph, IR and schema, and the simulator (docs/
language.md, docs/ir.md, docs/simulation.md)."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import shutil

import jsonschema
import pytest
from click.testing import CliRunner

from nurturedsl import graph as fg
from nurturedsl import nodes as n
from nurturedsl import units
from nurturedsl.cli import main
from nurturedsl.ir import compile_programme
from nurturedsl.model import load
from nurturedsl.sim.contact import Contact, Event
from nurturedsl.sim.engine import Programme, Runner
from nurturedsl.sim.report import Tally

from .conftest import PLAYBOOKS, ROOT, write

HEADER = """\
playbook "t" {
  owner "revops@acme.example"
  reviewed 2026-11-02
}
policy { timezone "Europe/Berlin" }
content guide give "The guide" unsubscribe link
"""


def _flow(body: str, extra: str = "") -> str:
    inner = "\n".join("  " + line for line in body.strip().splitlines())
    return HEADER + extra + f'flow f {{\n  entry on downloaded("g")\n  exit on unsubscribed\n{inner}\n}}\n'


def check(tmp_path, text: str):
    path = write(tmp_path, "t.nurture", text)
    return CliRunner().invoke(main, ["check", str(path)]), path


def steps(tmp_path, body: str, extra: str = "") -> list[n.AnyStep]:
    path = write(tmp_path, "t.nurture", _flow(body, extra))
    return list(n.iter_steps(load(str(path)).flows["f"].steps))


# ---------------------------------------------------------------- syntax --


def test_the_calendar_forms_read_as_written(tmp_path):
    found = steps(
        tmp_path,
        "wait until 9:00\nwait until tue 10:00\nwait until fri..mon 08:15\n"
        "wait until 2026-12-01\nwait until 2026-12-01 14:00",
    )
    shapes = [
        (s.date.text if s.date else None, [d.text for d in s.days], s.time.text if s.time else None)
        for s in found
        if isinstance(s, n.WaitCalendar)
    ]
    assert shapes == [
        (None, [], "9:00"),
        (None, ["tue"], "10:00"),
        (None, ["fri", "mon"], "08:15"),
        ("2026-12-01", [], None),
        ("2026-12-01", [], "14:00"),
    ]


def test_day_names_stay_names_everywhere_else(tmp_path):
    # a yes/no attribute `mon`, content `tue`, a step labelled `wed`
    found = steps(
        tmp_path,
        'wait until mon up to 1d\nemail wed: tue\nwait until mon 09:00\nexit "done"',
        extra='attribute mon: bool\ncontent tue give "Tuesday\'s note"\n',
    )
    assert isinstance(found[0], n.WaitUntil) and isinstance(found[0].condition, n.Ref)
    assert isinstance(found[1], n.Touch) and (found[1].label, found[1].content) == ("wed", "tue")
    assert isinstance(found[2], n.WaitCalendar)


def test_wait_for_keeps_its_arms_in_the_order_written(tmp_path):
    (step, *_) = steps(
        tmp_path,
        'wait for up to 7d {\n  on booked("demo") { exit "booked" }\n  on replied { exit "replied" }\n'
        '  on timeout { exit "late" }\n}',
    )
    assert isinstance(step, n.WaitFor)
    assert [(arm.event.name, [a.value for a in arm.event.args]) for arm in step.arms] == [
        ("booked", ["demo"]),
        ("replied", []),
    ]
    assert step.timeout is not None and step.timeout.seconds == 7 * units.DAY
    assert step.on_timeout is not None


# ----------------------------------------------------------------- check --


@pytest.mark.parametrize(
    ("body", "where", "message", "hint"),
    [
        ("wait until monday 09:00", "10:14", "error[NUR010] unknown day `monday`", "did you mean `mon`?"),
        ("wait until fri up to 1d", "10:14", "unknown segment, event or threshold `fri`", "`wait until fri 09:00`"),
        ("wait until 25:00", "10:14", "error[NUR014] `25:00` is not a time of day", None),
        ("wait until 2026-02-30", "10:14", "error[NUR014] `2026-02-30` is not a date on the calendar", None),
        (
            "wait for {\n  on replied { exit }\n}",
            "10:3",
            "error[NUR014] `wait for` needs a time-out",
            "`wait for up to 7d { ... }`",
        ),
        ("wait for up to 2d {\n  on timeout { exit }\n}", "10:3", "needs at least one `on EVENT { ... }` arm", None),
        ("wait for up to 2d {\n  on replied { exit }\n  on replied { exit }\n}", "12:5", "[NUR011]", None),
        ("wait for up to 2d {\n  on repliedd { exit }\n}", "11:8", "unknown event `repliedd`", None),
        ("wait for up to 0d {\n  on replied { exit }\n}", "10:18", "must be longer than zero", None),
    ],
)
def test_mistakes_are_located_and_explained(tmp_path, body, where, message, hint):
    result, _ = check(tmp_path, _flow(body))
    assert result.exit_code == 1, result.output
    assert f"t.nurture:{where}: " in result.output and message in result.output, result.output
    if hint:
        assert hint in result.output, result.output


# ----------------------------------------------------------------- graph --


def _graph(tmp_path, body: str):
    path = write(tmp_path, "t.nurture", _flow(body))
    return fg.flow_graph(load(str(path)).flows["f"])


@pytest.mark.parametrize(
    ("wait", "longest"),
    [
        ("wait until 09:00", units.DAY),
        ("wait until tue 10:00", units.WEEK),
        ("wait until mon..fri 09:30", 3 * units.DAY),  # Friday after 09:30 to Monday
        ("wait until fri..mon 09:30", 4 * units.DAY),  # Monday after 09:30 to Friday
        ("wait until 2026-12-01", math.inf),
    ],
)
def test_a_calendar_wait_takes_from_no_time_to_its_longest(tmp_path, wait, longest):
    g = _graph(tmp_path, wait + '\nexit "done"')
    ((_, edge),) = fg.edges(g, "wait_calendar_1")
    assert (edge["kind"], edge["min_delay"], edge["max_delay"]) == ("next", 0, longest)


def test_a_wait_for_has_one_event_edge_per_arm_then_the_timeout(tmp_path):
    g = _graph(tmp_path, 'wait for up to 3d {\n  on replied { tag "r" }\n  on clicked(any) { tag "c" }\n}\nexit "done"')
    out = [(target, e["kind"], e["min_delay"], e["max_delay"]) for target, e in fg.edges(g, "wait_for_1")]
    assert out == [
        ("tag_1", "event", 0, 3 * units.DAY),
        ("tag_2", "event", 0, 3 * units.DAY),
        ("exit_1", "timeout", 3 * units.DAY, 3 * units.DAY),  # no `on timeout`: on after the block
    ]


# ------------------------------------------------------------ IR, schema --


def _ir(tmp_path, body: str, extra: str = "") -> dict:
    path = write(tmp_path, "t.nurture", _flow(body, extra))
    return compile_programme(load(str(path)))


def test_the_ir_says_what_a_runner_needs_and_meets_the_schema(tmp_path):
    ir = _ir(
        tmp_path,
        "wait until fri..mon 9:05\nwait until 2026-12-01\n"
        'wait for up to 2d {\n  on booked("demo") { exit "b" }\n  on replied { exit "r" }\n}\nexit "done"',
    )
    nodes = ir["flows"]["f"]["nodes"]
    assert {k: v for k, v in nodes["wait_calendar_1"].items() if k != "span"} == {
        "type": "wait_calendar",
        "days": ["mon", "fri", "sat", "sun"],
        "time": "09:05",
        "next": [{"kind": "next", "to": "wait_calendar_2"}],
    }
    assert "time" not in nodes["wait_calendar_2"] and nodes["wait_calendar_2"]["date"] == "2026-12-01"
    assert nodes["wait_for_1"]["next"] == [
        {"kind": "event", "to": "exit_1", "event": {"name": "booked", "arg": "demo"}},
        {"kind": "event", "to": "exit_2", "event": {"name": "replied"}},
        {"kind": "timeout", "to": "exit_3", "delay": {"iso": "P2D", "seconds": 172800}},
    ]
    schema = json.loads((ROOT / "docs" / "schema" / "nurturedsl-ir-1.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(ir)


@pytest.mark.parametrize(
    "broken",
    [
        lambda node: node.update(time="9:05"),  # HH:MM only
        lambda node: node.update(days=["monday"]),
        lambda node: node.update(days=[]),
    ],
)
def test_the_schema_rejects_a_malformed_calendar_wait(tmp_path, broken):
    ir = _ir(tmp_path, 'wait until mon 9:05\nexit "done"')
    broken(ir["flows"]["f"]["nodes"]["wait_calendar_1"])
    schema = json.loads((ROOT / "docs" / "schema" / "nurturedsl-ir-1.json").read_text())
    assert not jsonschema.Draft202012Validator(schema).is_valid(ir)


def test_the_schema_rejects_a_wait_for_without_its_timeout(tmp_path):
    ir = _ir(tmp_path, 'wait for up to 2d {\n  on replied { exit "r" }\n}\nexit "done"')
    node = ir["flows"]["f"]["nodes"]["wait_for_1"]
    node["next"] = node["next"][:1]
    schema = json.loads((ROOT / "docs" / "schema" / "nurturedsl-ir-1.json").read_text())
    assert not jsonschema.Draft202012Validator(schema).is_valid(ir)


# ------------------------------------------------------------- simulator --


def at(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def simulate(tmp_path, body: str, events: list[tuple[str, str, str | None]], zone: str | None = None):
    """(moment, what) of the contact's trace: tags set and the exit reason."""
    runner = Runner(Programme(_ir(tmp_path, body)), at("2026-01-01T00:00:00Z"), at("2026-12-31T00:00:00Z"), trace=True)
    contact = Contact("c", {"email": "c@acme.example"}, zone)
    runner.run(contact, [Event(at(t), name, arg) for t, name, arg in events], Tally())
    return [
        (r["at"], r.get("tag") or r.get("reason"))
        for r in runner.trace_records
        if r["type"] in ("tag", "exit")  # an `exit` record carries the reason
    ]


ENTER = "downloaded", "g"


@pytest.mark.parametrize(
    ("wait", "entered", "zone", "reached"),
    [
        # Saturday 10:00 in Berlin: Monday 09:30 CET is 08:30Z
        ("wait until mon..fri 09:30", "2026-01-03T09:00:00Z", None, "2026-01-05T08:30:00Z"),
        # the contact's own zone: 09:30 in New York is 14:30Z
        ("wait until mon..fri 09:30", "2026-01-05T09:00:00Z", "America/New_York", "2026-01-05T14:30:00Z"),
        # a time passed today waits for tomorrow
        ("wait until 09:30", "2026-01-05T09:00:00Z", None, "2026-01-06T08:30:00Z"),
        # exactly now is reached
        ("wait until 09:30", "2026-01-05T08:30:00Z", None, "2026-01-05T08:30:00Z"),
        # a date already past at run time: at once; one ahead: its local midnight
        ("wait until 2025-06-01", "2026-01-05T09:00:00Z", None, "2026-01-05T09:00:00Z"),
        ("wait until 2026-02-01", "2026-01-05T09:00:00Z", None, "2026-01-31T23:00:00Z"),
        # 02:30 does not exist in Berlin on 29 March: it comes as the clock jumps (03:30 CEST = 01:30Z)
        ("wait until 2026-03-29 02:30", "2026-03-01T09:00:00Z", None, "2026-03-29T01:30:00Z"),
        # 02:30 happens twice on 25 October: the first (CEST, 00:30Z)
        ("wait until 2026-10-25 02:30", "2026-10-01T09:00:00Z", None, "2026-10-25T00:30:00Z"),
    ],
)
def test_a_calendar_wait_ends_when_the_contacts_clock_shows_it(tmp_path, wait, entered, zone, reached):
    trace = simulate(tmp_path, f'{wait}\ntag "reached"\nexit "done"', [(entered, *ENTER)], zone)
    assert trace[0] == (reached, "reached")


PATHS = (
    'wait for up to 3d {\n  on replied { tag "replied" }\n  on booked("demo") { tag "booked" }\n'
    '  on timeout { tag "timeout" }\n}\nexit "done"'
)


@pytest.mark.parametrize(
    ("events", "taken"),
    [
        ([], ("2026-01-08T09:00:00Z", "timeout")),
        ([("2026-01-06T10:00:00Z", "booked", "demo")], ("2026-01-06T10:00:00Z", "booked")),
        # the first event wins
        (
            [("2026-01-06T10:00:00Z", "booked", "demo"), ("2026-01-06T11:00:00Z", "replied", None)],
            ("2026-01-06T10:00:00Z", "booked"),
        ),
        # at the same moment, the arm written first
        (
            [("2026-01-06T10:00:00Z", "booked", "demo"), ("2026-01-06T10:00:00Z", "replied", None)],
            ("2026-01-06T10:00:00Z", "replied"),
        ),
        # an event before arrival counts for nothing
        ([("2026-01-04T10:00:00Z", "replied", None)], ("2026-01-08T09:00:00Z", "timeout")),
        # another argument is another event; at the very moment of the time-out, too late
        ([("2026-01-06T10:00:00Z", "booked", "call")], ("2026-01-08T09:00:00Z", "timeout")),
        ([("2026-01-08T09:00:00Z", "replied", None)], ("2026-01-08T09:00:00Z", "timeout")),
    ],
)
def test_a_wait_for_takes_the_first_arm_whose_event_comes_after_arrival(tmp_path, events, taken):
    trace = simulate(tmp_path, PATHS, [("2026-01-05T09:00:00Z", *ENTER), *events])
    assert trace[0] == taken
    assert trace[-1][1] == 'exit "done"'  # after the arm, on after the block


def test_the_event_that_brought_the_contact_in_takes_no_arm(tmp_path):
    body = 'wait for up to 3d {\n  on downloaded(any) { tag "again" }\n}\nexit "done"'
    entered = ("2026-01-05T09:00:00Z", *ENTER)
    assert simulate(tmp_path, body, [entered])[0] == ("2026-01-08T09:00:00Z", 'exit "done"')
    again = ("2026-01-05T09:30:00Z", "downloaded", "other")
    assert simulate(tmp_path, body, [entered, again])[0] == ("2026-01-05T09:30:00Z", "again")


def test_an_exit_trigger_still_takes_a_contact_out_of_a_wait_for(tmp_path):
    trace = simulate(
        tmp_path, PATHS, [("2026-01-05T09:00:00Z", *ENTER), ("2026-01-06T10:00:00Z", "unsubscribed", None)]
    )
    assert trace == [("2026-01-06T10:00:00Z", "exit on unsubscribed")]


# ------------------------------------------------------------------ docs --


def _section(heading: str) -> list[str]:
    text = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    start = text.index(heading)
    section = text[start : text.index("\n### ", start + 1)]
    return re.findall(r"```nurture\n(.*?)```", section, re.S)


@pytest.mark.parametrize(
    "heading", ["### wait until a time of day, a weekday or a date", "### wait for: the first of several events"]
)
def test_the_language_guide_examples_compile(tmp_path, heading):
    (example,) = _section(heading)
    for name in ("content.nurture", "scoring.nurture", "policy.nurture"):
        shutil.copy(PLAYBOOKS / name, tmp_path / name)
    inner = "\n".join("  " + line for line in example.splitlines())
    text = (
        'import "content.nurture"\nimport "scoring.nurture"\nimport "policy.nurture"\n'
        'playbook "docs" { owner "a@acme.example" reviewed 2026-11-02 }\n'
        'flow docs {\n  entry on downloaded("resource")\n  exit on unsubscribed\n'
        f"  email pricing: blog_post\n{inner}\n}}\n"
    )
    path = write(tmp_path, "docs.nurture", text)
    result = CliRunner().invoke(main, ["compile", str(path)])
    assert result.exit_code == 0, result.output


# ------------------------------------------------------ lint through arms --


@pytest.mark.parametrize(
    "wait, loops",
    [
        # an arm needs a new event from the contact: going round waits for them
        ("wait for up to 1d { on replied { goto again } }", False),
        # a condition may hold on the history already: the arm runs at once
        ("wait until replied up to 1d { on event { goto again } }", True),
    ],
)
def test_a_loop_back_through_a_wait_for_arm_waits_for_the_contact(tmp_path, wait, loops):
    path = write(tmp_path, "t.nurture", _flow(f"email again: guide\n{wait}"))
    result = CliRunner().invoke(main, ["lint", str(path), "--format", "json"])
    assert result.exit_code in (0, 1), result.output  # never a crash (3)
    codes = {finding["code"] for finding in json.loads(result.stdout)["diagnostics"]}
    assert ("NUR102" in codes) == loops


def test_a_reengagement_flow_with_a_wait_for_lints(tmp_path):
    body = 'wait for up to 7d {\n  on clicked(any) { exit "back" }\n}\nsuppress "cold-contacts" revisit 180d'
    text = _flow(body).replace('entry on downloaded("g")', "entry when inactive for 90d")
    result = CliRunner().invoke(main, ["lint", str(write(tmp_path, "t.nurture", text)), "--format", "json"])
    assert result.exit_code in (0, 1), result.output


def test_an_arm_given_twice_is_found_whatever_any_says_and_named_with_its_argument(tmp_path):
    body = (
        "wait for up to 2d {\n"
        '  on clicked(any) { tag "a" }\n  on clicked { tag "b" }\n'
        '  on visited("pricing") { tag "c" }\n  on visited("pricing") { tag "d" }\n'
        '  on timeout { tag "e" }\n}'
    )
    result, _ = check(tmp_path, _flow(body))
    assert result.exit_code == 1
    assert "`on clicked` is given twice in this `wait for`" in result.stderr
    assert '`on visited("pricing")` is given twice in this `wait for`' in result.stderr


def test_a_second_on_timeout_names_the_wait_it_is_in(tmp_path):
    body = 'wait for up to 2d {\n  on replied { tag "a" }\n  on timeout { tag "b" }\n  on timeout { tag "c" }\n}'
    result, _ = check(tmp_path, _flow(body))
    assert "`on timeout` is given twice in this `wait for`" in result.stderr
