"""`nurturedsl simulate` from the command line: inputs, outputs, exit codes,
determinism across workers."""

import json
import os

import pytest
from click.testing import CliRunner

from nurturedsl.cli import main

from .conftest import PLAYBOOKS, ROOT, write

PROGRAMME = str(PLAYBOOKS / "programme.nurture")
EXAMPLES = ROOT / "examples"
CONTACTS = str(EXAMPLES / "contacts.csv")
EVENTS = str(EXAMPLES / "events.jsonl")
RESPONSES = str(EXAMPLES / "responses.toml")
# the examples' history replayed as simulated time, from the day of their
# first event (without --start a replay starts after the last one)
FIRST_DAY = ("--start", "2026-01-05")


def run(*args):
    return CliRunner().invoke(main, ["simulate", *map(str, args)], catch_exceptions=False)


def test_replaying_the_examples_reports_flows_sales_touches_and_policy():
    result = run(PROGRAMME, "--contacts", CONTACTS, "--events", EVENTS, *FIRST_DAY)
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert out.startswith("Acme B2B nurture programme: replay of 12 contacts\n")
    for heading in ("\nFlows (", "\nSales\n", "\nTouches\n", "\nPolicy\n"):
        assert heading in out
    assert "lead.sql       2 contacts crossed" in out
    # both SQLs were in a flow that exits on lead.sql: they leave by that exit, and are handed off
    assert "exit on lead.sql 1" in out and "handed off     2 contacts;" in out
    # no progress bar when stderr is not a terminal: only the warnings of a --start before the events
    assert result.stderr.splitlines() == [
        "nurturedsl: warning: 21 events of 10 contacts are after --start 2026-01-05: they are replayed as "
        "simulated time, as they happened; without --start the run starts after the last event",
        "nurturedsl: warning: 2 contacts were created after --start 2026-01-05 (created_at): each is looked at "
        "from its created_at date on",
    ]


def test_csv_and_json_lines_inputs_give_the_same_report():
    csv = run(
        PROGRAMME, "--contacts", CONTACTS, "--events", str(EXAMPLES / "events.csv"), *FIRST_DAY, "--format", "json"
    )
    jsonl = run(
        PROGRAMME, "--contacts", str(EXAMPLES / "contacts.jsonl"), "--events", EVENTS, *FIRST_DAY, "--format", "json"
    )
    strip = lambda text: {k: v for k, v in json.loads(text).items() if k != "inputs"}  # noqa: E731
    assert strip(csv.stdout) == strip(jsonl.stdout)


def test_the_json_report_is_versioned_and_has_every_figure():
    report = json.loads(
        run(PROGRAMME, "--contacts", CONTACTS, "--events", EVENTS, *FIRST_DAY, "--format", "json").stdout
    )
    assert report["format"] == "nurturedsl-simulation" and report["version"].startswith("1.")
    assert report["mode"] == "replay" and "intervals" not in report
    assert set(report["flows"]) == {"archive", "ghost", "inbound", "reengage", "surround"}
    inbound = report["flows"]["inbound"]
    assert inbound["entered"] == sum(inbound["exits"].values()) + inbound["still_in"]
    assert inbound["transitions"]["@entry"] == [inbound["entered"]]
    assert report["handoffs"]["contacts"] == report["thresholds"]["lead.sql"]["contacts"] == 2
    touches = report["touches"]
    assert touches["total"] == sum(touches["by_channel"].values())
    assert touches["total"] == sum(flow["touches"] for flow in report["flows"].values())
    assert touches["gives"] + touches["asks"] <= touches["total"]
    assert set(report["deferred"]) == {"quiet_hours", "send_days", "frequency_cap", "cadence"}
    assert report["first_touch"] == {"within": "P2D", "late": 0}


def test_a_compiled_ir_runs_exactly_like_its_playbook(tmp_path):
    compiled = tmp_path / "programme.json"
    assert CliRunner().invoke(main, ["compile", PROGRAMME, "-o", str(compiled)]).exit_code == 0
    from_source = json.loads(
        run(PROGRAMME, "--contacts", CONTACTS, "--events", EVENTS, *FIRST_DAY, "-f", "json").stdout
    )
    from_ir = json.loads(run(compiled, "--contacts", CONTACTS, "--events", EVENTS, *FIRST_DAY, "-f", "json").stdout)
    from_source.pop("inputs"), from_ir.pop("inputs")
    assert from_source == from_ir


def test_one_contacts_timeline_is_in_their_zone_with_the_alert():
    result = run(PROGRAMME, "--contacts", CONTACTS, "--events", EVENTS, *FIRST_DAY, "--contact", "c1")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Contact c1 (Avery Chen), times in Europe/Berlin"
    assert any(
        "Thu 2026-01-08 15:32  notify     sdr: Lead Avery Chen just visited the pricing page "
        "and has a score of 65. Call now." in line
        for line in lines
    )


def test_an_unknown_contact_gets_a_suggestion():
    result = run(PROGRAMME, "--contacts", CONTACTS, "--events", EVENTS, *FIRST_DAY, "--contact", "c01")
    assert result.exit_code == 2
    assert "--contact c01: no contact with that id; did you mean `c1`?" in result.stderr


