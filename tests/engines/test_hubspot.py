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
    ("HS006", "rate_limit sends 10 per 1d\nemail a", "email a"),
    ("HS026", "email a\n}\npolicy { send_days mon..fri }\nflow g {\nemail a", "email a"),
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
    ("HS014", "wait until replied up to 3d {\n on event { email a }\n}", "wait 3d\nemail a"),
    ("HS015", "wait for up to 3d {\n on replied { email a }\n}", "wait 3d\nemail a"),
    ("HS016", "wait until tue 10:00\nemail a", "email a"),
    ("HS017", "linkedin follow\nemail a", "email a"),
    ("HS018", 'suppress "cold" revisit 30d', 'suppress "cold"'),
    ("HS019", "move to other", "email a"),
    ("HS020", "score lead +5\nemail a", "email a"),
    ("HS022", 'task "Call" for sdr', 'task "Call"'),
]


@pytest.mark.parametrize(("code", "fires", "silent"), FIDELITY, ids=[f[0] for f in FIDELITY])
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
    _, quiet = export(tmp_path, "email a")
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
