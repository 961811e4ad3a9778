"""`experiment`: a split that picks its winner, through every stage.

The semantics are docs/language.md's (section "experiment"): goal rates
over contacts whose window has closed, the decision at the first moment
every arm has N of them (or at a date), ties to the arm written first, the
winner's arm for every later contact; and docs/simulation.md's: the same
decision whatever `--workers`."""

from __future__ import annotations

import datetime as dt
import json
import re

import jsonschema
import pytest
from click.testing import CliRunner

from nurturedsl.cli import main
from nurturedsl.sim.checkir import problems
from nurturedsl.sim.nodes import stable_fraction

from .conftest import ROOT, write

DAY = 86400

CONTENT = """\
content roi_story  give "ROI calculator + customer success story"
content case_study give "How a company in your industry cut onboarding time by 40%"
"""


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def flow(body: str, entry: str = 'entry on registered("webinar")') -> str:
    inner = "\n".join("  " + line for line in body.splitlines())
    return CONTENT + f"flow welcome {{\n  {entry}\n{inner}\n}}\n"


EXPERIMENT = """\
experiment subject_test {
  goal booked("demo")
  window 2d
  decide after 3 per arm
  50% "a" { email a_mail: roi_story }
  50% "b" { email b_mail: case_study }
}
exit "done"
"""


# -- the language --------------------------------------------------------------


def _docs_example() -> str:
    text = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    section = text[text.index("### experiment") :]
    return re.search(r"```nurture\n(.*?)```", section, re.S).group(1)


def test_the_language_docs_example_compiles(tmp_path):
    path = write(tmp_path, "docs.nurture", flow(_docs_example()))
    result = run("compile", path)
    assert result.exit_code == 0, result.output
    node = json.loads(result.stdout)["flows"]["welcome"]["nodes"]["subject_test"]
    assert node["type"] == "experiment"
    assert node["decide"] == {"rule": "after", "per_arm": 200}
    assert node["window"]["seconds"] == 14 * DAY
    assert [(e["label"], e["weight"]) for e in node["next"]] == [("short", 50.0), ("long", 50.0)]


def test_the_new_words_stay_names_elsewhere(tmp_path):
    text = (
        'content experiment give "x"\ncontent window give "y"\ncontent decide give "z"\ncontent arm give "w"\n'
        "flow f {\n  entry on registered\n  email experiment\n  email window\n  email decide\n  email arm\n}\n"
    )
    result = run("check", write(tmp_path, "names.nurture", text))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("old", "new", "code", "words"),
    [
        ('50% "b"', '40% "b"', "NUR015", "experiment shares add up to 90%"),
        ('50% "b"', '50% "a"', "NUR011", 'experiment arm "a" is named twice'),
        ("window 2d", "window 0d", "NUR014", "must be longer than zero"),
        ("after 3 per", "after 0 per", "NUR014", "`decide after` (contacts per arm) must be a whole number"),
        ("decide after 3 per arm", "decide on 2026-02-30", "NUR014", "is not a date on the calendar"),
    ],
)
def test_impossible_experiments_are_errors(tmp_path, old, new, code, words):
    text = flow(EXPERIMENT).replace(old, new, 1)
    result = run("check", write(tmp_path, "bad.nurture", text))
    assert result.exit_code == 1, result.output
    assert re.search(rf"bad\.nurture:\d+:\d+: error\[{code}\]", result.output), result.output
    assert words in result.output


def test_one_arm_is_an_error(tmp_path):
    text = flow(EXPERIMENT.replace('  50% "a" { email a_mail: roi_story }\n', "").replace('50% "b"', '100% "b"'))
    result = run("check", write(tmp_path, "one.nurture", text))
    assert result.exit_code == 1
    assert "has one arm" in result.output


def test_a_missing_window_is_a_syntax_error_not_a_crash(tmp_path):
    text = flow(EXPERIMENT.replace("  window 2d\n", ""))
    result = run("check", write(tmp_path, "syntax.nurture", text))
    assert result.exit_code == 1, result.output
    assert re.search(r"syntax\.nurture:\d+:\d+: error\[NUR001\]", result.output), result.output
    assert "window" in result.output


