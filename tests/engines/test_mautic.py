"""The Mautic target: what a user sees in the campaign it writes, the
fidelity report, Mautic's graph rules, and importing campaigns back."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from nurturedsl.engines import bindings as bindings_file
from nurturedsl.engines.core import Bindings, Report
from nurturedsl.engines.mautic import TARGET
from nurturedsl.engines.mautic.export import interval
from nurturedsl.engines.text import check_text
from nurturedsl.ir import compile_model
from nurturedsl.model import load

FIXTURES = Path(__file__).parent / "fixtures" / "mautic"
PLAYBOOKS = Path(__file__).parents[2] / "playbooks"

HEAD = """
content a give "A" unsubscribe link
content b give "B" unsubscribe link
content s give "S"
segment vip = tagged "vip"
score lead { +5 on visited("pricing") }
flow other { email a }
"""
BOUND = {
    "flow": {"f": 9, "other": {"segment": 8, "campaign": 3}},
    "content": {"a": 1, "b": 2, "s": 3},
    "segment": {"vip": 4},
    "team": {"sales": 5},
    "list": {"cold": 6},
    "attribute": {"company": "companyname"},
    "event": {"replied": {"segment": 7}, 'submitted("demo")': {"form": 3}},
}


def export(tmp_path: Path, body: str, header: str = "", fmt: str = "api") -> tuple[dict[str, Any], Report]:
    path = tmp_path / "p.nurture"
    path.write_text(header + HEAD + "flow f {\n" + body + "\n}\n")
    ir = compile_model(load(str(path)))
    report = Report("mautic")
    doc = TARGET.export(ir, "f", Bindings("mautic", BOUND), report, fmt)  # type: ignore[arg-type]
    assert TARGET.validate(doc, fmt) == []
    return doc, report


def codes(report: Report) -> list[str]:
    return [d.code for d in report.diagnostics]


def events(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return list(doc["events"])


# ------------------------------------------------------------------ export --


@pytest.mark.parametrize(
    ("step", "type_", "properties"),
    [
        ("email a", "email.send", {"email": 1, "email_type": "marketing"}),
        ("sms s", "sms.send_text_sms", {"sms": 3}),
        ('tag "hot"', "lead.changetags", {"add_tags": ["hot"]}),
        ('untag "hot"', "lead.changetags", {"remove_tags": ["hot"]}),
        ('set company = "Acme"', "lead.updatelead", {"companyname": "Acme"}),
        ("score lead +10", "lead.changepoints", {"points": 10}),
        ("handoff sales", "lead.changeowner", {"owner": 5}),
        # addTo is Mautic's campaign_list: the campaign id, not the segment 8 that feeds it
        ("move to other", "campaign.addremovelead", {"addTo": [3], "removeFrom": ["this"]}),
    ],
)
def test_each_step_becomes_its_mautic_action(tmp_path, step, type_, properties):
    doc, _ = export(tmp_path, step)
    (event,) = events(doc)
    assert (event["type"], event["eventType"], event["properties"]) == (type_, "action", properties)
    assert doc["lists"] == [{"id": 9}]


def _export_bound(tmp_path: Path, body: str, bound: dict[str, Any]) -> tuple[Any, Report]:
    path = tmp_path / "p.nurture"
    path.write_text(HEAD + "flow f {\n" + body + "\n}\n")
    report = Report("mautic")
    doc = TARGET.export(compile_model(load(str(path))), "f", Bindings("mautic", bound), report, "api")  # type: ignore[arg-type]
    return doc, report


@pytest.mark.parametrize("other", [8, {"segment": 8}])
def test_move_to_a_flow_bound_without_its_campaign_is_refused_at_the_step(tmp_path, other):
    _, report = _export_bound(tmp_path, "email a\nmove to other", {**BOUND, "flow": {"f": 9, "other": other}})
    assert report.refused
    (diag,) = [d for d in report.diagnostics if d.code == "MAU024"]
    move_line = (HEAD + "flow f {\nemail a\nmove to other").count("\n") + 1
    assert diag.span is not None and diag.span.line == move_line


def test_a_flow_binding_is_an_id_or_a_table_of_segment_and_campaign():
    assert TARGET.binding_problem("flow", "f", {"segment": 8, "campaign": 3}) is None
    assert TARGET.binding_problem("flow", "f", {"campaign": 3}) is None
    assert TARGET.binding_problem("flow", "f", {"segment": 8, "list": 3}) is not None
    assert TARGET.binding_problem("flow", "f", {"campaign": "3"}) is not None


def test_a_flow_bound_to_a_campaign_only_has_no_source_and_is_refused(tmp_path):
    _, report = _export_bound(tmp_path, "email a", {**BOUND, "flow": {"f": {"campaign": 2}}})
    assert [d.code for d in report.diagnostics if d.severity.name == "ERROR"] == ["MAU024"]


def test_the_schema_allows_only_campaign_ids_in_add_remove_lead(tmp_path):
    doc, _ = export(tmp_path, "move to other")
    assert TARGET.validate(doc, "api") == []
    doc["events"][0]["properties"]["addTo"] = [{"segment": 8}]
    assert any("addTo" in line for line in TARGET.validate(doc, "api"))


@pytest.mark.parametrize("body", ["linkedin follow", "wait until mon 09:00", "score lead reset"])
def test_a_flow_with_no_mautic_event_is_refused_not_a_crash(tmp_path, body):
    doc, report = _export_bound(tmp_path, body, BOUND)
    assert report.refused
    refusal = next(d for d in report.diagnostics if d.code == "MAU023")
    assert refusal.span is not None and doc == {}


def test_move_to_imports_back_as_move_to_its_campaign(tmp_path):
    doc, _ = export(tmp_path, "email a\nmove to other")
    imported = TARGET.import_doc(doc, None, Report("mautic"))
    assert "  move to campaign_3" in imported.text
    assert "flow campaign_3 {" in imported.text and check_text(imported.text, "i.nurture") == []
    assert imported.bindings["flow"]["campaign_3"] == {"campaign": 3}
    # with the bindings the export used, the target keeps its name
    again = TARGET.import_doc(doc, Bindings("mautic", BOUND), Report("mautic"))
    assert "  move to other" in again.text and "flow other {" in again.text


def test_webhook_becomes_send_webhook_with_its_json_fields_as_label_value_pairs(tmp_path):
    doc, report = export(
        tmp_path, 'webhook hook: post "https://x.example/h/{company}" body "{\\"a\\": \\"{company}\\"}"'
    )
    (event,) = events(doc)
    assert event["type"] == "campaign.sendwebhook"
    # placeholders are Mautic's contact tokens, via the attribute's binding (company → companyname)
    assert event["properties"]["url"] == "https://x.example/h/{contactfield=companyname}"
    assert event["properties"]["method"] == "post"
    assert event["properties"]["additional_data"] == {"list": [{"label": "a", "value": "{contactfield=companyname}"}]}
    assert event["properties"]["headers"] == {"list": [{"label": "Content-Type", "value": "application/json"}]}
    assert "MAU018" not in codes(report) and "MAU019" not in codes(report)


def test_a_webhook_body_mautic_cannot_send_is_reported(tmp_path):
    doc, report = export(tmp_path, 'webhook hook: post "https://x.example/h" body "{\\"a\\": 1}"')
    assert events(doc)[0]["properties"]["additional_data"] == {"list": []}
    assert "MAU018" in codes(report)


def test_an_unbound_placeholder_is_sent_under_its_own_name_and_reported(tmp_path):
    doc, report = export(tmp_path, 'webhook hook: get "https://x.example/h?e={email}"')
    assert events(doc)[0]["properties"]["url"] == "https://x.example/h?e={contactfield=email}"
    assert "MAU019" in codes(report)


def test_suppress_adds_to_the_bound_segment(tmp_path):
    doc, report = export(tmp_path, 'suppress "cold"')
    assert events(doc)[0]["type"] == "lead.changelist"
    assert events(doc)[0]["properties"]["addToLists"] == [6]
    assert "MAU004" not in codes(report)


@pytest.mark.parametrize(
    ("wait", "count", "unit"), [("3d", 3, "d"), ("2w", 14, "d"), ("36h", 36, "h"), ("90m", 90, "i")]
)
def test_a_wait_is_the_next_events_interval_in_the_largest_exact_unit(tmp_path, wait, count, unit):
    doc, _ = export(tmp_path, f"email a\nwait {wait}\nemail b")
    first, second = events(doc)
    assert first["triggerMode"] == "immediate"
    assert (second["triggerMode"], second["triggerInterval"], second["triggerIntervalUnit"]) == (
        "interval",
        count,
        unit,
    )
    assert second["parent"] == first["id"] and first["children"] == [second["id"]]


def test_interval_units():
    assert interval(86400 * 45) == (45, "d")
    assert interval(7200) == (2, "h")
    assert interval(300) == (5, "i")


def test_quiet_hours_and_send_days_become_the_window_mautic_may_send_in(tmp_path):
    policy = "policy { quiet_hours 20:00..08:00 send_days mon..fri }\n"
    doc, _ = export(tmp_path, "email a\nwait 1d\nemail b", header=policy)
    second = events(doc)[1]
    assert second["triggerRestrictedStartHour"] == "08:00"
    assert second["triggerRestrictedStopHour"] == "20:00"
    assert second["triggerRestrictedDaysOfWeek"] == [1, 2, 3, 4, 5]


def test_no_restriction_without_quiet_hours(tmp_path):
    doc, _ = export(tmp_path, "email a\nwait 1d\nemail b")
    assert "triggerRestrictedStartHour" not in events(doc)[1]


def test_branch_becomes_condition_events_on_yes_and_no(tmp_path):
    doc, _ = export(tmp_path, "branch {\n when vip { email a }\n else { email b }\n}")
    cond, yes, no = events(doc)
    assert (cond["type"], cond["eventType"], cond["properties"]) == ("lead.segments", "condition", {"segments": [4]})
    assert (yes["decisionPath"], no["decisionPath"]) == ("yes", "no")
    anchors = {c["targetId"]: c["anchors"]["source"] for c in doc["canvasSettings"]["connections"]}
    assert anchors[yes["id"]] == "yes" and anchors[no["id"]] == "no" and anchors[cond["id"]] == "leadsource"


def test_tag_and_event_tests_are_conditions(tmp_path):
    doc, report = export(tmp_path, 'branch {\n when tagged "x" and replied { email a }\n}')
    tag, seg, _ = events(doc)
    assert (tag["type"], tag["properties"]) == ("lead.tags", {"tags": ["x"]})
    assert (seg["type"], seg["properties"], seg["decisionPath"]) == ("lead.segments", {"segments": [7]}, "yes")
    assert "MAU008" not in codes(report)


def test_not_swaps_the_paths(tmp_path):
    doc, _ = export(tmp_path, "branch {\n when not vip { email a }\n else { email b }\n}")
    paths = {e["decisionPath"]: e["properties"]["email"] for e in events(doc)[1:]}
    assert paths == {"no": 1, "yes": 2}  # the `when not vip` arm is vip's no path


def test_or_chains_on_the_no_path(tmp_path):
    doc, _ = export(tmp_path, 'branch {\n when vip or tagged "x" { email a }\n}')
    (second,) = [e for e in events(doc) if e["type"] == "lead.tags"]
    assert second["parent"] == events(doc)[0]["id"] and second["decisionPath"] == "no"


def test_rejoining_arms_jump_to_the_first_placement(tmp_path):
    doc, _ = export(tmp_path, "branch {\n when vip { email a }\n else { email b }\n}\nwait 2d\nemail ask: b")
    jumps = [e for e in events(doc) if e["type"] == "campaign.jump_to_event"]
    (ask,) = [e for e in events(doc) if e["name"] == "ask"]
    assert len(jumps) == 1 and jumps[0]["properties"]["jumpToEvent"] == ask["id"]
    assert (jumps[0]["triggerMode"], jumps[0]["triggerInterval"]) == ("interval", 2)


def test_ids_are_stable_and_kept_from_meta(tmp_path):
    doc, _ = export(tmp_path, 'email a meta { mautic_event "77" }\nemail b')
    assert [e["id"] for e in events(doc)] == ["77", "new2"]


def test_bundle_format_is_the_export_files_array_keyed_by_entity(tmp_path):
    doc, _ = export(tmp_path, "email a\nwait 2d\nemail b", fmt="bundle")
    (entry,) = doc  # one campaign in the array (EntityExportCommand: $allData[] = ...)
    assert set(entry) == {"campaign", "campaign_event", "dependencies"}
    (campaign,) = entry["campaign"]
    assert (campaign["id"], campaign["name"], campaign["is_published"]) == (1, "f", False)
    first, second = entry["campaign_event"]
    assert (first["id"], first["event_type"], first["channel"], first["channel_id"]) == (1, "action", "email", 1)
    assert (second["parent_id"], second["trigger_mode"], second["trigger_interval"]) == (1, "interval", 2)
    assert second["trigger_interval_unit"] == "d" and second["campaign_id"] == 1
    # the rows that attach the events and the source segment to the imported campaign
    (dependencies,) = entry["dependencies"]
    assert dependencies["campaign_event"][1] == {"campaign": 1, "campaign_event": 2, "email": 2}
    assert dependencies["lists"] == [{"campaign": 1, "lists": 9}]
    connections = campaign["canvas_settings"]["connections"]
    assert [(c["sourceId"], c["targetId"]) for c in connections] == [("lists", "1"), ("1", "2")]


def test_bundle_uuids_are_a_function_of_the_flow_and_step(tmp_path):
    once, _ = export(tmp_path, "email a\nemail b", fmt="bundle")
    again, _ = export(tmp_path, "email a\nemail b", fmt="bundle")
    other, _ = export(tmp_path, "email b\nemail a\nemail b", fmt="bundle")
    uuids = [e["uuid"] for e in once[0]["campaign_event"]]
    assert uuids == [e["uuid"] for e in again[0]["campaign_event"]] and len(set(uuids)) == 2
    assert once[0]["campaign"][0]["uuid"] == other[0]["campaign"][0]["uuid"]  # the same campaign, updated
    assert uuids[0] == other[0]["campaign_event"][0]["uuid"]  # the same step id, the same event


def test_a_bundle_jump_names_its_target_by_number(tmp_path):
    doc, _ = export(
        tmp_path, "branch {\n when vip { email a }\n else { email b }\n}\nwait 2d\nemail ask: b", fmt="bundle"
    )
    events = doc[0]["campaign_event"]
    (jump,) = [e for e in events if e["type"] == "campaign.jump_to_event"]
    (ask,) = [e for e in events if e["name"] == "ask"]
    assert jump["properties"]["jumpToEvent"] == ask["id"] and isinstance(ask["id"], int)


# ------------------------------------------------------------- decisions --


def _bound(**events: Any) -> dict[str, Any]:
    return {**BOUND, "event": {**BOUND["event"], **events}}


def export_with(tmp_path: Path, body: str, bound: dict[str, Any], header: str = "") -> tuple[dict[str, Any], Report]:
    path = tmp_path / "p.nurture"
    path.write_text(header + HEAD + "flow f {\n" + body + "\n}\n")
    report = Report("mautic")
    doc = TARGET.export(compile_model(load(str(path))), "f", Bindings("mautic", bound), report, "api")  # type: ignore[arg-type]
    assert TARGET.validate(doc, "api") == []
    return doc, report


WAIT_OPENED = 'email a\nwait until opened(a) up to 3d {\n on event { tag "x" }\n on timeout { email b }\n}'


def test_wait_until_opened_is_an_email_open_decision_under_the_email(tmp_path):
    doc, report = export(tmp_path, WAIT_OPENED)
    send, decision, tag, later = events(doc)
    assert (decision["type"], decision["eventType"], decision["parent"]) == ("email.open", "decision", send["id"])
    assert decision["triggerMode"] is None  # a decision has no timing of its own
    assert (tag["decisionPath"], tag["triggerMode"]) == ("yes", "immediate")
    # the no path waits the time-out, counted by Mautic from the email (InactiveHelper.php:50-90)
    assert (later["decisionPath"], later["triggerMode"], later["triggerInterval"], later["triggerIntervalUnit"]) == (
        "no",
        "interval",
        3,
        "d",
    )
    assert "MAU007" not in codes(report) and "MAU015" not in codes(report)


@pytest.mark.parametrize(
    ("event", "type_", "properties"),
    [("clicked(a)", "email.click", {"urls": {"list": []}}), ("replied(a)", "email.reply", {})],
)
def test_clicks_and_replies_are_their_email_decisions(tmp_path, event, type_, properties):
    doc, _ = export(tmp_path, f"email a\nwait until {event} up to 1d")
    assert [(e["type"], e["properties"]) for e in events(doc)][1] == (type_, properties)
    assert events(doc)[1]["children"] == []  # a time-out that ends the flow needs no `no` path


def test_an_event_about_any_touch_is_reported_as_only_this_emails(tmp_path):
    doc, report = export(tmp_path, "email a\nwait until replied up to 5d {\n on timeout { email b }\n}")
    assert events(doc)[1]["type"] == "email.reply"
    assert "MAU015" in codes(report)


def test_a_wait_on_another_emails_open_stays_an_approximation(tmp_path):
    doc, report = export(tmp_path, "email a\nwait until opened(b) up to 3d {\n on timeout { email b }\n}")
    assert all(e["eventType"] != "decision" for e in events(doc))
    assert "MAU007" in codes(report)


def test_a_wait_before_the_decision_keeps_it_an_approximation(tmp_path):
    # a decision has no interval: Mautic would count opens during the wait too
    doc, report = export(tmp_path, "email a\nwait 1d\nwait until opened(a) up to 3d {\n on timeout { email b }\n}")
    assert all(e["eventType"] != "decision" for e in events(doc))
    assert "MAU007" in codes(report)


def test_wait_for_a_bound_form_is_a_form_submit_decision(tmp_path):
    body = 'email a\nwait for up to 2d {\n on submitted("demo") { tag "x" }\n on timeout { email b }\n}'
    doc, report = export_with(tmp_path, body, _bound(**{'submitted("demo")': {"form": 3}}))
    decision = events(doc)[1]
    assert (decision["type"], decision["properties"]) == ("form.submit", {"forms": [3]})
    assert "MAU015" not in codes(report)  # `wait for` counts only events after arrival, as Mautic does


def test_wait_until_a_bound_page_visit_counts_only_later_visits(tmp_path):
    bound = _bound(**{'visited("pricing")': {"url": "https://x.example/pricing*"}})
    doc, report = export_with(tmp_path, 'email a\nwait until visited("pricing") up to 2d', bound)
    assert (events(doc)[1]["type"], events(doc)[1]["properties"]) == (
        "page.pagehit",
        {"url": "https://x.example/pricing*"},
    )
    assert "MAU015" in codes(report)


def test_a_downloaded_asset_decision(tmp_path):
    body = 'email a\nwait for up to 2d {\n on downloaded("guide") { tag "x" }\n}'
    doc, _ = export_with(tmp_path, body, _bound(**{'downloaded("guide")': {"asset": 8}}))
    assert (events(doc)[1]["type"], events(doc)[1]["properties"]) == ("asset.download", {"assets": [8]})


def test_a_second_way_into_a_decision_is_reported(tmp_path):
    body = "branch {\n when vip { email a }\n else { email b }\n}\nwait until opened(a) up to 1d"
    doc, report = export(tmp_path, body)
    assert [e["type"] for e in events(doc)].count("email.open") == 1
    assert "MAU017" in codes(report)
    assert not [e for e in events(doc) if e["type"] == "campaign.jump_to_event"]


# ------------------------------------------------------------- conditions --


@pytest.mark.parametrize(
    ("test", "properties"),
    [
        ('company == "Acme"', {"field": "companyname", "operator": "=", "value": "Acme"}),
        ('company != "Acme"', {"field": "companyname", "operator": "!=", "value": "Acme"}),
        ("has company", {"field": "companyname", "operator": "!empty", "value": None}),
    ],
)
def test_attribute_tests_are_field_value_conditions(tmp_path, test, properties):
    doc, report = export(tmp_path, f"branch {{\n when {test} {{ email a }}\n}}")
    assert (events(doc)[0]["type"], events(doc)[0]["properties"]) == ("lead.field_value", properties)
    assert "MAU008" not in codes(report)


def test_numbers_compare_with_mautics_operators(tmp_path):
    bound = {**BOUND, "attribute": {"employees": "employees"}}
    doc, _ = export_with(tmp_path, "branch {\n when employees >= 200 { email a }\n}", bound)
    assert events(doc)[0]["properties"] == {"field": "employees", "operator": "gte", "value": 200}


def test_a_date_comparison_stays_an_approximation(tmp_path):
    _, report = export(tmp_path, "branch {\n when created_at >= 2026-01-01 { email a }\n}")
    assert "MAU008" in codes(report)


def test_score_tests_are_points_conditions(tmp_path):
    doc, report = export(tmp_path, "branch {\n when lead >= 50 { email a }\n}")
    assert (events(doc)[0]["type"], events(doc)[0]["properties"]) == ("lead.points", {"operator": "gte", "score": 50})
    assert "MAU008" not in codes(report)


def test_a_score_test_says_it_reads_mautics_points_total_not_the_scores_rules(tmp_path):
    _, report = export(tmp_path, "branch {\n when lead >= 50 { email a }\n}")
    (diag,) = [d for d in report.diagnostics if d.code == "MAU025"]
    assert "score `lead`'s rules" in diag.message + " ".join(diag.notes) and diag.span is not None
    _, quiet = export(tmp_path, "branch {\n when vip { email a }\n}")
    assert "MAU025" not in codes(quiet)


PACING = [
    # cadence: 1d between two messages is under the flow's 3d minimum; 3d is not
    ("MAU027", "cadence 3d..4d\nemail a\nwait 1d\nemail b", "cadence 3d..4d\nemail a\nwait 3d\nemail b"),
    # a time-out path counts its delay: 2d after a is still under 3d
    (
        "MAU027",
        "cadence 3d..4d\nemail a\nwait until opened(a) up to 2d {\n on event { }\n on timeout { email b }\n}",
        "cadence 1d..4d\nemail a\nwait until opened(a) up to 2d {\n on event { }\n on timeout { email b }\n}",
    ),
    # max_touches: three messages on a path of a flow allowing two; two is fine
    (
        "MAU028",
        "cadence 1d..2d\nmax_touches 2\nemail a\nwait 1d\nemail b\nwait 1d\nemail a",
        'cadence 1d..2d\nmax_touches 2\nemail a\nwait 1d\nemail b\nwait 1d\ntag "x"',
    ),
    # first_touch (2d by default): the first message after 3d is late on every path; after 2d it is not
    ("MAU029", "wait 3d\nemail a", "wait 2d\nemail a"),
    ("MAU026", "audience vip\nemail a", "entry when vip\nemail a"),
]


@pytest.mark.parametrize(("code", "fires", "silent"), PACING, ids=[f"{p[0]}-{i}" for i, p in enumerate(PACING)])
def test_pacing_and_audience_are_reported_where_they_bind(tmp_path, code, fires, silent):
    _, report = export(tmp_path, fires)
    (diag,) = [d for d in report.diagnostics if d.code == code]
    assert diag.span is not None
    _, quiet = export(tmp_path, silent)
    assert code not in codes(quiet)


def test_a_loop_that_sends_exceeds_any_max_touches(tmp_path):
    # a goto loop is a jump in Mautic: the email goes out without end
    _, report = export(tmp_path, "cadence 1d..2d\nemail again: a\nwait 7d\ngoto again")
    assert "MAU028" in codes(report)
    # a repeat is exported as its body once (MAU006): one email, within max_touches 2
    _, once = export(tmp_path, "cadence 1d..2d\nmax_touches 2\nrepeat every 7d { email a }")
    assert "MAU006" in codes(once) and "MAU028" not in codes(once)


def test_a_form_source_says_the_flows_segment_feeds_the_campaign_too(tmp_path):
    bound = _bound(**{'submitted("demo")': {"form": 3}})
    _, report = export_with(tmp_path, 'entry on submitted("demo")\nemail a', bound)
    (diag,) = [d for d in report.diagnostics if d.code == "MAU030"]
    assert "segment 9" in " ".join(diag.notes) + diag.message
    _, quiet = export_with(tmp_path, "email a", bound)
    assert "MAU030" not in codes(quiet)


def test_several_scores_share_the_one_points_total_and_say_so(tmp_path):
    two = 'score fit { +1 on visited("about") }\n'
    for body in ("score lead +5", "branch {\n when lead >= 50 { email a }\n}"):
        _, report = export(tmp_path, body, header=two)
        assert "MAU021" in codes(report), body
        _, quiet = export(tmp_path, body)
        assert "MAU021" not in codes(quiet), body


def test_consent_is_not_being_on_the_do_not_contact_list(tmp_path):
    doc, report = export(tmp_path, 'branch {\n when consent("sms") { email a }\n else { email b }\n}')
    dnc, *paths = events(doc)
    assert (dnc["type"], dnc["properties"]) == ("lead.dnc", {"channels": ["sms"], "reason": None})
    # lead.dnc is true for a contact who may not be reached: consent is its `no` path
    assert {e["decisionPath"]: e["properties"]["email"] for e in paths} == {"no": 1, "yes": 2}
    assert "MAU016" in codes(report)


# ---------------------------------------------------- alerts, form sources --

ALERTS = {**BOUND, "recipient": {"sdr": {"user": 2, "email": 301}}}


@pytest.mark.parametrize("step", ['notify sdr "Call {name}"', 'task "Call {name}" for sdr'])
def test_notify_and_task_send_the_bound_email_to_the_bound_user(tmp_path, step):
    doc, report = export_with(tmp_path, step, ALERTS)
    (event,) = events(doc)
    assert event["type"] == "email.send.to.user"
    assert event["properties"] == {
        "useremail": {"email": 301},
        "user_id": [2],
        "to_owner": False,
        "to": "",
        "cc": "",
        "bcc": "",
    }
    assert "MAU020" in codes(report) and "MAU007" not in codes(report)  # the text is the template's


def test_notify_without_a_recipient_is_still_skipped(tmp_path):
    doc, report = export_with(tmp_path, 'email a\nnotify "Call {name}"', ALERTS)
    assert [e["type"] for e in events(doc)] == ["email.send"]
    assert "MAU007" in codes(report)


def test_alerts_import_back_as_what_they_were(tmp_path):
    doc, _ = export_with(tmp_path, 'notify sdr "x"\ntask "y" for sdr', ALERTS)
    text = TARGET.import_doc(doc, Bindings("mautic", ALERTS), Report("mautic")).text
    assert 'notify sdr "Mautic email 301 to user 2"' in text and 'task "Mautic email 301 to user 2" for sdr' in text


def test_entry_on_a_bound_form_is_a_form_source(tmp_path):
    bound = _bound(**{'submitted("demo")': {"form": 3}})
    doc, report = export_with(tmp_path, 'entry on submitted("demo")\nemail a', bound)
    assert doc["forms"] == [{"id": 3}] and doc["lists"] == [{"id": 9}]
    assert {c["sourceId"] for c in doc["canvasSettings"]["connections"]} == {"lists", "forms"}
    assert "MAU001" not in codes(report)
    text = TARGET.import_doc(doc, Bindings("mautic", bound), Report("mautic")).text
    assert 'entry on submitted("demo")' in text


def test_a_form_entry_with_a_condition_still_reports_the_condition(tmp_path):
    bound = _bound(**{'submitted("demo")': {"form": 3}})
    doc, report = export_with(tmp_path, 'entry on submitted("demo") when vip\nemail a', bound)
    assert doc["forms"] == [{"id": 3}]
    (diag,) = [d for d in report.diagnostics if d.code == "MAU001"]
    assert any("whoever submits it enters at once, without the trigger's condition" in n for n in diag.notes)


@pytest.mark.parametrize(
    ("value", "ok"),
    [({"user": 2, "email": 301}, True), ({"user": 2}, False), (2, False), ({"user": 2, "email": "x"}, False)],
)
def test_recipient_bindings(value, ok):
    assert (TARGET.binding_problem("recipient", "sdr", value) is None) is ok


# ------------------------------------------------------------ the window --


def test_a_message_sent_at_once_is_held_to_the_window_by_a_zero_interval(tmp_path):
    policy = "policy { quiet_hours 20:00..08:00 }\n"
    doc, _ = export(tmp_path, 'email a\ntag "x"', header=policy)
    email, tag = events(doc)
    assert (email["triggerMode"], email["triggerInterval"], email["triggerRestrictedStartHour"]) == (
        "interval",
        0,
        "08:00",
    )
    assert tag["triggerMode"] == "immediate" and "triggerRestrictedStartHour" not in tag  # not a message


def test_quiet_hours_inside_a_day_cannot_be_a_mautic_window(tmp_path):
    doc, report = export(tmp_path, "email a", header="policy { quiet_hours 12:00..13:00 send_days mon..fri }\n")
    assert "MAU014" in codes(report)
    assert "triggerRestrictedStartHour" not in events(doc)[0]
    assert events(doc)[0]["triggerRestrictedDaysOfWeek"] == [1, 2, 3, 4, 5]
    _, quiet = export(tmp_path, "email a", header="policy { quiet_hours 20:00..08:00 }\n")
    assert "MAU014" not in codes(quiet)


# -------------------------------------------------------------- bindings --


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ({"segment": 4}, True),
        ({"page": 5}, True),
        ({"url": "https://x.example/*"}, True),
        ({"form": 3}, True),
        ({"asset": 2}, True),
        ({"segment": "4"}, False),
        ({"page": 0}, False),
        ({"widget": 1}, False),
        (4, False),
    ],
)
def test_event_bindings(value, ok):
    assert (TARGET.binding_problem("event", 'visited("x")', value) is None) is ok


# -------------------------------------------------------- fidelity report --

# Each silent twin is the nearest form Mautic holds exactly, so an
# over-eager rule fails it.
FIDELITY = [
    # a form entry bound to { form = ID } is the campaign's form source
    ("MAU001", "entry on replied\nemail a", 'entry on submitted("demo")\nemail a'),
    # an exit step is a leaf of the tree; an exit trigger has no Mautic form
    ("MAU002", "exit on replied\nemail a", "email a\nexit"),
    # a wait before a step is its interval; only a wait before nothing is lost
    ("MAU003", "email a\nwait 2d", "email a\nwait 2d\nemail b"),
    ("MAU004", 'suppress "cold" revisit 30d', 'suppress "cold"'),
    # a branch chooses by a test Mautic's conditions hold; a split chooses by chance
    (
        "MAU005",
        "split {\n 60% { email a }\n 40% { email b }\n}",
        "branch {\n when vip { email a }\n else { email b }\n}",
    ),
    # the repeat written out is what Mautic runs
    ("MAU006", "repeat every 7d at most 2 { email a }", "email a\nwait 7d\nemail a"),
    # a wait on the email before it is a decision, not skipped
    ("MAU007", "linkedin follow\nemail a", "email a\nwait until opened(a) up to 2d {\n on timeout { email b }\n}"),
    ("MAU008", "branch {\n when inactive for 30d { email a }\n}", 'branch {\n when company == "x" { email a }\n}'),
]


@pytest.mark.parametrize(("code", "fires", "silent"), FIDELITY, ids=[f[0] for f in FIDELITY])
def test_each_approximation_fires_at_its_construct_and_only_there(tmp_path, code, fires, silent):
    _, report = export(tmp_path, fires)
    assert code in codes(report)
    (diag,) = [d for d in report.diagnostics if d.code == code][:1]
    assert diag.span is not None
    _, quiet = export(tmp_path, silent)
    assert code not in codes(quiet)


def test_frequency_caps_are_reported(tmp_path):
    _, report = export(tmp_path, "email a", header="policy { frequency_cap 2 per 7d }\n")
    assert "MAU010" in codes(report)
    _, quiet = export(tmp_path, "email a")
    assert "MAU010" not in codes(quiet)


def test_split_takes_the_heaviest_arm(tmp_path):
    doc, _ = export(tmp_path, "split {\n 30% { email a }\n 70% { email b }\n}")
    assert [e["properties"]["email"] for e in events(doc)] == [2]


def test_strict_refuses_every_approximation(tmp_path):
    path = tmp_path / "p.nurture"
    path.write_text(HEAD + "flow f {\n linkedin follow\n}\n")
    report = Report("mautic", strict=True)
    TARGET.export(compile_model(load(str(path))), "f", Bindings("mautic", BOUND), report, "api")  # type: ignore[arg-type]
    assert report.refused


# ----------------------------------------------------------------- rules --


def _valid() -> dict[str, Any]:
    return json.loads((FIXTURES / "api-payload.json").read_text())


def test_the_fixture_is_valid():
    assert TARGET.validate(_valid(), "api") == []


def test_mautics_own_functional_test_payload_shape_is_valid():
    # CampaignApiControllerFunctionalTest.php:106-118 sends a root event with
    # decisionPath "yes"; Mautic nulls it (CampaignModel.php:324-327), so it is no error
    doc = _valid()
    doc["events"][0]["decisionPath"] = "yes"
    assert TARGET.validate(doc, "api") == []


@pytest.mark.parametrize(
    ("breaks", "says"),
    [
        (lambda d: d.update(lists=[], forms=[]), "at least one source"),
        (lambda d: d.update(events=[]), "events"),
        (lambda d: d["events"][3].update(triggerIntervalUnit="w"), "triggerIntervalUnit"),
        (lambda d: d["events"][2].update(decisionPath=None), "decisionPath"),
        (lambda d: d["events"][7].update(decisionPath="yes"), "decisionPath"),
        (lambda d: d["events"][0].update(eventType="trigger"), "eventType"),
        (lambda d: d["canvasSettings"]["connections"][2]["anchors"].update(source="no"), "anchors/source"),
        (lambda d: d["canvasSettings"]["connections"][4].update(sourceId="new_43"), "connected from"),
        (lambda d: d["events"][4].update(parent="new_99"), "no event"),
        (lambda d: d.pop("canvasSettings"), "canvasSettings"),
        (lambda d: d["events"][7].update(children=["new_46"]), "end of its path"),
        (lambda d: d["events"][7]["properties"].update(jumpToEvent="new_42"), "not a decision"),
        (lambda d: d["events"][7]["properties"].update(jumpToEvent="new_99"), "no such event"),
        (
            lambda d: d["events"][5].update(type="campaign.addremovelead", properties={"addTo": ["this"]}),
            "30 minutes",
        ),
        (lambda d: d["events"][3].update(triggerMode="immediate"), "`no` path waits"),
        (lambda d: d["events"][0].update(type="lead.changetags"), "about the email.send"),
    ],
)
def test_hand_broken_campaigns_are_rejected(breaks, says):
    doc = _valid()
    breaks(doc)
    found = TARGET.validate(doc, "api")
    assert found and any(says in line for line in found), found


def test_a_condition_on_a_decisions_no_path_may_run_at_once():
    doc = _valid()  # the twin of the `no` path rule: conditions are exempt (EventType.php:57-59)
    doc["events"][3].update(
        type="lead.tags", eventType="condition", properties={"tags": ["x"]}, triggerMode="immediate"
    )
    doc["events"][4].update(type="lead.changetags", eventType="action", properties={"add_tags": ["y"]})
    doc["events"][4]["decisionPath"] = "yes"  # now the child of a condition
    doc["canvasSettings"]["connections"][4]["anchors"]["source"] = "yes"
    doc["events"][5]["decisionPath"] = doc["events"][6]["decisionPath"] = None
    doc["canvasSettings"]["connections"][5]["anchors"]["source"] = "bottom"
    doc["canvasSettings"]["connections"][6]["anchors"]["source"] = "bottom"
    assert TARGET.validate(doc, "api") == []


def test_an_export_file_of_several_campaigns_imports_the_first_and_says_so():
    fixture = json.loads((FIXTURES / "entity-export.json").read_text())
    report = Report("mautic")
    text = TARGET.import_doc([fixture[0], fixture[0]], None, report).text
    assert text == _imported("entity-export.json") and "MAU108" in codes(report)
    quiet = Report("mautic")
    TARGET.import_doc(fixture, None, quiet)
    assert "MAU108" not in codes(quiet)


def test_readding_to_this_campaign_after_30_minutes_is_allowed():
    doc = _valid()
    doc["events"][5].update(
        type="campaign.addremovelead",
        properties={"addTo": ["this"], "removeFrom": []},
        triggerMode="interval",
        triggerInterval=30,
        triggerIntervalUnit="i",
    )
    assert TARGET.validate(doc, "api") == []


def _loop(**jump: Any) -> dict[str, Any]:
    """The fixture's jump (new_48 → new_44) with every event on the cycle
    new_44 → new_45 → new_47 → new_48 immediate, then `jump` applied."""
    doc = _valid()
    for i in (3, 4, 6, 7):
        doc["events"][i].update(triggerMode="immediate", triggerInterval=0)
    doc["events"][7].update(jump)
    return doc


def test_a_jump_loop_without_an_interval_is_rejected():
    assert any("loop" in line for line in TARGET.validate(_loop(), "api"))
    # an interval of 0 holds no one (Interval.php:30-60 adds nothing)
    assert any("loop" in line for line in TARGET.validate(_loop(triggerMode="interval"), "api"))


def test_a_jump_loop_that_waits_somewhere_is_allowed():
    assert not any("loop" in line for line in TARGET.validate(_loop(triggerMode="interval", triggerInterval=1), "api"))
    doc = _loop()
    doc["events"][4].update(triggerMode="interval", triggerInterval=12)  # the condition on the cycle waits
    assert not any("loop" in line for line in TARGET.validate(doc, "api"))


def test_exported_bundles_and_the_export_file_fixture_follow_the_schema(tmp_path):
    fixture = json.loads((FIXTURES / "entity-export.json").read_text())
    assert TARGET.validate(fixture, "bundle") == []
    broken = copy.deepcopy(fixture)
    broken[0].pop("dependencies")  # EntityImportCommand::validateData: "Missing required keys."
    assert any("dependencies" in line for line in TARGET.validate(broken, "bundle"))
    broken = copy.deepcopy(fixture)
    broken[0]["campaign_event"][0]["uuid"] = "not-a-uuid"
    assert any("uuid" in line for line in TARGET.validate(broken, "bundle"))


# ---------------------------------------------------------------- import --


@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("*.json")), ids=lambda p: p.name)
def test_fixtures_import_to_text_that_checks_clean_and_round_trips(fixture, tmp_path):
    report = Report("mautic")
    first = TARGET.import_doc(json.loads(fixture.read_text()), None, report)
    assert not report.refused
    assert not [d for d in report.diagnostics if d.code.startswith("MAU1")], report.diagnostics
    assert "# Mautic" not in first.text  # every event of the fixtures has a construct
    assert check_text(first.text, "first.nurture") == []
    path = tmp_path / "first.nurture"
    path.write_text(first.text)
    ir = compile_model(load(str(path)))
    bound = Bindings("mautic", first.bindings)
    fmt = "bundle" if isinstance(json.loads(fixture.read_text()), list) else "api"  # a file keeps its uuids
    for flow in ir.flows:
        doc = TARGET.export(ir, flow, bound, Report("mautic"), fmt)
        assert TARGET.validate(doc, fmt) == []
        assert TARGET.import_doc(doc, bound, Report("mautic")).text == first.text


def _imported(name: str) -> str:
    return TARGET.import_doc(json.loads((FIXTURES / name).read_text()), None, Report("mautic")).text


def test_import_keeps_ids_waits_branches_and_jumps():
    text = _imported("get-response.json")
    assert 'email trial_day_one: email_21 meta { mautic_event "31" }' in text
    assert "wait 3d" in text and "wait 30m" in text
    assert 'when tagged "activated"' in text
    assert "goto trial_day_one" in text
    assert "score points +10" in text


def test_import_reads_a_responses_sending_window():
    assert "quiet_hours 18:00..08:00" in _imported("get-response.json")


def test_import_reads_points_and_field_conditions():
    text = _imported("get-response.json")
    assert "when points >= 50 {" in text
    assert 'when mautic.country == "DE" {' in text and "attribute mautic.country: string" in text


def test_import_reads_a_decision_on_the_email_before_it_as_wait_until():
    text = _imported("api-payload.json")
    assert "wait until opened(send_welcome_email) up to 3d {" in text
    on_event, on_timeout = text.index("on event {"), text.index("on timeout {")
    assert on_event < text.index('tag "engaged"') < on_timeout < text.index("email send_whitepaper: email_6")
    # the no path's interval is the `up to`, not a wait of its own
    assert "wait 3d" not in text


def test_import_reads_a_page_decision_as_wait_for_with_a_bound_event():
    imported = TARGET.import_doc(json.loads((FIXTURES / "get-response.json").read_text()), None, Report("mautic"))
    assert 'wait for up to 7d {\n        on visited("page-9") {' in imported.text
    assert imported.bindings["event"] == {'visited("page-9")': {"page": 9}}


def test_import_reads_the_export_file():
    text = _imported("entity-export.json")
    assert "wait until clicked(send_guide) up to 5d {" in text
    assert 'when not consent("email") {' in text and "wait 2h" in text
    assert "quiet_hours 18:00..08:30" in text  # H:i:s in the export file
    assert "# sources: Mautic segment(s) 14" in text  # from the dependencies' `lists` rows


def test_import_restores_the_sending_window_as_policy():
    text = TARGET.import_doc(_valid(), None, Report("mautic")).text
    assert "quiet_hours 17:00..09:00" in text and "send_days mon, tue, wed, thu, fri" in text


def test_import_reads_a_response_time_and_the_week_days_choice():
    doc = _valid()
    doc["events"][0].update(
        triggerRestrictedStartHour="1970-01-01T08:00:00+00:00",
        triggerRestrictedStopHour="1970-01-01T19:30:00+00:00",
        triggerRestrictedDaysOfWeek=[-1],
    )
    text = TARGET.import_doc(doc, None, Report("mautic")).text
    assert "quiet_hours 19:30..08:00" in text and "send_days mon, tue, wed, thu, fri" in text


def test_unknown_event_types_are_a_comment_and_a_diagnostic():
    doc = _valid()
    doc["events"][2]["type"] = "plugin.thing"
    report = Report("mautic")
    imported = TARGET.import_doc(doc, None, report)
    assert "# Mautic action plugin.thing (/events/new_43) is not imported" in imported.text
    assert "MAU105" in codes(report)
    assert check_text(imported.text, "x.nurture") == []


def test_a_decision_not_after_its_email_is_a_comment():
    doc = _valid()
    doc["events"][0]["type"] = "lead.changetags"
    doc["events"][0]["properties"] = {"add_tags": ["x"], "remove_tags": []}
    report = Report("mautic")
    imported = TARGET.import_doc(doc, None, report)
    assert "# Mautic decision email.open (/events/new_42) is not imported" in imported.text
    assert "MAU103" in codes(report)


@pytest.mark.parametrize(
    ("doc", "pointer"),
    [
        ([1, 2], "/:"),
        ({"events": "x"}, "/events"),
        ({"events": [{"name": "no id"}]}, "/events/0"),
        ({"events": [{"id": "new1", "type": 3, "eventType": "action"}]}, "/events/0/type"),
        ({"events": [{"id": "new1", "type": "email.send", "eventType": "action", "parent": "zz"}]}, "parent"),
        ([{"campaign": [], "dependencies": []}], "/0/campaign"),
    ],
)
def test_malformed_documents_are_a_located_diagnostic_not_a_traceback(doc, pointer):
    report = Report("mautic")
    assert TARGET.import_doc(doc, None, report).text == ""
    assert report.refused and pointer in report.diagnostics[0].message


def test_a_bundle_export_imports_as_its_api_export(tmp_path):
    path = tmp_path / "p.nurture"
    path.write_text(HEAD + "flow f {\n email a\n wait until opened(a) up to 2d {\n on timeout { email b }\n }\n}\n")
    ir = compile_model(load(str(path)))
    bound = Bindings("mautic", BOUND)
    api = TARGET.export(ir, "f", bound, Report("mautic"), "api")
    bundle = TARGET.export(ir, "f", bound, Report("mautic"), "bundle")
    assert TARGET.validate(bundle, "bundle") == []
    as_api = TARGET.import_doc(api, bound, Report("mautic")).text
    as_bundle = TARGET.import_doc(bundle, bound, Report("mautic")).text
    # the same steps; the file's numbers replace the request's new1..., and it keeps its uuids
    without_uuids = re.sub(r'(  meta \{ mautic_uuid "[^"]+" \}\n)| mautic_uuid "[^"]+"', "", as_bundle)
    assert without_uuids == as_api.replace('"new1"', '"1"').replace('"new2"', '"2"').replace('"new3"', '"3"')
    flow_uuid = bundle[0]["campaign"][0]["uuid"]
    assert f'meta {{ mautic_uuid "{flow_uuid}" }}' in as_bundle


def test_a_bundle_round_trip_keeps_ids_uuids_and_jump_names(tmp_path):
    """Mautic's import matches on uuid: an imported campaign re-exported must
    update it, not make a second one."""
    body = "reentry allowed\nemail a\nwait 1d\nbranch {\n when vip { goto a }\n else { email b }\n}"
    first, _ = export(tmp_path, body, fmt="bundle")
    imported = TARGET.import_doc(first, Bindings("mautic", BOUND), Report("mautic"))
    assert check_text(imported.text, "i.nurture") == []
    path = tmp_path / "i.nurture"
    path.write_text(imported.text)
    again = TARGET.export(compile_model(load(str(path))), "f", Bindings("mautic", BOUND), Report("mautic"), "bundle")
    assert again == first
    jump = next(e for e in first[0]["campaign_event"] if e["type"] == "campaign.jump_to_event")
    assert jump["name"] == f"jump to {jump['properties']['jumpToEvent']}"


def test_the_export_files_own_uuids_and_ids_survive_import_and_export(tmp_path):
    original = json.loads((FIXTURES / "entity-export.json").read_text())
    imported = TARGET.import_doc(original, None, Report("mautic"))
    path = tmp_path / "i.nurture"
    path.write_text(imported.text)
    ir = compile_model(load(str(path)))
    (flow,) = ir.flows
    doc = TARGET.export(ir, flow, Bindings("mautic", imported.bindings), Report("mautic"), "bundle")
    assert doc[0]["campaign"][0]["uuid"] == original[0]["campaign"][0]["uuid"]
    assert {e["id"]: e["uuid"] for e in doc[0]["campaign_event"]} == {
        e["id"]: e["uuid"] for e in original[0]["campaign_event"]
    }


def test_allow_restart_imports_as_reentry_allowed(tmp_path):
    doc, _ = export(tmp_path, "reentry allowed\nemail a")
    assert doc["allowRestart"] is True
    assert "  reentry allowed\n" in TARGET.import_doc(doc, None, Report("mautic")).text
    doc, _ = export(tmp_path, "email a")
    assert "reentry" not in TARGET.import_doc(doc, None, Report("mautic")).text


def test_labelled_alerts_and_score_names_come_back(tmp_path):
    bound = {**BOUND, "recipient": {"sdr": {"user": 2, "email": 7}}}
    doc, _ = export_with(tmp_path, 'notify al: sdr "Call"\ntask "Call" for sdr\nscore lead +5', bound)
    text = TARGET.import_doc(doc, Bindings("mautic", bound), Report("mautic")).text
    assert "  notify al: sdr " in text and "  task " in text and "task task_" not in text
    assert "  score lead +5" in text and "score lead {" in text


def test_several_source_segments_are_noted(tmp_path):
    doc, _ = export(tmp_path, "email a")
    doc["lists"] = [{"id": 9}, {"id": 4}]
    report = Report("mautic")
    TARGET.import_doc(doc, None, report)
    assert "MAU109" in codes(report)


BUNDLED = ["archive", "ghost-recovery", "inbound", "reengagement", "surround-sound"]


@pytest.mark.parametrize("playbook", BUNDLED)
def test_bundled_playbooks_export_import_export_identically(playbook, tmp_path):
    bound, _, problems = bindings_file.load(str(FIXTURES / "bindings.toml"), TARGET)  # type: ignore[arg-type]
    assert not [p for p in problems if p.severity.value == "error"]
    ir = compile_model(load(str(PLAYBOOKS / f"{playbook}.nurture")))
    for flow in ir.flows:
        first = TARGET.export(ir, flow, bound, Report("mautic"), "api")
        assert TARGET.validate(first, "api") == []
        imported = TARGET.import_doc(first, bound, Report("mautic"))
        assert check_text(imported.text, "x.nurture") == []
        path = tmp_path / f"{flow}.nurture"
        path.write_text(imported.text)
        tables = {k: dict(v) for k, v in bound.tables.items()}
        for kind, values in imported.bindings.items():
            tables.setdefault(kind, {}).update(values)
        again = TARGET.export(compile_model(load(str(path))), flow, Bindings("mautic", tables), Report("mautic"), "api")
        assert again == first


# Playbooks beyond the bundled ones: each feature the export writes, exported,
# imported with the same bindings and exported again, in both formats.
FEATURES = {
    "reentry": "reentry allowed\nemail a",
    "move to": "email a\nmove to other",
    "labelled alert": 'notify al: sdr "Call {name}"\nemail a',
    "task": 'task "Call" for sdr\nemail a',
    "score": "score lead +5\nbranch {\n when lead >= 10 { email a }\n}",
    "tags and fields": 'tag "hot"\nuntag "cold"\nset company = "Acme"\nemail a',
    "branch and jump": "email a\nwait 2d\nbranch {\n when vip { goto a }\n else { email b }\n}",
    "decision": 'email a\nwait until opened(a) up to 3d {\n on event { tag "engaged" }\n on timeout { email b }\n}',
    "handoff and suppress": 'email a\nhandoff sales\nsuppress "cold"',
    "webhook": 'webhook hook: post "https://x.example/h" body "{\\"a\\": \\"b\\"}"\nemail a',
    "sms and wait": "sms s\nwait 90m\nemail a",
}


@pytest.mark.parametrize("fmt", ["api", "bundle"])
@pytest.mark.parametrize("feature", sorted(FEATURES))
def test_feature_playbooks_export_import_export_identically(feature, fmt, tmp_path):
    bound = {**BOUND, "recipient": {"sdr": {"user": 2, "email": 7}}}
    export_with(tmp_path, FEATURES[feature], bound)  # writes p.nurture, checks the api document
    source = compile_model(load(str(tmp_path / "p.nurture")))
    first = TARGET.export(source, "f", Bindings("mautic", bound), Report("mautic"), fmt)  # type: ignore[arg-type]
    assert TARGET.validate(first, fmt) == []
    imported = TARGET.import_doc(first, Bindings("mautic", bound), Report("mautic"))
    assert check_text(imported.text, "i.nurture") == [], imported.text
    path = tmp_path / "i.nurture"
    path.write_text(imported.text)
    merged = {kind: {**bound.get(kind, {}), **values} for kind, values in imported.bindings.items()}
    again = TARGET.export(
        compile_model(load(str(path))), "f", Bindings("mautic", {**bound, **merged}), Report("mautic"), fmt
    )  # type: ignore[arg-type]
    assert again == first


# ------------------------------------------------------------------ fuzz --

# Junk a hand edit or another Mautic version may put in any member: each
# import must be refused with a code or check clean, never crash (exit 3).
JUNK: list[Any] = [-1, 2**70, "x", []]


def _members(doc: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path] if path else []
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else []
    for key, value in items:
        found += _members(value, (*path, key))
    return found


def _mutations(doc: Any) -> list[tuple[str, Any]]:
    out = []
    for path in _members(doc):
        for junk in ["delete", *JUNK]:
            mutated = copy.deepcopy(doc)
            holder = mutated
            for key in path[:-1]:
                holder = holder[key]
            if junk == "delete":
                del holder[path[-1]]
            else:
                holder[path[-1]] = junk
            out.append((f"{'/'.join(map(str, path))}={junk!r}", mutated))
    return out


@pytest.mark.parametrize("fixture", ["api-payload.json", "get-response.json", "entity-export.json"])
def test_every_member_of_every_fixture_survives_junk(fixture):
    failures = []
    for where, doc in _mutations(json.loads((FIXTURES / fixture).read_text())):
        report = Report("mautic")
        try:
            imported = TARGET.import_doc(doc, None, report)
        except Exception as error:  # the CLI's exit 3
            failures.append(f"{where}: {type(error).__name__}: {error}")
            continue
        if report.refused:
            assert any(d.code.startswith("MAU1") for d in report.diagnostics), where
            continue
        problems = check_text(imported.text, "i.nurture")
        if problems:
            failures.append(f"{where}: {problems[0].message}")
    assert failures == []


def _get_response(**change: Any) -> dict[str, Any]:
    doc = json.loads((FIXTURES / "get-response.json").read_text())
    for index, members in change.items():
        doc["campaign"]["events"][int(index.lstrip("e"))]["properties"].update(members)
    return doc


def test_real_world_shapes_import_sanely():
    # a PHP form sends ids as texts: "21" is email 21, as 21 is
    text = TARGET.import_doc(_get_response(e0={"email": "21"}), None, Report("mautic")).text
    assert "email trial_day_one: email_21" in text and check_text(text, "i.nurture") == []
    # a field alias may start with a digit; the attribute's name may not
    field = next(i for i, e in enumerate(_get_response()["campaign"]["events"]) if e["type"] == "lead.field_value")
    imported = TARGET.import_doc(_get_response(**{f"e{field}": {"field": "2fa_enabled"}}), None, Report("mautic"))
    assert "mautic.field_2fa_enabled" in imported.text and check_text(imported.text, "i.nurture") == []
    assert imported.bindings["attribute"]["mautic.field_2fa_enabled"] == "2fa_enabled"


def test_a_dnc_channel_no_playbook_names_is_noted_not_a_broken_playbook(tmp_path):
    doc = json.loads((FIXTURES / "entity-export.json").read_text())
    dnc = next(e for e in doc[0]["campaign_event"] if e["type"] == "lead.dnc")
    dnc["properties"]["channels"] = ["notification"]  # Mautic's web push channel
    report = Report("mautic")
    imported = TARGET.import_doc(doc, None, report)
    assert "MAU106" in codes(report) and check_text(imported.text, "i.nurture") == []


@pytest.mark.parametrize("count", [-1, 3651])
def test_an_interval_no_wait_can_hold_is_refused_where_it_is(count):
    doc = json.loads((FIXTURES / "api-payload.json").read_text())
    doc["events"][0].update(triggerMode="interval", triggerInterval=count, triggerIntervalUnit="d")
    report = Report("mautic")
    TARGET.import_doc(doc, None, report)
    (refusal,) = [d for d in report.diagnostics if d.code == "MAU100"]
    assert "/triggerInterval" in refusal.message


# ------------------------------------------- every code, every node type --


@pytest.mark.parametrize(
    ("code", "fires", "silent"),
    [
        ("MAU011", "rate_limit entries 500 per 1d\nemail a", "email a"),
        ("MAU012", "goal replied\nemail a", "email a"),
        # allowRestart holds `reentry allowed` exactly, not the delay
        ("MAU013", "reentry after 30d\nemail a", "reentry allowed\nemail a"),
    ],
)
def test_flow_header_codes_fire_at_the_flow(tmp_path, code, fires, silent):
    _, report = export(tmp_path, fires)
    (diag,) = [d for d in report.diagnostics if d.code == code]
    assert diag.span is not None
    _, quiet = export(tmp_path, silent)
    assert code not in codes(quiet)


def test_a_loop_through_skipped_steps_only_is_cut(tmp_path):
    doc, report = export(tmp_path, "email a\nrepeat every 1d at most 3 {\n linkedin follow\n}")
    assert "MAU009" not in codes(report)  # a repeat is its body once: no loop
    doc, report = export(tmp_path, "email a\nlinkedin follow\ngoto linkedin_follow_1")
    assert codes(report).count("MAU009") == 1
    assert [e["type"] for e in events(doc)] == ["email.send"]


def test_the_node_type_table_covers_exactly_the_irs_node_types():
    from typing import get_args

    from nurturedsl.engines.mautic.export import NODE_TYPES
    from nurturedsl.irmodel import NodeType

    assert set(NODE_TYPES) == set(get_args(NodeType))


def test_a_node_type_the_export_does_not_know_is_refused_not_dropped(tmp_path):
    from types import SimpleNamespace

    from nurturedsl.engines.mautic import export as mautic_export

    path = tmp_path / "p.nurture"
    path.write_text(HEAD + 'flow f {\n email a\n tag "x"\n}\n')
    ir = compile_model(load(str(path)))
    tag_id = next(k for k, n in ir.flows["f"].nodes.items() if n.type == "tag")
    real = ir.flows["f"].nodes[tag_id]
    ir.flows["f"].nodes[tag_id] = SimpleNamespace(type="hologram", span=real.span, next=real.next, meta=None)  # type: ignore[assignment]
    report = Report("mautic")
    mautic_export.export(ir, "f", Bindings("mautic", BOUND), report, "api")
    assert "MAU031" in codes(report) and report.refused


def _payload() -> dict[str, Any]:
    return json.loads((FIXTURES / "api-payload.json").read_text())


def test_import_refuses_what_is_not_a_campaign():
    report = Report("mautic")
    assert TARGET.import_doc({"name": "x"}, None, report).text == ""
    assert codes(report) == ["MAU100"] and report.refused


def test_import_notes_a_date_trigger_and_a_month_interval():
    doc = _payload()
    doc["events"][0].update(triggerMode="date", triggerDate="2026-01-01 09:00")
    report = Report("mautic")
    TARGET.import_doc(doc, None, report)
    assert "MAU101" in codes(report)
    doc = _payload()
    doc["events"][0].update(triggerMode="interval", triggerInterval=2, triggerIntervalUnit="m")
    report = Report("mautic")
    text = TARGET.import_doc(doc, None, report).text
    assert "MAU102" in codes(report) and "wait 60d" in text


def test_import_notes_parallel_children_and_keeps_the_first():
    doc = _payload()
    first = doc["events"][0]
    extra = {**copy.deepcopy(first), "id": "new_99", "name": "extra", "parent": first["id"], "children": []}
    extra["properties"] = {"add_tags": ["par"], "remove_tags": []}
    extra["type"] = "lead.changetags"
    child = next(e for e in doc["events"] if str(e.get("parent")) == str(first["id"]))
    extra["order"] = (child.get("order") or 0) + 1
    doc["events"].append(extra)
    report = Report("mautic")
    text = TARGET.import_doc(doc, None, report).text
    assert "MAU104" in codes(report) and "1 parallel event(s) left out" in text and 'tag "par"' not in text


def test_import_notes_a_condition_without_a_test():
    doc = json.loads((FIXTURES / "get-response.json").read_text())
    condition = next(e for e in doc["campaign"]["events"] if e["type"] == "lead.tags")
    condition["properties"] = {"tags": ["a", "b"]}  # several tags: nurturedsl tests one
    report = Report("mautic")
    text = TARGET.import_doc(doc, None, report).text
    assert "MAU106" in codes(report) and "has no nurturedsl test" in text


def test_import_leaves_out_a_decisions_no_path_that_runs_at_once():
    doc = _payload()
    decision = next(e for e in doc["events"] if e["eventType"] == "decision")
    no = next(e for e in doc["events"] if str(e.get("parent")) == str(decision["id"]) and e["decisionPath"] == "no")
    no.update(triggerMode="immediate", triggerInterval=0)
    report = Report("mautic")
    text = TARGET.import_doc(doc, None, report).text
    assert "MAU107" in codes(report) and "on timeout" not in text and check_text(text, "i.nurture") == []


def test_a_decision_skipped_for_the_wait_before_it_says_so(tmp_path):
    _, report = export(tmp_path, "email a\nwait 1d\nwait until opened(a) up to 2d {\n on timeout { email b }\n}")
    (diag,) = [d for d in report.diagnostics if d.code == "MAU007"]
    assert "a wait comes right before it" in " ".join(diag.notes) + diag.message


# Every FlowIR and PolicyIR member, set to something other than its default:
# each changes the campaign or is reported. The members exempt say why.
MEMBERS = {
    "flow title": ("", 'flow g "Welcome" {\n email a\n}\n'),
    "flow entry": ("", "flow g {\n entry on replied\n email a\n}\n"),
    "flow audience": ("", "flow g {\n audience vip\n email a\n}\n"),
    "flow goal": ("", "flow g {\n goal replied\n email a\n}\n"),
    "flow exit": ("", "flow g {\n exit on replied\n email a\n}\n"),
    "flow cadence": ("", "flow g {\n cadence 10d..14d\n email a\n wait 8d\n email b\n}\n"),
    "flow max_touches": ("", "flow g {\n cadence 1d..3d\n max_touches 1\n email a\n wait 1d\n email b\n}\n"),
    "flow reentry": ("", "flow g {\n reentry allowed\n email a\n}\n"),
    "flow rate_limits": ("", "flow g {\n rate_limit entries 5 per 1d\n email a\n}\n"),
    "flow meta": ("", 'flow g {\n meta { mautic_uuid "3b2f6c1e-8a4d-4f0b-9c7e-5d1a2b3c0007" }\n email a\n}\n'),
    "policy cadence": ("policy { cadence 10d..14d }\n", "flow g {\n email a\n wait 8d\n email b\n}\n"),
    "policy first_touch": ("policy { first_touch within 1d }\n", "flow g {\n wait 2d\n email a\n}\n"),
    "policy max_touches": ("policy { max_touches 1 }\n", "flow g {\n email a\n wait 8d\n email b\n}\n"),
    "policy frequency_cap": ("policy { frequency_cap 2 per 7d }\n", "flow g {\n email a\n}\n"),
    "policy quiet_hours": ("policy { quiet_hours 20:00..08:00 }\n", "flow g {\n email a\n}\n"),
    "policy send_days": ("policy { send_days mon, tue }\n", "flow g {\n email a\n}\n"),
    "policy timezone": (
        'policy { send_days mon, tue\n timezone "Europe/Berlin" }\n',
        "flow g {\n email a\n}\n",
    ),
}
# not run-time behaviour (docs/ir.md): give_to_get, unsubscribe_required and
# a flow's `reviewed` are for static checks; `messages` is read through each
# touch's `message` (the window above); timezone alone changes nothing without a window.


@pytest.mark.parametrize("member", sorted(MEMBERS))
def test_every_flow_and_policy_member_changes_the_campaign_or_is_reported(member, tmp_path):
    header, flow = MEMBERS[member]
    plain = "flow g {\n email a\n wait 8d\n email b\n}\n" if "touches" in member or "cadence" in member else None

    def run(head: str, text: str) -> tuple[Any, list[str]]:
        path = tmp_path / "m.nurture"
        path.write_text(head + HEAD + text)
        report = Report("mautic")
        bound = {**BOUND, "flow": {**BOUND["flow"], "g": 9}}
        doc = TARGET.export(compile_model(load(str(path))), "g", Bindings("mautic", bound), report, "bundle")  # type: ignore[arg-type]
        return doc, codes(report)

    base_flow = plain or re.sub(
        r"\n (audience|goal|exit on|entry|cadence|max_touches|reentry|rate_limit|meta)[^\n]*", "", flow
    )
    base_flow = base_flow.replace('flow g "Welcome" {', "flow g {")
    base_doc, base_codes = run("", base_flow)
    doc, found = run(header, flow)
    assert doc != base_doc or set(found) - set(base_codes), member


def test_the_policys_timezone_is_reported_only_where_a_sending_window_reads_it(tmp_path):
    zone = 'policy {\n  timezone "Europe/Berlin"\n  quiet_hours 20:00..08:00\n}\n'
    _, report = export(tmp_path, "email a", header=zone)
    assert "MAU032" in codes(report)
    # UTC is Mautic's own default; and without a window, nothing reads the zone
    _, utc = export(tmp_path, "email a", header="policy {\n  quiet_hours 20:00..08:00\n}\n")
    _, no_window = export(tmp_path, "email a", header='policy {\n  timezone "Europe/Berlin"\n}\n')
    assert "MAU032" not in codes(utc) + codes(no_window)


def test_reentry_is_reported_in_the_export_file_which_has_no_allow_restart(tmp_path):
    doc, report = export(tmp_path, "reentry allowed\nemail a", fmt="bundle")
    assert "MAU033" in codes(report)
    api, in_api = export(tmp_path, "reentry allowed\nemail a")
    assert api["allowRestart"] is True and "MAU033" not in codes(in_api)
