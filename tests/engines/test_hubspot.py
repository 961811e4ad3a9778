"""The HubSpot target: what a user sees in the flow it writes, the fidelity
report, the schema and graph rules, the bindings it accepts, and importing
flows back."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from nurturedsl.engines import bindings as bindings_file
from nurturedsl.engines.core import Bindings, Report
from nurturedsl.engines.hubspot import TARGET
from nurturedsl.engines.text import check_text
from nurturedsl.ir import compile_model
from nurturedsl.model import load

FIXTURES = Path(__file__).parent / "fixtures" / "hubspot"

HEAD = """
content a give "A" unsubscribe link
content b give "B" unsubscribe link
content s give "S"
segment vip = tagged "vip"
attribute plan: string
attribute seats: number
attribute trial: bool
score lead { +5 on visited("pricing") }
flow other { email a }
"""
BOUND = {
    "content": {"a": 101, "b": 102, "s": 103},
    "segment": {"vip": 21},
    "tag": {"hot": 41, "vip": 42},
    "list": {"cold": 31},
    "team": {"sales": 7},
    "recipient": {"sdr": 8},
    "attribute": {"plan": "plan_tier", "seats": "seats", "trial": "in_trial", "company": "company"},
    "event": {"replied": "4-100", 'visited("pricing")': "4-200", "booked": "4-300"},
}


def export(tmp_path: Path, body: str, header: str = "", strict: bool = False) -> tuple[dict[str, Any], Report]:
    path = tmp_path / "p.nurture"
    path.write_text(header + HEAD + "flow f {\n" + body + "\n}\n")
    ir = compile_model(load(str(path)))
    report = Report("hubspot", strict=strict)
    doc = TARGET.export(ir, "f", Bindings("hubspot", BOUND), report, "api")  # type: ignore[arg-type]
    assert TARGET.validate(doc, "api") == []
    return doc, report


def codes(report: Report) -> list[str]:
    return [d.code for d in report.diagnostics]


def by_id(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["actionId"]: a for a in doc["actions"]}


# ------------------------------------------------------------------ export --


@pytest.mark.parametrize(
    ("step", "type_id", "fields"),
    [
        ("email a", "0-4", {"content_id": "101"}),
        ("wait 2h\nemail a", "0-1", {"delta": "120", "time_unit": "MINUTES"}),
        ('tag "hot"', "0-13", {"operation": "ADD", "list_id": "41"}),
        ('untag "hot"', "0-13", {"operation": "REMOVE", "list_id": "41"}),
        (
            'set plan = "pro"',
            "0-5",
            {"property_name": "plan_tier", "value": {"type": "STATIC_VALUE", "staticValue": "pro"}},
        ),
        (
            "handoff sales",
            "0-5",
            {"property_name": "hubspot_owner_id", "value": {"type": "STATIC_VALUE", "staticValue": "7"}},
        ),
        ('suppress "cold"', "0-13", {"operation": "ADD", "list_id": "31"}),
        ('task "Call {name}"', "0-3", {"task_type": "TODO", "subject": "Call {name}"}),
        (
            'notify sdr "Hot lead"',
            "0-9",
            {"user_ids": ["8"], "delivery_method": "APP", "subject": "Hot lead", "body": "Hot lead"},
        ),
    ],
)
def test_each_step_becomes_its_hubspot_action(tmp_path, step, type_id, fields):
    doc, _ = export(tmp_path, step)
    first = doc["actions"][0]
    assert (first["type"], first["actionTypeId"], first["fields"]) == ("SINGLE_CONNECTION", type_id, fields)
    assert doc["startActionId"] == "1"


def test_steps_are_chained_by_standard_connections_and_the_last_has_none(tmp_path):
    doc, _ = export(tmp_path, "email a\nwait 3d\nemail b")
    one, two, three = doc["actions"]
    assert one["connection"] == {"edgeType": "STANDARD", "nextActionId": "2"}
    assert two["fields"] == {"delta": "4320", "time_unit": "MINUTES"}
    assert two["connection"] == {"edgeType": "STANDARD", "nextActionId": "3"}
    assert "connection" not in three
    assert doc["nextAvailableActionId"] == "4"


def test_webhook_is_a_webhook_action(tmp_path):
    doc, report = export(tmp_path, 'webhook post "https://hooks.example/x"')
    assert doc["actions"] == [
        {
            "type": "WEBHOOK",
            "actionId": "1",
            "method": "POST",
            "webhookUrl": "https://hooks.example/x",
            "queryParams": [],
        }
    ]
    assert "HS013" not in codes(report)


def test_branch_is_a_list_branch_with_filters_and_a_default(tmp_path):
    doc, _ = export(tmp_path, 'branch {\n when vip and plan == "pro" { email a }\n else { email b }\n}')
    branch = doc["actions"][0]
    assert branch["type"] == "LIST_BRANCH"
    (arm,) = branch["listBranches"]
    assert arm["filterBranch"] == {
        "filterBranchType": "OR",
        "filterBranchOperator": "OR",
        "filters": [],
        "filterBranches": [
            {
                "filterBranchType": "AND",
                "filterBranchOperator": "AND",
                "filters": [
                    {"filterType": "IN_LIST", "listId": "21", "operator": "IN_LIST"},
                    {
                        "filterType": "PROPERTY",
                        "property": "plan_tier",
                        "operation": {
                            "operationType": "MULTISTRING",
                            "operator": "IS_EQUAL_TO",
                            "values": ["pro"],
                            "includeObjectsWithNoValueSet": False,
                        },
                    },
                ],
                "filterBranches": [],
            }
        ],
    }
    assert arm["connection"] == {"edgeType": "STANDARD", "nextActionId": "2"}
    assert branch["defaultBranch"] == {"edgeType": "STANDARD", "nextActionId": "3"}
    assert [a["fields"]["content_id"] for a in doc["actions"][1:]] == ["101", "102"]


def test_filters_for_numbers_bools_has_events_and_not(tmp_path):
    doc, report = export(
        tmp_path,
        'branch {\n when seats >= 10 or trial or has company or replied or not visited("pricing") '
        'or not tagged "hot" or not vip { email a }\n}',
    )
    ors = doc["actions"][0]["listBranches"][0]["filterBranch"]["filterBranches"]
    parts = [b["filters"][0] if b["filters"] else b["filterBranches"][0] for b in ors]
    assert parts[0]["operation"] == {
        "operationType": "NUMBER",
        "operator": "IS_GREATER_THAN_OR_EQUAL_TO",
        "value": 10,
        "includeObjectsWithNoValueSet": False,
    }
    assert (parts[1]["property"], parts[1]["operation"]["value"]) == ("in_trial", True)
    assert parts[2]["operation"] == {
        "operationType": "ALL_PROPERTY",
        "operator": "IS_KNOWN",
        "includeObjectsWithNoValueSet": False,
    }
    assert (parts[3]["eventTypeId"], parts[3]["operator"]) == ("4-100", "HAS_COMPLETED")
    assert (parts[4]["eventTypeId"], parts[4]["operator"]) == ("4-200", "HAS_NOT_COMPLETED")
    assert parts[5] == {"filterType": "IN_LIST", "listId": "41", "operator": "NOT_IN_LIST"}
    assert parts[6] == {"filterType": "IN_LIST", "listId": "21", "operator": "NOT_IN_LIST"}
    assert report.diagnostics == []


@pytest.mark.parametrize(
    ("test", "included"),
    [
        # a contact without the value: null, which equals nothing and compares as 0 (docs/ir.md)
        ("seats >= 10", False),
        ("seats < 10", True),
        ("seats >= 0", True),
        ("seats > 0", False),
        ('plan == "pro"', False),
        ('plan != "pro"', True),
        ("trial", False),
    ],
)
def test_a_filter_includes_contacts_without_a_value_exactly_when_the_test_holds_for_them(tmp_path, test, included):
    doc, _ = export(tmp_path, f"branch {{\n when {test} {{ email a }}\n}}")
    (arm,) = doc["actions"][0]["listBranches"]
    (group,) = arm["filterBranch"]["filterBranches"]
    assert group["filters"][0]["operation"]["includeObjectsWithNoValueSet"] is included


def test_not_of_a_group_is_not_any_or_not_all(tmp_path):
    doc, _ = export(tmp_path, "branch {\n when not (seats > 1 and trial) { email a }\n}")
    (inner,) = doc["actions"][0]["listBranches"][0]["filterBranch"]["filterBranches"][0]["filterBranches"]
    assert inner["filterBranchType"] == "NOT_ALL" and len(inner["filters"]) == 2


def test_rejoining_arms_are_goto_connections_to_the_first_placement(tmp_path):
    doc, _ = export(tmp_path, "branch {\n when vip { email a }\n else { email b }\n}\nemail s")
    actions = by_id(doc)
    assert actions["2"]["connection"] == {"edgeType": "STANDARD", "nextActionId": "3"}  # a → s
    assert actions["3"]["fields"] == {"content_id": "103"}
    assert actions["4"]["connection"] == {"edgeType": "GOTO", "nextActionId": "3"}  # b → s, again


def test_a_goto_loop_is_a_goto_connection(tmp_path):
    doc, _ = export(tmp_path, "email again: a\nwait 7d\nbranch {\n when not replied { goto again }\n}")
    actions = by_id(doc)
    assert actions["3"]["listBranches"][0]["connection"] == {"edgeType": "GOTO", "nextActionId": "1"}


def test_an_endless_repeat_loops_back_with_goto(tmp_path):
    doc, report = export(tmp_path, "repeat every 7d {\n email a\n}")
    actions = by_id(doc)
    assert actions["2"]["actionTypeId"] == "0-1" and actions["2"]["connection"] == {
        "edgeType": "GOTO",
        "nextActionId": "1",
    }
    assert "HS012" not in codes(report)


def test_ids_are_kept_from_meta(tmp_path):
    doc, _ = export(tmp_path, 'email a meta { hubspot_action "7" }\nemail b')
    assert [a["actionId"] for a in doc["actions"]] == ["7", "1"]
    assert doc["nextAvailableActionId"] == "8"


def test_split_is_an_ab_test_branch(tmp_path):
    doc, report = export(tmp_path, "split {\n 50% { email a }\n 50% { email b }\n}")
    assert doc["actions"][0] == {
        "type": "AB_TEST_BRANCH",
        "actionId": "1",
        "testBranches": [
            {"connection": {"edgeType": "STANDARD", "nextActionId": "2"}, "percentage": 50},
            {"connection": {"edgeType": "STANDARD", "nextActionId": "3"}, "percentage": 50},
        ],
    }
    assert report.diagnostics == []


def test_unequal_shares_are_the_arms_percentages_and_fractions_round_to_100(tmp_path):
    doc, report = export(tmp_path, "split {\n 30% { email a }\n 70% { email b }\n}")
    assert [arm["percentage"] for arm in doc["actions"][0]["testBranches"]] == [30, 70]
    assert report.diagnostics == []
    doc, report = export(tmp_path, "split {\n 33.4% { email a }\n 33.3% { email b }\n 33.3% { email a }\n}")
    assert [arm["percentage"] for arm in doc["actions"][0]["testBranches"]] == [34, 33, 33]
    assert [d.code for d in report.diagnostics] == ["HS010"]


def test_enrollment_event_based_with_its_condition_and_reentry(tmp_path):
    doc, _ = export(tmp_path, 'entry on booked("demo") when vip\nreentry allowed\nemail a')
    enrollment = doc["enrollmentCriteria"]
    assert (enrollment["type"], enrollment["shouldReEnroll"]) == ("EVENT_BASED", True)
    assert enrollment["eventFilterBranches"][0]["eventTypeId"] == "4-300"  # the bare `booked` binding
    (membership,) = enrollment["listMembershipFilterBranches"]
    assert membership["filterBranches"][0]["filters"] == [
        {"filterType": "IN_LIST", "listId": "21", "operator": "IN_LIST"}
    ]


def test_enrollment_list_based_goal_and_suppression(tmp_path):
    doc, report = export(tmp_path, 'entry when plan == "pro"\ngoal replied\nexit on vip\nemail a')
    assert doc["enrollmentCriteria"]["type"] == "LIST_BASED"
    assert doc["goalFilterBranch"]["filterBranches"][0]["filterBranches"][0]["eventTypeId"] == "4-100"
    assert doc["suppressionListIds"] == [21]
    assert "HS003" not in codes(report)


def test_a_flow_without_entry_is_manual(tmp_path):
    doc, _ = export(tmp_path, "email a")
    assert doc["enrollmentCriteria"] == {"type": "MANUAL", "shouldReEnroll": False}


def test_quiet_hours_and_send_days_are_time_windows(tmp_path):
    doc, _ = export(tmp_path, "email a", header="policy {\n quiet_hours 20:00..08:00\n send_days mon..fri\n}\n")
    assert [w["day"] for w in doc["timeWindows"]] == ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]
    assert {json.dumps(w["startTime"]) + json.dumps(w["endTime"]) for w in doc["timeWindows"]} == {
        '{"hour": 8, "minute": 0}{"hour": 20, "minute": 0}'
    }


def test_no_time_windows_without_quiet_hours_or_send_days(tmp_path):
    doc, _ = export(tmp_path, "email a")
    assert doc["timeWindows"] == [] and doc["blockedDates"] == []


FIDELITY = [
    ("HS001", 'entry on booked("demo") after 2d\nemail a', 'entry on booked("demo")\nemail a'),
    (
        "HS002",
        'entry on booked("demo") when vip\nentry on replied\nemail a',
        'entry on booked("demo")\nentry on replied\nemail a',
    ),
    ("HS003", "exit on replied\nemail a", "exit on vip\nemail a"),
    ("HS004", "reentry after 30d\nemail a", "reentry allowed\nemail a"),
    # no rate limit is exact in HubSpot: the twin is the policy's cap, which is HS005's, not HS006's
    (
        "HS006",
        "rate_limit sends 10 per 1d\nemail a",
        "email a\n}\npolicy { frequency_cap 2 per 7d }\nflow g {\nemail a",
    ),
    (
        "HS026",
        "email a\n}\npolicy { send_days mon..fri }\nflow g {\nemail a",
        "email a\n}\npolicy { send_days mon..sun }\nflow g {\nemail a",  # every day: no window
    ),
    ("HS008", "branch {\n when lead > 10 { email a }\n}", "branch {\n when seats > 10 { email a }\n}"),
    ("HS009", "branch {\n when replied within 3d { email a }\n}", "branch {\n when replied { email a }\n}"),
    ("HS010", "split {\n 25.5% { email a }\n 74.5% { email b }\n}", "split {\n 30% { email a }\n 70% { email b }\n}"),
    (
        "HS011",
        'experiment t {\n goal replied\n window 7d\n decide after 10 per arm\n 50% "x" { email a }\n'
        ' 50% "y" { email b }\n}',
        "split {\n 50% { email a }\n 50% { email b }\n}",
    ),
    ("HS012", "repeat every 7d at most 3 {\n email a\n}", "repeat every 7d {\n email a\n}"),
    ("HS013", 'webhook post "https://h.example/x" body "{}"', 'webhook post "https://h.example/x"'),
    # the silent twins are the nearest exact form: what HubSpot runs for the approximated construct
    (
        "HS014",
        "wait until replied up to 3d {\n on event { email a }\n}",
        "wait 3d\nbranch {\n when replied { email a }\n}",
    ),
    (
        "HS015",
        "wait for up to 3d {\n on replied { email a }\n}",
        "wait 3d\nbranch {\n when replied { email a }\n}",
    ),
    ("HS016", "wait until tue 10:00\nemail a", "wait 2d\nemail a"),
    ("HS017", "linkedin follow\nemail a", 'task "Follow on LinkedIn"\nemail a'),
    ("HS018", 'suppress "cold" revisit 30d', 'suppress "cold"'),
    ("HS019", "move to other", "email a\nexit"),
    ("HS020", "score lead +5\nemail a", "set seats = 5\nemail a"),
    ("HS022", 'task "Call" for sdr', 'task "Call"'),
    ("HS028", "audience vip\nemail a", "entry on replied\naudience vip\nemail a"),
    ("HS029", "cadence 3d..4d\nemail a\nwait 1d\nemail b", "cadence 3d..4d\nemail a\nwait 3d\nemail b"),
    (
        "HS030",
        "max_touches 2\nemail a\nwait 7d\nemail b\nwait 7d\nemail a",
        "max_touches 3\nemail a\nwait 7d\nemail b\nwait 7d\nemail a",
    ),
    # an endless repeat is a GOTO loop in HubSpot; one `at most N` runs its body once (HS012)
    ("HS030", "repeat every 7d {\n email a\n}", "repeat every 7d at most 3 {\n email a\n}"),
    ("HS031", "wait 3d\nemail a", "wait 2d\nemail a"),  # the policy's first_touch: 2d
    ("HS032", 'task "Call {name} today"', 'task "Call them today"'),
    ("HS032", 'notify sdr "{name} replied"', 'notify sdr "They replied"'),
    (
        "HS033",
        'split {\n 50% "x" { email a }\n 50% "y" { email b }\n}',
        "split {\n 50% { email a }\n 50% { email b }\n}",
    ),
    ("HS034", 'email a\nexit "done"', "email a\nexit"),
]


@pytest.mark.parametrize(("code", "fires", "silent"), FIDELITY, ids=[f"{f[0]}-{i}" for i, f in enumerate(FIDELITY)])
def test_each_approximation_fires_at_its_construct_and_only_there(tmp_path, code, fires, silent):
    _, report = export(tmp_path, fires)
    assert code in codes(report)
    diag = next(d for d in report.diagnostics if d.code == code)
    assert diag.span is not None and diag.severity.value == "warning"
    assert any(note.startswith("exported as: ") for note in diag.notes)
    _, quiet = export(tmp_path, silent)
    assert code not in codes(quiet)


def test_frequency_caps_and_decay_are_reported(tmp_path):
    decaying = 'score hot {\n +5 on visited("pricing") decay half_life 30d\n}\n'
    _, report = export(tmp_path, "exit on hot > 3\nemail a", header="policy { frequency_cap 2 per 7d }\n" + decaying)
    assert {"HS005", "HS007"} <= set(codes(report))
    decay = next(d for d in report.diagnostics if d.code == "HS007")
    assert decay.span is not None and decay.span.line == 3  # the behaviour rule's line
    steady = 'score hot {\n +5 on visited("pricing")\n}\n'  # the same use of a score with no decay
    _, quiet = export(tmp_path, "exit on hot > 3\nemail a", header="policy { send_days mon..sun }\n" + steady)
    assert not {"HS005", "HS007"} & set(codes(quiet))


def test_wait_until_is_a_delay_then_a_list_branch(tmp_path):
    doc, _ = export(tmp_path, "wait until replied up to 3d {\n on event { email a }\n on timeout { email b }\n}")
    delay, branch, on_event, on_timeout = doc["actions"]
    assert delay["fields"] == {"delta": "4320", "time_unit": "MINUTES"}
    assert delay["connection"]["nextActionId"] == branch["actionId"]
    assert branch["listBranches"][0]["connection"]["nextActionId"] == on_event["actionId"]
    assert branch["defaultBranch"]["nextActionId"] == on_timeout["actionId"]
    assert (on_event["fields"], on_timeout["fields"]) == ({"content_id": "101"}, {"content_id": "102"})


def test_a_wait_until_without_a_limit_is_refused(tmp_path):
    path = tmp_path / "p.nurture"
    path.write_text(HEAD + "flow f {\n wait until replied\n email a\n}\n")
    report = Report("hubspot")
    TARGET.export(compile_model(load(str(path))), "f", Bindings("hubspot", BOUND), report, "api")  # type: ignore[arg-type]
    assert report.refused and "HS014" in codes(report)


def test_strict_refuses_every_approximation(tmp_path):
    _, report = export(tmp_path, "linkedin follow\nemail a", strict=True)
    assert report.refused
    _, fine = export(tmp_path, "email a", strict=True)
    assert not fine.refused


def test_needs_lists_every_binding_with_its_place(tmp_path):
    path = tmp_path / "p.nurture"
    path.write_text(
        HEAD + 'flow f {\n entry on booked("demo") when vip\n email a\n tag "hot"\n'
        ' notify sdr "x"\n branch {\n when plan == "pro" { handoff sales }\n }\n suppress "cold"\n}\n'
    )
    needs = TARGET.needs(compile_model(load(str(path))), "f")  # type: ignore[arg-type]
    found = {(n.kind, n.name): n.span.line for n in needs if n.span is not None}
    assert found == {
        ("event", 'booked("demo")'): 12,
        ("segment", "vip"): 12,
        ("content", "a"): 13,
        ("tag", "hot"): 14,
        ("recipient", "sdr"): 15,
        ("attribute", "plan"): 16,
        ("team", "sales"): 17,
        ("list", "cold"): 19,
    }


# -------------------------------------------------------------- bindings --


def test_bindings_values_hubspot_cannot_use_are_errors_at_the_key(tmp_path):
    path = tmp_path / "b.toml"
    path.write_text(
        'target = "hubspot"\n[content]\na = "welcome"\n[events]\nreplied = 5\nbooked = "4-300"\n'
        '[attributes]\nplan = 3\n[flows]\nf = "12"\n[tags]\nhot = 0\n'
    )
    _, _, problems = bindings_file.load(str(path), TARGET)  # type: ignore[arg-type]
    errors = sorted((d.span.line, d.code) for d in problems if d.severity.value == "error" and d.span)
    assert errors == [(3, "BND002"), (5, "BND002"), (8, "BND002"), (12, "BND002")]


def test_binding_problems_say_what_a_value_holds():
    assert TARGET.binding_problem("event", "replied", "4-1639801") is None
    assert "4-1639801" in (TARGET.binding_problem("event", "replied", "replied") or "")
    assert TARGET.binding_problem("flow", "f", 585051946) is None
    assert TARGET.binding_problem("flow", "f", "585051946") is None
    assert TARGET.binding_problem("flow", "f", "abc") is not None
    assert TARGET.binding_problem("recipient", "sdr", 2620022) is None
    assert TARGET.binding_problem("recipient", "sdr", True) is not None
    assert TARGET.binding_problem("attribute", "plan", "") is not None


def test_the_bundled_bindings_file_is_clean():
    _, _, problems = bindings_file.load(str(FIXTURES / "bindings.toml"), TARGET)  # type: ignore[arg-type]
    assert problems == []


# ----------------------------------------------------------------- rules --


def _valid() -> dict[str, Any]:
    return json.loads((FIXTURES / "create-branches.json").read_text())


def test_the_create_fixture_is_valid():
    assert TARGET.validate(_valid(), "api") == []


def _set(path: tuple[Any, ...], value: Any):
    def breaks(doc: dict[str, Any]) -> None:
        target: Any = doc
        for key in path[:-1]:
            target = target[key]
        if value is KeyError:
            del target[path[-1]]
        else:
            target[path[-1]] = value

    return breaks


BROKEN = [
    (_set(("type",), "DEAL_FLOW"), "/type"),
    (_set(("objectTypeId",), "0-3"), "/objectTypeId"),
    (_set(("timeWindows",), KeyError), "'timeWindows' is a required property"),
    (_set(("actions", 1, "fields", "time_unit"), "FORTNIGHTS"), "/actions/1"),
    (_set(("actions", 0, "fields", "content_id"), 113782603056), "/actions/0"),
    (_set(("actions", 0, "connection", "edgeType"), "GO-TO"), "/actions/0"),
    (_set(("actions", 2, "listBranches"), []), "/actions/2"),
    (_set(("actions", 5, "testBranches"), [{"edgeType": "STANDARD", "nextActionId": "7"}]), "/actions/5"),
    (_set(("actions", 7, "webhookUrl"), "hooks.example.com"), "/actions/7"),
    (_set(("timeWindows", 0, "day"), "MON"), "/timeWindows/0/day"),
    (_set(("suppressionListIds",), ["31"]), "/suppressionListIds/0"),
    (_set(("goalFilterBranch", "filterBranchType"), "XOR"), "/goalFilterBranch"),
    (_set(("enrollmentCriteria", "type"), "SOMETIMES"), "/enrollmentCriteria"),
    (_set(("actions", 0, "connection", "nextActionId"), "99"), "`99` is no action's id"),
    (_set(("startActionId",), "42"), "/startActionId"),
    (
        lambda doc: (
            _set(("actions", 4, "connection"), KeyError)(doc),
            _set(("actions", 2, "defaultBranch"), KeyError)(doc),
        ),
        "cannot be reached",
    ),
    (_set(("actions", 1, "actionId"), "1"), "used twice"),
]


@pytest.mark.parametrize(("breaks", "says"), BROKEN, ids=[b[1] for b in BROKEN])
def test_hand_broken_flows_are_rejected(breaks, says):
    doc = copy.deepcopy(_valid())
    breaks(doc)
    problems = TARGET.validate(doc, "api")
    assert any(says in p for p in problems), problems


# ---------------------------------------------------------------- import --


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.json")), ids=lambda p: p.name)
def test_fixtures_import_to_text_that_checks_clean(fixture):
    imported = TARGET.import_doc(json.loads(fixture.read_text()), None, Report("hubspot"))
    assert imported.text and check_text(imported.text, "imported.nurture") == []


def test_import_of_the_documented_get_example():
    report = Report("hubspot")
    imported = TARGET.import_doc(json.loads((FIXTURES / "get-response.json").read_text()), None, report)
    assert "entry on hs_4_1639801\n" in imported.text and "event hs_4_1639801\n" in imported.text
    assert 'tag "hubspot-list-178" meta { hubspot_action "1" }' in imported.text
    assert 'notify user_2620022 "Check out the new form submission we received!"' in imported.text
    assert imported.bindings == {
        "event": {"hs_4_1639801": "4-1639801"},
        "tag": {"hubspot-list-178": 178},
        "recipient": {"user_2620022": 2620022},
    }
    assert codes(report) == ["HS104"]  # the notification's subject


def test_import_keeps_ids_branches_splits_gotos_and_the_window():
    text = TARGET.import_doc(_valid(), None, Report("hubspot")).text
    assert "  quiet_hours 17:00..09:00\n  send_days mon, tue, wed, thu, fri\n" in text
    assert '  entry when hubspot.lifecyclestage == "lead"\n  reentry allowed\n' in text
    assert '  goal hubspot.lifecyclestage == "opportunity"\n  exit on list_31\n' in text
    assert "    when hubspot.numberofemployees >= 500 {\n" in text
    # the arms' percentages (70 / 30 in the fixture) are the split's shares
    assert '      split {\n        70% {\n          email email_113782603058 meta { hubspot_action "7" }' in text
    assert "        30% {\n" in text
    assert "    else {\n      goto split_1\n    }\n" in text


def test_import_names_engine_ids_after_the_bindings_given():
    bound = Bindings("hubspot", {"content": {"welcome": 113782603056}, "segment": {"customers": 45}})
    text = TARGET.import_doc(_valid(), bound, Report("hubspot")).text
    assert "email welcome meta" in text and "when customers {" in text


def test_unknown_actions_are_a_comment_and_a_diagnostic():
    doc = _valid()
    doc["actions"][6]["actionTypeId"] = "0-63809083"
    doc["actions"].append({"type": "CUSTOM_CODE", "actionId": "9", "runtime": "NODE20X"})
    doc["actions"][3]["connection"] = {"edgeType": "STANDARD", "nextActionId": "9"}
    report = Report("hubspot")
    text = TARGET.import_doc(doc, None, report).text
    assert "# HubSpot action 0-63809083 (/actions/6) is not imported" in text
    assert "# HubSpot CUSTOM_CODE action (/actions/8) is not imported" in text
    assert {"HS101", "HS102"} <= set(codes(report))
    assert check_text(text, "x.nurture") == []


def test_an_unreadable_filter_leaves_its_arm_out_with_a_diagnostic():
    doc = _valid()
    doc["actions"][2]["listBranches"][1]["filterBranch"]["filterBranches"][0]["filters"][0]["filterType"] = "CONSTANT"
    report = Report("hubspot")
    text = TARGET.import_doc(doc, None, report).text
    assert "# list branch 2 (/actions/2/listBranches/1) is not imported" in text
    assert "HS103" in codes(report)
    assert check_text(text, "x.nurture") == []


@pytest.mark.parametrize(
    ("doc", "pointer"),
    [
        ([], "/: expected a HubSpot flow"),
        ({"actions": {}}, "/actions"),
        ({"actions": [{"actionId": 1, "type": "X"}]}, "/actions/0"),
        ({"actions": [{"actionId": "1", "type": "SINGLE_CONNECTION"}], "startActionId": "2"}, "/startActionId"),
        ({"actions": [{"actionId": "1", "type": "SINGLE_CONNECTION"}], "startActionId": ["1"]}, "/startActionId"),
        ({"actions": [], "startActionId": "1"}, "/startActionId"),
        (
            {
                "startActionId": "1",
                "actions": [{"actionId": "1", "type": "WEBHOOK", "webhookUrl": "https://x.example", "connection": {}}],
            },
            "/actions/0/nextActionId",
        ),
    ],
)
def test_malformed_documents_are_a_located_diagnostic_not_a_traceback(doc, pointer):
    report = Report("hubspot")
    imported = TARGET.import_doc(doc, None, report)
    assert imported.text == "" and report.refused
    assert report.diagnostics[0].code == "HS100"
    assert pointer in report.diagnostics[0].message


def test_a_loop_through_skipped_steps_only_is_cut(tmp_path):
    _, report = export(tmp_path, "email a\nlinkedin l: follow\nwait 1d\nbranch {\n when vip { goto l }\n}")
    assert "HS021" not in codes(report)  # the wait is a delay: the loop is exported
    _, cut = export(tmp_path, 'email a\nlinkedin l: follow\nads add "x"\ngoto l')
    assert "HS021" in codes(cut)


def test_quiet_hours_leaving_a_window_across_midnight(tmp_path):
    doc, report = export(tmp_path, "email a", header="policy { quiet_hours 02:00..06:00 }\n")
    assert "HS025" in codes(report)
    assert doc["timeWindows"][0]["startTime"] == {"hour": 6, "minute": 0}
    assert doc["timeWindows"][0]["endTime"] == {"hour": 23, "minute": 59}
    _, quiet = export(tmp_path, "email a", header="policy { quiet_hours 20:00..06:00 }\n")
    assert "HS025" not in codes(quiet)


def _refusals(tmp_path: Path, body: str) -> Report:
    path = tmp_path / "p.nurture"
    path.write_text(HEAD + "flow f {\n" + body + "\n}\n")
    report = Report("hubspot")
    TARGET.export(compile_model(load(str(path))), "f", Bindings("hubspot", BOUND), report, "api")  # type: ignore[arg-type]
    return report


def test_refusals_notify_without_recipient_and_a_split_arm_that_ends(tmp_path):
    assert "HS023" in codes(_refusals(tmp_path, 'notify "hello"'))
    assert "HS023" not in codes(_refusals(tmp_path, 'notify sdr "hello"'))
    ends = _refusals(tmp_path, "split {\n 50% { exit }\n 50% { email b }\n}")
    assert ends.refused and "HS024" in codes(ends)
    assert not _refusals(tmp_path, "split {\n 50% { email a }\n 50% { email b }\n}").refused


def test_the_audience_joins_the_entry_condition(tmp_path):
    doc, _ = export(tmp_path, 'entry when plan == "pro"\naudience vip\nemail a')
    (group,) = doc["enrollmentCriteria"]["listFilterBranch"]["filterBranches"]
    assert [f["filterType"] for f in group["filters"]] == ["PROPERTY", "IN_LIST"]


def test_import_notes_what_it_leaves_out():
    doc = _valid()
    doc["enrollmentCriteria"] = {"type": "SCHEDULED", "shouldReEnroll": False}
    doc["timeWindows"][4]["endTime"] = {"hour": 12, "minute": 0}
    doc["blockedDates"] = [{"dayOfMonth": 25, "month": "DECEMBER"}]
    doc["actions"][3] = {
        "type": "SINGLE_CONNECTION",
        "actionId": "4",
        "actionTypeId": "0-5",
        "actionTypeVersion": 0,
        "fields": {"property_name": "hubspot_owner_id", "value": {"type": "STATIC_VALUE", "staticValue": "7"}},
    }
    report = Report("hubspot")
    text = TARGET.import_doc(doc, Bindings("hubspot", {"team": {"sales": 7}}), report).text
    assert {"HS105", "HS106"} <= set(codes(report))
    assert "entry" not in text.split("{", 3)[-1].split("email", 1)[0]
    assert "      handoff sales meta" in text and "# blocked dates:" in text
    assert check_text(text, "x.nurture") == []


def test_import_names_events_by_their_binding_key():
    doc = json.loads((FIXTURES / "get-response.json").read_text())
    bound = Bindings("hubspot", {"event": {'submitted("contact-us")': "4-1639801"}})
    text = TARGET.import_doc(doc, bound, Report("hubspot")).text
    assert 'entry on submitted("contact-us")\n' in text and "event " not in text
    assert check_text(text, "x.nurture") == []


def test_a_goto_to_a_touch_comes_back_as_a_label_and_exports_the_same(tmp_path):
    first, _ = export(tmp_path, "email again: a\nwait 7d\nbranch {\n when not replied { goto again }\n}")
    imported = TARGET.import_doc(first, Bindings("hubspot", BOUND), Report("hubspot"))
    assert 'email action_1: a meta { hubspot_action "1" }' in imported.text
    assert "goto action_1" in imported.text
    assert check_text(imported.text, "x.nurture") == []
    path = tmp_path / "back.nurture"
    path.write_text(imported.text)
    tables = {kind: {**BOUND.get(kind, {}), **imported.bindings.get(kind, {})} for kind in {*BOUND, *imported.bindings}}
    flow = next(iter(compile_model(load(str(path))).flows))
    again = TARGET.export(compile_model(load(str(path))), flow, Bindings("hubspot", tables), Report("hubspot"), "api")  # type: ignore[arg-type]
    assert again["actions"] == first["actions"]


def test_several_event_entries_with_one_condition_are_one_event_based_enrollment(tmp_path):
    doc, report = export(tmp_path, 'entry on booked("demo") when vip\nentry on replied when vip\nemail a')
    branches = doc["enrollmentCriteria"]["eventFilterBranches"]
    assert [b["eventTypeId"] for b in branches] == ["4-300", "4-100"]
    assert "HS002" not in codes(report)
    imported = TARGET.import_doc(doc, Bindings("hubspot", BOUND), Report("hubspot")).text
    assert '  entry on booked("demo") when vip\n  entry on replied when vip\n' not in imported  # bare `booked` binding
    assert "  entry on booked when vip\n  entry on replied when vip\n" in imported


def test_malformed_members_inside_a_flow_are_left_out_not_a_traceback():
    doc = _valid()
    doc["actions"][1]["fields"]["time_unit"] = ["MINUTES"]
    doc["enrollmentCriteria"]["reEnrollmentTriggersFilterBranches"] = 1
    doc["timeWindows"][0]["startTime"] = {"hour": -1, "minute": 0}
    doc["suppressionListIds"] = "31"
    report = Report("hubspot")
    text = TARGET.import_doc(doc, None, report).text
    assert "# HubSpot action 0-1 (/actions/1) is not imported" in text
    assert check_text(text, "x.nurture") == []


@pytest.mark.parametrize(
    "playbook",
    sorted(
        p.name
        for p in (Path(__file__).parents[2] / "playbooks").glob("*.nurture")
        if not p.name.endswith("_test.nurture")  # tests: the programme they import, exported once
    ),
)
def test_each_flow_exports_with_exactly_the_bindings_it_needs(playbook):
    bound, _, _ = bindings_file.load(str(FIXTURES / "bindings.toml"), TARGET)  # type: ignore[arg-type]
    ir = compile_model(load(str(Path(__file__).parents[2] / "playbooks" / playbook)))
    for flow in ir.flows:
        needed = TARGET.needs(ir, flow)  # type: ignore[arg-type]
        only: dict[Any, dict[str, Any]] = {}
        for need in needed:
            only.setdefault(need.kind, {})[need.name] = bound.require(need.kind, need.name)
        report = Report("hubspot")
        TARGET.export(ir, flow, Bindings("hubspot", only), report, "api")  # type: ignore[arg-type]  # no KeyError
        assert not report.refused


# Values a hand edit or another tool may leave in any member: wrong types,
# out-of-range numbers (2**70 and 1e308 are past the language's 10^15 and ten
# years), empty texts and containers.
JUNK: list[Any] = [None, -1, 2**70, 1e308, "", "x", [], {}]


def _members(doc: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every member and array item of `doc`, depth first."""
    found = [path] if path else []
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else []
    for key, inner in items:
        found.extend(_members(inner, (*path, key)))
    return found