# -- IR, schema, runner check, render -----------------------------------------


def test_the_ir_validates_against_the_committed_schema(tmp_path):
    result = run(
        "compile",
        write(tmp_path, "x.nurture", flow(EXPERIMENT.replace("decide after 3 per arm", "decide on 2026-03-01"))),
    )
    ir = json.loads(result.stdout)
    schema = json.loads((ROOT / "docs" / "schema" / "nurturedsl-ir-1.json").read_text(encoding="utf-8"))
    jsonschema.validate(ir, schema)
    assert ir["flows"]["welcome"]["nodes"]["subject_test"]["decide"] == {"rule": "on", "date": "2026-03-01"}
    assert problems(ir) == []
    broken = json.loads(json.dumps(ir))
    del broken["flows"]["welcome"]["nodes"]["subject_test"]["next"][1]["label"]
    assert any("each with a weight and a label" in p for p in problems(broken))


@pytest.mark.parametrize("fmt", ["dot", "mermaid"])
def test_render_shows_the_rule_and_the_shares(tmp_path, fmt):
    result = run("render", write(tmp_path, "x.nurture", flow(EXPERIMENT)), "--flow", "welcome", "--format", fmt)
    assert result.exit_code == 0, result.output
    assert "experiment subject_test" in result.stdout
    assert "decide after 3 per arm" in result.stdout and "window 2d" in result.stdout
    percent = "50%" if fmt == "dot" else "50#37;"  # Mermaid escapes `%`
    assert f"{percent} a" in result.stdout and f"{percent} b" in result.stdout


# -- the decision, simulated --------------------------------------------------

START = dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc)


def _arm(contact: str) -> str:
    return "a" if stable_fraction(contact, "welcome", "subject_test") * 100 < 50 else "b"


