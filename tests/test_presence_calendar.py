"""Messages and presence (the policy's `messages`), and the calendar's
longest hold (`send_days` + `quiet_hours`), through every stage that reads
them: check, compile, lint, render and the simulator. See docs/language.md,
"Messages and presence" and "The calendar holds messages"."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from nurturedsl import policy
from nurturedsl.cli import main
from nurturedsl.diagnostics import DiagnosticError
from nurturedsl.ir import compile_programme, dumps
from nurturedsl.model import load, message_items
from nurturedsl.render.diagram import flow_diagram
from nurturedsl.render.overview import overview_diagram
from nurturedsl.sim.checkir import problems
from nurturedsl.sim.contact import Contact, Event
from nurturedsl.sim.engine import Programme, Runner, _Policy
from nurturedsl.sim.report import Tally

from .conftest import write

TODAY = "2026-11-22"
HEAD = 'content post give "Post"\ncontent guide give "Guide"\n'
CALENDAR = "policy {\n  send_days mon..fri\n  quiet_hours 20:00..08:00\n}\n"


@pytest.fixture
def project(tmp_path, monkeypatch):
    write(tmp_path, "nurturedsl.toml", "")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def cli(*args: str):
    return CliRunner().invoke(
        main, list(args), prog_name="nurturedsl", env={"NO_COLOR": "1", "FORCE_COLOR": None}, catch_exceptions=False
    )


def lint(project: Path, text: str, code: str):
    write(project, "p.nurture", text)
    return cli("lint", "--today", TODAY, "--select", code, "p.nurture")


def flow(*steps: str, settings: str = "") -> str:
    body = "\n".join(f"  {s}" for s in steps)
    return f'flow f {{\n  entry on downloaded("guide")\n  exit on unsubscribed\n{settings}{body}\n}}\n'


def messages(items: str) -> str:
    return f"policy {{ messages {items} }}\n"


# ------------------------------------------------------------------ checking --


def test_default_messages_are_email_sms_and_linkedin_message_and_connect():
    assert message_items(None) == ("email", "sms", "linkedin message", "linkedin connect")
    touch = lambda channel, action=None: {"type": channel, "action": action}  # noqa: E731
    assert policy.is_message(touch("email")) and policy.is_message(touch("linkedin", "connect"))
    assert not policy.is_message(touch("linkedin", "follow")) and not policy.is_message(touch("ads", "add"))
    assert not policy.is_message(touch("task")) and not policy.is_message(touch("notify"))
    assert policy.is_message(touch("ads", "remove"), ["email", "ads"])
    assert not policy.is_message(touch("ads", "remove"), ["email", "ads add"])


def test_a_messages_list_is_read_from_the_policy(project):
    write(project, "p.nurture", HEAD + messages("email, linkedin, ads add") + flow("email post"))
    assert message_items(load("p.nurture")) == ("email", "linkedin", "ads add")


@pytest.mark.parametrize(
    "items, code, words",
    [
        (
            "email, linkedin folow",
            "NUR010",
            ["unknown message kind `linkedin folow`", "did you mean `linkedin follow`?"],
        ),
        ("email sms", "NUR010", ["unknown message kind `email sms`", "separate the items with commas: `email, sms`"]),
        ("email, sms, email", "NUR011", ["`email` is listed twice in `messages`", "first listed here"]),
        ("linkedin, linkedin follow", "NUR011", ["`linkedin follow` is already covered by `linkedin`"]),
        ("ads add, ads", "NUR011", ["`ads` covers `ads add`"]),
    ],
)
def test_a_wrong_messages_list_is_a_located_error(project, items, code, words):
    write(project, "p.nurture", HEAD + messages(items) + flow("email post"))
    result = cli("check", "p.nurture")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "p.nurture:3:" in result.output and f"error[{code}]" in result.output
    for word in words:
        assert word in result.output


def test_messages_merge_across_imports_like_every_policy_setting(project):
    write(project, "policy.nurture", messages("email, linkedin"))
    write(
        project, "same.nurture", 'import "policy.nurture"\n' + messages("email, linkedin") + HEAD + flow("email post")
    )
    assert message_items(load("same.nurture")) == ("email", "linkedin")
    write(project, "other.nurture", 'import "policy.nurture"\n' + messages("email") + HEAD + flow("email post"))
    with pytest.raises(DiagnosticError) as caught:
        load("other.nurture")
    assert [d.code for d in caught.value.diagnostics] == ["NUR012"]


# ----------------------------------------------------------------------- IR --


def ir_of(path: Path) -> dict:
    return json.loads(dumps(compile_programme(load(str(path)))))


def test_the_ir_carries_the_list_and_a_message_flag_on_every_touch(project):
    steps = (
        "linkedin follow",
        "email welcome: post",
        'ads add "nurture"',
        "linkedin connect",
        'task "call {name}"',
        'notify "new lead"',
    )
    ir = ir_of(write(project, "p.nurture", HEAD + flow(*steps)))
    assert ir["version"] == "1.2.0"
    assert ir["policy"]["messages"] == ["email", "sms", "linkedin message", "linkedin connect"]
    nodes = ir["flows"]["f"]["nodes"]
    assert {k: v.get("message") for k, v in nodes.items() if v["type"] not in ("entry", "end")} == {
        "linkedin_follow_1": False,
        "welcome": True,
        "ads_1": False,
        "linkedin_connect_1": True,
        "task_1": None,
        "notify_1": None,
    }
    ir = ir_of(write(project, "q.nurture", HEAD + messages("email, ads") + flow(*steps)))
    flags = {k: v.get("message") for k, v in ir["flows"]["f"]["nodes"].items()}
    assert flags["ads_1"] is True and flags["linkedin_connect_1"] is False


def test_a_runner_is_told_when_a_flag_disagrees_with_the_list(project):
    ir = ir_of(write(project, "p.nurture", HEAD + flow("linkedin follow", "email welcome: post")))
    assert problems(ir) == []
    ir["flows"]["f"]["nodes"]["linkedin_follow_1"]["message"] = True
    assert problems(ir) == [
        "flows.f.nodes.linkedin_follow_1.message: true, but policy.messages does not list "
        "`linkedin follow` (email, sms, linkedin message, linkedin connect)"
    ]


def test_a_1_0_document_without_flags_still_checks(project):
    ir = ir_of(write(project, "p.nurture", HEAD + flow("linkedin follow", "email welcome: post")))
    ir["version"] = "1.0.0"
    del ir["policy"]["messages"]
    for node in ir["flows"]["f"]["nodes"].values():
        node.pop("message", None)
    assert problems(ir) == []


# -------------------------------------------------------- lint: presence --
# Each pair: the default list (follow, engage, ads are presence) and a list
# that makes the same step a message.


def test_presence_is_not_a_first_touch(project):
    text = flow("linkedin follow", "wait 3d", "email welcome: post")
    result = lint(project, HEAD + text, "NUR201")
    assert "first touch `welcome` can come 3d after entry" in result.stdout
    assert lint(project, HEAD + messages("email, linkedin follow") + text, "NUR201").exit_code == 0


def test_presence_ends_no_cadence_gap(project):
    text = flow("email welcome: post", "wait 2d", "linkedin follow", "wait 6d", "email second: guide")
    assert lint(project, HEAD + text, "NUR202").exit_code == 0  # 8d from email to email
    result = lint(project, HEAD + messages("email, linkedin") + text, "NUR202")
    assert "`linkedin_follow_1` can come 2d after `welcome`" in result.stdout


def test_presence_beside_a_message_is_not_back_to_back(project):
    text = flow("email welcome: post", "linkedin follow", "wait 7d", "email second: guide")
    assert lint(project, HEAD + text, "NUR207").exit_code == 0
    assert "[NUR207]" in lint(project, HEAD + messages("email, linkedin") + text, "NUR207").stdout


def test_presence_does_not_count_for_max_touches(project):
    text = flow(
        "email welcome: post",
        "wait 7d",
        'ads add "nurture"',
        "wait 7d",
        "email second: guide",
        settings="  max_touches 2\n",
    )
    assert lint(project, HEAD + text, "NUR204").exit_code == 0
    result = lint(project, HEAD + messages("email, ads") + text, "NUR204")
    assert "can send 3 contact touches on one path; the limit is 2" in result.stdout


def test_presence_does_not_count_for_the_frequency_cap(project):
    text = flow("email welcome: post", "wait 1d", "linkedin engage", "wait 7d", "email second: guide")
    capped = "policy { frequency_cap 1 per 7d }\n"
    assert lint(project, HEAD + capped + text, "NUR205").exit_code == 0
    result = lint(project, HEAD + "policy { frequency_cap 1 per 7d messages email, linkedin }\n" + text, "NUR205")
    assert "`linkedin_engage_1` can be the 2nd contact touch within 1d" in result.stdout


# -------------------------------------------------------- lint: calendar --


def test_a_first_touch_at_entry_can_wait_60h_over_a_weekend(project):
    text = flow("email welcome: post", "wait 7d", "email second: guide")
    result = lint(project, HEAD + CALENDAR + text, "NUR201")
    assert result.exit_code == 1
    assert (
        "first touch `welcome` can come 60h after entry: it is due at once and can wait up to 60h more "
        "when it falls on Friday 20:00 (send days mon..fri, quiet hours 20:00..08:00); the limit is 48h"
    ) in result.stdout
    assert "held to the next allowed moment" in result.stdout
    assert lint(project, HEAD + text, "NUR201").exit_code == 0  # no calendar: sent at once
    room = "policy {\n  send_days mon..fri\n  quiet_hours 20:00..08:00\n  first_touch within 60h\n}\n"
    assert lint(project, HEAD + room + text, "NUR201").exit_code == 0


def test_the_calendar_lengthens_the_longest_gap_and_says_how(project):
    # `welcome` went out on a weekday between 08:00 and 20:00; 12 days on is a
    # Saturday for a Monday send: held to Monday 08:00, 48h at the most
    loose = flow("email welcome: post", "wait 12d", "email second: guide", settings="  cadence 7d..13d\n")
    result = lint(project, HEAD + CALENDAR + loose, "NUR203")
    assert (
        "`second` can come 14d after `welcome`: 12d of waits, and up to 48h more when it falls on "
        "Saturday 08:00 (send days mon..fri, quiet hours 20:00..08:00); the cadence maximum is 13d"
    ) in result.stdout
    assert lint(project, HEAD + loose, "NUR203").exit_code == 0
    # 14 days on is the same weekday and time: never held, though the week's worst hold is 60h
    fine = flow("email welcome: post", "wait 14d", "email second: guide", settings="  cadence 7d..15d\n")
    assert lint(project, HEAD + CALENDAR + fine, "NUR203").exit_code == 0
    # a gap through an `on event` arm can end at any moment: the week's worst hold
    event = flow(
        "email welcome: post",
        "wait until clicked(welcome) up to 12d",
        "email second: guide",
        settings="  cadence 1m..13d\n",
    )
    assert "up to 60h more when it falls on Friday 20:00" in lint(project, HEAD + CALENDAR + event, "NUR203").stdout
    # a time-out comes exactly its `up to` after the wait began: held like a wait
    timeout = flow(
        "email welcome: post",
        "wait until clicked(welcome) up to 12d { on timeout { email second: guide } }",
        settings="  cadence 1m..13d\n",
    )
    assert "up to 48h more when it falls on Saturday 08:00" in lint(project, HEAD + CALENDAR + timeout, "NUR203").stdout


def test_the_calendar_never_shortens_a_gap(project):
    text = flow("email welcome: post", "wait 5d", "email second: guide", settings="  cadence 5d..20d\n")
    assert lint(project, HEAD + CALENDAR + text, "NUR202").exit_code == 0


def test_send_days_alone_name_their_own_stretch(project):
    text = flow("email welcome: post", "wait 7d", "email second: guide")
    result = lint(project, HEAD + "policy { send_days mon, wed, fri  first_touch within 24h }\n" + text, "NUR201")
    assert "up to 48h more when it falls on Saturday 00:00 (send days mon, wed, fri)" in result.stdout


# ------------------------------------------------------------ the hold --


@pytest.mark.parametrize(
    "days, quiet, seconds, starts",
    [
        (policy.DAYS, None, 0, None),
        (("mon", "tue", "wed", "thu", "fri"), ("20:00", "08:00"), 60 * 3600, "Friday 20:00"),
        (("mon", "tue", "wed", "thu", "fri"), None, 48 * 3600, "Saturday 00:00"),
        (policy.DAYS, ("22:00", "06:30"), 8.5 * 3600, "Monday 22:00"),
        (("mon", "wed", "fri"), ("09:00", "17:00"), 48 * 3600, "Saturday 00:00"),
        (("sun",), None, 6 * 86400, "Monday 00:00"),
        (("fri", "sat", "sun", "mon"), ("18:00", "10:00"), 88 * 3600, "Monday 18:00"),
    ],
)
def test_the_longest_hold_is_the_longest_stretch_without_an_allowed_moment(days, quiet, seconds, starts):
    hold = policy.longest_hold(days, quiet)
    assert hold.seconds == seconds
    if starts:
        assert hold.starts == starts


@pytest.mark.parametrize(
    "days, quiet",
    [
        (("mon", "tue", "wed", "thu", "fri"), ("20:00", "08:00")),
        (("mon", "wed", "fri"), ("09:00", "17:00")),
        (("fri", "sat", "sun", "mon"), ("18:00", "10:00")),
        (("tue", "thu"), None),
        (policy.DAYS, ("23:30", "07:15")),
    ],
)
def test_the_linters_hold_is_the_simulators_longest_deferral(days, quiet):
    """lint's worst case and the runner's calendar are one definition: over
    every 5 minutes of a week (in UTC, no clock change), the longest the
    runner holds a message is the hold, at the moment the hold starts."""
    hold = policy.longest_hold(days, quiet)
    runner = _Policy({"send_days": list(days), "quiet_hours": {"start": quiet[0], "end": quiet[1]} if quiet else None})
    zone = dt.timezone.utc
    monday = dt.datetime(2026, 1, 5, tzinfo=zone).timestamp()
    waits = {}
    for step in range(0, 7 * 1440, 5):
        when = monday + step * 60
        waits[step] = runner.next_open(when, zone)[0] - when
    longest = max(waits.values())
    assert longest == hold.seconds
    assert waits[hold.day * 1440 + hold.minute] == hold.seconds


@pytest.mark.parametrize("gap_days", [1, 5, 6.5, 12, 13, 14])
@pytest.mark.parametrize(
    "days, quiet",
    [
        (("mon", "tue", "wed", "thu", "fri"), ("20:00", "08:00")),
        (policy.DAYS, ("20:00", "08:00")),
        (("mon", "wed", "fri"), None),
    ],
)
def test_the_hold_after_a_gap_is_the_simulators_longest_deferral_of_it(days, quiet, gap_days):
    """A message due a gap after one that went out (at a moment the runner
    allows): the longest the runner holds it, over every 5 minutes of a week
    at which the one before can go out, is `hold_after`."""
    gap = int(gap_days * 86400)
    hold = policy.hold_after(gap, days, quiet)
    runner = _Policy({"send_days": list(days), "quiet_hours": {"start": quiet[0], "end": quiet[1]} if quiet else None})
    zone = dt.timezone.utc
    monday = dt.datetime(2026, 1, 5, tzinfo=zone).timestamp()
    longest = 0
    for step in range(0, 7 * 1440, 5):
        sent = monday + step * 60
        if runner.next_open(sent, zone)[0] != sent:
            continue  # no message goes out then
        due = sent + gap
        longest = max(longest, runner.next_open(due, zone)[0] - due)
    assert longest == hold.seconds


# ------------------------------------------------------------------ render --


def test_the_overview_counts_messages_and_shows_presence_apart(project):
    text = flow("email welcome: post", "linkedin follow", "wait 7d", 'ads add "nurture"', "email second: guide")
    programme = load(str(write(project, "p.nurture", HEAD + text)))
    box = next(node for node in overview_diagram(programme).nodes if node.id == "f")
    assert box.lines[-3:-1] == ["at most 2 messages", "+ 2 presence at most"]  # per contact (docs/render.md)
    follow = next(
        node for node in flow_diagram(programme, programme.flows["f"]).nodes if node.id == "linkedin_follow_1"
    )
    assert "presence" in follow.lines and any("not a message" in line for line in follow.tooltip)


# --------------------------------------------------------------- simulator --


def at(text: str) -> float:
    return dt.datetime.fromisoformat(text).timestamp()


def simulate(ir: dict, when: str, zone: str = "UTC") -> tuple[list[dict], Tally]:
    runner = Runner(Programme(ir), at("2026-01-05T00:00:00+00:00"), at("2026-03-01T00:00:00+00:00"), trace=True)
    tally = Tally()
    runner.run(Contact("c1", {}, zone), [Event(at(when), "downloaded", "guide")], tally)
    return [r for r in runner.trace_records if r["type"] == "touch"], tally


def sent(touches: list[dict]) -> dict[str, str]:
    return {t["step"]: t["at"] for t in touches}


def test_presence_at_22_00_goes_out_at_once_and_an_email_is_held(project):
    ir = ir_of(
        write(project, "p.nurture", HEAD + CALENDAR + flow("linkedin follow", "email welcome: post", "linkedin engage"))
    )
    touches, tally = simulate(ir, "2026-01-06T22:00:00+00:00")  # a Tuesday
    assert sent(touches) == {
        "linkedin_follow_1": "2026-01-06T22:00:00Z",
        "welcome": "2026-01-07T08:00:00Z",
        "linkedin_engage_1": "2026-01-07T08:00:00Z",
    }
    assert dict(tally.deferred) == {"quiet_hours": 1}


def test_presence_is_neither_held_nor_counted_by_the_frequency_cap(project):
    text = flow(
        "email welcome: post",
        'ads add "nurture"',
        "wait 1d",
        "email second: guide",
        "wait 1d",
        'ads remove "nurture"',
        settings="  cadence 1d..14d\n",
    )  # no cadence hold: the cap's alone
    ir = ir_of(write(project, "p.nurture", HEAD + "policy { frequency_cap 1 per 7d }\n" + text))
    touches, tally = simulate(ir, "2026-01-06T10:00:00+00:00")
    assert sent(touches) == {
        "welcome": "2026-01-06T10:00:00Z",
        "ads_1": "2026-01-06T10:00:00Z",
        "second": "2026-01-13T10:00:00Z",
        "ads_2": "2026-01-14T10:00:00Z",
    }
    assert dict(tally.deferred) == {"frequency_cap": 1}


def test_the_node_flag_decides_and_a_1_0_document_gets_the_default(project):
    calendar = CALENDAR.replace("policy {", "policy {\n  messages email, linkedin")
    ir = ir_of(write(project, "p.nurture", HEAD + calendar + flow("linkedin follow", "email welcome: post")))
    assert ir["flows"]["f"]["nodes"]["linkedin_follow_1"]["message"] is True
    touches, _ = simulate(ir, "2026-01-06T22:00:00+00:00")
    assert sent(touches)["linkedin_follow_1"] == "2026-01-07T08:00:00Z"  # a message: held
    ir["version"] = "1.0.0"
    del ir["policy"]["messages"]
    for node in ir["flows"]["f"]["nodes"].values():
        node.pop("message", None)
    touches, _ = simulate(ir, "2026-01-06T22:00:00+00:00")
    assert sent(touches)["linkedin_follow_1"] == "2026-01-06T22:00:00Z"  # the default: presence