def test_the_trace_has_one_json_line_per_happening_and_is_written_whole(tmp_path):
    trace = tmp_path / "trace.jsonl"
    result = run(PROGRAMME, "--contacts", CONTACTS, "--events", EVENTS, *FIRST_DAY, "--trace", trace)
    assert result.exit_code == 0
    records = [json.loads(line) for line in trace.read_text().splitlines()]
    assert {"event", "enter", "touch", "exit", "threshold", "handoff", "notify", "deferred"} <= {
        r["type"] for r in records
    }
    touch = next(r for r in records if r["type"] == "touch")
    assert {"at", "contact", "flow", "step", "channel", "content", "give_or_ask", "score"} <= set(touch)
    exits = [r for r in records if r["type"] == "exit"]
    assert all(r["reason"] for r in exits)
    contacts = [r["contact"] for r in records]
    assert contacts == sorted(contacts, key=lambda c: int(c[1:])), "grouped by contact, in file order"
    assert os.listdir(tmp_path) == ["trace.jsonl"]


def test_bad_rows_stop_the_run_with_every_location(tmp_path):
    contacts = write(
        tmp_path, "contacts.csv", "id,employees,timezone\nc1,12,Europe/Berlin\nc2,about 50,UTC\nc3,40,Europe/Berln\n"
    )
    events = write(tmp_path, "events.jsonl", '{"contact": "c1", "at": "2026-01-05T10:00:00Z", "event": "visted"}\n')
    out = tmp_path / "report.txt"
    result = run(PROGRAMME, "--contacts", contacts, "--events", events, "-o", out)
    assert result.exit_code == 2
    assert f"{contacts}:3:" in result.stderr and f"{contacts}:4:" in result.stderr
    assert "did you mean `Europe/Berlin`?" in result.stderr
    assert "nothing simulated" in result.stderr
    assert not out.exists()


def test_skip_bad_rows_simulates_the_rest_and_says_which_were_skipped(tmp_path):
    contacts = write(tmp_path, "contacts.csv", "id,employees\nc1,12\nc2,about 50\n")
    events = write(
        tmp_path,
        "events.jsonl",
        '{"contact": "c1", "at": "2026-01-05T10:00:00Z", "event": "downloaded", "args": ["resource"]}\n'
        '{"contact": "c1", "at": "2026-01-06T10:00:00", "event": "visited"}\n',
    )
    result = run(PROGRAMME, "--contacts", contacts, "--events", events, "--skip-bad-rows")
    assert result.exit_code == 0, result.stderr
    assert f"Skipped 2 bad rows (--skip-bad-rows): {contacts}:3, {events}:2" in result.stdout
    assert "replay of 1 contact\n" in result.stdout