def _mutations(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """`doc` with each member in turn deleted or replaced by each junk value."""
    out: list[tuple[str, dict[str, Any]]] = []
    for path in _members(doc):
        for junk in ["<deleted>", *JUNK]:
            mutated = copy.deepcopy(doc)
            holder = mutated
            for key in path[:-1]:
                holder = holder[key]
            if junk == "<deleted>":
                del holder[path[-1]]
            else:
                holder[path[-1]] = copy.deepcopy(junk)
            out.append((f"{'/'.join(map(str, path))} = {junk!r}", mutated))
    return out


@pytest.mark.parametrize("fixture", ["create-branches.json", "get-response.json"])
def test_every_member_broken_any_way_imports_or_is_refused_never_a_crash(fixture):
    """A bounded, deterministic fuzz of the importer (REVIEW13 finding 5):
    every outcome is a refusal (HS100) or text that checks clean, never an
    exception (the CLI's exit 3)."""
    failures = []
    for what, doc in _mutations(json.loads((FIXTURES / fixture).read_text())):
        report = Report("hubspot")
        try:
            imported = TARGET.import_doc(doc, None, report)
        except Exception as crash:  # any exception is the failure looked for
            failures.append(f"{what}: {type(crash).__name__}: {crash}")
            continue
        if not report.refused:
            problems = check_text(imported.text, "x.nurture")
            if problems:
                failures.append(f"{what}: does not check: {problems[0].message}")
    assert failures == []


def test_values_past_the_languages_ranges_are_left_out_with_a_located_note():
    doc = _valid()
    doc["actions"][1]["fields"]["delta"] = str(3651 * 24 * 60)  # a day past ten years, in minutes
    number = doc["actions"][2]["listBranches"][1]["filterBranch"]["filterBranches"][0]["filters"][0]
    number["operation"]["value"] = 1e300
    doc["actions"][3]["fields"]["property_name"] = ""
    report = Report("hubspot")
    text = TARGET.import_doc(doc, None, report).text
    assert check_text(text, "x.nurture") == []
    notes = {(d.code, d.message.split(":")[0]) for d in report.diagnostics}
    assert {("HS101", "/actions/1"), ("HS103", "/actions/2/listBranches/1"), ("HS101", "/actions/3")} <= notes
    assert "# HubSpot action 0-1 (/actions/1) is not imported" in text
    assert "# list branch 2 (/actions/2/listBranches/1) is not imported" in text


def test_a_skipped_step_reached_on_two_paths_is_reported_once(tmp_path):
    doc, report = export(tmp_path, "branch {\n when vip { email a }\n else { email b }\n}\nscore lead +5\nemail s")
    assert codes(report).count("HS020") == 1
    # both arms still go on past the skipped step, to the one `email s`
    sends = [a for a in doc["actions"] if a.get("fields", {}).get("content_id") == "103"]
    assert len(sends) == 1


def test_every_node_type_is_exported_or_skipped_with_its_own_code():
    """The dispatch in export.py ends in assert_never (mypy proves each type
    has a case); this pins that the skipped ones are real node types, each
    with a code of its own and not HS021's (a loop)."""
    from typing import get_args

    from nurturedsl.engines.hubspot.export import SKIPPED
    from nurturedsl.irmodel import NodeType

    assert set(SKIPPED) <= set(get_args(NodeType))
    assert {code for code, _ in SKIPPED.values()} == {"HS016", "HS017", "HS019", "HS020"}


def test_leaving_when_the_entry_criteria_stop_holding_is_unenrollment_both_ways(tmp_path):
    doc, report = export(tmp_path, 'entry when plan == "pro"\nexit on not (plan == "pro")\nemail a')
    assert doc["enrollmentCriteria"]["unEnrollObjectsNotMeetingCriteria"] is True
    assert "HS003" not in codes(report)
    text = TARGET.import_doc(doc, Bindings("hubspot", BOUND), Report("hubspot")).text
    assert '  exit on not (plan == "pro")\n' in text and check_text(text, "x.nurture") == []
    # another exit test is no unenrollment: it is HS003, and the flag stays false
    other, report = export(tmp_path, 'entry when plan == "pro"\nexit on not (plan == "max")\nemail a')
    assert other["enrollmentCriteria"]["unEnrollObjectsNotMeetingCriteria"] is False
    assert "HS003" in codes(report)


def test_import_notes_reenrollment_triggers_and_a_one_arm_ab_test():
    doc = _valid()
    doc["enrollmentCriteria"]["reEnrollmentTriggersFilterBranches"] = [
        {"filterBranchType": "OR", "filterBranchOperator": "OR", "filters": [], "filterBranches": []}
    ]
    doc["actions"][5]["testBranches"] = doc["actions"][5]["testBranches"][:1]
    report = Report("hubspot")
    text = TARGET.import_doc(doc, None, report).text
    assert check_text(text, "x.nurture") == []
    assert "split" not in text
    notes = {(d.code, d.message.split(":")[0]) for d in report.diagnostics}
    assert ("HS105", "/enrollmentCriteria/reEnrollmentTriggersFilterBranches") in notes
    assert ("HS108", "/actions/5/testBranches") in notes
    # the fixture as it is: an empty trigger list and a two-arm split, no notes
    quiet = Report("hubspot")
    TARGET.import_doc(_valid(), None, quiet)
    assert not {"HS105", "HS108"} & set(codes(quiet))


def test_an_owner_action_with_steps_after_it_is_a_set_and_the_steps_are_kept():
    doc = _valid()
    owner = {"property_name": "hubspot_owner_id", "value": {"type": "STATIC_VALUE", "staticValue": "7"}}
    doc["actions"][3]["fields"] = owner
    doc["actions"][3]["connection"] = {"edgeType": "STANDARD", "nextActionId": "5"}
    report = Report("hubspot")
    text = TARGET.import_doc(doc, Bindings("hubspot", {"team": {"sales": 7}}), report).text
    assert 'set hubspot.hubspot_owner_id = "7" meta { hubspot_action "4" }' in text
    assert "handoff sales" not in text and "email action_5: email_113782603057" in text
    assert check_text(text, "x.nurture") == []
    # with nothing after it, the same action is the path-ending handoff
    del doc["actions"][3]["connection"]
    text = TARGET.import_doc(doc, Bindings("hubspot", {"team": {"sales": 7}}), Report("hubspot")).text
    assert 'handoff sales meta { hubspot_action "4" }' in text


@pytest.mark.parametrize(
    ("percentages", "noted", "shares"),
    [([60, 60], True, ["50%", "50%"]), ([70, 30], False, ["70%", "30%"]), ([None, None], False, ["50%", "50%"])],
)
def test_ab_percentages_that_do_not_add_up_are_an_even_split_with_hs108(percentages, noted, shares):
    doc = _valid()
    for arm, share in zip(doc["actions"][5]["testBranches"], percentages, strict=True):
        arm["percentage"] = share
    report = Report("hubspot")
    text = TARGET.import_doc(doc, None, report).text
    assert [line.strip().split()[0] for line in text.splitlines() if line.strip().endswith("% {")] == shares
    assert ("HS108" in codes(report)) is noted


@pytest.mark.parametrize(("included", "noted"), [(True, True), (False, False)])
def test_a_filter_including_contacts_without_a_value_unlike_the_test_is_hs109(included, noted):
    doc = _valid()
    status = doc["enrollmentCriteria"]["listFilterBranch"]["filterBranches"][0]["filters"][0]
    status["operation"]["includeObjectsWithNoValueSet"] = included  # `== "lead"` is false without a value
    report = Report("hubspot")
    TARGET.import_doc(doc, None, report)
    assert ("HS109" in codes(report)) is noted
    if noted:
        note = next(d for d in report.diagnostics if d.code == "HS109")
        assert "`lifecyclestage` includes contacts without a value" in note.message


def test_cadence_max_touches_and_first_touch_say_where_they_bind(tmp_path):
    # the event arm of a wait until can be taken at once: email b may follow a with no delay
    body = "cadence 3d..4d\nmax_touches 1\nemail a\nwait until replied up to 5d {\n on event { email b }\n}\nemail s"
    _, report = export(tmp_path, body)
    message = {d.code: d.message for d in report.diagnostics}
    assert message["HS029"] == "cadence 3d..4d in flow `f`: email `b` can follow email `a` after no delay"
    assert "one path sends 3 emails" in message["HS030"]  # a, b, then s after the wait
    # the time-out arm: the first email is `a`, at once, so first_touch does not bind
    assert "HS031" not in message
    _, late = export(tmp_path, "wait until replied up to 5d {\n on event { email a }\n}\nemail b")
    assert "whose first email can come 5d after entry" in {d.code: d.message for d in late.diagnostics}["HS031"]


# Every flow and policy field with a value other than the default, against a
# flow that meets the defaults (gaps of 7d, the first email after 1d): each
# changes the document or is reported. A new field fails the coverage check.
SETTLED = "wait 1d\nemail a\nwait 7d\nemail b\nwait 7d\nemail s"
FLOW_FIELDS = {
    "title": ('flow f "Welcome" {', ""),
    "entry": ("flow f {", "entry on replied"),
    "audience": ("flow f {", "audience vip"),
    "goal": ("flow f {", "goal replied"),
    "exit": ("flow f {", "exit on vip"),
    "cadence": ("flow f {", "cadence 8d..9d"),
    "max_touches": ("flow f {", "max_touches 2"),
    "reentry": ("flow f {", "reentry allowed"),
    "rate_limits": ("flow f {", "rate_limit sends 10 per 1d"),
}
POLICY_FIELDS = {
    "cadence": "cadence 8d..9d",
    "first_touch": "first_touch within 12h",
    "max_touches": "max_touches 2",
    "frequency_cap": "frequency_cap 2 per 7d",
    "frequency_caps": "frequency_cap email 2 per 7d",
    "quiet_hours": "quiet_hours 20:00..06:00",
    "send_days": "send_days mon..fri",
}
# Fields with nothing to run in a flow HubSpot runs, and why.
INERT = {
    "reviewed": "a review stamp for the linter",
    "start": "the graph's first node: the steps are the FIDELITY cases",
    "nodes": "the steps: the FIDELITY cases",
    "span": "a source position",
    "meta": "engine ids kept by an import",
    "give_to_get": "a rule for static checks (docs/ir.md)",
    "unsubscribe_required": "a rule for static checks",
    "timezone": "the zone of quiet hours, send days and calendar waits: HS026 and HS016 report those",
    "messages": "which touches quiet hours hold and caps count: HS026, HS005, HS029-HS031 count emails",
}


def _export_text(tmp_path: Path, text: str) -> tuple[dict[str, Any], list[str]]:
    path = tmp_path / "p.nurture"
    path.write_text(text)
    report = Report("hubspot")
    doc = TARGET.export(compile_model(load(str(path))), "f", Bindings("hubspot", BOUND), report, "api")  # type: ignore[arg-type]
    return doc, codes(report)


def test_every_flow_and_policy_field_changes_the_flow_or_is_reported(tmp_path):
    from nurturedsl.irmodel import FlowIR, PolicyIR

    assert set(FlowIR.model_fields) == set(FLOW_FIELDS) | (set(INERT) & set(FlowIR.model_fields))
    assert set(PolicyIR.model_fields) == set(POLICY_FIELDS) | (set(INERT) & set(PolicyIR.model_fields))
    base = _export_text(tmp_path, HEAD + "flow f {\n" + SETTLED + "\n}\n")
    assert base[1] == []
    unchanged = []
    for field, (line, setting) in FLOW_FIELDS.items():
        if _export_text(tmp_path, HEAD + f"{line}\n{setting}\n{SETTLED}\n}}\n") == base:
            unchanged.append(f"flow {field}")
    for field, setting in POLICY_FIELDS.items():
        if _export_text(tmp_path, f"policy {{ {setting} }}\n" + HEAD + "flow f {\n" + SETTLED + "\n}\n") == base:
            unchanged.append(f"policy {field}")
    assert unchanged == []


def test_loops_make_first_touch_and_max_touches_unbounded_only_when_they_hold_an_email_or_time(tmp_path):
    # a loop of delays before the first email: that email can come any time later
    _, late = export(tmp_path, "linkedin l: follow\nwait 1d\nbranch {\n when vip { goto l }\n}\nemail a")
    assert "whose first email can come any time later" in {d.code: d.message for d in late.diagnostics}["HS031"]
    # a loop of delays after the only email sends it once: no cap binds
    _, once = export(tmp_path, "email a\nlinkedin l: follow\nwait 7d\nbranch {\n when vip { goto l }\n}")
    assert not {"HS029", "HS030", "HS031"} & set(codes(once))
    # a loop through the email sends it without end, 7d apart: only max_touches binds
    _, again = export(tmp_path, "email e: a\nwait 7d\nbranch {\n when vip { goto e }\n}")
    assert "where one path sends emails in a loop" in {d.code: d.message for d in again.diagnostics}["HS030"]
    assert "HS029" not in codes(again)
