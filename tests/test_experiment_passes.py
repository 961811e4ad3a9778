"""A decision's pass runs only the contacts it can change.

docs/simulation.md ("Experiments"): a programme with experiments is
simulated in rounds, each with the decisions known so far, and the last
round is the result. A decision changes only the runs that drew an arm of
its experiment before it was decided, so after the first pass the
simulator runs just the contacts that drew an arm of an undecided
experiment, adds the difference to the tallies and puts their trace lines
in place of the old. The oracle is the docs' plain reading: one more pass
over everyone with the decisions taken gives the same tallies and the same
trace, from every source, on any number of workers, with any number of
runs; and the report does not depend on whether a trace is written.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from nurturedsl.cli import main
from nurturedsl.sim import command
from nurturedsl.sim.executors import LocalExecutor, Plan
from nurturedsl.sim.nodes import stable_fraction
from nurturedsl.sim.report import Tally

from .conftest import write
from .test_experiment import CONTENT

# Two experiments: the second is in a flow that only contacts the first one
# tagged can enter, so its pass depends on what the first decision changed.
PLAYBOOK = (
    CONTENT
    + """
flow welcome {
  entry on registered("webinar")
  experiment subject_test {
    goal opened within 2d
    window 2d
    decide after 20 per arm
    50% "a" { email a_mail: roi_story }
    50% "b" { email b_mail: case_study }
  }
  tag "tested"
  wait 3d
  email follow: roi_story
}

flow again {
  entry when tagged "tested" and opened within 30d
  experiment second_test {
    goal clicked within 3d
    window 3d
    decide after 10 per arm
    50% "x" { email x_mail: roi_story }
    50% "y" { email y_mail: case_study }
  }
  email later: case_study
}
"""
)

# Half the cohort registers over 60 days; the case study is opened more.
RESPONSES = """\
[[arrivals]]
event = "registered"
arg = "webinar"
probability = 0.5
within = "60d"

[responses.email]
open = 0.3
click = 0.1

[responses.content.case_study]
open = 0.6
"""


def run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def simulate(tmp_path, inputs: list, extra: list, name: str, monkeypatch=None) -> tuple[bytes, bytes, str]:
    """The report untraced, the report traced, and the untraced run's
    stderr. With `monkeypatch`, the traced run's tallies and trace are also
    checked against the oracle: everyone run once more with its decisions."""
    if monkeypatch is not None:
        _check_against_the_last_round(tmp_path, monkeypatch)
    reports = []
    for traced in (False, True):
        out = tmp_path / f"{name}-{traced}.json"
        args = ["simulate", tmp_path / "x.nurture", *inputs, *extra, "--format", "json", "-o", out]
        args += ["--trace", tmp_path / f"{name}.jsonl"] if traced else ["--progress"]
        result = run(*args)
        assert result.exit_code == 0, result.output + result.stderr
        if not traced:
            stderr = result.stderr
        reports.append(out.read_bytes())
    return reports[0], reports[1], stderr


def _check_against_the_last_round(tmp_path, monkeypatch) -> None:
    real = command.simulate

    def simulate_and_check(job, count, workers, trace_path, progress, plan=None):
        tallies = real(job, count, workers, trace_path, progress, plan)
        if trace_path is not None:
            oracle = tmp_path / "oracle.jsonl"
            again = LocalExecutor(Plan()).run(job, count, str(oracle), None)
            assert {run: _state(t, "undecided") for run, t in tallies.items()} == {
                run: _state(t, "undecided") for run, t in again.items()
            }
            with open(trace_path, "rb") as ours:
                assert ours.read() == oracle.read_bytes()
        return tallies

    monkeypatch.setattr(command, "simulate", simulate_and_check)


def decided(report: bytes) -> dict[str, list]:
    body = json.loads(report)
    return {name: [r["winner"] for r in found["runs"]] for name, found in body["experiments"].items()}


@pytest.mark.parametrize(
    "extra",
    [
        [],
        ["--workers", "2"],
        ["--workers", "3", "--buckets", "7"],
        ["--runs", "2"],
        ["--runs", "3", "--workers", "2"],
    ],
)
def test_a_cohort_counts_and_traces_what_the_last_round_over_everyone_does(tmp_path, monkeypatch, extra):
    write(tmp_path, "x.nurture", PLAYBOOK)
    write(tmp_path, "responses.toml", RESPONSES)
    inputs = ["--cohort", 1200, "--responses", tmp_path / "responses.toml", "--seed", 3]
    plain, traced, _ = simulate(tmp_path, inputs, extra, "cohort", monkeypatch)
    assert plain == traced
    # the case is one that re-runs: both experiments decide in every run
    assert all(winner is not None for winners in decided(plain).values() for winner in winners), decided(plain)


def test_each_pass_after_the_first_runs_only_who_drew_an_undecided_arm(tmp_path):
    write(tmp_path, "x.nurture", PLAYBOOK)
    write(tmp_path, "responses.toml", RESPONSES)
    inputs = ["--cohort", 1200, "--runs", 1, "--responses", tmp_path / "responses.toml", "--seed", 3]
    plain, _, stderr = simulate(tmp_path, inputs, [], "cohort")
    totals = {
        int(found[1]): int(found[2].replace(",", ""))
        for found in re.finditer(r"simulating, pass (\d)\D.*? \d[\d,]*/([\d,]+) contacts", stderr.replace("\r", "\n"))
    }
    body = json.loads(plain)
    # Pass 1: everyone. Every entry into welcome draws subject_test's arm at
    # once, undecided in pass 1: pass 2 runs those contacts, and no one
    # else. The same for again's second_test in pass 2 (entries into again
    # before its decision), and nothing decides after pass 3.
    welcome = body["flows"]["welcome"]["contacts"]
    again = body["flows"]["again"]["contacts"]
    assert set(totals) == {1, 2, 3}, stderr
    assert totals[1] == 1200
    assert totals[2] == welcome < 1200
    assert totals[3] <= again < welcome


# -- replayed contacts ---------------------------------------------------------

START = dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc)

REPLAYED = (
    CONTENT
    + """