def test_a_crm_export_runs_through_a_column_map():
    result = run(
        PROGRAMME,
        "--contacts",
        EXAMPLES / "hubspot-contacts.csv",
        "--map",
        EXAMPLES / "hubspot-map.toml",
        "--start",
        "2026-01-05",
    )
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "give either --contacts FILE (replay) or --cohort N --responses FILE (forecast)"),
        (["--contacts", CONTACTS, "--cohort", "10", "--responses", RESPONSES], "give either"),
        (["--cohort", "10"], "--cohort needs --responses FILE"),
        (["--contacts", CONTACTS, "--start", "05/01/2026"], "--start 05/01/2026: expected a date"),
        (["--contacts", CONTACTS, "--start", "2026-01-05T10:00"], "a time needs a zone"),
        (["--contacts", CONTACTS, "--start", "2026-02-01", "--until", "2026-01-01"], "is not after the start"),
    ],
)
def test_usage_mistakes_exit_two_with_a_reason(args, message):
    result = run(PROGRAMME, *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_playbook_with_errors_is_not_simulated(tmp_path):
    broken = write(tmp_path, "broken.nurture", "flow f {\n  email welcome: missing\n}\n")
    result = run(broken, "--contacts", CONTACTS, "--start", "2026-01-05")
    assert result.exit_code == 1
    assert "error[NUR010]" in result.stderr


def test_cohort_reports_carry_95_percent_intervals():
    result = run(PROGRAMME, "--cohort", 400, "--responses", RESPONSES, "--seed", 3, "--runs", 5, "-f", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["mode"] == "cohort" and report["runs"] == 5 and report["contacts"] == 400
    low, high = report["intervals"]["touches.total"]
    assert low <= report["touches"]["total"] <= high
    assert "contacts" not in report["intervals"], "every run has its share of contacts: no interval"
    text = run(PROGRAMME, "--cohort", 400, "--responses", RESPONSES, "--seed", 3, "--runs", 5).stdout
    assert "95% interval over the runs" in text and " [" in text


def test_a_cohort_contact_can_be_followed():
    result = run(PROGRAMME, "--cohort", 50, "--responses", RESPONSES, "--contact", "cohort-000007")
    assert result.exit_code == 0 and result.stdout.startswith("Contact cohort-000007 (Contact 7)")
    missing = run(PROGRAMME, "--cohort", 50, "--responses", RESPONSES, "--contact", "cohort-000051")
    assert missing.exit_code == 2 and "cohort-000001 to cohort-000050" in missing.stderr


def test_same_seed_same_bytes_and_workers_do_not_change_the_output(tmp_path):
    outputs = []
    for workers in (1, 2, 1):
        report, trace = tmp_path / f"r{len(outputs)}.json", tmp_path / f"t{len(outputs)}.jsonl"
        result = run(
            PROGRAMME,
            "--cohort",
            300,
            "--responses",
            RESPONSES,
            "--seed",
            11,
            "--workers",
            workers,
            "-f",
            "json",
            "-o",
            report,
            "--trace",
            trace,
        )
        assert result.exit_code == 0, result.stderr
        outputs.append((report.read_bytes(), trace.read_bytes()))
    assert outputs[0] == outputs[1] == outputs[2]
    other_seed = run(PROGRAMME, "--cohort", 300, "--responses", RESPONSES, "--seed", 12, "-f", "json").stdout
    assert other_seed.encode() != outputs[0][0]


def test_help_is_complete_on_its_own():
    text = CliRunner().invoke(main, ["simulate", "--help"]).stdout
    for needle in (
        "--contacts",
        "--events",
        "--cohort",
        "--responses",
        "--trace",
        "--contact",
        "--workers",
        "--skip-bad-rows",
        "--map",
        "Exit codes:",
        "Examples:",
    ):
        assert needle in text


def _compiled(tmp_path):
    target = tmp_path / "programme.json"
    assert CliRunner().invoke(main, ["compile", PROGRAMME, "-o", str(target)]).exit_code == 0
    return target, json.loads(target.read_text())


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            lambda ir: ir["flows"]["inbound"]["nodes"]["welcome"]["next"][0].update(to="nosuch"),
            "flows.inbound.nodes.welcome.next[0].to: no node `nosuch`",
        ),
        (lambda ir: ir.pop("policy"), "policy: Field required"),
        (lambda ir: ir["flows"]["inbound"]["nodes"]["welcome"].update(type="fax"), "flows.inbound.nodes.welcome.type"),
        (
            lambda ir: ir["flows"]["inbound"]["nodes"]["welcome"].update(content="nosuch"),
            "flows.inbound.nodes.welcome.content: no content `nosuch`",
        ),
        (lambda ir: ir["policy"].update(timezone="Mars/Olympus"), "policy.timezone: unknown time zone `Mars/Olympus`"),
        (
            lambda ir: ir["flows"]["inbound"]["entry"][0].update(condition={"segment": ["nope"]}),
            "flows.inbound.entry[0].condition: no segment `nope`",
        ),
        (lambda ir: ir.update(version="2.0.0"), "IR version 2.0.0 is not supported"),
    ],
)
def test_a_hand_edited_ir_is_refused_with_the_path_of_the_problem(tmp_path, edit, message):
    target, ir = _compiled(tmp_path)
    edit(ir)
    target.write_text(json.dumps(ir))
    result = run(target, "--contacts", CONTACTS, "--events", EVENTS, *FIRST_DAY)
    assert result.exit_code == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def test_unwritable_outputs_are_refused_before_the_run(tmp_path):
    for option in ("--trace", "-o"):
        result = run(
            PROGRAMME, "--contacts", CONTACTS, "--events", EVENTS, *FIRST_DAY, option, tmp_path / "missing" / "x"
        )
        assert result.exit_code == 2
        assert (
            f"{option} {tmp_path / 'missing' / 'x'}: the folder {tmp_path / 'missing'} does not exist" in result.stderr
        )


def test_contact_timelines_do_not_take_whole_run_options(tmp_path):
    result = run(
        PROGRAMME, "--contacts", CONTACTS, "--events", EVENTS, *FIRST_DAY, "--contact", "c1", "--trace", tmp_path / "t"
    )
    assert result.exit_code == 2 and "--contact prints one contact's timeline" in result.stderr


def test_every_threshold_and_step_is_in_the_report_even_at_zero():
    report = json.loads(
        run(
            PROGRAMME, "--contacts", CONTACTS, "--events", EVENTS, *FIRST_DAY, "--until", "2026-01-06", "-f", "json"
        ).stdout
    )
    assert set(report["thresholds"]) == {"lead.mql", "lead.sql"}
    assert report["flows"]["inbound"]["transitions"]["branch_1"] == [0, 0, 0]
    assert report["flows"]["ghost"]["transitions"]["wait_until_1"] == [0, 0]


def test_a_misspelt_column_is_an_error_not_a_silent_custom_attribute(tmp_path):
    contacts = write(tmp_path, "contacts.csv", "id,industy,timezone\nc1,SaaS,Asia/Tokyo\n")
    result = run(PROGRAMME, "--contacts", contacts, "--start", "2026-01-05")
    assert result.exit_code == 2
    assert "column `industy` is not an attribute; did you mean `industry`?" in result.stderr
    mapped = run(PROGRAMME, "--contacts", contacts, "--start", "2026-01-05", "--map", "industy=industry")
    assert mapped.exit_code == 0, mapped.stderr
