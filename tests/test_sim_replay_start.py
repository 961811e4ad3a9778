"""Where a replay starts (docs/simulation.md, "Where a replay starts"), the
report's words for it, the warnings of a --start before the inputs end, and
the progress bar (progress.py), drawn on a fake terminal in-process."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner

from nurturedsl.cli import main
from nurturedsl.sim import command
from nurturedsl.sim.progress import Progress

from .conftest import PLAYBOOKS, ROOT, write

PLAYBOOK = """\
content note give "Note"

score lead {
  +30 on visited("pricing")
  threshold hot at 50 -> move to fast
}

flow inbound {
  entry on downloaded("resource")
  email welcome: note
}

flow fast {
  email f1: note
}

flow quiet {
  entry when not visited("pricing") within 7d and tagged "watch"
  email nudge: note
}
"""

# c1's whole history, before the default start
HISTORY = [
    {"contact": "c1", "at": "2026-03-01T10:00:00Z", "event": "downloaded", "args": ["resource"]},
    {"contact": "c1", "at": "2026-03-02T10:00:00Z", "event": "visited", "args": ["pricing"]},
    {"contact": "c1", "at": "2026-03-03T09:00:00Z", "event": "visited", "args": ["pricing"]},
]


def run(*args):
    return CliRunner().invoke(main, ["simulate", *map(str, args)], catch_exceptions=False)


def inputs(tmp_path, contacts: str = '{"id": "c1", "tags": ["watch"]}\n', events=HISTORY):
    playbook = write(tmp_path, "p.nurture", PLAYBOOK)
    people = write(tmp_path, "contacts.jsonl", contacts)
    happened = write(tmp_path, "events.jsonl", "".join(json.dumps(e) + "\n" for e in events))
    return playbook, people, happened


def records(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_history_decides_the_score_and_a_later_entry_and_is_no_touch(tmp_path):
    playbook, people, happened = inputs(tmp_path)
    trace = tmp_path / "trace.jsonl"
    result = run(playbook, "--contacts", people, "--events", happened, "-f", "json", "--trace", trace)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # nothing to warn about, and no bar off a terminal
    report = json.loads(result.stdout)
    # the last event is on 2026-03-03: the run starts at the next midnight UTC
    assert report["start"] == "2026-03-04T00:00:00Z"
    assert report["until"] == "2027-03-04T00:00:00Z"  # 365 days later
    assert report["start_reason"] == "the day after the last event, 2026-03-03: the inputs before it are history"
    # the download is history: it starts no flow, and nothing of it is a touch
    assert report["flows"]["inbound"]["entered"] == 0
    # two pricing visits, 30 each: 60 >= 50 at the start; history crossed `hot`,
    # so the run counts no crossing, only that it was over at the start
    assert report["thresholds"]["lead.hot"] == {"contacts": 0, "crossings": 0, "over_at_start": 1}
    # its `move to fast` happened in the history too: the run does not move them
    assert report["flows"]["fast"]["entered"] == 0
    # quiet: not visited within 7d of the last visit (03-03 09:00) is true 7d and a second later
    assert report["flows"]["quiet"]["entered"] == 1
    assert report["touches"]["total"] == 1
    touches = [(r["step"], r["at"]) for r in records(trace) if r["type"] == "touch"]
    assert touches == [("nudge", "2026-03-10T09:00:01Z")]
    assert all(r["at"] >= "2026-03-04" for r in records(trace)), "the history is not in the trace"


def test_the_text_report_says_where_and_why_it_starts(tmp_path):
    playbook, people, happened = inputs(tmp_path)
    lines = run(playbook, "--contacts", people, "--events", happened).stdout.splitlines()
    assert lines[1:3] == [
        "from 2026-03-04T00:00:00Z until 2027-03-04T00:00:00Z",
        "start: the day after the last event, 2026-03-03: the inputs before it are history",
    ]
    given = run(playbook, "--contacts", people, "--events", happened, "--start", "2026-03-05").stdout
    assert given.splitlines()[1:3] == [
        "from 2026-03-05T00:00:00Z until 2027-03-05T00:00:00Z",
        "start: given with --start",
    ]
    responses = ROOT / "examples" / "responses.toml"
    cohort = run(PLAYBOOKS / "programme.nurture", "--cohort", 20, "--responses", responses, "--runs", 1).stdout
    assert cohort.splitlines()[1:3] == [
        "from 2026-01-01T00:00:00Z until 2027-01-01T00:00:00Z",
        "start: the forecast's default, 2026-01-01",
    ]


def test_a_later_created_at_date_moves_the_start_and_no_events_need_one(tmp_path):
    contacts = '{"id": "c1", "tags": ["watch"]}\n{"id": "c2", "created_at": "2026-03-20"}\n'
    playbook, people, happened = inputs(tmp_path, contacts)
    report = json.loads(run(playbook, "--contacts", people, "--events", happened, "-f", "json").stdout)
    assert report["start"] == "2026-03-21T00:00:00Z"
    assert report["start_reason"].startswith("the day after the latest created_at date, 2026-03-20:")
    # c1's last visit was 18 days before the start: `quiet` is entered at once
    assert report["flows"]["quiet"]["entered"] == 1 and report["flows"]["inbound"]["entered"] == 0
    alone = json.loads(run(playbook, "--contacts", people, "-f", "json").stdout)
    assert alone["start"] == "2026-03-21T00:00:00Z"
    empty = write(tmp_path, "empty.csv", "contact,at,event,args\n")  # a header, no events
    assert json.loads(run(playbook, "--contacts", people, "--events", empty, "-f", "json").stdout)["start"] == (
        "2026-03-21T00:00:00Z"
    )


def test_nothing_to_start_from_asks_for_start(tmp_path):
    playbook, people, _ = inputs(tmp_path)
    result = run(playbook, "--contacts", people)
    assert result.exit_code == 2
    assert "nothing to start from: no events and no created_at dates; give --start DATE" in result.stderr


def test_an_until_before_the_default_start_says_where_the_start_came_from(tmp_path):
    playbook, people, happened = inputs(tmp_path)
    result = run(playbook, "--contacts", people, "--events", happened, "--until", "2026-03-04")
    assert result.exit_code == 2
    assert "--until 2026-03-04T00:00:00Z is not after the start, 2026-03-04T00:00:00Z (the day after" in result.stderr
    assert "give --start for an earlier one" in result.stderr


def test_a_start_before_the_history_replays_it_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setattr(command, "TERMINAL_DELAY", 0.0)  # only stderr not being a terminal keeps the bar off
    contacts = '{"id": "c1", "tags": ["watch"]}\n{"id": "c2", "created_at": "2026-03-02"}\n'
    playbook, people, happened = inputs(tmp_path, contacts)
    result = run(playbook, "--contacts", people, "--events", happened, "--start", "2026-03-02", "-f", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    events = (
        "2 events of 1 contact are after --start 2026-03-02: they are replayed as simulated time, "
        "as they happened; without --start the run starts after the last event"
    )
    # the 03-01 download is before this start (history); created on the start's day is not after it
    assert report["notes"] == [events]
    assert result.stderr == f"nurturedsl: warning: {events}\n"
    assert report["flows"]["inbound"]["entered"] == 0
    # the visits happen in the run: `hot` is crossed at the second one
    assert report["thresholds"]["lead.hot"] == {"contacts": 1, "crossings": 1, "over_at_start": 0}
    early = run(playbook, "--contacts", people, "--events", happened, "--start", "2026-02-28", "-f", "json")
    notes = json.loads(early.stdout)["notes"]
    assert notes[0].startswith("3 events of 1 contact are after --start 2026-02-28:")
    assert notes[1] == (
        "1 contact was created after --start 2026-02-28 (created_at): each is looked at from its created_at date on"
    )
    assert json.loads(early.stdout)["flows"]["inbound"]["entered"] == 1


def test_an_undated_unsubscribed_flag_is_history_without_start():
    from .test_sim_value_maps import CONTACTS, MAP, PROGRAMME

    # c2 unsubscribed on 2026-02-01 (the last dated event: start 02-02); c3 is flagged with no date
    report = json.loads(run(PROGRAMME, "--contacts", CONTACTS, "--map", MAP, "-f", "json").stdout)
    assert report["start"] == "2026-02-02T00:00:00Z"
    assert report["unsubscribes"] == 0, "both opted out before the run: history, not the run's unsubscribes"
    given = json.loads(
        run(PROGRAMME, "--contacts", CONTACTS, "--map", MAP, "--start", "2026-02-02", "-f", "json").stdout
    )
    assert given["unsubscribes"] == 1  # with --start, c3's flag is an event at the start, as documented


# -- the progress bar


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_bar_shows_done_rate_and_time_left():
    out, clock = io.StringIO(), Clock()
    bar = Progress(out, 1000, clock=clock)
    clock.now += 2
    bar.update(250)  # 250 in 2 s: 125/s, 750 left: 6 s
    assert out.getvalue() == "\rsimulating [######------------------] 250/1,000 contacts  125/s  ETA 0:06"
    clock.now += 0.05
    bar.update(10)  # too soon after the last drawing: nothing
    assert out.getvalue().count("\r") == 1
    clock.now += 6
    bar.show(1000)  # the end is drawn, with the time it took
    bar.finish()
    assert out.getvalue().endswith("\rsimulating [########################] 1,000/1,000 contacts  124/s  took 0:08\n")


def test_the_bar_waits_for_its_delay_and_a_quick_pass_leaves_nothing():
    out, clock = io.StringIO(), Clock()
    bar = Progress(out, 10, "simulating, pass 2", delay=1.0, clock=clock)
    clock.now += 0.5
    bar.update(9)
    bar.finish()
    assert out.getvalue() == ""
    late = Progress(out, 4000, "simulating, pass 2", delay=1.0, clock=clock)
    clock.now += 3725  # a long one: 1:02:05 so far for a quarter
    late.update(1000)
    assert out.getvalue().startswith("\rsimulating, pass 2 [######------------------] 1,000/4,000 contacts  0/s")
    assert out.getvalue().endswith("ETA 3:06:15")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("workers", [1, 2])
def test_a_run_on_a_terminal_draws_the_bar_on_stderr_and_not_in_the_report(tmp_path, monkeypatch, workers):
    contacts = "".join(f'{{"id": "c{i}", "tags": ["watch"]}}\n' for i in range(1, 6))
    playbook, people, happened = inputs(tmp_path, contacts)
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    monkeypatch.setattr(command, "TERMINAL_DELAY", 0.0)
    written: dict = {}
    options = command.Options(
        playbook=str(playbook), contacts=str(people), events=str(happened), mapping=(), skip_bad_rows=False,
        cohort=None, responses=None, runs=1, seed=0, start=None, until=None, output_format="json", trace=None,
        contact=None, workers=workers, output=str(tmp_path / "r.json"), progress=None,
    )  # fmt: skip
    assert command.run_simulate(options, lambda path, text: written.setdefault(path, text)) == 0
    drawn = terminal.getvalue()
    # with 2 workers, the count the workers add to: every contact of both slices
    assert "[########################] 5/5 contacts" in drawn
    assert drawn.startswith("\rsimulating [")
    assert drawn.endswith("\n") and drawn.count("\n") == 1
    plain = run(playbook, "--contacts", people, "--events", happened, "-f", "json")
    assert written[str(tmp_path / "r.json")] == plain.stdout  # the report's bytes do not depend on the bar


def test_each_pass_of_an_experiment_has_its_own_bar(tmp_path, monkeypatch):
    playbook = write(
        tmp_path,
        "x.nurture",
        'content a give "A"\ncontent b give "B"\nflow welcome {\n  entry on registered("webinar")\n'
        '  experiment t {\n    goal booked("demo")\n    window 2d\n    decide after 1 per arm\n'
        '    50% "a" { email a_mail: a }\n    50% "b" { email b_mail: b }\n  }\n}\n',
    )
    ids = [f"c{i}" for i in range(8)]
    people = write(tmp_path, "c.csv", "id,email\n" + "".join(f"{c},{c}@x.example\n" for c in ids))
    lines = [
        {"contact": c, "at": f"2026-01-{5 + i:02d}T09:00:00Z", "event": "registered", "args": ["webinar"]}
        for i, c in enumerate(ids)
    ]
    happened = write(tmp_path, "e.jsonl", "".join(json.dumps(e) + "\n" for e in lines))
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    monkeypatch.setattr(command, "TERMINAL_DELAY", 0.0)
    options = command.Options(
        playbook=str(playbook), contacts=str(people), events=str(happened), mapping=(), skip_bad_rows=False,
        cohort=None, responses=None, runs=1, seed=0, start="2026-01-05", until="2026-02-01", output_format="json",
        trace=None, contact=None, workers=1, output=str(tmp_path / "r.json"), progress=None,
    )  # fmt: skip
    written: dict = {}
    assert command.run_simulate(options, lambda path, text: written.setdefault(path, text)) == 0
    report = json.loads(written[str(tmp_path / "r.json")])
    assert report["experiments"]["welcome.t"]["runs"][0]["winner"] is not None
    drawn = terminal.getvalue()
    # the decision makes a second pass, which decides nothing new
    assert "\rsimulating, pass 1 [" in drawn and "\rsimulating, pass 2 [" in drawn and "pass 3" not in drawn
    assert drawn.count("\n") == 3  # the warning of the --start before the events, and one line per pass


def test_an_events_file_with_no_events_is_no_events_whatever_its_format(tmp_path):
    contacts = '{"id": "c1", "created_at": "2026-03-20"}\n'
    playbook, people, _ = inputs(tmp_path, contacts)
    for name, text in (("zero.jsonl", ""), ("zero.csv", ""), ("header.csv", "contact,at,event,args\n")):
        happened = write(tmp_path, name, text)
        result = run(playbook, "--contacts", people, "--events", happened, "-f", "json")
        assert result.exit_code == 0, (name, result.output)
        assert json.loads(result.stdout)["start"] == "2026-03-21T00:00:00Z"