flow welcome {
  entry on registered("webinar")
  tag "seen"
  experiment subject_test {
    goal booked("demo")
    window 2d
    decide after 3 per arm
    50% "a" { email a_mail: roi_story }
    50% "b" { email b_mail: case_study }
  }
  wait 2d
}

flow again {
  entry when tagged "seen" and booked("demo") within 10d
  experiment second_test {
    goal visited("pricing")
    window 3d
    decide after 2 per arm
    50% "x" { email x_mail: roi_story }
    50% "y" { email y_mail: case_study }
  }
}
"""
)


def _replay_files(tmp_path, count: int = 40) -> list:
    """Contact cNN registers on day NN/2 at 09:00; arm b's contacts book a
    demo a day later, and those in arm y of the second experiment (as its
    draw would put them) visit pricing a day after that. Sorted by id."""
    ids = [f"c{i:02d}" for i in range(count)]
    write(tmp_path, "contacts.csv", "id,email\n" + "".join(f"{c},{c}@example.com\n" for c in ids))
    lines = []
    for i, contact in enumerate(ids):
        enter = START + dt.timedelta(hours=12 * i + 9)
        lines.append((contact, enter, "registered", "webinar"))
        if stable_fraction(contact, "welcome", "subject_test") >= 0.5 or i % 5 == 0:
            lines.append((contact, enter + dt.timedelta(days=1), "booked", "demo"))
            if stable_fraction(contact, "again", "second_test") >= 0.5:
                lines.append((contact, enter + dt.timedelta(days=2), "visited", "pricing"))
    text = "contact,at,event,args\n" + "".join(f"{c},{at.isoformat()},{e},{a}\n" for c, at, e, a in lines)
    write(tmp_path, "events.csv", text)
    return [tmp_path / "contacts.csv", tmp_path / "events.csv"]


def _span() -> list:
    return ["--start", "2026-01-05", "--until", "2026-03-01"]


@pytest.mark.parametrize("extra", [[], ["--workers", "2"], ["--sorted"], ["--sorted", "--workers", "2"]])
def test_a_replay_counts_and_traces_what_the_last_round_over_everyone_does(tmp_path, monkeypatch, extra):
    write(tmp_path, "x.nurture", REPLAYED)
    contacts, events = _replay_files(tmp_path)
    inputs = ["--contacts", contacts, "--events", events, *_span()]
    plain, traced, _ = simulate(tmp_path, inputs, extra, "replay", monkeypatch)
    assert plain == traced
    assert all(winner is not None for winners in decided(plain).values() for winner in winners), decided(plain)
    # and it is the report of the same files read whole on one worker
    if extra:
        whole, _, _ = simulate(tmp_path, ["--contacts", contacts, "--events", events, *_span()], [], "whole")
        assert plain == whole


def test_a_prepared_folder_counts_and_traces_what_the_last_round_over_everyone_does(tmp_path, monkeypatch):
    pytest.importorskip("duckdb")
    pytest.importorskip("pyarrow")
    write(tmp_path, "x.nurture", REPLAYED)
    contacts, events = _replay_files(tmp_path)
    folder = tmp_path / "prepared"
    result = run("prepare", contacts, events, "-o", folder, "--buckets", 3)
    assert result.exit_code == 0, result.output + result.stderr
    for extra in ([], ["--workers", "2"]):
        plain, traced, _ = simulate(tmp_path, ["--contacts", folder, *_span()], extra, "prepared", monkeypatch)
        assert plain == traced
        assert all(winner is not None for winners in decided(plain).values() for winner in winners)


# -- the arithmetic under it -----------------------------------------------------

FLOWS = st.sampled_from(["welcome", "again"])
STEPS = st.sampled_from(["a_mail", "b_mail", None])
CALL = st.one_of(
    st.tuples(st.just("contact"), st.integers(0, 4), st.booleans()),
    st.tuples(st.just("entry"), FLOWS, st.booleans(), st.integers(0, 3)),
    st.tuples(st.just("left"), FLOWS, st.sampled_from(["done", "exit on replied"]), st.booleans(), STEPS),
    st.tuples(st.just("transition"), FLOWS, st.sampled_from(["a_mail", "wait_1"]), st.integers(0, 2)),
    st.tuples(st.just("touch"), FLOWS, st.sampled_from(["email", "sms"]), st.sampled_from(["give", None]), STEPS),
    st.tuples(st.just("defer"), st.sampled_from(["cap", "quiet hours"]), FLOWS, STEPS, st.booleans()),
    st.tuples(st.just("rated"), FLOWS, st.sampled_from(["entries", "sends"]), st.integers(0, 3)),
    st.tuples(
        st.just("experiment_window"), st.just("welcome.subject_test"), st.integers(0, 1), st.floats(0, 9), st.booleans()
    ),
)


def _tally(calls) -> Tally:
    tally = Tally()
    for name, *args in calls:
        getattr(tally, name)(*args)
    return tally


def _state(tally: Tally, *leaving: str) -> dict:
    """Every count with its key set: Counter(a=0) == Counter() would hide a key."""
    out = {}
    for name, value in vars(tally).items():
        if name in leaving:
            continue
        if isinstance(value, dict):
            out[name] = {key: dict(inner) if isinstance(inner, dict) else inner for key, inner in value.items()}
        else:
            out[name] = value if isinstance(value, int) else list(value)
    return out


@given(st.lists(CALL, max_size=30), st.lists(CALL, max_size=30))
def test_taking_off_what_some_contacts_counted_leaves_the_tally_of_the_others(kept, taken):
    # the re-run's law: tally(kept + taken) - tally(taken), tidied, is tally(kept), keys and all
    both = _tally(kept + taken)
    both.subtract(_tally(taken))
    both.tidy()
    assert _state(both) == _state(_tally(kept))


def test_a_trace_its_contacts_ran_again_in_has_the_mode_of_any_output(tmp_path):
    # the re-run's lines go in through a new file; it must not keep mkstemp's 0600
    write(tmp_path, "x.nurture", REPLAYED)
    contacts, events = _replay_files(tmp_path)
    trace = tmp_path / "t.jsonl"
    old = os.umask(0o022)
    try:
        result = run("simulate", tmp_path / "x.nurture", "--contacts", contacts, "--events", events, *_span(),
                     "--format", "json", "--trace", trace)  # fmt: skip
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert all(winner is not None for winners in decided(result.stdout.encode()).values() for winner in winners)
    assert trace.stat().st_mode & 0o777 == 0o644