def _replay(tmp_path, text: str, books, count: int = 24, workers: int = 1):
    """Contact cN registers on day N (09:00); those `books(contact, arm)`
    picks book a demo one day later. The report's experiment and the trace."""
    playbook = write(tmp_path, "x.nurture", text)
    ids = [f"c{i:02d}" for i in range(count)]
    write(tmp_path, "contacts.csv", "id,email\n" + "".join(f"{c},{c}@example.com\n" for c in ids))
    lines = []
    for i, contact in enumerate(ids):
        enter = START + dt.timedelta(days=i, hours=9)
        lines.append({"contact": contact, "at": enter.isoformat(), "event": "registered", "args": ["webinar"]})
        if books(contact, _arm(contact)):
            when = enter + dt.timedelta(days=1)
            lines.append({"contact": contact, "at": when.isoformat(), "event": "booked", "args": ["demo"]})
    write(tmp_path, "events.jsonl", "".join(json.dumps(line) + "\n" for line in lines))
    trace = tmp_path / f"trace{workers}.jsonl"
    result = run(
        "simulate", playbook, "--contacts", tmp_path / "contacts.csv", "--events", tmp_path / "events.jsonl",
        "--format", "json", "--trace", trace, "--workers", workers, "--start", "2026-01-05", "--until", "2026-03-01",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    records = [json.loads(line) for line in trace.read_text(encoding="utf-8").splitlines()]
    return report["experiments"]["welcome.subject_test"]["runs"][0], records, ids


def test_the_better_arm_wins_and_later_contacts_take_it(tmp_path):
    decision, records, ids = _replay(tmp_path, flow(EXPERIMENT), lambda contact, arm: arm == "b")
    assert decision["winner"] == "b"
    # the moment: every arm has 3 closed windows (entry + 2d); the later arm's third
    entries = {arm: [i for i, c in enumerate(ids) if _arm(c) == arm] for arm in "ab"}
    moment = max(START + dt.timedelta(days=entries[arm][2] + 2, hours=9) for arm in "ab")
    assert decision["decided_at"] == moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    # every contact whose window closed by then counts, and no one else
    counted = {arm: sum(1 for i in entries[arm] if START + dt.timedelta(days=i + 2, hours=9) <= moment) for arm in "ab"}
    assert {arm["arm"]: arm["counted"] for arm in decision["arms"]} == counted
    rates = {arm["arm"]: arm["rate"] for arm in decision["arms"]}
    assert rates == {"a": 0.0, "b": 1.0}
    arms = {r["contact"]: r for r in records if r["type"] == "experiment"}
    for i, contact in enumerate(ids):
        entered = START + dt.timedelta(days=i, hours=9)
        if entered >= moment:
            assert arms[contact]["arm"] == "b" and arms[contact]["decided"], contact
        else:
            assert arms[contact]["arm"] == _arm(contact) and not arms[contact]["decided"], contact
    decided = [r for r in records if r["type"] == "experiment_decided"]
    assert len(decided) == 1 and decided[0]["winner"] == "b"


def test_a_tie_goes_to_the_arm_written_first(tmp_path):
    decision, _, _ = _replay(tmp_path, flow(EXPERIMENT), lambda contact, arm: True)
    assert decision["winner"] == "a"
    assert all(arm["rate"] == 1.0 for arm in decision["arms"])


def test_the_goal_counts_after_the_contact_left_the_flow(tmp_path):
    # the flow ends at once (`exit "done"`): the demo is booked a day later
    decision, _, _ = _replay(tmp_path, flow(EXPERIMENT), lambda contact, arm: arm == "a")
    assert decision["winner"] == "a"
    assert {arm["arm"]: arm["rate"] for arm in decision["arms"]} == {"a": 1.0, "b": 0.0}


def test_decide_on_a_date_counts_the_windows_closed_by_then(tmp_path):
    text = flow(EXPERIMENT.replace("decide after 3 per arm", "decide on 2026-01-15"))
    decision, records, ids = _replay(tmp_path, text, lambda contact, arm: arm == "b")
    assert decision["decided_at"] == "2026-01-15T00:00:00Z"
    # windows close on day i + 2 at 09:00: those of days 0..7 by Jan 15, 00:00
    closed = [c for i, c in enumerate(ids) if i + 2 <= 9]
    assert sum(arm["counted"] for arm in decision["arms"]) == len(closed)
    assert decision["winner"] == "b"
    late = [r for r in records if r["type"] == "experiment" and r["at"] >= "2026-01-15"]
    assert late and all(r["arm"] == "b" for r in late)


def test_the_decision_is_the_same_on_every_number_of_workers(tmp_path):
    one, trace_one, _ = _replay(tmp_path, flow(EXPERIMENT), lambda contact, arm: arm == "b", workers=1)
    three, trace_three, _ = _replay(tmp_path, flow(EXPERIMENT), lambda contact, arm: arm == "b", workers=3)
    assert one == three
    assert trace_one == trace_three


def test_a_second_pass_starts_from_the_contacts_as_read(tmp_path):
    # Each contact is tagged in the first pass; the decision's pass must see
    # them untagged again, on one worker (the same Contact objects run
    # twice in one process) as on three (copies in other processes).
    text = flow('tag "seen"\n' + EXPERIMENT, entry='entry on registered("webinar") when not tagged "seen"')
    one, trace_one, ids = _replay(tmp_path, text, lambda contact, arm: arm == "b", workers=1)
    three, trace_three, _ = _replay(tmp_path, text, lambda contact, arm: arm == "b", workers=3)
    assert one["winner"] == "b"
    entered = {r["contact"] for r in trace_one if r["type"] == "enter"}
    assert entered == set(ids)
    assert one == three and trace_one == trace_three


def test_an_undecided_experiment_says_so(tmp_path):
    text = flow(EXPERIMENT.replace("decide after 3 per arm", "decide after 500 per arm"))
    decision, records, _ = _replay(tmp_path, text, lambda contact, arm: False)
    assert decision["winner"] is None and decision["decided_at"] is None
    assert not [r for r in records if r["type"] == "experiment_decided"]
    result = run(
        "simulate", tmp_path / "x.nurture", "--contacts", tmp_path / "contacts.csv",
        "--events", tmp_path / "events.jsonl", "--start", "2026-01-05", "--until", "2026-03-01",
    )  # fmt: skip
    assert "undecided at the end" in result.output
